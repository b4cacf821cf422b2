//! The population column-wise: every customer's facts in parallel columns, and their derived ranks.

use super::*;

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
    pub(crate) format: &'a [u8],
    pub(crate) market: &'a [u8],
    pub(crate) area: &'a [u32],
    pub(crate) volume: &'a [u32],
    pub(crate) price: &'a [u32],
    pub(crate) amount: &'a [i64],
    pub(crate) indicators: &'a [[u16; 5]],
    pub(crate) violations: &'a [u16],
    pub(crate) monitored: &'a [bool],
    pub(crate) has_service: &'a [bool],
    pub(crate) service: &'a [[u16; SERVICE_SCORES]],
    pub(crate) manager: &'a [u32],
    pub(crate) prev_band: &'a [u8],
    pub(crate) prev_tier: &'a [u8],
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

    /// The business format of customer `i` (an unknown index reads as "other").
    #[inline(always)]
    pub(crate) fn format_of(&self, i: usize) -> BusinessFormat {
        BusinessFormat::from_index(usize::from(self.format[i])).unwrap_or(BusinessFormat::Other)
    }

    /// The market of customer `i` (an unknown index reads as urban).
    #[inline(always)]
    pub(crate) fn market_of(&self, i: usize) -> MarketType {
        MarketType::from_index(usize::from(self.market[i])).unwrap_or(MarketType::Urban)
    }

    /// The facts of customer `i` but the service inputs (the batch scores those from the row).
    #[inline(always)]
    pub(crate) fn facts_without_service(&self, i: usize) -> CustomerFacts {
        CustomerFacts {
            format: self.format_of(i),
            market: self.market_of(i),
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
        self.append_mapped(other, |m| manager_map[m as usize]);
    }

    /// Moves every customer of `other` to the end of `self`, as they are (`other` is left
    /// empty): the receiving end of a delta's customers added.
    pub fn extend_with(&mut self, other: &mut Population) {
        self.append_mapped(other, |m| m);
    }

    fn append_mapped(&mut self, other: &mut Population, manager_map: impl Fn(u32) -> u32) {
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
                *m = manager_map(*m);
            }
        }
        self.prev_band.append(&mut other.prev_band);
        self.prev_tier.append(&mut other.prev_tier);
        self.demonstration.append(&mut other.demonstration);
    }

    /// The customers at `at`, in that order, as a population of their own (what a snapshot's
    /// delta carries). Indices must be below [`Population::len`].
    pub fn rows(&self, at: &[u32]) -> Population {
        let mut out = Population::with_capacity(0);
        macro_rules! pick {
            ($($c:ident),*) => {$(
                out.$c = at.iter().map(|&i| self.$c[i as usize]).collect();
            )*};
        }
        pick!(
            format,
            market,
            area,
            volume,
            price,
            amount,
            indicators,
            violations,
            monitored,
            has_service,
            service,
            manager,
            prev_band,
            prev_tier
        );
        if self.demonstration.len() == self.len() {
            pick!(demonstration);
        }
        out
    }

    /// Writes `rows` (as [`Population::rows`] took them) back at `at`: the receiving end of a
    /// delta. Refused, changing nothing, when the lengths disagree or an index is out of range.
    pub fn set_rows(&mut self, at: &[u32], rows: &Population) -> Result<(), String> {
        rows.check()?;
        let n = self.len();
        if rows.len() != at.len() {
            return Err(format!("{} rows for {} customers", rows.len(), at.len()));
        }
        if let Some(&i) = at.iter().find(|&&i| i as usize >= n) {
            return Err(format!("customer {i} of {n}"));
        }
        let ranked = self.demonstration.len() == n && rows.demonstration.len() == at.len();
        for (k, &i) in at.iter().enumerate() {
            let i = i as usize;
            macro_rules! put {
                ($($c:ident),*) => {$( self.$c[i] = rows.$c[k]; )*};
            }
            put!(
                format,
                market,
                area,
                volume,
                price,
                amount,
                indicators,
                violations,
                monitored,
                has_service,
                service,
                manager,
                prev_band,
                prev_tier
            );
            if ranked {
                put!(demonstration);
            }
        }
        Ok(())
    }

    /// The customers (indices) whose facts differ between two populations of the same
    /// customers in the same order, and those beyond the shorter one's end (customers added).
    pub fn differing(&self, other: &Population) -> Vec<u32> {
        let n = self.len().min(other.len());
        let beyond = n as u32..self.len().max(other.len()) as u32;
        let demonstration = |p: &Population, i: usize| p.demonstration.get(i).copied();
        (0..n)
            .filter(|&i| {
                macro_rules! differ {
                    ($($c:ident),*) => { false $( || self.$c[i] != other.$c[i] )* };
                }
                differ!(
                    format,
                    market,
                    area,
                    volume,
                    price,
                    amount,
                    indicators,
                    violations,
                    monitored,
                    has_service,
                    service,
                    manager,
                    prev_band,
                    prev_tier
                ) || demonstration(self, i) != demonstration(other, i)
            })
            .map(|i| i as u32)
            .chain(beyond)
            .collect()
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
