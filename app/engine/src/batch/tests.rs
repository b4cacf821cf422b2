//! The batch equals one-by-one classification; the wire codec round-trips and refuses what cannot be.

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
fn the_rows_that_differ_carried_over_make_the_old_population_the_new_one() {
    let mut facts = shops();
    let old = ranked(&facts);
    assert_eq!(old.differing(&old), Vec::<u32>::new());
    // A visit for shop 1 and a bigger area for shop 4, which re-ranks the others' influence.
    facts[1].service = Some(ServiceInputs {
        experience: [Some(Cents::from_int(80)), None, None, None, None],
        ..Default::default()
    });
    facts[4].business_area_m2 = Cents::from_int(500);
    let new = ranked(&facts);
    let changed = new.differing(&old);
    assert!(changed.contains(&1) && changed.contains(&4), "{changed:?}");
    // The delta: only those rows travel, and they make the old population the new one.
    let rows = new.rows(&changed);
    assert_eq!(rows.len(), changed.len());
    let mut patched = old.clone();
    patched.set_rows(&changed, &rows).unwrap();
    assert_eq!(patched, new);
    // A delta that does not fit is refused and changes nothing.
    let mut kept = old.clone();
    assert!(kept.set_rows(&[0, 99], &new.rows(&[0, 1])).is_err());
    assert!(kept.set_rows(&[0], &new.rows(&[0, 1])).is_err());
    assert_eq!(kept, old);
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
