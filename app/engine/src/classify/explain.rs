//! A classification with its explanation: each result with the number compared and the bound it
//! was compared with, and what would move the customer up.

use super::*;

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

pub(crate) fn explain(rules: &Rules, f: &CustomerFacts, core: &Core) -> Explanation {
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
