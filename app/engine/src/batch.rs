//! The whole customer base at once: facts held column-wise, classified in one pass into reused
//! output columns, with the aggregates the what-if lab shows (counts, transitions, quota,
//! workload, satisfaction-gap histogram). Nothing is allocated per customer.

use crate::classify::{CustomerFacts, Indicators, Rules, ServiceInputs, classify_core};
use crate::derive;
use crate::fixed::{Cases, Cents};
use crate::model::{
    BANDS, BusinessFormat, CHARACTERISTIC_CLASSES, GRADES, GapClass, KeyAccountTier, MarketType,
    Tier, ValueClass,
};
use crate::policy::{BandMode, Policy};
use serde::{Deserialize, Serialize};

/// No customer manager assigned.
pub const NO_MANAGER: u32 = u32::MAX;

/// Expectation (6) and experience (5) scores per customer.
pub const SERVICE_SCORES: usize = 11;

/// A service score with nothing recorded behind it (scores are 0–10,000 hundredths).
pub const NOT_RECORDED: u16 = u16::MAX;

/// Position of the expectation driver "value and background" among the service scores.
const VALUE_BACKGROUND: usize = 2;

/// Customer facts in columns of compact integers (about 60 bytes a customer), the form the
/// snapshot API sends and the browser keeps. Serialised through [`WireColumns`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(into = "WireColumns", try_from = "WireColumns")]
pub struct Population {
    pub format: Vec<u8>,
    pub market: Vec<u8>,
    /// m², hundredths.
    pub area: Vec<u32>,
    /// cases/month, thousandths.
    pub volume: Vec<u32>,
    /// yuan/carton, hundredths; 0 = no purchases.
    pub price: Vec<u32>,
    /// yuan/month, hundredths; -1 = derive from volume and price.
    pub amount: Vec<i64>,
    /// contribution, support, credit, growth, influence: points, hundredths. The five of a
    /// customer sit together (as do the eleven service scores): a pass then reads a handful of
    /// memory streams rather than thirty, which the prefetcher keeps up with.
    pub indicators: Vec<[u16; 5]>,
    pub violations: Vec<u16>,
    pub monitored: Vec<bool>,
    pub has_service: Vec<bool>,
    /// Six expectation then five experience scores (see `ServiceInputs`), points, hundredths,
    /// or [`NOT_RECORDED`]; zeros when `has_service` is false.
    pub service: Vec<[u16; SERVICE_SCORES]>,
    /// Index of the customer manager (see `managers` of the snapshot), or `NO_MANAGER`.
    pub manager: Vec<u32>,
    /// Band under the previous assignment, 0 = none.
    pub prev_band: Vec<u8>,
    /// Tier index + 1 under the previous assignment, 0 = none.
    pub prev_tier: Vec<u8>,
    /// Demonstration shops (示范户), when the ranked indicators are derived from the columns
    /// (see [`Population::derive_ranks`]); empty when they were given.
    pub demonstration: Vec<bool>,
}

/// A borrowed view of a [`Population`] whose columns all have the same length.
#[derive(Clone, Copy)]
pub struct Columns<'a> {
    format: &'a [u8],
    market: &'a [u8],
    area: &'a [u32],
    volume: &'a [u32],
    price: &'a [u32],
    amount: &'a [i64],
    indicators: &'a [[u16; 5]],
    violations: &'a [u16],
    monitored: &'a [bool],
    has_service: &'a [bool],
    service: &'a [[u16; SERVICE_SCORES]],
    manager: &'a [u32],
    prev_band: &'a [u8],
    prev_tier: &'a [u8],
}

impl Columns<'_> {
    /// The facts of customer `i`.
    #[inline(always)]
    pub fn facts(&self, i: usize) -> CustomerFacts {
        let service = self.has_service[i].then(|| {
            let s = &self.service[i];
            ServiceInputs {
                expectation: std::array::from_fn(|k| recorded(s[k])),
                experience: std::array::from_fn(|k| recorded(s[6 + k])),
            }
        });
        CustomerFacts {
            service,
            ..self.facts_without_service(i)
        }
    }

    /// The facts of customer `i` but the service inputs (the batch scores those from the row).
    #[inline(always)]
    fn facts_without_service(&self, i: usize) -> CustomerFacts {
        CustomerFacts {
            format: BusinessFormat::from_index(usize::from(self.format[i]))
                .unwrap_or(BusinessFormat::Other),
            market: MarketType::from_index(usize::from(self.market[i]))
                .unwrap_or(MarketType::Urban),
            business_area_m2: cents_u(self.area[i]),
            monthly_volume: Cases::from_raw(i64::from(self.volume[i])),
            avg_price: (self.price[i] > 0).then(|| cents_u(self.price[i])),
            monthly_amount: (self.amount[i] >= 0).then(|| Cents::from_raw(self.amount[i])),
            indicators: Indicators::from_array(self.indicators[i].map(points)),
            violations_12m: self.violations[i],
            monitored: self.monitored[i],
            service: None,
        }
    }
}

/// How a [`Population`] travels. Every multi-byte column is sent as byte planes (all the low
/// bytes, then the next bytes, …), one column per number (the grouped score columns split up),
/// and the monthly amount as its difference from `volume × price × 50 cartons`, which is small.
/// Compressed, this is about a sixth smaller than the plain columns; the round trip is exact.
#[derive(Serialize, Deserialize)]
pub struct WireColumns {
    n: u32,
    format: Vec<u8>,
    market: Vec<u8>,
    area: Vec<u8>,
    volume: Vec<u8>,
    price: Vec<u8>,
    /// Zigzag-encoded difference from the implied amount.
    amount_delta: Vec<u8>,
    indicators: Vec<Vec<u8>>,
    violations: Vec<u8>,
    monitored: Vec<bool>,
    has_service: Vec<bool>,
    /// One byte a score (whole points, 255 = not recorded) when every score is whole; else
    /// byte planes of the hundredths.
    service_whole: bool,
    service: Vec<Vec<u8>>,
    manager: Vec<u8>,
    prev_band: Vec<u8>,
    prev_tier: Vec<u8>,
    demonstration: Vec<bool>,
    /// The ranked indicators (contribution, influence, value and background) follow from the
    /// columns: they are left out (empty) and derived again on arrival.
    ranks_derived: bool,
}

/// Whole points in one byte: 0–100, or 255 for not recorded.
const WIRE_NOT_RECORDED: u8 = 255;

/// The amount a customer's volume and price imply at 50 cartons a case, fen (a predictor only).
fn implied_amount(volume: u32, price: u32) -> i64 {
    // Wrapping: both ends compute the same, and u32 × u32 does not fit an i64 (the fuzzer sent
    // such columns; the round trip stays exact).
    i64::from(volume).wrapping_mul(i64::from(price)) / 20
}

/// Byte planes of fixed-width little-endian values.
fn planes<const W: usize>(values: impl ExactSizeIterator<Item = [u8; W]>) -> Vec<u8> {
    let n = values.len();
    let mut out = vec![0u8; n * W];
    for (i, bytes) in values.enumerate() {
        for (k, b) in bytes.into_iter().enumerate() {
            out[k * n + i] = b;
        }
    }
    out
}

fn unplanes<const W: usize, T>(
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

fn u16_planes(values: impl ExactSizeIterator<Item = u16>) -> Vec<u8> {
    planes(values.map(u16::to_le_bytes))
}

fn u32_planes(values: &[u32]) -> Vec<u8> {
    planes(values.iter().map(|v| v.to_le_bytes()))
}

fn split<const K: usize>(rows: &[[u16; K]]) -> Vec<Vec<u8>> {
    (0..K)
        .map(|k| u16_planes(rows.iter().map(|r| r[k])))
        .collect()
}

fn join<const K: usize>(cols: &[Vec<u8>], n: usize, name: &str) -> Result<Vec<[u16; K]>, String> {
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

fn cents_u(v: u32) -> Cents {
    Cents::from_raw(i64::from(v))
}

fn points(v: u16) -> Cents {
    Cents::from_raw(i64::from(v))
}

/// A service score, or `None` for [`NOT_RECORDED`].
fn recorded(v: u16) -> Option<Cents> {
    (v != NOT_RECORDED).then(|| points(v))
}

fn to_u32(v: i64) -> u32 {
    v.clamp(0, i64::from(u32::MAX)) as u32
}

fn to_points(c: Cents) -> u16 {
    c.raw().clamp(0, 10_000) as u16
}

impl Population {
    pub fn with_capacity(n: usize) -> Self {
        let v8 = || Vec::with_capacity(n);
        Self {
            format: v8(),
            market: v8(),
            area: Vec::with_capacity(n),
            volume: Vec::with_capacity(n),
            price: Vec::with_capacity(n),
            amount: Vec::with_capacity(n),
            indicators: Vec::with_capacity(n),
            violations: Vec::with_capacity(n),
            monitored: Vec::with_capacity(n),
            has_service: Vec::with_capacity(n),
            service: Vec::with_capacity(n),
            manager: Vec::with_capacity(n),
            prev_band: v8(),
            prev_tier: v8(),
            demonstration: Vec::new(),
        }
    }

    /// Derives the indicators that rank a customer among all others, from the columns (the
    /// one place both the server and the browser compute them): contribution = percentile of the
    /// monthly amount, influence = 40 % area percentile + 30 % format reach + 30 for a
    /// demonstration shop, and the expectation driver "value and background" made of the two.
    /// Needs the `demonstration` column; without it nothing changes.
    pub fn derive_ranks(&mut self) {
        let n = self.len();
        if self.demonstration.len() != n {
            return;
        }
        let amounts: Vec<i64> = self.amount.iter().map(|&a| a.max(0)).collect();
        let contribution = derive::percentile_points(&amounts);
        let areas: Vec<i64> = self.area.iter().map(|&a| i64::from(a)).collect();
        let area_pct = derive::percentile_points(&areas);
        for i in 0..n {
            let format = BusinessFormat::from_index(usize::from(self.format[i]))
                .unwrap_or(BusinessFormat::Other);
            let influence = derive::influence_points(
                area_pct[i],
                derive::format_reach(format),
                self.demonstration[i],
            );
            self.indicators[i][0] = to_points(contribution[i]);
            self.indicators[i][4] = to_points(influence);
            self.service[i][VALUE_BACKGROUND] = if self.has_service[i] {
                to_points(derive::value_background_points(contribution[i], influence))
            } else {
                0
            };
        }
    }

    pub fn len(&self) -> usize {
        self.volume.len()
    }

    pub fn is_empty(&self) -> bool {
        self.volume.is_empty()
    }

    /// Appends a customer. Indicators clamp to 0–100, volumes and prices to their column range.
    pub fn push(
        &mut self,
        f: &CustomerFacts,
        manager: u32,
        prev_band: Option<u8>,
        prev_tier: Option<Tier>,
    ) {
        self.format.push(f.format.index() as u8);
        self.market.push(f.market.index() as u8);
        self.area.push(to_u32(f.business_area_m2.raw()));
        self.volume.push(to_u32(f.monthly_volume.raw()));
        self.price
            .push(f.avg_price.map_or(0, |p| to_u32(p.raw()).max(1)));
        self.amount
            .push(f.monthly_amount.map_or(-1, |a| a.raw().max(0)));
        self.indicators.push(f.indicators.as_array().map(to_points));
        self.violations.push(f.violations_12m);
        self.monitored.push(f.monitored);
        self.has_service.push(f.service.is_some());
        let mut scores = [0u16; SERVICE_SCORES];
        if let Some(s) = f.service {
            for (slot, v) in scores
                .iter_mut()
                .zip(s.expectation.iter().chain(&s.experience))
            {
                *slot = v.map_or(NOT_RECORDED, to_points);
            }
        }
        self.service.push(scores);
        self.manager.push(manager);
        self.prev_band.push(prev_band.unwrap_or(0));
        self.prev_tier
            .push(prev_tier.map_or(0, |t| t.index() as u8 + 1));
    }

    /// Overwrites customer `i` with `f`, as [`Population::push`] would write it. The ranked
    /// indicators (contribution, influence and the expectation driver made of them) stay as
    /// they were when what they rank by — amount, area, format, demonstration — is unchanged,
    /// and the answer is `false`; otherwise it is `true` and the caller re-derives everyone's
    /// ranks ([`Population::derive_ranks`]), since one customer's move shifts the others.
    pub fn replace(
        &mut self,
        i: usize,
        f: &CustomerFacts,
        manager: u32,
        prev_band: Option<u8>,
        prev_tier: Option<Tier>,
        demonstration: bool,
    ) -> bool {
        let mut one = Population::with_capacity(1);
        one.push(f, manager, prev_band, prev_tier);
        let ranked = self.demonstration.len() == self.len();
        let same_ranks = ranked
            && self.amount[i] == one.amount[0]
            && self.area[i] == one.area[0]
            && self.format[i] == one.format[0]
            && self.demonstration[i] == demonstration;
        let kept = self.indicators[i];
        self.format[i] = one.format[0];
        self.market[i] = one.market[0];
        self.area[i] = one.area[0];
        self.volume[i] = one.volume[0];
        self.price[i] = one.price[0];
        self.amount[i] = one.amount[0];
        self.indicators[i] = one.indicators[0];
        self.violations[i] = one.violations[0];
        self.monitored[i] = one.monitored[0];
        self.has_service[i] = one.has_service[0];
        self.service[i] = one.service[0];
        self.manager[i] = one.manager[0];
        self.prev_band[i] = one.prev_band[0];
        self.prev_tier[i] = one.prev_tier[0];
        if ranked {
            self.demonstration[i] = demonstration;
        }
        if same_ranks {
            self.indicators[i][0] = kept[0];
            self.indicators[i][4] = kept[4];
            self.service[i][VALUE_BACKGROUND] = if self.has_service[i] {
                to_points(derive::value_background_points(
                    Cents::from_raw(i64::from(kept[0])),
                    Cents::from_raw(i64::from(kept[4])),
                ))
            } else {
                0
            };
        }
        ranked && !same_ranks
    }

    /// The facts of customer `i`, as `CustomerFacts`.
    #[inline]
    pub fn facts(&self, i: usize) -> CustomerFacts {
        self.columns().facts(i)
    }

    /// Every column cut to the same length, so a loop over `0..len` needs no bounds checks.
    /// Panics if a column is shorter than `volume` (see [`Population::check`]).
    pub fn columns(&self) -> Columns<'_> {
        let n = self.len();
        Columns {
            format: &self.format[..n],
            market: &self.market[..n],
            area: &self.area[..n],
            volume: &self.volume[..n],
            price: &self.price[..n],
            amount: &self.amount[..n],
            indicators: &self.indicators[..n],
            violations: &self.violations[..n],
            monitored: &self.monitored[..n],
            has_service: &self.has_service[..n],
            service: &self.service[..n],
            manager: &self.manager[..n],
            prev_band: &self.prev_band[..n],
            prev_tier: &self.prev_tier[..n],
        }
    }

    /// Moves every customer of `other` to the end of `self`, keeping order (`other` is left empty).
    /// Manager indices of `other` go through `manager_map` (local index → index in `self`'s list).
    pub fn append(&mut self, other: &mut Population, manager_map: &[u32]) {
        let start = self.manager.len();
        self.format.append(&mut other.format);
        self.market.append(&mut other.market);
        self.area.append(&mut other.area);
        self.volume.append(&mut other.volume);
        self.price.append(&mut other.price);
        self.amount.append(&mut other.amount);
        self.indicators.append(&mut other.indicators);
        self.violations.append(&mut other.violations);
        self.monitored.append(&mut other.monitored);
        self.has_service.append(&mut other.has_service);
        self.service.append(&mut other.service);
        self.manager.append(&mut other.manager);
        for m in &mut self.manager[start..] {
            if *m != NO_MANAGER {
                *m = manager_map[*m as usize];
            }
        }
        self.prev_band.append(&mut other.prev_band);
        self.prev_tier.append(&mut other.prev_tier);
        self.demonstration.append(&mut other.demonstration);
    }

    /// Checks that every column has the same length (a snapshot from elsewhere may not).
    pub fn check(&self) -> Result<(), String> {
        let n = self.len();
        let lens = [
            ("format", self.format.len()),
            ("market", self.market.len()),
            ("area", self.area.len()),
            ("price", self.price.len()),
            ("amount", self.amount.len()),
            ("violations", self.violations.len()),
            ("monitored", self.monitored.len()),
            ("has_service", self.has_service.len()),
            ("indicators", self.indicators.len()),
            ("service", self.service.len()),
            ("manager", self.manager.len()),
            ("prev_band", self.prev_band.len()),
            ("prev_tier", self.prev_tier.len()),
        ];
        for (name, len) in lens {
            if len != n {
                return Err(format!("column {name} has {len} rows, volume has {n}"));
            }
        }
        if !self.demonstration.is_empty() && self.demonstration.len() != n {
            return Err(format!(
                "column demonstration has {} rows, volume has {n}",
                self.demonstration.len()
            ));
        }
        Ok(())
    }
}

/// Per-customer results, one column each, reused across recomputations.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Outcomes {
    pub band: Vec<u8>,
    pub grade: Vec<u8>,
    /// Characteristic class number 1..=42.
    pub class: Vec<u8>,
    pub value_class: Vec<u8>,
    pub tier: Vec<u8>,
    pub key_account: Vec<u8>,
    pub gap_class: Vec<u8>,
    /// Value score in millionths of a point (exact).
    pub value_score: Vec<i64>,
    #[serde(skip)]
    scratch: Vec<u32>,
    /// The satisfaction-gap results of the last run and what they depended on: the gap rule and
    /// a digest of the service columns. A run with the same (the lab's edits of everything but
    /// the expectation rule) keeps `gap_class` and these instead of scoring everyone again.
    #[serde(skip)]
    gap_memo: Option<GapMemo>,
}

#[derive(Clone, Debug, PartialEq)]
struct GapMemo {
    key: (([i64; 6], [i64; 5], i64, i64), u64),
    counts: [u32; GapClass::COUNT],
    histogram: [u32; GAP_BINS],
}

/// A digest of the service columns (scores and whether there are any), to tell whether the
/// satisfaction gaps of a previous run still hold.
fn service_digest(has_service: &[bool], service: &[[u16; SERVICE_SCORES]]) -> u64 {
    let mut h: u64 = 0x9E37_79B9_7F4A_7C15 ^ service.len() as u64;
    for (has, row) in has_service.iter().zip(service) {
        let mut words = [u64::from(*has), 0, 0];
        for (k, v) in row.iter().enumerate() {
            words[k / 4] ^= u64::from(*v) << (16 * (k % 4));
        }
        for w in words {
            h = (h ^ w).wrapping_mul(0x0100_0000_01B3).rotate_left(23);
        }
    }
    h
}

impl Outcomes {
    fn resize(&mut self, n: usize) {
        self.band.resize(n, 0);
        self.grade.resize(n, 0);
        self.class.resize(n, 0);
        self.value_class.resize(n, 0);
        self.tier.resize(n, 0);
        self.key_account.resize(n, 0);
        self.gap_class.resize(n, 0);
        self.value_score.resize(n, 0);
    }

    pub fn len(&self) -> usize {
        self.band.len()
    }

    pub fn is_empty(&self) -> bool {
        self.band.is_empty()
    }
}

/// Width of one satisfaction-gap histogram bin, points.
pub const GAP_BIN: i64 = 5;
/// Bins from −100 to +100.
pub const GAP_BINS: usize = 40;

/// What the whole population looks like under one policy.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub customers: u32,
    /// Band bounds used (derived from shares in share mode).
    pub band_bounds: Vec<Cases>,
    pub band_counts: Vec<u32>,
    pub grade_counts: Vec<u32>,
    pub class_counts: Vec<u32>,
    pub value_counts: Vec<u32>,
    pub tier_counts: Vec<u32>,
    pub key_account_counts: Vec<u32>,
    pub gap_counts: Vec<u32>,
    /// `[previous band 0..=8][new band 1..=8 → 0..8]`, previous 0 = no previous assignment.
    pub band_transitions: Vec<Vec<u32>>,
    /// `[previous tier 0..=3][new tier]`, previous 0 = none.
    pub tier_transitions: Vec<Vec<u32>>,
    /// Customers with a previous assignment whose band or tier changed.
    pub movers: u32,
    /// Monthly supply quota summed per band, cases.
    pub quota_per_band: Vec<Cases>,
    pub quota_total: Cases,
    /// Visits per month the tiers imply, per customer manager index.
    pub visits_per_manager: Vec<u32>,
    pub customers_per_manager: Vec<u32>,
    pub visits_unassigned: u32,
    pub manager_capacity: u32,
    pub managers_over_capacity: u32,
    pub visits_total: u64,
    /// Customers per gap bin: bin i holds gaps in [−100 + 5i, −95 + 5i); the ends catch the rest.
    pub gap_histogram: Vec<u32>,
}

/// Band bounds that give each band its target share of customers by volume rank. Customers tied
/// at a bound fall to the lower band, so a band may hold slightly less than its share.
pub fn share_bounds(policy: &Policy, volume: &[u32], scratch: &mut Vec<u32>) -> [Cases; BANDS - 1] {
    let n = volume.len();
    let mut out = policy.band_bounds();
    if n == 0 {
        return out;
    }
    scratch.clear();
    scratch.extend_from_slice(volume);
    let mut cum: i64 = 0;
    let mut start = 0usize;
    for (k, share) in policy.bands.shares.iter().take(BANDS - 1).enumerate() {
        cum += share.raw();
        // Number of customers in bands 1..=k+1.
        let top = ((cum * n as i64 + 5_000) / 10_000).clamp(0, n as i64) as usize;
        if top == 0 {
            // Nobody in the band: bound at the maximum volume.
            out[k] = Cases::from_raw(i64::from(scratch.iter().copied().max().unwrap_or(0)));
            continue;
        }
        if top >= n {
            out[k] = Cases::from_raw(-1);
            continue;
        }
        // Descending order: the customer at rank `top` is the first outside; its volume is the bound.
        let pos = top.max(start);
        let tail = &mut scratch[start..];
        let (_, nth, _) = tail.select_nth_unstable_by(pos - start, |a, b| b.cmp(a));
        out[k] = Cases::from_raw(i64::from(*nth));
        start = pos;
    }
    // Keep bounds non-increasing even with heavy ties.
    for k in 1..BANDS - 1 {
        if out[k] > out[k - 1] {
            out[k] = out[k - 1];
        }
    }
    out
}

/// Resolves a valid policy against a population: share mode derives bounds from the volumes.
pub fn rules_for(policy: &Policy, pop: &Population, out: &mut Outcomes) -> Rules {
    match policy.bands.mode {
        BandMode::Thresholds => Rules::new(policy, None),
        BandMode::Shares => {
            let b = share_bounds(policy, &pop.volume, &mut out.scratch);
            Rules::new(policy, Some(b))
        }
    }
}

/// Classifies every customer under a **valid** policy into `out` and returns the aggregates.
/// `managers` is the number of customer managers (indices in `pop.manager`).
pub fn classify_all(
    policy: &Policy,
    pop: &Population,
    managers: usize,
    out: &mut Outcomes,
) -> Summary {
    let rules = rules_for(policy, pop, out);
    let n = pop.len();
    out.resize(n);
    let mut s = Summary {
        customers: n as u32,
        band_bounds: rules.band_bounds().to_vec(),
        visits_per_manager: vec![0; managers],
        customers_per_manager: vec![0; managers],
        manager_capacity: policy.service.manager_capacity_visits_per_month,
        ..Default::default()
    };
    let cols = pop.columns();
    // Outputs and counters as local slices and arrays: the loop then keeps its lengths in
    // registers and needs no bounds checks on the columns (about 1.5× faster than through `out`).
    let band_out = &mut out.band[..n];
    let grade_out = &mut out.grade[..n];
    let class_out = &mut out.class[..n];
    let value_out = &mut out.value_class[..n];
    let tier_out = &mut out.tier[..n];
    let ka_out = &mut out.key_account[..n];
    let gap_out = &mut out.gap_class[..n];
    let score_out = &mut out.value_score[..n];
    let mut band_counts = [0u32; BANDS];
    let mut grade_counts = [0u32; GRADES];
    let mut class_counts = [0u32; CHARACTERISTIC_CLASSES];
    let mut value_counts = [0u32; ValueClass::COUNT];
    let mut tier_counts = [0u32; Tier::COUNT];
    let mut ka_counts = [0u32; KeyAccountTier::COUNT];
    let mut gap_counts = [0u32; GapClass::COUNT];
    let gap_key = (
        rules.gap_rule(),
        service_digest(&cols.has_service[..n], &cols.service[..n]),
    );
    let memo = out.gap_memo.take().filter(|m| m.key == gap_key);
    let score_gaps = memo.is_none();
    let mut band_tr = [[0u32; BANDS]; BANDS + 1];
    let mut tier_tr = [[0u32; Tier::COUNT]; Tier::COUNT + 1];
    let mut gap_hist = [0u32; GAP_BINS];
    let mut movers = 0u32;
    let mut visits_total = 0u64;
    let visits_per_manager = &mut s.visits_per_manager[..managers];
    let customers_per_manager = &mut s.customers_per_manager[..managers];
    for i in 0..n {
        let mut c = classify_core(&rules, &cols.facts_without_service(i));
        if score_gaps && cols.has_service[i] {
            let (e, x) = rules.service_scores_raw(&cols.service[i]);
            c.expectation = e;
            c.experience = x;
            c.gap_class = rules.gap_class_of(e, x);
        }
        let band = usize::from(c.band - 1) % BANDS;
        let class = c.class.number();
        let tier = c.tier.index();
        band_out[i] = c.band;
        grade_out[i] = c.grade;
        class_out[i] = class;
        value_out[i] = c.value_class.index() as u8;
        tier_out[i] = tier as u8;
        ka_out[i] = c.key_account.index() as u8;
        if score_gaps {
            gap_out[i] = c.gap_class.index() as u8;
            gap_counts[c.gap_class.index()] += 1;
            if let Some(gap) = c.gap() {
                // Score units are 10⁻⁶ points.
                let bin = (gap.raw().div_euclid(GAP_BIN * 1_000_000) + (GAP_BINS as i64 / 2))
                    .clamp(0, GAP_BINS as i64 - 1);
                gap_hist[bin as usize] += 1;
            }
        }
        score_out[i] = c.value_score.raw();

        band_counts[band] += 1;
        grade_counts[usize::from(c.grade - 1) % GRADES] += 1;
        class_counts[usize::from(class - 1) % CHARACTERISTIC_CLASSES] += 1;
        value_counts[c.value_class.index()] += 1;
        tier_counts[tier] += 1;
        ka_counts[c.key_account.index()] += 1;
        let pb = cols.prev_band[i];
        let pt = cols.prev_tier[i];
        band_tr[usize::from(pb.min(BANDS as u8))][band] += 1;
        tier_tr[usize::from(pt.min(Tier::COUNT as u8))][tier] += 1;
        if (pb != 0 && pb != c.band) || (pt != 0 && pt != tier as u8 + 1) {
            movers += 1;
        }
        let visits = rules.visits[tier];
        let m = cols.manager[i] as usize;
        if m < managers {
            visits_per_manager[m] += visits;
            customers_per_manager[m] += 1;
        } else {
            s.visits_unassigned += visits;
        }
        visits_total += u64::from(visits);
    }
    if let Some(m) = &memo {
        gap_counts = m.counts;
        gap_hist = m.histogram;
    }
    out.gap_memo = Some(GapMemo {
        key: gap_key,
        counts: gap_counts,
        histogram: gap_hist,
    });
    s.grade_counts = grade_counts.to_vec();
    s.class_counts = class_counts.to_vec();
    s.value_counts = value_counts.to_vec();
    s.tier_counts = tier_counts.to_vec();
    s.key_account_counts = ka_counts.to_vec();
    s.gap_counts = gap_counts.to_vec();
    s.band_transitions = band_tr.iter().map(|r| r.to_vec()).collect();
    s.tier_transitions = tier_tr.iter().map(|r| r.to_vec()).collect();
    s.gap_histogram = gap_hist.to_vec();
    s.movers = movers;
    s.visits_total = visits_total;
    s.band_counts = band_counts.to_vec();
    s.quota_per_band = band_counts
        .iter()
        .zip(rules.quota)
        .map(|(&count, q)| Cases::from_raw(i64::from(count) * q))
        .collect();
    s.quota_total = s.quota_per_band.iter().fold(Cases::ZERO, |a, &b| a + b);
    s.managers_over_capacity = s
        .visits_per_manager
        .iter()
        .filter(|&&v| v > s.manager_capacity)
        .count() as u32;
    s
}

/// A stable digest of outcomes (FNV-1a over every column), to compare wasm and native runs.
pub fn digest(out: &Outcomes) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for col in [
        &out.band,
        &out.grade,
        &out.class,
        &out.value_class,
        &out.tier,
        &out.key_account,
        &out.gap_class,
    ] {
        eat(col);
    }
    for v in &out.value_score {
        eat(&v.to_le_bytes());
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::classify_with_policy;

    fn pop_of(volumes: &[&str]) -> Population {
        let mut p = Population::default();
        for (i, v) in volumes.iter().enumerate() {
            let f = CustomerFacts {
                monthly_volume: Cases::parse(v).unwrap(),
                ..Default::default()
            };
            p.push(&f, (i % 2) as u32, Some(2), Some(Tier::General));
        }
        p
    }

    #[test]
    fn batch_agrees_with_single_customer_classification() {
        let pop = pop_of(&["25", "20", "14", "12.3", "1", "0"]);
        let policy = Policy::default();
        let mut out = Outcomes::default();
        let s = classify_all(&policy, &pop, 2, &mut out);
        for i in 0..pop.len() {
            let c = classify_with_policy(&policy, &pop.facts(i));
            assert_eq!(out.band[i], c.band);
            assert_eq!(out.grade[i], c.grade);
            assert_eq!(out.tier[i], c.tier.index() as u8);
        }
        assert_eq!(out.band, vec![1, 2, 3, 3, 8, 8]);
        assert_eq!(s.band_counts, vec![1, 1, 2, 0, 0, 0, 0, 2]);
        // Everyone was in band 2 before: one stays, five move.
        assert_eq!(s.band_transitions[2], vec![1, 1, 2, 0, 0, 0, 0, 2]);
        assert_eq!(
            s.movers, 6,
            "all six: five changed band, and all changed tier (general → problem, low scores)"
        );
        assert_eq!(s.quota_total, Cases::from_int(30 + 20 + 14 * 2 + 1 + 1));
        // Every customer is problem tier (all-zero indicators): 2 visits each, 3 customers per manager.
        assert_eq!(s.visits_per_manager, vec![6, 6]);
        assert_eq!(s.customers_per_manager, vec![3, 3]);
    }

    /// Five shops with amounts, areas and (for some) service records, ranked as the server
    /// loads them.
    fn ranked(facts: &[CustomerFacts]) -> Population {
        let mut p = Population::default();
        for (i, f) in facts.iter().enumerate() {
            p.push(f, (i % 2) as u32, Some(2), Some(Tier::General));
        }
        p.demonstration = (0..facts.len()).map(|i| i == 3).collect();
        p.derive_ranks();
        p
    }

    fn shops() -> Vec<CustomerFacts> {
        (0..5)
            .map(|i| CustomerFacts {
                monthly_volume: Cases::from_int(3 + i),
                monthly_amount: Some(Cents::from_int(1_000 * (5 - i))),
                business_area_m2: Cents::from_int(20 + 7 * i),
                service: (i % 2 == 0).then(|| ServiceInputs {
                    experience: [Some(Cents::from_int(60)), None, None, None, None],
                    ..Default::default()
                }),
                ..Default::default()
            })
            .collect()
    }

    #[test]
    fn replacing_a_customer_matches_loading_everyone_again() {
        let mut facts = shops();
        let mut kept = ranked(&facts);
        // A visit logged: only the service records move; the ranks are kept as they were.
        facts[1].service = Some(ServiceInputs {
            experience: [Some(Cents::from_int(80)), None, None, None, None],
            ..Default::default()
        });
        let rerank = kept.replace(1, &facts[1], 1, Some(2), Some(Tier::General), false);
        assert!(!rerank, "the amount and the area are unchanged");
        assert_eq!(kept, ranked(&facts));
        // An area edited: the ranks of others move too, so the caller re-ranks everyone.
        facts[4].business_area_m2 = Cents::from_int(500);
        let rerank = kept.replace(4, &facts[4], 0, Some(2), Some(Tier::General), false);
        assert!(rerank);
        assert_ne!(kept, ranked(&facts), "stale ranks until re-derived");
        kept.derive_ranks();
        assert_eq!(kept, ranked(&facts));
    }

    #[test]
    fn appending_parts_rebuilds_the_whole_with_managers_renumbered() {
        let whole = pop_of(&["25", "20", "14", "12.3", "1"]);
        let mut first = pop_of(&["25", "20", "14"]);
        // The second part numbered its managers from its own first row: 0 there is 1 here.
        let mut second = pop_of(&["12.3", "1"]);
        second.manager = vec![0, 1];
        first.append(&mut second, &[1, 0]);
        assert_eq!(first, whole);
        assert!(second.is_empty());
    }

    #[test]
    fn the_wire_form_round_trips_exactly_and_rejects_ragged_columns() {
        let mut pop = pop_of(&["25", "20.5", "0", "3.333"]);
        pop.price = vec![21_000, 0, 0, 9_999];
        pop.amount = vec![2_625_000, -1, 0, i64::MAX / 4];
        pop.indicators[1] = [10_000, 0, 5_000, 1, 9_999];
        pop.has_service[3] = true;
        pop.service[3] = std::array::from_fn(|k| k as u16 * 700);
        let json = serde_json::to_string(&pop).unwrap();
        let back: Population = serde_json::from_str(&json).unwrap();
        assert_eq!(back, pop);
        let mut wire: serde_json::Value = serde_json::from_str(&json).unwrap();
        wire["indicators"][2].as_array_mut().unwrap().pop();
        let err = serde_json::from_value::<Population>(wire.clone()).unwrap_err();
        assert!(err.to_string().contains("indicators"), "{err}");
        wire["indicators"].as_array_mut().unwrap().pop();
        let err = serde_json::from_value::<Population>(wire).unwrap_err();
        assert!(err.to_string().contains("indicators"), "{err}");
    }

    /// What the fuzzer found (server/fuzz, target `snapshot`): columns at their largest made the
    /// amount's predictor overflow; and a count of customers larger than what was sent.
    #[test]
    fn fuzzed_wire_columns_decode_or_are_refused_never_panic() {
        let mut pop = pop_of(&["25", "20.5", "0"]);
        pop.volume = vec![u32::MAX, u32::MAX, 0];
        pop.price = vec![u32::MAX, 1, u32::MAX];
        pop.amount = vec![i64::MAX, i64::MIN, -1];
        let json = serde_json::to_string(&pop).unwrap();
        let back: Population = serde_json::from_str(&json).unwrap();
        assert_eq!(back, pop, "the round trip stays exact at the edges");
        let mut wire: serde_json::Value = serde_json::from_str(&json).unwrap();
        wire["n"] = serde_json::json!(u32::MAX);
        let err = serde_json::from_value::<Population>(wire).unwrap_err();
        assert!(err.to_string().contains("customers claimed"), "{err}");
    }

    #[test]
    fn derived_ranks_and_whole_scores_travel_compactly_and_come_back_exactly() {
        let mut pop = pop_of(&["25", "20.5", "0", "3.333", "7"]);
        pop.area = vec![3_000, 12_000, 3_000, 90_000, 0];
        pop.amount = vec![500_000, 20, 20, 0, 7_000_000];
        pop.demonstration = vec![false, true, false, false, true];
        for i in [1, 3] {
            pop.has_service[i] = true;
            pop.service[i] = [
                NOT_RECORDED,
                4_000,
                0,
                8_000,
                NOT_RECORDED,
                NOT_RECORDED,
                5_000,
                NOT_RECORDED,
                9_000,
                7_500,
                10_000,
            ];
        }
        pop.derive_ranks();
        // Ties share their percentile; the value-and-background driver follows the two ranks.
        assert_eq!(pop.indicators[1][0], pop.indicators[2][0]);
        assert_eq!(pop.indicators[4][0], 10_000);
        // The largest shop: 40 for the area, 30 % of a grocery's reach (40), no demonstration.
        assert_eq!(pop.indicators[3][4], 4_000 + 1_200);
        // Mean of contribution 0 (the smallest amount) and influence 52 → 26 → 30.
        assert_eq!(pop.service[3][2], 3_000);
        let json = serde_json::to_string(&pop).unwrap();
        let wire: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            wire["indicators"][0].as_array().unwrap().len(),
            0,
            "left out"
        );
        assert_eq!(wire["service"][2].as_array().unwrap().len(), 0, "left out");
        assert_eq!(
            wire["service"][1].as_array().unwrap().len(),
            5,
            "one byte a score"
        );
        let back: Population = serde_json::from_str(&json).unwrap();
        assert_eq!(back, pop);
        // Ranks that do not follow from the columns are sent as they are.
        pop.indicators[0][0] = 1;
        let back: Population = serde_json::from_str(&serde_json::to_string(&pop).unwrap()).unwrap();
        assert_eq!(back, pop);
        // So are scores with hundredths.
        pop.service[1][8] = 9_050;
        let back: Population = serde_json::from_str(&serde_json::to_string(&pop).unwrap()).unwrap();
        assert_eq!(back, pop);
    }

    #[test]
    fn kept_gaps_equal_fresh_ones_and_follow_every_change() {
        let mut pop = Population::default();
        let mut f = CustomerFacts::default();
        for k in 0..60i64 {
            f.monthly_volume = Cases::from_int(k % 25);
            f.service = (k % 5 != 0).then(|| ServiceInputs {
                expectation: [
                    None,
                    Some(Cents::from_int(40 + k % 50)),
                    None,
                    Some(Cents::from_int(60)),
                    None,
                    None,
                ],
                experience: [
                    Some(Cents::from_int(k % 100)),
                    None,
                    Some(Cents::from_int(90)),
                    None,
                    Some(Cents::from_int(75)),
                ],
            });
            pop.push(&f, NO_MANAGER, None, None);
        }
        let fresh = |policy: &Policy, pop: &Population| {
            let mut out = Outcomes::default();
            let s = classify_all(policy, pop, 0, &mut out);
            (s, out.gap_class.clone(), out.band.clone())
        };
        let mut kept = Outcomes::default();
        let mut policy = Policy::default();
        classify_all(&policy, &pop, 0, &mut kept);
        // A threshold edit: the gaps are kept, everything equals a fresh run.
        policy.bands.lower_bounds[3] = Cases::from_int(9);
        let s = classify_all(&policy, &pop, 0, &mut kept);
        assert_eq!(
            (s, kept.gap_class.clone(), kept.band.clone()),
            fresh(&policy, &pop)
        );
        // A weight or threshold of the gap itself, and a changed score: scored again.
        policy.expectation.under_served_below = Cents::from_int(-30);
        let s = classify_all(&policy, &pop, 0, &mut kept);
        assert_eq!(
            (s, kept.gap_class.clone(), kept.band.clone()),
            fresh(&policy, &pop)
        );
        pop.service[7][6] = 0;
        let s = classify_all(&policy, &pop, 0, &mut kept);
        assert_eq!(
            (s, kept.gap_class.clone(), kept.band.clone()),
            fresh(&policy, &pop)
        );
    }

    #[test]
    fn share_mode_gives_each_band_its_share() {
        let volumes: Vec<String> = (1..=100).map(|v| v.to_string()).collect();
        let refs: Vec<&str> = volumes.iter().map(String::as_str).collect();
        let pop = pop_of(&refs);
        let mut policy = Policy::default();
        policy.bands.mode = BandMode::Shares;
        let mut out = Outcomes::default();
        let s = classify_all(&policy, &pop, 2, &mut out);
        // Default shares 5/10/10/15/20/20/10/10 %.
        assert_eq!(s.band_counts, vec![5, 10, 10, 15, 20, 20, 10, 10]);
        assert_eq!(s.band_bounds[0], Cases::from_int(95));
    }

    #[test]
    fn share_mode_ties_fall_to_the_lower_band() {
        let pop = pop_of(&["5"; 20]);
        let mut policy = Policy::default();
        policy.bands.mode = BandMode::Shares;
        let mut out = Outcomes::default();
        let s = classify_all(&policy, &pop, 0, &mut out);
        assert_eq!(s.band_counts.iter().sum::<u32>(), 20);
        assert_eq!(s.band_counts[7], 20, "{:?}", s.band_counts);
    }

    #[test]
    fn gap_histogram_bins() {
        let mut pop = Population::default();
        let mut f = CustomerFacts::default();
        for gap in [-100i64, -15, -0, 3, 99, 100] {
            f.service = Some(ServiceInputs::all(
                [Cents::from_int(if gap < 0 { -gap } else { 0 }); 6],
                [Cents::from_int(if gap > 0 { gap } else { 0 }); 5],
            ));
            pop.push(&f, NO_MANAGER, None, None);
        }
        let mut out = Outcomes::default();
        let s = classify_all(&Policy::default(), &pop, 0, &mut out);
        assert_eq!(s.gap_histogram[0], 1); // -100
        assert_eq!(s.gap_histogram[17], 1); // -15 → [-15, -10)
        assert_eq!(s.gap_histogram[20], 2); // 0 and 3 → [0, 5)
        assert_eq!(s.gap_histogram[39], 2); // 99 and 100
        assert_eq!(s.visits_unassigned, 12);
        assert_eq!(
            s.band_transitions[0][7], 6,
            "no previous assignment is row 0"
        );
    }
}
