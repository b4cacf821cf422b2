//! Exact decimal numbers for thresholds, volumes, prices and scores.
//!
//! Every number a rule compares is an integer count of a fixed decimal unit: `Fixed<3>` is
//! thousandths, `Fixed<2>` hundredths. A weighted score of indicators with two decimals and
//! weights with four decimals is exact in six decimals, so a customer sitting exactly on a cut
//! point lands where the rule says — floating point would put some at 74.99999999999999.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A decimal with `D` digits after the point, stored as an integer count of 10^-D.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fixed<const D: u32>(pub i64);

/// Volumes in cases (thousandths of a case).
pub type Cases = Fixed<3>;
/// Money in yuan (fen), prices per carton, shop area in m², indicator points 0–100.
pub type Cents = Fixed<2>;
/// Weights and shares (basis points of 1).
pub type Weight = Fixed<4>;
/// Weighted scores: two-decimal points times four-decimal weights, exact.
pub type Score = Fixed<6>;

/// Which way [`Fixed::parse_spreadsheet`] rounds a value with more decimals than it keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    /// Refuse it.
    Exact,
    /// Toward +∞ (the next representable value at or above it).
    Up,
    /// Toward −∞ (the representable value at or below it).
    Down,
    /// To the nearest, halves away from zero (money).
    HalfUp,
}

/// Why a text is not a decimal the field accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseFixedError {
    Empty,
    NotANumber,
    TooManyDecimals(u32),
    TooLarge,
}

impl fmt::Display for ParseFixedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => write!(f, "empty value"),
            Self::NotANumber => write!(f, "not a number"),
            Self::TooManyDecimals(d) => write!(f, "at most {d} decimal places"),
            Self::TooLarge => write!(f, "number too large"),
        }
    }
}

impl std::error::Error for ParseFixedError {}

impl<const D: u32> Fixed<D> {
    pub const SCALE: i64 = 10i64.pow(D);
    pub const ZERO: Self = Self(0);

    pub const fn from_raw(raw: i64) -> Self {
        Self(raw)
    }

    pub const fn raw(self) -> i64 {
        self.0
    }

    pub const fn from_int(v: i64) -> Self {
        Self(v * Self::SCALE)
    }

    /// Reads a plain decimal ("12.3", "-0.25", "+7", "20.000") without going through floating point.
    pub fn parse(text: &str) -> Result<Self, ParseFixedError> {
        Self::parse_bytes(text.as_bytes())
    }

    /// [`Self::parse`] on raw bytes (ASCII whitespace around the number is ignored), in one pass:
    /// the CSV reader calls it for every field.
    pub fn parse_bytes(text: &[u8]) -> Result<Self, ParseFixedError> {
        let s = text.trim_ascii();
        let (neg, digits) = match s.first() {
            None => return Err(ParseFixedError::Empty),
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            Some(_) => (false, s),
        };
        let (mut int, mut frac) = (0i64, 0i64);
        let mut seen_digit = false;
        let mut decimals: Option<u32> = None;
        for &b in digits {
            match b {
                b'0'..=b'9' => {
                    seen_digit = true;
                    let d = i64::from(b - b'0');
                    match &mut decimals {
                        None => {
                            int = int
                                .checked_mul(10)
                                .and_then(|r| r.checked_add(d))
                                .ok_or(ParseFixedError::TooLarge)?;
                        }
                        // Zeros beyond the scale are harmless ("1.500" as cents).
                        Some(n) if *n == D => {
                            if d != 0 {
                                return Err(ParseFixedError::TooManyDecimals(D));
                            }
                        }
                        Some(n) => {
                            *n += 1;
                            frac = frac * 10 + d;
                        }
                    }
                }
                b'.' if decimals.is_none() => decimals = Some(0),
                _ => return Err(ParseFixedError::NotANumber),
            }
        }
        if !seen_digit {
            return Err(ParseFixedError::NotANumber);
        }
        let n = decimals.unwrap_or(0);
        let raw = int
            .checked_mul(Self::SCALE)
            .and_then(|r| r.checked_add(frac * 10i64.pow(D - n)))
            .ok_or(ParseFixedError::TooLarge)?;
        Ok(Self(if neg { -raw } else { raw }))
    }

    /// Reads a number as spreadsheets write it — any number of decimals (`12.3333333333333`), the
    /// exponent form (`1.2E+3`, `5e-4`), a sign — exactly (no floating point), rounded to `D`
    /// decimals in the direction `rounding` says; `Exact` refuses a value that would need
    /// rounding ([`ParseFixedError::TooManyDecimals`]). Which direction keeps a decision exact
    /// depends on how the value is compared: a volume checked against bounds that close a band
    /// ("at most") rounds up, so a value just above a bound stays above it; a price checked
    /// against floors ("at least") rounds down, so a value just below a floor stays below it.
    pub fn parse_spreadsheet(text: &str, rounding: Rounding) -> Result<Self, ParseFixedError> {
        Self::parse_spreadsheet_bytes(text.as_bytes(), rounding)
    }

    /// [`Self::parse_spreadsheet`] on raw bytes; a plain decimal of at most `D` places (nearly
    /// every cell) takes the one-pass path of [`Self::parse_bytes`].
    pub fn parse_spreadsheet_bytes(
        text: &[u8],
        rounding: Rounding,
    ) -> Result<Self, ParseFixedError> {
        match Self::parse_bytes(text) {
            Ok(v) => return Ok(v),
            Err(ParseFixedError::Empty) => return Err(ParseFixedError::Empty),
            Err(_) => {}
        }
        let s = text.trim_ascii();
        let (neg, rest) = match s.first() {
            None => return Err(ParseFixedError::Empty),
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            Some(_) => (false, s),
        };
        // Mantissa digits (leading zeros dropped) and the power of ten of the last one.
        let (mantissa, exponent) = match rest.iter().position(|b| matches!(b, b'e' | b'E')) {
            Some(at) => (&rest[..at], Some(&rest[at + 1..])),
            None => (rest, None),
        };
        let mut digits: Vec<u8> = Vec::with_capacity(mantissa.len());
        let mut point: Option<usize> = None;
        for &b in mantissa {
            match b {
                b'0'..=b'9' => digits.push(b - b'0'),
                b'.' if point.is_none() => point = Some(digits.len()),
                _ => return Err(ParseFixedError::NotANumber),
            }
        }
        if digits.is_empty() {
            return Err(ParseFixedError::NotANumber);
        }
        let mut power: i64 = -((digits.len() - point.unwrap_or(digits.len())) as i64);
        if let Some(e) = exponent {
            let (eneg, edigits) = match e.first() {
                Some(b'-') => (true, &e[1..]),
                Some(b'+') => (false, &e[1..]),
                _ => (false, e),
            };
            if edigits.is_empty() || !edigits.iter().all(u8::is_ascii_digit) {
                return Err(ParseFixedError::NotANumber);
            }
            // Past a few hundred the value is zero or too large whatever the digits.
            let mut ev: i64 = 0;
            for &d in edigits {
                ev = (ev * 10 + i64::from(d - b'0')).min(100_000);
            }
            power += if eneg { -ev } else { ev };
        }
        // Value = digits × 10^power; in units of 10^-D: digits × 10^(power + D).
        let shift = power + i64::from(D);
        let keep = (digits.len() as i64 + shift.min(0)).max(0) as usize;
        let mut raw: i64 = 0;
        for &d in &digits[..keep] {
            raw = raw
                .checked_mul(10)
                .and_then(|r| r.checked_add(i64::from(d)))
                .ok_or(ParseFixedError::TooLarge)?;
        }
        if shift > 0 && raw != 0 {
            let scale = 10i64
                .checked_pow(u32::try_from(shift).map_err(|_| ParseFixedError::TooLarge)?)
                .ok_or(ParseFixedError::TooLarge)?;
            raw = raw.checked_mul(scale).ok_or(ParseFixedError::TooLarge)?;
        }
        // What lies below 10^-D: its first digit (0 when the value is smaller still) and whether
        // any digit is not zero.
        let dropped = &digits[keep..];
        let first = if (digits.len() as i64 + shift) < 0 {
            0
        } else {
            dropped.first().copied().unwrap_or(0)
        };
        let inexact = dropped.iter().any(|&d| d != 0);
        let magnitude_up = match rounding {
            Rounding::Exact if inexact => return Err(ParseFixedError::TooManyDecimals(D)),
            Rounding::Exact => false,
            Rounding::HalfUp => first >= 5,
            // Toward +∞ or −∞: away from zero for one sign, toward it for the other.
            Rounding::Up => inexact && !neg,
            Rounding::Down => inexact && neg,
        };
        if magnitude_up {
            raw = raw.checked_add(1).ok_or(ParseFixedError::TooLarge)?;
        }
        Ok(Self(if neg { -raw } else { raw }))
    }

    /// Converts a JSON/float number that a person typed as a decimal. The nearest double of a
    /// decimal with at most `D` places rounds back to it exactly; more places are refused.
    pub fn from_f64(v: f64) -> Result<Self, ParseFixedError> {
        if !v.is_finite() {
            return Err(ParseFixedError::NotANumber);
        }
        let scaled = v * Self::SCALE as f64;
        if scaled.abs() > 9.0e15 {
            return Err(ParseFixedError::TooLarge);
        }
        let rounded = scaled.round();
        // Tolerance well above double rounding noise, far below one unit of the last place.
        if (scaled - rounded).abs() > 1e-6 * scaled.abs().max(1.0) {
            return Err(ParseFixedError::TooManyDecimals(D));
        }
        Ok(Self(rounded as i64))
    }

    pub fn to_f64(self) -> f64 {
        self.0 as f64 / Self::SCALE as f64
    }

    /// Changes the number of decimals; when `E < D` the value is rounded half away from zero.
    pub fn rescale<const E: u32>(self) -> Fixed<E> {
        if E >= D {
            Fixed(self.0 * 10i64.pow(E - D))
        } else {
            let div = 10i64.pow(D - E);
            let half = div / 2;
            let r = if self.0 >= 0 {
                (self.0 + half) / div
            } else {
                (self.0 - half) / div
            };
            Fixed(r)
        }
    }

    pub fn saturating_sub(self, other: Self) -> Self {
        Self(self.0.saturating_sub(other.0))
    }

    pub fn clamp(self, lo: Self, hi: Self) -> Self {
        Self(self.0.clamp(lo.0, hi.0))
    }
}

impl<const D: u32> std::ops::Add for Fixed<D> {
    type Output = Self;
    fn add(self, rhs: Self) -> Self {
        Self(self.0 + rhs.0)
    }
}

impl<const D: u32> std::ops::Sub for Fixed<D> {
    type Output = Self;
    fn sub(self, rhs: Self) -> Self {
        Self(self.0 - rhs.0)
    }
}

impl<const D: u32> Fixed<D> {
    /// The shortest exact decimal ("20", "12.3", "74.9975") written into `buf`, without
    /// allocating; `Display` and the CSV writer both use it.
    pub fn to_ascii(self, buf: &mut [u8; 24]) -> &[u8] {
        let abs = self.0.unsigned_abs();
        let scale = Self::SCALE as u64;
        let (mut int, mut frac) = (abs / scale, abs % scale);
        let mut end = buf.len();
        if frac != 0 {
            let mut width = D;
            while frac.is_multiple_of(10) {
                frac /= 10;
                width -= 1;
            }
            for _ in 0..width {
                end -= 1;
                buf[end] = b'0' + (frac % 10) as u8;
                frac /= 10;
            }
            end -= 1;
            buf[end] = b'.';
        }
        loop {
            end -= 1;
            buf[end] = b'0' + (int % 10) as u8;
            int /= 10;
            if int == 0 {
                break;
            }
        }
        if self.0 < 0 {
            end -= 1;
            buf[end] = b'-';
        }
        &buf[end..]
    }
}

impl<const D: u32> fmt::Display for Fixed<D> {
    /// Shortest exact decimal: "20", "12.3", "74.9975".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 24];
        let text = self.to_ascii(&mut buf);
        // Only ASCII digits, '.' and '-' were written.
        f.write_str(std::str::from_utf8(text).map_err(|_| fmt::Error)?)
    }
}

impl<const D: u32> fmt::Debug for Fixed<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl<const D: u32> std::str::FromStr for Fixed<D> {
    type Err = ParseFixedError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Serialised as a JSON number ("12.3"), so policy files read naturally.
impl<const D: u32> Serialize for Fixed<D> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0 % Self::SCALE == 0 {
            s.serialize_i64(self.0 / Self::SCALE)
        } else {
            s.serialize_f64(self.to_f64())
        }
    }
}

impl<'de, const D: u32> Deserialize<'de> for Fixed<D> {
    fn deserialize<De: Deserializer<'de>>(d: De) -> Result<Self, De::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Num {
            I(i64),
            F(f64),
            S(String),
        }
        match Num::deserialize(d)? {
            Num::I(i) => i
                .checked_mul(Self::SCALE)
                .map(Self)
                .ok_or_else(|| serde::de::Error::custom("number too large")),
            Num::F(f) => Self::from_f64(f).map_err(serde::de::Error::custom),
            Num::S(s) => Self::parse(&s).map_err(serde::de::Error::custom),
        }
    }
}

/// `a × b` exactly, where `a` has `A` decimals and `b` has `B`; the result has `A + B` decimals.
pub fn mul<const A: u32, const B: u32, const C: u32>(a: Fixed<A>, b: Fixed<B>) -> Fixed<C> {
    debug_assert_eq!(A + B, C);
    Fixed(a.0 * b.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_decimals_exactly() {
        assert_eq!(Cases::parse("20").unwrap().raw(), 20_000);
        assert_eq!(Cases::parse("12.3").unwrap().raw(), 12_300);
        assert_eq!(Cases::parse("-0.001").unwrap().raw(), -1);
        assert_eq!(Cases::parse(" 7.500 ").unwrap().raw(), 7_500);
        assert_eq!(Cases::parse(".5").unwrap().raw(), 500);
        assert_eq!(Cents::parse("1.50000").unwrap().raw(), 150);
        assert_eq!(Cents::parse("1.").unwrap().raw(), 100);
        assert_eq!(Cents::parse("１"), Err(ParseFixedError::NotANumber));
        assert_eq!(Cents::parse("1.2.3"), Err(ParseFixedError::NotANumber));
        assert_eq!(Cents::parse("."), Err(ParseFixedError::NotANumber));
        assert_eq!(
            Cases::parse("1.0001"),
            Err(ParseFixedError::TooManyDecimals(3))
        );
        assert_eq!(Cases::parse("abc"), Err(ParseFixedError::NotANumber));
        assert_eq!(Cases::parse("1e3"), Err(ParseFixedError::NotANumber));
        assert_eq!(Cases::parse(""), Err(ParseFixedError::Empty));
        assert_eq!(Cases::parse("-"), Err(ParseFixedError::NotANumber));
        assert_eq!(
            Cases::parse("99999999999999999999"),
            Err(ParseFixedError::TooLarge)
        );
    }

    #[test]
    fn spreadsheet_numbers_are_read_exactly_and_rounded_as_asked() {
        use Rounding::*;
        let cases = |t: &str, r| Cases::parse_spreadsheet(t, r).map(Cases::raw);
        assert_eq!(cases("12.3333333", Up), Ok(12_334));
        assert_eq!(cases("12.3333333", Down), Ok(12_333));
        assert_eq!(cases("12.3333333", HalfUp), Ok(12_333));
        assert_eq!(cases("12.3335", HalfUp), Ok(12_334));
        assert_eq!(
            cases("20.0000000001", Up),
            Ok(20_001),
            "just above 20 stays above"
        );
        assert_eq!(
            cases("20.000000", Up),
            Ok(20_000),
            "on the bound stays on it"
        );
        assert_eq!(
            cases("19.9999999999", Down),
            Ok(19_999),
            "just below stays below"
        );
        assert_eq!(cases("1.2E+3", Exact), Ok(1_200_000));
        assert_eq!(cases("1.2e3", Exact), Ok(1_200_000));
        assert_eq!(cases("5e-4", Up), Ok(1));
        assert_eq!(cases("5e-4", Down), Ok(0));
        assert_eq!(cases("5E-4", HalfUp), Ok(1));
        assert_eq!(cases("4.9E-4", HalfUp), Ok(0));
        assert_eq!(cases("1e-300", Up), Ok(1));
        assert_eq!(cases("1e-300", Down), Ok(0));
        assert_eq!(cases("-12.3333333", Up), Ok(-12_333), "up is toward +∞");
        assert_eq!(cases("-12.3333333", Down), Ok(-12_334));
        assert_eq!(cases("-0.0005", HalfUp), Ok(-1));
        assert_eq!(cases("0.000", Exact), Ok(0));
        assert_eq!(cases("007.5", Exact), Ok(7_500));
        assert_eq!(cases(".5e1", Exact), Ok(5_000));
        assert_eq!(
            cases("12.0001", Exact),
            Err(ParseFixedError::TooManyDecimals(3))
        );
        assert_eq!(cases("1e400", Up), Err(ParseFixedError::TooLarge));
        assert_eq!(cases("0e400", Up), Ok(0));
        assert_eq!(
            cases("99999999999999999999", Up),
            Err(ParseFixedError::TooLarge)
        );
        for bad in [
            "", " ", "e3", "1e", "1e+", "1.2.3", "--1", "1,5", "NaN", "inf", "１", "1e3.5", ".",
        ] {
            assert!(cases(bad, Up).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn displays_shortest_exact_form() {
        assert_eq!(Cases::from_raw(20_000).to_string(), "20");
        assert_eq!(Cases::from_raw(12_300).to_string(), "12.3");
        assert_eq!(Score::from_raw(74_997_500).to_string(), "74.9975");
        assert_eq!(Cents::from_raw(-5).to_string(), "-0.05");
    }

    #[test]
    fn floats_typed_as_decimals_round_trip() {
        assert_eq!(Weight::from_f64(0.3).unwrap().raw(), 3000);
        assert_eq!(Weight::from_f64(0.15).unwrap().raw(), 1500);
        assert_eq!(Cases::from_f64(14.0).unwrap().raw(), 14_000);
        assert!(Cents::from_f64(0.123).is_err());
        let w: Weight = serde_json::from_str("0.2").unwrap();
        assert_eq!(w.raw(), 2000);
        assert_eq!(serde_json::to_string(&w).unwrap(), "0.2");
        assert_eq!(serde_json::to_string(&Cases::from_int(20)).unwrap(), "20");
    }

    #[test]
    fn rescale_rounds_half_away_from_zero() {
        assert_eq!(Score::from_raw(74_995_000).rescale::<2>().raw(), 7_500);
        assert_eq!(Score::from_raw(74_994_999).rescale::<2>().raw(), 7_499);
        assert_eq!(Cents::from_raw(-150).rescale::<0>().raw(), -2);
    }
}
