//! Classifying one customer: the rules of domain §4–§5 applied to a customer's facts, with the
//! numbers compared kept as a structured explanation (the UI words it in the reader's language).

use crate::fixed::{Cases, Cents, Score, Weight};
use crate::model::{
    BANDS, BusinessFormat, CharacteristicClass, GapClass, KeyAccountTier, MarketType,
    PRICE_CLASSES, Scale, Tier, ValueClass,
};
use crate::policy::{BandMode, Policy};
use serde::{Deserialize, Serialize};

/// Five value indicators, each 0–100 points.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Indicators {
    pub contribution: Cents,
    pub support: Cents,
    pub credit: Cents,
    pub growth: Cents,
    pub influence: Cents,
}

impl Indicators {
    pub fn as_array(&self) -> [Cents; 5] {
        [
            self.contribution,
            self.support,
            self.credit,
            self.growth,
            self.influence,
        ]
    }

    pub fn from_array(a: [Cents; 5]) -> Self {
        Self {
            contribution: a[0],
            support: a[1],
            credit: a[2],
            growth: a[3],
            influence: a[4],
        }
    }
}

/// Expectation drivers (6) and experience measures (5), each 0–100 or `None` when nothing was
/// recorded for it, in the policy's weight order. A score weighs the recorded ones only, their
/// weights scaled up to a whole.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceInputs {
    pub expectation: [Option<Cents>; 6],
    pub experience: [Option<Cents>; 5],
}

impl ServiceInputs {
    /// Every driver and measure recorded.
    pub fn all(expectation: [Cents; 6], experience: [Cents; 5]) -> Self {
        Self {
            expectation: expectation.map(Some),
            experience: experience.map(Some),
        }
    }
}

/// What the engine needs to know about one customer.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomerFacts {
    pub format: BusinessFormat,
    pub market: MarketType,
    pub business_area_m2: Cents,
    /// Monthly average volume over the assessment window, cases.
    pub monthly_volume: Cases,
    /// Average price per carton (yuan); `None` when nothing was bought.
    pub avg_price: Option<Cents>,
    /// Monthly order amount (yuan); `None` derives it from volume × cartons per case × price.
    pub monthly_amount: Option<Cents>,
    pub indicators: Indicators,
    pub violations_12m: u16,
    pub monitored: bool,
    /// Expectation and experience inputs; `None` when no service records exist yet.
    pub service: Option<ServiceInputs>,
}

impl Default for CustomerFacts {
    fn default() -> Self {
        Self {
            format: BusinessFormat::Grocery,
            market: MarketType::Urban,
            business_area_m2: Cents::ZERO,
            monthly_volume: Cases::ZERO,
            avg_price: None,
            monthly_amount: None,
            indicators: Indicators::default(),
            violations_12m: 0,
            monitored: false,
            service: None,
        }
    }
}

/// A policy turned into flat integer tables for the hot loop. In `shares` mode the band bounds
/// come from the population (see [`crate::batch::share_bounds`]).
#[derive(Clone, Debug)]
pub struct Rules {
    pub(crate) bounds: [i64; BANDS - 1],
    pub(crate) bounds_from_shares: bool,
    price_floors: [i64; PRICE_CLASSES - 1],
    table: [[u8; PRICE_CLASSES]; BANDS],
    scale: [(i64, i64); BusinessFormat::COUNT],
    value_weights: [i64; 5],
    /// Cuts in `Score` units (points × 10⁴).
    cuts: [i64; 3],
    tier_of: [Tier; 4],
    violations_at_least: u16,
    monitored_flag: bool,
    credit_below: i64,
    ka_enabled: bool,
    ka_floors: [i64; 4],
    expectation_weights: [i64; 6],
    experience_weights: [i64; 5],
    under_below: i64,
    over_above: i64,
    cartons_per_case: i64,
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
fn recorded_raw<const N: usize>(weights: &[i64; N], row: &[u16]) -> Option<i64> {
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

/// Red flags that force the problem tier whatever the value score.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedFlags {
    /// (violations in 12 months, the policy's limit) when the limit is reached.
    pub violations: Option<(u16, u16)>,
    pub monitored: bool,
    /// (credit points, the policy's floor) when credit is below it.
    pub low_credit: Option<(Cents, Cents)>,
}

impl RedFlags {
    pub fn any(&self) -> bool {
        self.violations.is_some() || self.monitored || self.low_credit.is_some()
    }
}

/// The results without explanation: what the batch stores per customer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Core {
    pub band: u8,
    pub price_class: u8,
    pub grade: u8,
    pub class: CharacteristicClass,
    pub value_score: Score,
    pub value_class: ValueClass,
    pub red_flags: RedFlags,
    pub tier: Tier,
    pub monthly_amount: Cents,
    pub key_account: KeyAccountTier,
    pub expectation: Option<Score>,
    pub experience: Option<Score>,
    pub gap_class: GapClass,
}

impl Core {
    pub fn gap(&self) -> Option<Score> {
        Some(self.experience? - self.expectation?)
    }
}

/// The one place the rules are applied; batch and single-customer paths both call it.
#[inline]
pub fn classify_core(rules: &Rules, f: &CustomerFacts) -> Core {
    let volume = f.monthly_volume.raw();
    let price = f.avg_price.map(|p| p.raw());
    let band = rules.band(volume);
    let price_class = rules.price_class(price);
    let grade = rules.table[usize::from(band - 1)][usize::from(price_class - 1)];
    let class = CharacteristicClass {
        format: f.format,
        market: f.market,
        scale: rules.scale(f.format, f.business_area_m2.raw()),
    };
    let points = f.indicators.as_array().map(|c| c.raw());
    let score = weighted(&rules.value_weights, &points);
    let value_class = rules.value_class(score);
    let credit = f.indicators.credit;
    let red_flags = RedFlags {
        violations: (rules.violations_at_least > 0
            && f.violations_12m >= rules.violations_at_least)
            .then_some((f.violations_12m, rules.violations_at_least)),
        monitored: rules.monitored_flag && f.monitored,
        low_credit: (credit.raw() < rules.credit_below)
            .then_some((credit, Cents::from_raw(rules.credit_below))),
    };
    let tier = if red_flags.any() {
        Tier::Problem
    } else {
        rules.tier_of[value_class.index()]
    };
    let amount = rules.monthly_amount(f.monthly_amount.map(|a| a.raw()), volume, price);
    let key_account = rules.key_account(amount);
    let (expectation, experience) = rules.service_scores(f.service.as_ref());
    let gap_class = rules.gap_class_of(expectation, experience);
    Core {
        band,
        price_class,
        grade,
        class,
        value_score: Score::from_raw(score),
        value_class,
        red_flags,
        tier,
        monthly_amount: Cents::from_raw(amount),
        key_account,
        expectation,
        experience,
        gap_class,
    }
}

/// How far a customer is from the next better class: reach `to` by `needed` more.
/// `strictly_more` means the boundary itself is not enough (band bounds belong to the worse band).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step<T> {
    pub to: u8,
    pub needed: T,
    pub boundary: T,
    pub strictly_more: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BandWhy {
    pub volume: Cases,
    pub band: u8,
    /// The band holds volumes above `lower` (none for band 8) …
    pub lower: Option<Cases>,
    /// … up to and including `upper` (none for band 1).
    pub upper: Option<Cases>,
    /// Bounds were derived from target shares of customers.
    pub from_shares: bool,
    pub next: Option<Step<Cases>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradeWhy {
    pub band: u8,
    pub price: Option<Cents>,
    pub price_class: u8,
    /// Price class holds prices at or above `price_floor` …
    pub price_floor: Option<Cents>,
    /// … and below `price_ceiling`.
    pub price_ceiling: Option<Cents>,
    pub grade: u8,
    /// A better grade by more volume (to = grade reached, needed = cases/month).
    pub via_volume: Option<Step<Cases>>,
    /// A better grade by a higher average price (needed = yuan/carton).
    pub via_price: Option<Step<Cents>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassWhy {
    pub class: CharacteristicClass,
    pub number: u8,
    pub area: Cents,
    pub large_min: Cents,
    pub medium_min: Cents,
    /// The next larger scale and the area it needs.
    pub next: Option<Step<Cents>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueTerm {
    pub points: Cents,
    pub weight: Weight,
    pub weighted: Score,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueWhy {
    /// contribution, support, credit, growth, influence.
    pub terms: [ValueTerm; 5],
    pub score: Score,
    pub class: ValueClass,
    /// The cut the score reached (none for low value).
    pub cut: Option<Cents>,
    /// Points to the next value class (to = `ValueClass` index).
    pub next: Option<Step<Score>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierWhy {
    pub tier: Tier,
    /// The tier the value class maps to before red flags.
    pub from_value: Tier,
    pub red_flags: RedFlags,
    /// Value points to the nearest better tier (to = `Tier` index), when no red flag holds it down.
    pub next: Option<Step<Score>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyAccountWhy {
    pub enabled: bool,
    pub monthly_amount: Cents,
    pub tier: KeyAccountTier,
    pub floor: Option<Cents>,
    pub next: Option<Step<Cents>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GapWhy {
    pub expectation: Score,
    pub experience: Score,
    pub gap: Score,
    pub class: GapClass,
    pub under_served_below: Cents,
    pub over_served_above: Cents,
    /// The inputs behind the two scores (`None`: not recorded, left out of the score).
    pub inputs: ServiceInputs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    pub band: BandWhy,
    pub grade: GradeWhy,
    pub class: ClassWhy,
    pub value: ValueWhy,
    pub tier: TierWhy,
    pub key_account: KeyAccountWhy,
    pub gap: Option<GapWhy>,
}

/// One customer's classification and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Classification {
    pub band: u8,
    pub grade: u8,
    pub characteristic_class: CharacteristicClass,
    pub value_score: Score,
    pub value_class: ValueClass,
    pub tier: Tier,
    pub key_account: KeyAccountTier,
    pub expectation: Option<Score>,
    pub experience: Option<Score>,
    pub gap_class: GapClass,
    pub explanation: Explanation,
}

/// Classifies one customer under a valid policy (threshold mode, or share mode with the
/// population's bounds already in `rules`).
pub fn classify(rules: &Rules, f: &CustomerFacts) -> Classification {
    let core = classify_core(rules, f);
    Classification {
        band: core.band,
        grade: core.grade,
        characteristic_class: core.class,
        value_score: core.value_score,
        value_class: core.value_class,
        tier: core.tier,
        key_account: core.key_account,
        expectation: core.expectation,
        experience: core.experience,
        gap_class: core.gap_class,
        explanation: explain(rules, f, &core),
    }
}

/// Convenience for a policy in threshold mode (or share mode with its thresholds as a fallback).
pub fn classify_with_policy(policy: &Policy, f: &CustomerFacts) -> Classification {
    classify(&Rules::new(policy, None), f)
}

fn explain(rules: &Rules, f: &CustomerFacts, core: &Core) -> Explanation {
    let volume = f.monthly_volume;
    let bi = usize::from(core.band);
    let lower = (bi < BANDS).then(|| Cases::from_raw(rules.bounds[bi - 1]));
    let upper = (bi > 1).then(|| Cases::from_raw(rules.bounds[bi - 2]));
    let band = BandWhy {
        volume,
        band: core.band,
        lower,
        upper,
        from_shares: rules.bounds_from_shares,
        next: upper.map(|u| Step {
            to: core.band - 1,
            needed: u - volume,
            boundary: u,
            strictly_more: true,
        }),
    };

    let pi = usize::from(core.price_class);
    let price_floor = (pi < PRICE_CLASSES).then(|| Cents::from_raw(rules.price_floors[pi - 1]));
    let price_ceiling = (pi > 1).then(|| Cents::from_raw(rules.price_floors[pi - 2]));
    // Nearest better band that improves the grade at this price class.
    let via_volume = (1..core.band)
        .rev()
        .find(|&b| rules.table[usize::from(b - 1)][pi - 1] < core.grade)
        .map(|b| {
            let boundary = Cases::from_raw(rules.bounds[usize::from(b - 1)]);
            Step {
                to: rules.table[usize::from(b - 1)][pi - 1],
                needed: boundary - volume,
                boundary,
                strictly_more: true,
            }
        });
    let via_price = (1..core.price_class)
        .rev()
        .find(|&p| rules.table[bi - 1][usize::from(p - 1)] < core.grade)
        .map(|p| {
            let boundary = Cents::from_raw(rules.price_floors[usize::from(p - 1)]);
            Step {
                to: rules.table[bi - 1][usize::from(p - 1)],
                needed: boundary - f.avg_price.unwrap_or(Cents::ZERO),
                boundary,
                strictly_more: false,
            }
        });
    let grade = GradeWhy {
        band: core.band,
        price: f.avg_price,
        price_class: core.price_class,
        price_floor,
        price_ceiling,
        grade: core.grade,
        via_volume,
        via_price,
    };

    let (large, medium) = rules.scale[f.format.index()];
    let (large, medium) = (Cents::from_raw(large), Cents::from_raw(medium));
    let next_scale = match core.class.scale {
        Scale::Large => None,
        Scale::Medium => Some((Scale::Large, large)),
        Scale::Small => Some((Scale::Medium, medium)),
    };
    let class = ClassWhy {
        class: core.class,
        number: core.class.number(),
        area: f.business_area_m2,
        large_min: large,
        medium_min: medium,
        next: next_scale.map(|(s, b)| Step {
            to: s.index() as u8,
            needed: b - f.business_area_m2,
            boundary: b,
            strictly_more: false,
        }),
    };

    let points = f.indicators.as_array();
    let mut terms = [ValueTerm {
        points: Cents::ZERO,
        weight: Weight::ZERO,
        weighted: Score::ZERO,
    }; 5];
    for i in 0..5 {
        terms[i] = ValueTerm {
            points: points[i],
            weight: Weight::from_raw(rules.value_weights[i]),
            weighted: Score::from_raw(rules.value_weights[i] * points[i].raw()),
        };
    }
    let score = core.value_score;
    let vc = core.value_class.index();
    let cut_of = |i: usize| Score::from_raw(rules.cuts[i]);
    let value = ValueWhy {
        terms,
        score,
        class: core.value_class,
        cut: (vc < 3).then(|| cut_of(vc).rescale::<2>()),
        next: (vc > 0).then(|| Step {
            to: (vc - 1) as u8,
            needed: cut_of(vc - 1) - score,
            boundary: cut_of(vc - 1),
            strictly_more: false,
        }),
    };

    let from_value = rules.tier_of[vc];
    // The lowest cut above the current class whose class maps to a better tier.
    let tier_next = if core.red_flags.any() {
        None
    } else {
        (0..vc)
            .rev()
            .find(|&c| rules.tier_of[c] < from_value)
            .map(|c| Step {
                to: rules.tier_of[c].index() as u8,
                needed: cut_of(c) - score,
                boundary: cut_of(c),
                strictly_more: false,
            })
    };
    let tier = TierWhy {
        tier: core.tier,
        from_value,
        red_flags: core.red_flags,
        next: tier_next,
    };

    let ki = core.key_account.index();
    let key_account = KeyAccountWhy {
        enabled: rules.ka_enabled,
        monthly_amount: core.monthly_amount,
        tier: core.key_account,
        floor: (rules.ka_enabled && ki < 4).then(|| Cents::from_raw(rules.ka_floors[ki])),
        next: (rules.ka_enabled && ki > 0).then(|| {
            let boundary = Cents::from_raw(rules.ka_floors[ki - 1]);
            Step {
                to: (ki - 1) as u8,
                needed: boundary - core.monthly_amount,
                boundary,
                strictly_more: false,
            }
        }),
    };

    let gap = match (core.expectation, core.experience) {
        (Some(e), Some(x)) => Some(GapWhy {
            expectation: e,
            experience: x,
            gap: x - e,
            class: core.gap_class,
            under_served_below: Score::from_raw(rules.under_below).rescale::<2>(),
            over_served_above: Score::from_raw(rules.over_above).rescale::<2>(),
            inputs: f.service.unwrap_or_default(),
        }),
        _ => None,
    };

    Explanation {
        band,
        grade,
        class,
        value,
        tier,
        key_account,
        gap,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixed::Cases;

    fn facts(volume: &str) -> CustomerFacts {
        CustomerFacts {
            monthly_volume: Cases::parse(volume).unwrap(),
            ..Default::default()
        }
    }

    fn band_of(volume: &str) -> u8 {
        classify_with_policy(&Policy::default(), &facts(volume)).band
    }

    #[test]
    fn seed_band_boundaries_upper_bound_belongs_to_the_band() {
        // band 1 > 20; 2 (14,20]; 3 (10,14]; 4 (7,10]; 5 (4,7]; 6 (2,4]; 7 (1,2]; 8 ≤ 1
        let cases = [
            ("20.001", 1),
            ("20", 2),
            ("14.001", 2),
            ("14", 3),
            ("10.001", 3),
            ("10", 4),
            ("7.001", 4),
            ("7", 5),
            ("4.001", 5),
            ("4", 6),
            ("2.001", 6),
            ("2", 7),
            ("1.001", 7),
            ("1", 8),
            ("0", 8),
            ("350", 1),
        ];
        for (v, band) in cases {
            assert_eq!(band_of(v), band, "volume {v}");
        }
    }

    #[test]
    fn band_explanation_names_the_interval_and_the_distance() {
        let c = classify_with_policy(&Policy::default(), &facts("12.3"));
        let b = c.explanation.band;
        assert_eq!(b.band, 3);
        assert_eq!(b.lower, Some(Cases::from_int(10)));
        assert_eq!(b.upper, Some(Cases::from_int(14)));
        let next = b.next.unwrap();
        assert_eq!(
            (next.to, next.needed.to_string(), next.strictly_more),
            (2, "1.7".to_string(), true)
        );
        let top = classify_with_policy(&Policy::default(), &facts("25"))
            .explanation
            .band;
        assert_eq!((top.upper, top.next), (None, None));
    }

    #[test]
    fn score_exactly_on_a_cut_gets_the_tier_the_rule_says() {
        // 0.30·75 + 0.20·75 + 0.20·75 + 0.15·75 + 0.15·75 = 75 exactly: value (≥ 75), core.
        let mut f = facts("5");
        let p = |s: &str| Cents::parse(s).unwrap();
        f.indicators = Indicators::from_array([p("75"), p("75"), p("75"), p("75"), p("75")]);
        let c = classify_with_policy(&Policy::default(), &f);
        assert_eq!(c.value_score.to_string(), "75");
        assert_eq!(c.value_class, ValueClass::Value);
        assert_eq!(c.tier, Tier::Core);
        // Exactly 75 too, but floating point evaluates it to 74.99999999999999 (below the line).
        f.indicators =
            Indicators::from_array([p("77.13"), p("63.57"), p("82.95"), p("77.33"), p("73.05")]);
        let float = 0.3 * 77.13 + 0.2 * 63.57 + 0.2 * 82.95 + 0.15 * 77.33 + 0.15 * 73.05;
        assert!(float < 75.0, "the float trap this guards against: {float}");
        let c = classify_with_policy(&Policy::default(), &f);
        assert_eq!(c.value_score.to_string(), "75");
        assert_eq!(c.value_class, ValueClass::Value);
        // One hundredth less on contribution: 75.037, still value; on the line minus 0.003 → secondary.
        f.indicators = Indicators::from_array([p("74.99"), p("75"), p("75"), p("75"), p("75")]);
        let c = classify_with_policy(&Policy::default(), &f);
        assert_eq!(c.value_score.to_string(), "74.997");
        assert_eq!(c.value_class, ValueClass::Secondary);
        let next = c.explanation.value.next.unwrap();
        assert_eq!(next.needed.to_string(), "0.003");
    }

    #[test]
    fn red_flags_force_the_problem_tier_whatever_the_score() {
        let mut f = facts("30");
        f.indicators = Indicators::from_array([Cents::from_int(100); 5]);
        assert_eq!(
            classify_with_policy(&Policy::default(), &f).tier,
            Tier::Core
        );
        f.monitored = true;
        let c = classify_with_policy(&Policy::default(), &f);
        assert_eq!((c.tier, c.value_class), (Tier::Problem, ValueClass::Value));
        assert!(c.explanation.tier.red_flags.monitored);
        assert_eq!(c.explanation.tier.next, None);
        f.monitored = false;
        f.violations_12m = 2;
        let c = classify_with_policy(&Policy::default(), &f);
        assert_eq!(c.explanation.tier.red_flags.violations, Some((2, 2)));
        f.violations_12m = 0;
        f.indicators.credit = Cents::parse("39.99").unwrap();
        assert_eq!(
            classify_with_policy(&Policy::default(), &f).tier,
            Tier::Problem
        );
    }

    #[test]
    fn grade_combines_band_and_price_class() {
        let mut f = facts("12"); // band 3
        f.avg_price = Some(Cents::from_int(200)); // class 2 (≥ 200)
        let c = classify_with_policy(&Policy::default(), &f);
        assert_eq!(c.grade, 4);
        let g = c.explanation.grade;
        assert_eq!(
            (g.price_class, g.price_floor, g.price_ceiling),
            (2, Some(Cents::from_int(200)), Some(Cents::from_int(300)))
        );
        assert_eq!(g.via_volume.unwrap().needed, Cases::from_int(2));
        assert_eq!(g.via_price.unwrap().needed, Cents::from_int(100));
        f.avg_price = None;
        assert_eq!(classify_with_policy(&Policy::default(), &f).grade, 7);
    }

    #[test]
    fn characteristic_class_by_format_market_and_area() {
        let mut f = facts("1");
        f.format = BusinessFormat::Supermarket;
        f.market = MarketType::Rural;
        f.business_area_m2 = Cents::from_int(100);
        let c = classify_with_policy(&Policy::default(), &f);
        assert_eq!(c.characteristic_class.code(), "SUP-R-M");
        let next = c.explanation.class.next.unwrap();
        assert_eq!(
            (next.needed, next.boundary),
            (Cents::from_int(200), Cents::from_int(300))
        );
    }

    #[test]
    fn key_account_tiers_by_monthly_amount() {
        let p = Policy::key_account_preset();
        let mut f = facts("10");
        f.monthly_amount = Some(Cents::from_int(200_000));
        let c = classify_with_policy(&p, &f);
        assert_eq!(c.key_account, KeyAccountTier::A);
        assert_eq!(
            c.explanation.key_account.next.unwrap().needed,
            Cents::from_int(300_000)
        );
        f.monthly_amount = None;
        f.avg_price = Some(Cents::from_int(200)); // 10 cases × 50 × 200 = 100,000
        let c = classify_with_policy(&p, &f);
        assert_eq!(
            (c.key_account, c.explanation.key_account.monthly_amount),
            (KeyAccountTier::B, Cents::from_int(100_000))
        );
        assert_eq!(
            classify_with_policy(&Policy::default(), &f).key_account,
            KeyAccountTier::None
        );
    }

    #[test]
    fn satisfaction_gap_is_experience_minus_expectation() {
        let mut f = facts("3");
        f.service = Some(ServiceInputs::all(
            [Cents::from_int(80); 6],
            [Cents::from_int(65); 5],
        ));
        let c = classify_with_policy(&Policy::default(), &f);
        let g = c.explanation.gap.unwrap();
        assert_eq!(g.gap.to_string(), "-15");
        assert_eq!(c.gap_class, GapClass::UnderServed);
        f.service = Some(ServiceInputs::all(
            [Cents::from_int(60); 6],
            [Cents::from_int(50); 5],
        ));
        assert_eq!(
            classify_with_policy(&Policy::default(), &f).gap_class,
            GapClass::Balanced
        ); // -10 is not below -10
        f.service = None;
        assert_eq!(
            classify_with_policy(&Policy::default(), &f).gap_class,
            GapClass::Unknown
        );
    }

    #[test]
    fn unrecorded_inputs_are_left_out_and_the_rest_reweighted() {
        // Default experience weights: visits 25 %, complaints 20 %, supply 20 %, delivery 15 %,
        // ratings 20 %. Only visits (100) and ratings (40) recorded: (25·100 + 20·40) / 45.
        let p = Policy::default();
        let w = p.expectation.experience_weights.as_array().map(|w| w.raw());
        assert_eq!(
            w,
            [2_500, 2_000, 2_000, 1_500, 2_000],
            "the test's arithmetic assumes these"
        );
        let mut f = facts("3");
        f.service = Some(ServiceInputs {
            expectation: [Some(Cents::from_int(50)), None, None, None, None, None],
            experience: [
                Some(Cents::from_int(100)),
                None,
                None,
                None,
                Some(Cents::from_int(40)),
            ],
        });
        let c = classify_with_policy(&p, &f);
        assert_eq!(c.experience.unwrap().to_string(), "73.333333");
        assert_eq!(c.expectation.unwrap().to_string(), "50");
        assert_eq!(
            c.gap_class,
            GapClass::OverServed,
            "gap 23.3 is above the default +20"
        );
        let g = c.explanation.gap.unwrap();
        assert_eq!(g.inputs.experience[1], None);
        // Nothing recorded on one side: no score, no gap class.
        f.service = Some(ServiceInputs {
            expectation: [Some(Cents::from_int(50)); 6],
            experience: [None; 5],
        });
        let c = classify_with_policy(&p, &f);
        assert_eq!((c.experience, c.gap_class), (None, GapClass::Unknown));
        assert!(c.explanation.gap.is_none());
    }
}
