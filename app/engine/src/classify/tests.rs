//! One customer classified: the seed's bounds, exact cut points, explanations that agree.

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
