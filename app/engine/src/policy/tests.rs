//! The default policy is valid; every rule refuses what breaks it, by path.

use super::*;

#[test]
fn defaults_and_preset_are_valid() {
    assert_eq!(Policy::default().validate(), vec![]);
    assert_eq!(Policy::key_account_preset().validate(), vec![]);
}

#[test]
fn default_grade_table_never_worsens_and_spans_one_to_ten() {
    let p = Policy::default();
    assert_eq!(p.grade.table[0][0], 1);
    assert_eq!(p.grade.table[7][4], 10);
}

#[test]
fn json_round_trip_keeps_every_number() {
    let p = Policy::key_account_preset();
    let text = serde_json::to_string_pretty(&p).unwrap();
    assert_eq!(Policy::from_json(&text).unwrap(), p);
}

#[test]
fn bands_out_of_order_are_named_at_the_field() {
    let mut p = Policy::default();
    p.bands.lower_bounds[2] = Cases::from_int(15); // above band 2's 14
    let issues = p.validate();
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0].path, "bands.lower_bounds[2]");
    assert!(
        issues[0].to_string().contains("must be lower"),
        "{}",
        issues[0]
    );
}

#[test]
fn weights_must_sum_to_one() {
    let mut p = Policy::default();
    p.value.weights.growth = w(1000);
    let issues = p.validate();
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].path, "value.weights");
    assert_eq!(issues[0].problem, Problem::SumNotOne { sum: "0.95".into() });
}

#[test]
fn grade_table_that_worsens_with_volume_is_refused() {
    let mut p = Policy::default();
    p.grade.table[2][0] = 9; // band 3 worse than band 4 (4)
    let issues = p.validate();
    assert!(issues.iter().any(|i| i.path == "grade.table[2][0]"
        && matches!(i.problem, Problem::GradeWorseWithMoreVolume { band: 3, .. })));
    assert!(
        issues
            .iter()
            .any(|i| matches!(i.problem, Problem::GradeWorseWithHigherPrice { .. }))
    );
}

#[test]
fn malformed_json_names_line_and_column() {
    let err = Policy::from_json("{\n  \"format\": 1,\n  \"name\": }").unwrap_err();
    assert!(err[0].path.starts_with("line 3, column"), "{:?}", err[0]);
    let err = Policy::from_json("{\"format\": 1}").unwrap_err();
    assert!(err[0].to_string().contains("missing field"), "{}", err[0]);
}

#[test]
fn wrong_lengths_and_ranges_are_reported_not_panicked() {
    let mut p = Policy::default();
    p.bands.lower_bounds.pop();
    p.grade.table[1].push(3);
    p.service.visits_per_month = vec![40, 2, 2];
    p.expectation.under_served_below = c(5);
    let paths: Vec<_> = p.validate().into_iter().map(|i| i.path).collect();
    assert_eq!(
        paths,
        vec![
            "bands.lower_bounds",
            "grade.table[1]",
            "expectation.under_served_below",
            "service.visits_per_month[0]"
        ]
    );
}

/// Shapes of policy JSON the fuzzer found (server/fuzz, target `policy`): each is refused
/// with the path of what is wrong, never a panic, and classifying with a policy that passes
/// never panics either.
#[test]
fn fuzzed_policies_are_refused_at_their_field() {
    let default = serde_json::to_value(Policy::default()).unwrap();
    let with = |path: &[&str], v: serde_json::Value| {
        let mut j = default.clone();
        let mut at = &mut j;
        for key in &path[..path.len() - 1] {
            at = match key.parse::<usize>() {
                Ok(i) => &mut at[i],
                Err(_) => &mut at[*key],
            };
        }
        let last = path[path.len() - 1];
        match last.parse::<usize>() {
            Ok(i) => at[i] = v,
            Err(_) => at[last] = v,
        }
        j.to_string()
    };
    use serde_json::json;
    let cases = [
        (
            with(&["assessment_window_months"], json!(0)),
            "assessment_window_months",
        ),
        (
            with(&["bands", "lower_bounds", "0"], json!(1e300)),
            "line 1",
        ),
        (
            with(&["bands", "lower_bounds", "3"], json!("12.0001")),
            "line 1",
        ),
        (with(&["bands", "shares", "3"], json!(-0.5)), "bands"),
        (
            with(&["grade", "table", "0", "0"], json!(0)),
            "grade.table[0][0]",
        ),
        (with(&["grade", "table", "5"], json!([])), "grade.table[5]"),
        (
            with(&["grade", "price_floors", "3"], json!(400)),
            "grade.price_floors",
        ),
        (with(&["format"], json!(4294967296u64)), "line 1"),
        (
            with(&["value", "weights", "support"], json!(2)),
            "value.weights",
        ),
        (with(&["name"], json!("")), "name"),
        (with(&["name"], json!("名".repeat(101))), "name"),
        (
            with(&["scale", "per_format"], json!([])),
            "scale.per_format",
        ),
        (
            with(&["key_account", "min_monthly_amount_yuan", "1"], json!(1e9)),
            "key_account.min_monthly_amount_yuan",
        ),
    ];
    for (text, path) in &cases {
        let issues = Policy::from_json(text).expect_err(path);
        assert!(
            issues.iter().any(|i| i.path.starts_with(path)),
            "{path}: {issues:?}"
        );
    }
    // Edge values that are allowed classify without a panic.
    let edge = with(
        &["bands", "lower_bounds"],
        json!([100000, 1000, 100, 10, 1, 0.5, 0.001]),
    );
    let p = Policy::from_json(&edge).unwrap();
    let mut pop = crate::Population::with_capacity(3);
    for v in [0, 1, i64::from(u32::MAX)] {
        let f = crate::CustomerFacts {
            monthly_volume: crate::Cases::from_raw(v),
            ..Default::default()
        };
        pop.push(&f, 0, Some(8), None);
    }
    let mut out = crate::Outcomes::default();
    crate::classify_all(&p, &pop, 1, &mut out);
    assert_eq!(
        out.band,
        vec![8, 8, 1],
        "0.001 closes band 8; u32::MAX is above every bound"
    );
}
