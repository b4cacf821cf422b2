//! The population on the wire (the lab's snapshot): byte planes, amounts as differences from what
//! volume and price imply, service scores in a byte, checked on the way back in.

use super::*;

/// How a [`Population`] travels. Every multi-byte column is sent as byte planes (all the low
/// bytes, then the next bytes, …), one column per number (the grouped score columns split up),
/// and the monthly amount as its difference from `volume × price × 50 cartons`, which is small.
/// Compressed, this is about a sixth smaller than the plain columns; the round trip is exact.
#[derive(Serialize, Deserialize)]
pub struct WireColumns {
    pub(crate) n: u32,
    pub(crate) format: Vec<u8>,
    pub(crate) market: Vec<u8>,
    pub(crate) area: Vec<u8>,
    pub(crate) volume: Vec<u8>,
    pub(crate) price: Vec<u8>,
    /// Zigzag-encoded difference from the implied amount.
    pub(crate) amount_delta: Vec<u8>,
    pub(crate) indicators: Vec<Vec<u8>>,
    pub(crate) violations: Vec<u8>,
    pub(crate) monitored: Vec<bool>,
    pub(crate) has_service: Vec<bool>,
    /// One byte a score (whole points, 255 = not recorded) when every score is whole; else
    /// byte planes of the hundredths.
    pub(crate) service_whole: bool,
    pub(crate) service: Vec<Vec<u8>>,
    pub(crate) manager: Vec<u8>,
    pub(crate) prev_band: Vec<u8>,
    pub(crate) prev_tier: Vec<u8>,
    pub(crate) demonstration: Vec<bool>,
    /// The ranked indicators (contribution, influence, value and background) follow from the
    /// columns: they are left out (empty) and derived again on arrival.
    pub(crate) ranks_derived: bool,
}

/// Whole points in one byte: 0–100, or 255 for not recorded.
pub(crate) const WIRE_NOT_RECORDED: u8 = 255;

/// The amount a customer's volume and price imply at 50 cartons a case, fen (a predictor only).
pub(crate) fn implied_amount(volume: u32, price: u32) -> i64 {
    // Wrapping: both ends compute the same, and u32 × u32 does not fit an i64 (the fuzzer sent
    // such columns; the round trip stays exact).
    i64::from(volume).wrapping_mul(i64::from(price)) / 20
}

/// Byte planes of fixed-width little-endian values.
pub(crate) fn planes<const W: usize>(values: impl ExactSizeIterator<Item = [u8; W]>) -> Vec<u8> {
    let n = values.len();
    let mut out = vec![0u8; n * W];
    for (i, bytes) in values.enumerate() {
        for (k, b) in bytes.into_iter().enumerate() {
            out[k * n + i] = b;
        }
    }
    out
}

pub(crate) fn unplanes<const W: usize, T>(
    bytes: &[u8],
    n: usize,
    name: &str,
    make: impl Fn([u8; W]) -> T,
) -> Result<Vec<T>, String> {
    if n.checked_mul(W) != Some(bytes.len()) {
        return Err(format!(
            "column {name} has {} bytes, expected {n} values of {W}",
            bytes.len()
        ));
    }
    Ok((0..n)
        .map(|i| make(std::array::from_fn(|k| bytes[k * n + i])))
        .collect())
}

pub(crate) fn u16_planes(values: impl ExactSizeIterator<Item = u16>) -> Vec<u8> {
    planes(values.map(u16::to_le_bytes))
}

pub(crate) fn u32_planes(values: &[u32]) -> Vec<u8> {
    planes(values.iter().map(|v| v.to_le_bytes()))
}

pub(crate) fn split<const K: usize>(rows: &[[u16; K]]) -> Vec<Vec<u8>> {
    (0..K)
        .map(|k| u16_planes(rows.iter().map(|r| r[k])))
        .collect()
}

pub(crate) fn join<const K: usize>(
    cols: &[Vec<u8>],
    n: usize,
    name: &str,
) -> Result<Vec<[u16; K]>, String> {
    if cols.len() != K {
        return Err(format!(
            "column group {name} has {} columns, expected {K}",
            cols.len()
        ));
    }
    let cols = cols
        .iter()
        .map(|c| unplanes(c, n, name, u16::from_le_bytes))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((0..n)
        .map(|i| std::array::from_fn(|k| cols[k][i]))
        .collect())
}

impl From<Population> for WireColumns {
    fn from(p: Population) -> Self {
        let deltas = p
            .amount
            .iter()
            .zip(p.volume.iter().zip(&p.price))
            .map(|(&a, (&v, &pr))| {
                let d = a.wrapping_sub(implied_amount(v, pr));
                ((d << 1) ^ (d >> 63)) as u64
            })
            .map(u64::to_le_bytes);
        let n = p.len();
        // Ranks are left out only when deriving them again gives exactly these.
        let derived = p.demonstration.len() == n && {
            let mut again = p.clone();
            again.derive_ranks();
            again.indicators == p.indicators && again.service == p.service
        };
        let service_whole = p
            .service
            .iter()
            .flatten()
            .all(|&v| v == NOT_RECORDED || (v % 100 == 0 && v <= 10_000));
        let mut service = if service_whole {
            (0..SERVICE_SCORES)
                .map(|k| {
                    p.service
                        .iter()
                        .map(|r| {
                            if r[k] == NOT_RECORDED {
                                WIRE_NOT_RECORDED
                            } else {
                                (r[k] / 100) as u8
                            }
                        })
                        .collect()
                })
                .collect()
        } else {
            split(&p.service)
        };
        let mut indicators = split(&p.indicators);
        if derived {
            indicators[0].clear();
            indicators[4].clear();
            service[VALUE_BACKGROUND].clear();
        }
        Self {
            n: n as u32,
            amount_delta: planes(deltas),
            indicators,
            service_whole,
            service,
            demonstration: p.demonstration,
            ranks_derived: derived,
            area: u32_planes(&p.area),
            volume: u32_planes(&p.volume),
            price: u32_planes(&p.price),
            violations: u16_planes(p.violations.iter().copied()),
            manager: u32_planes(&p.manager),
            format: p.format,
            market: p.market,
            monitored: p.monitored,
            has_service: p.has_service,
            prev_band: p.prev_band,
            prev_tier: p.prev_tier,
        }
    }
}

impl TryFrom<WireColumns> for Population {
    type Error = String;

    fn try_from(w: WireColumns) -> Result<Self, String> {
        // One format byte a customer: the count cannot claim more customers than were sent.
        let n = usize::try_from(w.n)
            .ok()
            .filter(|&n| n == w.format.len())
            .ok_or_else(|| format!("{} customers claimed, {} sent", w.n, w.format.len()))?;
        let volume = unplanes(&w.volume, n, "volume", u32::from_le_bytes)?;
        let price = unplanes(&w.price, n, "price", u32::from_le_bytes)?;
        let deltas = unplanes(&w.amount_delta, n, "amount", u64::from_le_bytes)?;
        let amount = deltas
            .iter()
            .zip(volume.iter().zip(&price))
            .map(|(&z, (&v, &pr))| {
                ((z >> 1) as i64 ^ -((z & 1) as i64)).wrapping_add(implied_amount(v, pr))
            })
            .collect();
        let derived = w.ranks_derived;
        let mut indicators = w.indicators;
        let mut service_cols = w.service;
        if derived {
            // Left out: zeros for now, derived below.
            for k in [0, 4] {
                if let Some(c) = indicators.get_mut(k) {
                    *c = vec![0; 2 * n];
                }
            }
            if let Some(c) = service_cols.get_mut(VALUE_BACKGROUND) {
                *c = vec![0; if w.service_whole { n } else { 2 * n }];
            }
        }
        let service = if w.service_whole {
            if service_cols.len() != SERVICE_SCORES || service_cols.iter().any(|c| c.len() != n) {
                return Err(format!(
                    "column group service does not have {SERVICE_SCORES} columns of {n}"
                ));
            }
            (0..n)
                .map(|i| {
                    std::array::from_fn(|k| match service_cols[k][i] {
                        WIRE_NOT_RECORDED => NOT_RECORDED,
                        v => u16::from(v) * 100,
                    })
                })
                .collect()
        } else {
            join(&service_cols, n, "service")?
        };
        let mut p = Self {
            area: unplanes(&w.area, n, "area", u32::from_le_bytes)?,
            indicators: join(&indicators, n, "indicators")?,
            service,
            violations: unplanes(&w.violations, n, "violations", u16::from_le_bytes)?,
            manager: unplanes(&w.manager, n, "manager", u32::from_le_bytes)?,
            volume,
            price,
            amount,
            format: w.format,
            market: w.market,
            monitored: w.monitored,
            has_service: w.has_service,
            prev_band: w.prev_band,
            prev_tier: w.prev_tier,
            demonstration: w.demonstration,
        };
        p.check()?;
        if derived {
            if p.demonstration.len() != n {
                return Err("ranks to derive without the demonstration column".into());
            }
            p.derive_ranks();
        }
        Ok(p)
    }
}

pub(crate) fn cents_u(v: u32) -> Cents {
    Cents::from_raw(i64::from(v))
}

pub(crate) fn points(v: u16) -> Cents {
    Cents::from_raw(i64::from(v))
}

/// A service score, or `None` for [`NOT_RECORDED`].
pub(crate) fn recorded(v: u16) -> Option<Cents> {
    (v != NOT_RECORDED).then(|| points(v))
}

pub(crate) fn to_u32(v: i64) -> u32 {
    v.clamp(0, i64::from(u32::MAX)) as u32
}

pub(crate) fn to_points(c: Cents) -> u16 {
    c.raw().clamp(0, 10_000) as u16
}
