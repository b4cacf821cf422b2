//! Properties every policy must keep (proptest): monotone bands, grades and scores, and
//! explanations that agree with the results they explain.

use kehu_engine::batch::{NO_MANAGER, Outcomes, Population, classify_again, classify_all, digest};
use kehu_engine::classify::{Rules, classify};
use kehu_engine::policy::BandMode;
use kehu_engine::{
    BusinessFormat, Cases, Cents, CustomerFacts, GRADES, Indicators, MarketType, Policy,
    ServiceInputs, Tier, Weight,
};
use proptest::prelude::*;

fn cents(max: i64) -> impl Strategy<Value = Cents> {
    (0..=max).prop_map(Cents::from_raw)
}

fn facts() -> impl Strategy<Value = CustomerFacts> {
    (
        0..7usize,
        any::<bool>(),
        cents(300_000),
        0..60_000i64,
        prop::option::of(1..60_000i64),
        prop::array::uniform5(cents(10_000)),
        0..4u16,
        any::<bool>(),
    )
        .prop_map(
            |(f, urban, area, vol, price, ind, violations, monitored)| CustomerFacts {
                format: BusinessFormat::ALL[f],
                market: if urban {
                    MarketType::Urban
                } else {
                    MarketType::Rural
                },
                business_area_m2: area,
                monthly_volume: Cases::from_raw(vol),
                avg_price: price.map(Cents::from_raw),
                monthly_amount: None,
                indicators: Indicators::from_array(ind),
                violations_12m: violations,
                monitored,
                service: None,
            },
        )
}

/// A valid policy with random strictly decreasing band bounds and value weights summing to 1.
fn policy() -> impl Strategy<Value = Policy> {
    (
        prop::collection::btree_set(1..50_000i64, 7),
        prop::array::uniform5(0..100u32),
    )
        .prop_map(|(bounds, w)| {
            let mut p = Policy::default();
            p.bands.lower_bounds = bounds.into_iter().rev().map(Cases::from_raw).collect();
            let total: u32 = w.iter().sum::<u32>().max(1);
            let mut bp: Vec<i64> = w
                .iter()
                .map(|x| i64::from(*x) * 10_000 / i64::from(total))
                .collect();
            let rest = 10_000 - bp.iter().sum::<i64>();
            bp[0] += rest;
            let ws = &mut p.value.weights;
            ws.contribution = Weight::from_raw(bp[0]);
            ws.support = Weight::from_raw(bp[1]);
            ws.credit = Weight::from_raw(bp[2]);
            ws.growth = Weight::from_raw(bp[3]);
            ws.influence = Weight::from_raw(bp[4]);
            assert!(p.validate().is_empty(), "{:?}", p.validate());
            p
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn more_volume_never_gives_a_worse_band_or_grade(p in policy(), f in facts(), extra in 0..20_000i64) {
        let rules = Rules::new(&p, None);
        let a = classify(&rules, &f);
        let mut g = f;
        g.monthly_volume = Cases::from_raw(f.monthly_volume.raw() + extra);
        let b = classify(&rules, &g);
        prop_assert!(b.band <= a.band);
        prop_assert!(b.grade <= a.grade);
    }

    #[test]
    fn a_higher_price_never_gives_a_worse_grade(p in policy(), f in facts(), extra in 0..50_000i64) {
        let rules = Rules::new(&p, None);
        let a = classify(&rules, &f);
        let mut g = f;
        g.avg_price = Some(Cents::from_raw(f.avg_price.map_or(0, |c| c.raw()) + extra.max(1)));
        let b = classify(&rules, &g);
        prop_assert!(b.grade <= a.grade, "{} -> {}", a.grade, b.grade);
    }

    #[test]
    fn raising_an_indicator_never_lowers_the_value_score(p in policy(), f in facts(), k in 0..5usize, up in 0..10_000i64) {
        let rules = Rules::new(&p, None);
        let a = classify(&rules, &f);
        let mut ind = f.indicators.as_array();
        ind[k] = Cents::from_raw((ind[k].raw() + up).min(10_000));
        let mut g = f;
        g.indicators = Indicators::from_array(ind);
        let b = classify(&rules, &g);
        prop_assert!(b.value_score >= a.value_score);
        prop_assert!(b.value_class <= a.value_class);
    }

    #[test]
    fn explanations_agree_with_results(p in policy(), f in facts()) {
        let rules = Rules::new(&p, None);
        let c = classify(&rules, &f);
        let e = &c.explanation;
        // The band's interval holds the volume: lower < v ≤ upper.
        prop_assert_eq!(e.band.band, c.band);
        if let Some(lo) = e.band.lower { prop_assert!(f.monthly_volume > lo); }
        if let Some(hi) = e.band.upper { prop_assert!(f.monthly_volume <= hi); }
        // Adding just more than the stated distance reaches the stated band.
        if let Some(step) = e.band.next {
            let mut g = f;
            g.monthly_volume = f.monthly_volume + step.needed + Cases::from_raw(1);
            prop_assert_eq!(classify(&rules, &g).band, step.to);
            g.monthly_volume = f.monthly_volume + step.needed;
            prop_assert_eq!(classify(&rules, &g).band, c.band, "exactly the distance is not enough");
        }
        // The weighted terms add up to the score.
        let sum = e.value.terms.iter().fold(kehu_engine::Score::ZERO, |a, t| a + t.weighted);
        prop_assert_eq!(sum, c.value_score);
        if let Some(step) = e.value.next {
            prop_assert!(step.needed > kehu_engine::Score::ZERO);
        }
        // A better grade by volume is reached with the stated extra volume.
        if let Some(step) = e.grade.via_volume {
            let mut g = f;
            g.monthly_volume = f.monthly_volume + step.needed + Cases::from_raw(1);
            prop_assert!(classify(&rules, &g).grade <= step.to);
        }
        if let Some(step) = e.grade.via_price {
            let mut g = f;
            g.avg_price = Some(f.avg_price.unwrap_or(Cents::ZERO) + step.needed);
            prop_assert!(classify(&rules, &g).grade <= step.to);
        }
        if e.tier.red_flags.any() { prop_assert_eq!(c.tier, kehu_engine::Tier::Problem); } else { prop_assert_eq!(c.tier, e.tier.from_value); }
    }

    #[test]
    fn the_batch_equals_one_by_one(p in policy(), fs in prop::collection::vec(facts(), 0..60), shares in any::<bool>()) {
        let mut p = p;
        if shares { p.bands.mode = BandMode::Shares; }
        let mut pop = Population::default();
        for f in &fs { pop.push(f, 0, Some(4), None); }
        let mut out = Outcomes::default();
        let s = classify_all(&p, &pop, 1, &mut out);
        let rules = Rules::new(&p, Some(s.band_bounds.clone().try_into().unwrap()));
        for (i, f) in fs.iter().enumerate() {
            let c = classify(&rules, f);
            prop_assert_eq!(out.band[i], c.band);
            prop_assert_eq!(out.grade[i], c.grade);
            prop_assert_eq!(out.value_score[i], c.value_score.raw());
            prop_assert_eq!(out.tier[i] as usize, c.tier.index());
        }
        prop_assert_eq!(s.band_counts.iter().sum::<u32>() as usize, fs.len());
        prop_assert_eq!(s.band_transitions[4].iter().sum::<u32>() as usize, fs.len());
        // In share mode too, more volume never means a worse band.
        for i in 0..fs.len() {
            for j in 0..fs.len() {
                if pop.volume[i] >= pop.volume[j] { prop_assert!(out.band[i] <= out.band[j]); }
            }
        }
    }
}

/// Service inputs as recorded in practice: any driver or measure may be missing.
fn service() -> impl Strategy<Value = Option<ServiceInputs>> {
    prop::option::of(
        (
            prop::array::uniform6(prop::option::of(cents(10_000))),
            prop::array::uniform5(prop::option::of(cents(10_000))),
        )
            .prop_map(|(expectation, experience)| ServiceInputs {
                expectation,
                experience,
            }),
    )
}

/// One edit of the lab: a setting picked by `kind`, set from `a` and `b`. Edits need not keep
/// the policy valid; classifying is total either way, and both paths must agree.
fn edit(p: &mut Policy, kind: u8, a: u32, b: u32) {
    let (a, b) = (a as usize, i64::from(b));
    let w = Weight::from_raw(b % 10_001);
    let c = Cents::from_raw(b % 10_001);
    match kind % 22 {
        0 => p.bands.lower_bounds[a % 7] = Cases::from_raw(b % 60_000),
        1 => {
            p.bands.mode = match p.bands.mode {
                BandMode::Thresholds => BandMode::Shares,
                BandMode::Shares => BandMode::Thresholds,
            }
        }
        2 => p.bands.shares[a % 8] = Weight::from_raw(b % 3_000),
        3 => p.grade.price_floors[a % 4] = Cents::from_raw(b % 60_000),
        4 => p.grade.table[a % 8][(b % 5) as usize] = 1 + (b / 5 % GRADES as i64) as u8,
        5 => {
            let t = &mut p.scale.per_format[a % 7];
            if b % 2 == 0 {
                t.large_min_area_m2 = Cents::from_raw(b % 300_000);
            } else {
                t.medium_min_area_m2 = Cents::from_raw(b % 300_000);
            }
        }
        6 => {
            let ws = &mut p.value.weights;
            *[
                &mut ws.contribution,
                &mut ws.support,
                &mut ws.credit,
                &mut ws.growth,
                &mut ws.influence,
            ][a % 5] = w;
        }
        7 => {
            let cuts = &mut p.value.cuts;
            *[&mut cuts.value, &mut cuts.secondary, &mut cuts.potential][a % 3] = c;
        }
        8 => {
            let t = &mut p.value.tiers;
            *[&mut t.value, &mut t.secondary, &mut t.potential, &mut t.low][a % 4] =
                Tier::ALL[(b % Tier::COUNT as i64) as usize];
        }
        9 => p.value.red_flags.violations_12m_at_least = (b % 4) as u16,
        10 => p.value.red_flags.monitored = !p.value.red_flags.monitored,
        11 => p.value.red_flags.credit_below = c,
        12 => p.key_account.enabled = !p.key_account.enabled,
        13 => p.key_account.min_monthly_amount_yuan[a % 4] = Cents::from_raw(b * 50),
        14 => p.cartons_per_case = 1 + (b % 300) as u16,
        15 => p.service.visits_per_month[a % 3] = (b % 10) as u16,
        16 => p.service.quota_cases_per_band[a % 8] = Cases::from_raw(b),
        17 => p.service.manager_capacity_visits_per_month = (b % 200) as u32,
        18 => {
            let e = &mut p.expectation.expectation_weights;
            *[
                &mut e.word_of_mouth,
                &mut e.promotion,
                &mut e.value_background,
                &mut e.environment_lifecycle,
                &mut e.past_experience,
                &mut e.experience_elsewhere,
            ][a % 6] = w;
        }
        19 => {
            let x = &mut p.expectation.experience_weights;
            *[
                &mut x.visits,
                &mut x.complaint_handling,
                &mut x.supply_fulfilment,
                &mut x.delivery_punctuality,
                &mut x.ratings,
            ][a % 5] = w;
        }
        20 => p.expectation.under_served_below = Cents::from_raw(-(b % 5_000)),
        _ => p.expectation.over_served_above = c,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// The lab classifies again after each edit, recomputing only what the edit touches: after
    /// any sequence of edits its results equal classifying everyone afresh.
    #[test]
    fn classifying_again_after_any_edits_equals_classifying_afresh(
        people in prop::collection::vec((facts(), service(), 0..4u32, 0..9u8, 0..4u8), 0..80),
        edits in prop::collection::vec((any::<u8>(), any::<u32>(), any::<u32>()), 1..25),
    ) {
        let mut pop = Population::default();
        for (f, s, m, band, tier) in &people {
            let f = CustomerFacts { service: *s, ..*f };
            let manager = if *m == 3 { NO_MANAGER } else { *m };
            let prev_tier = (*tier > 0).then(|| Tier::ALL[usize::from(*tier - 1)]);
            pop.push(&f, manager, (*band > 0).then_some(*band), prev_tier);
        }
        let mut policy = Policy::default();
        let mut kept = Outcomes::default();
        classify_again(&policy, &pop, 3, &mut kept);
        for (k, &(kind, a, b)) in edits.iter().enumerate() {
            edit(&mut policy, kind, a, b);
            let again = classify_again(&policy, &pop, 3, &mut kept);
            let mut fresh = Outcomes::default();
            let all = classify_all(&policy, &pop, 3, &mut fresh);
            prop_assert_eq!(&again, &all, "summary after edit {} (kind {})", k, kind % 22);
            prop_assert_eq!(digest(&kept), digest(&fresh), "columns after edit {} (kind {})", k, kind % 22);
            prop_assert_eq!(&kept.movers, &fresh.movers);
            prop_assert_eq!(all.movers as usize, fresh.movers.len());
        }
    }
}
