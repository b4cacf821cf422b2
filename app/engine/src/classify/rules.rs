//! A policy prepared for classifying many customers (`Rules`): bounds and tables looked up, not
//! parsed, per customer; the exact weighted sums.

use super::*;

/// A policy turned into flat integer tables for the hot loop. In `shares` mode the band bounds
/// come from the population (see [`crate::batch::share_bounds`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Rules {
    pub(crate) bounds: [i64; BANDS - 1],
    pub(crate) bounds_from_shares: bool,
    pub(crate) price_floors: [i64; PRICE_CLASSES - 1],
    pub(crate) table: [[u8; PRICE_CLASSES]; BANDS],
    pub(crate) scale: [(i64, i64); BusinessFormat::COUNT],
    pub(crate) value_weights: [i64; 5],
    /// Cuts in `Score` units (points × 10⁴).
    pub(crate) cuts: [i64; 3],
    pub(crate) tier_of: [Tier; 4],
    pub(crate) violations_at_least: u16,
    pub(crate) monitored_flag: bool,
    pub(crate) credit_below: i64,
    pub(crate) ka_enabled: bool,
    pub(crate) ka_floors: [i64; 4],
    pub(crate) expectation_weights: [i64; 6],
    pub(crate) experience_weights: [i64; 5],
    pub(crate) under_below: i64,
    pub(crate) over_above: i64,
    pub(crate) cartons_per_case: i64,
    pub(crate) visits: [u32; 3],
    pub(crate) quota: [i64; BANDS],
}

impl Rules {
    /// Flattens a **valid** policy (see [`Policy::validate`]). In `shares` mode pass the bounds
    /// derived from the population; otherwise `None` uses the policy's thresholds.
    pub fn new(policy: &Policy, share_bounds: Option<[Cases; BANDS - 1]>) -> Self {
        let bounds_src = match (policy.bands.mode, share_bounds) {
            (BandMode::Shares, Some(b)) => b,
            _ => policy.band_bounds(),
        };
        let mut table = [[10u8; PRICE_CLASSES]; BANDS];
        for (b, row) in policy.grade.table.iter().take(BANDS).enumerate() {
            for (p, g) in row.iter().take(PRICE_CLASSES).enumerate() {
                table[b][p] = *g;
            }
        }
        let mut scale = [(0, 0); BusinessFormat::COUNT];
        for (i, t) in policy
            .scale
            .per_format
            .iter()
            .take(BusinessFormat::COUNT)
            .enumerate()
        {
            scale[i] = (t.large_min_area_m2.raw(), t.medium_min_area_m2.raw());
        }
        let v = &policy.value;
        let to_score = |c: Cents| c.rescale::<6>().raw();
        let mut visits = [0u32; 3];
        for (i, n) in policy.service.visits_per_month.iter().take(3).enumerate() {
            visits[i] = u32::from(*n);
        }
        let mut quota = [0i64; BANDS];
        for (i, q) in policy
            .service
            .quota_cases_per_band
            .iter()
            .take(BANDS)
            .enumerate()
        {
            quota[i] = q.raw();
        }
        let mut ka_floors = [0i64; 4];
        for (i, f) in policy
            .key_account
            .min_monthly_amount_yuan
            .iter()
            .take(4)
            .enumerate()
        {
            ka_floors[i] = f.raw();
        }
        let mut price_floors = [0i64; PRICE_CLASSES - 1];
        for (i, f) in policy
            .grade
            .price_floors
            .iter()
            .take(PRICE_CLASSES - 1)
            .enumerate()
        {
            price_floors[i] = f.raw();
        }
        Self {
            bounds: bounds_src.map(|c| c.raw()),
            bounds_from_shares: policy.bands.mode == BandMode::Shares,
            price_floors,
            table,
            scale,
            value_weights: v.weights.as_array().map(|w| w.raw()),
            cuts: [
                to_score(v.cuts.value),
                to_score(v.cuts.secondary),
                to_score(v.cuts.potential),
            ],
            tier_of: [
                v.tiers.value,
                v.tiers.secondary,
                v.tiers.potential,
                v.tiers.low,
            ],
            violations_at_least: v.red_flags.violations_12m_at_least,
            monitored_flag: v.red_flags.monitored,
            credit_below: v.red_flags.credit_below.raw(),
            ka_enabled: policy.key_account.enabled,
            ka_floors,
            expectation_weights: policy
                .expectation
                .expectation_weights
                .as_array()
                .map(|w| w.raw()),
            experience_weights: policy
                .expectation
                .experience_weights
                .as_array()
                .map(|w| w.raw()),
            under_below: to_score(policy.expectation.under_served_below),
            over_above: to_score(policy.expectation.over_served_above),
            cartons_per_case: i64::from(policy.cartons_per_case),
            visits,
            quota,
        }
    }

    pub fn band_bounds(&self) -> [Cases; BANDS - 1] {
        self.bounds.map(Cases::from_raw)
    }

    /// Band 1..=8 for a volume in thousandths of a case: the upper bound belongs to the band.
    #[inline]
    pub(crate) fn band(&self, volume_milli: i64) -> u8 {
        // Bounds run from high to low, so the bounds at or above the volume are a prefix: their
        // count is the band index. Counting has no branch to mispredict on random volumes.
        1 + self
            .bounds
            .iter()
            .map(|&b| u8::from(volume_milli <= b))
            .sum::<u8>()
    }

    /// Price class 1..=5 for a price in fen per carton (no purchases: the lowest class).
    #[inline]
    pub(crate) fn price_class(&self, price_fen: Option<i64>) -> u8 {
        let Some(p) = price_fen else {
            return PRICE_CLASSES as u8;
        };
        // Floors run from high to low: the floors above the price are a prefix.
        1 + self
            .price_floors
            .iter()
            .map(|&f| u8::from(p < f))
            .sum::<u8>()
    }

    #[inline]
    pub(crate) fn scale(&self, format: BusinessFormat, area_centi: i64) -> Scale {
        let (large, medium) = self.scale[format.index()];
        // medium ≤ large: 0, 1 or 2 thresholds above the area.
        Scale::ALL[usize::from(area_centi < large) + usize::from(area_centi < medium)]
    }

    #[inline]
    pub(crate) fn value_class(&self, score: i64) -> ValueClass {
        // Cuts run from high to low: the cuts above the score are a prefix.
        ValueClass::ALL[self
            .cuts
            .iter()
            .map(|&c| usize::from(score < c))
            .sum::<usize>()]
    }

    /// The red flags a customer's violations, monitoring and credit raise under these rules.
    #[inline(always)]
    pub(crate) fn red_flags(&self, violations: u16, monitored: bool, credit: Cents) -> RedFlags {
        RedFlags {
            violations: (self.violations_at_least > 0 && violations >= self.violations_at_least)
                .then_some((violations, self.violations_at_least)),
            monitored: self.monitored_flag && monitored,
            low_credit: (credit.raw() < self.credit_below)
                .then_some((credit, Cents::from_raw(self.credit_below))),
        }
    }

    /// Whether any red flag is raised (see [`Rules::red_flags`]).
    #[inline(always)]
    pub(crate) fn red_flagged(&self, violations: u16, monitored: bool, credit: i64) -> bool {
        self.red_flags(violations, monitored, Cents::from_raw(credit))
            .any()
    }

    #[inline]
    pub(crate) fn key_account(&self, amount_fen: i64) -> KeyAccountTier {
        if !self.ka_enabled {
            return KeyAccountTier::None;
        }
        // Floors run from high to low; above all four floors is no key-account tier.
        KeyAccountTier::ALL[self
            .ka_floors
            .iter()
            .map(|&f| usize::from(amount_fen < f))
            .sum::<usize>()]
    }

    /// Expectation and experience scores of a customer's service inputs, each over what was
    /// recorded of it.
    #[inline]
    pub fn service_scores(&self, s: Option<&ServiceInputs>) -> (Option<Score>, Option<Score>) {
        match s {
            Some(s) => (
                weighted_recorded(&self.expectation_weights, &s.expectation).map(Score::from_raw),
                weighted_recorded(&self.experience_weights, &s.experience).map(Score::from_raw),
            ),
            None => (None, None),
        }
    }

    /// [`Rules::service_scores`] straight from a population's score row (hundredths, or
    /// `NOT_RECORDED`), without building the inputs: the batch's path, equal by construction.
    #[inline(always)]
    pub(crate) fn service_scores_raw(&self, row: &[u16; 11]) -> (Option<Score>, Option<Score>) {
        (
            recorded_raw(&self.expectation_weights, &row[..6]).map(Score::from_raw),
            recorded_raw(&self.experience_weights, &row[6..]).map(Score::from_raw),
        )
    }

    /// The gap class of two scores (`Unknown` unless both exist).
    #[inline(always)]
    pub(crate) fn gap_class_of(&self, e: Option<Score>, x: Option<Score>) -> GapClass {
        match (e, x) {
            (Some(e), Some(x)) => self.gap_class(x.raw() - e.raw()),
            _ => GapClass::Unknown,
        }
    }

    /// What the satisfaction gap depends on in the rules: both weight sets and both thresholds.
    pub(crate) fn gap_rule(&self) -> ([i64; 6], [i64; 5], i64, i64) {
        (
            self.expectation_weights,
            self.experience_weights,
            self.under_below,
            self.over_above,
        )
    }

    pub(crate) fn gap_class(&self, gap: i64) -> GapClass {
        if gap < self.under_below {
            GapClass::UnderServed
        } else if gap > self.over_above {
            GapClass::OverServed
        } else {
            GapClass::Balanced
        }
    }

    /// Monthly amount in fen: given, or volume (milli-cases) × cartons per case × price (fen), rounded.
    #[inline]
    pub(crate) fn monthly_amount(
        &self,
        given: Option<i64>,
        volume_milli: i64,
        price_fen: Option<i64>,
    ) -> i64 {
        match (given, price_fen) {
            (Some(a), _) => a,
            // Saturating: a population's columns can hold any u32, and no product may wrap.
            (None, Some(p)) => {
                volume_milli
                    .saturating_mul(self.cartons_per_case)
                    .saturating_mul(p)
                    .saturating_add(500)
                    / 1000
            }
            (None, None) => 0,
        }
    }
}

/// Weighted sum of 0–100 points (hundredths) by weights (basis points): exact, in `Score` units.
#[inline]
pub(crate) fn weighted<const N: usize>(weights: &[i64; N], points: &[i64; N]) -> i64 {
    let mut s = 0;
    for i in 0..N {
        s += weights[i] * points[i];
    }
    s
}

/// The weighted score over the recorded items only, their weights scaled to sum to 1 (10,000
/// basis points): the same as [`weighted`] when everything is recorded. `None` when nothing
/// with a weight was recorded.
pub(crate) fn weighted_recorded<const N: usize>(
    weights: &[i64; N],
    points: &[Option<Cents>; N],
) -> Option<i64> {
    // Through the batch's form (clamped hundredths), so both paths weigh alike.
    let row = points.map(|p| {
        p.map_or(crate::batch::NOT_RECORDED, |c| {
            c.raw().clamp(0, 10_000) as u16
        })
    });
    recorded_raw(weights, &row)
}

/// [`weighted_recorded`] over raw hundredths with `NOT_RECORDED` for missing ones, branch-free.
#[inline(always)]
pub(crate) fn recorded_raw<const N: usize>(weights: &[i64; N], row: &[u16]) -> Option<i64> {
    let (mut s, mut w) = (0i64, 0i64);
    for (k, &weight) in weights.iter().enumerate() {
        let v = row[k];
        let rec = i64::from(v != crate::batch::NOT_RECORDED);
        s += weight * i64::from(v) * rec;
        w += weight * rec;
    }
    if w <= 0 {
        None
    } else if w == 10_000 {
        Some(s)
    } else {
        Some(s * 10_000 / w)
    }
}
