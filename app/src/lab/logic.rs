//! The what-if lab's logic without any UI: run the engine over a snapshot under a draft policy,
//! list who moves, filter them, and say why in numbers the page then puts into words. Pure, so
//! it is tested natively and runs unchanged in the browser.

use crate::engine::batch::{Outcomes, Summary, classify_again, classify_all};
use crate::engine::classify::{Classification, Rules, classify};
use crate::engine::policy::BandMode;
use crate::engine::{BANDS, Cases, Policy, Tier};
use crate::wire::Snapshot;
use std::collections::BTreeSet;

/// One recomputation: the aggregates and who moved (indices into the snapshot).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Run {
    pub summary: Summary,
    pub movers: Vec<u32>,
}

/// Classifies every customer of the snapshot under `policy` (which must be valid) into `out`
/// and lists the movers: customers with a published assignment whose band or tier changes.
/// `out` is either fresh or was last run over this same snapshot: only what the edit since
/// touches is recomputed (see `classify_again`).
pub fn run(policy: &Policy, snap: &Snapshot, out: &mut Outcomes) -> Run {
    let summary = classify_again(policy, &snap.population, snap.managers.len(), out);
    Run {
        summary,
        movers: out.movers.clone(),
    }
}

/// The movers table's filters; `None` means any.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MoverFilter {
    /// Index into `Snapshot::routes`.
    pub route: Option<u16>,
    /// Index into `Snapshot::managers`.
    pub manager: Option<u32>,
    pub format: Option<u8>,
    pub market: Option<u8>,
}

impl MoverFilter {
    pub fn keeps(&self, snap: &Snapshot, i: usize) -> bool {
        let p = &snap.population;
        self.route.is_none_or(|r| snap.route[i] == r)
            && self.manager.is_none_or(|m| p.manager[i] == m)
            && self.format.is_none_or(|f| p.format[i] == f)
            && self.market.is_none_or(|m| p.market[i] == m)
    }

    /// The movers this filter keeps, in snapshot order.
    pub fn apply(&self, snap: &Snapshot, movers: &[u32]) -> Vec<u32> {
        movers
            .iter()
            .copied()
            .filter(|&i| self.keeps(snap, i as usize))
            .collect()
    }
}

/// A mover as the table shows it: before and after, and the engine's explanation.
#[derive(Clone, Debug, PartialEq)]
pub struct MoverRow {
    pub index: u32,
    pub id: i64,
    pub band_before: u8,
    pub tier_before: Option<Tier>,
    pub now: Classification,
}

impl MoverRow {
    pub fn band_changed(&self) -> bool {
        self.band_before != 0 && self.band_before != self.now.band
    }

    pub fn tier_changed(&self) -> bool {
        self.tier_before.is_some_and(|t| t != self.now.tier)
    }
}

/// The rules a run used: in share mode the bounds come from the run's summary.
pub fn rules_of(policy: &Policy, summary: &Summary) -> Rules {
    let bounds = (policy.bands.mode == BandMode::Shares && summary.band_bounds.len() == BANDS - 1)
        .then(|| std::array::from_fn(|k| summary.band_bounds[k]));
    Rules::new(policy, bounds)
}

/// Explained rows for the given movers (one page of the table).
pub fn mover_rows(rules: &Rules, snap: &Snapshot, ids: &[i64], page: &[u32]) -> Vec<MoverRow> {
    let pop = &snap.population;
    page.iter()
        .map(|&i| {
            let k = i as usize;
            let pt = pop.prev_tier[k];
            MoverRow {
                index: i,
                id: ids.get(k).copied().unwrap_or_default(),
                band_before: pop.prev_band[k],
                tier_before: pt
                    .checked_sub(1)
                    .and_then(|t| Tier::from_index(usize::from(t))),
                now: classify(rules, &pop.facts(k)),
            }
        })
        .collect()
}

/// Sum of a list of decimal weights (the editor shows it beside the weights).
pub fn weight_sum(weights: &[crate::engine::Weight]) -> crate::engine::Weight {
    weights
        .iter()
        .fold(crate::engine::Weight::ZERO, |a, &b| a + b)
}

/// The weights rescaled to add up to exactly 1: the one at `keep` (the weight just edited)
/// stays as it is (at most 1) and the others share what is left in their present proportions
/// (evenly when they are all 0); without `keep`, all of them are scaled. Rounded to the
/// weights' four decimals by largest remainder, so the sum is 1 to the last digit.
pub fn rescale(
    weights: &[crate::engine::Weight],
    keep: Option<usize>,
) -> Vec<crate::engine::Weight> {
    use crate::engine::Weight;
    const ONE: i64 = 10_000;
    let keep = keep.filter(|&k| k < weights.len());
    let kept = keep.map_or(0, |k| weights[k].raw().clamp(0, ONE));
    let others: Vec<usize> = (0..weights.len()).filter(|&i| Some(i) != keep).collect();
    let left = ONE - kept;
    let raw = |i: usize| weights[i].raw().max(0);
    let total: i64 = others.iter().map(|&i| raw(i)).sum();
    let mut out: Vec<i64> = weights.iter().map(|w| w.raw()).collect();
    if let Some(k) = keep {
        out[k] = kept;
    }
    if others.is_empty() {
        return out.into_iter().map(Weight::from_raw).collect();
    }
    // Exact shares as (floor, remainder) of left × part / total.
    let (parts, whole): (Vec<i64>, i64) = if total == 0 {
        (vec![1; others.len()], others.len() as i64)
    } else {
        (others.iter().map(|&i| raw(i)).collect(), total)
    };
    let mut shares: Vec<(usize, i64, i64)> = others
        .iter()
        .zip(&parts)
        .map(|(&i, &p)| {
            let x = i128::from(left) * i128::from(p);
            let w = i128::from(whole);
            (i, (x / w) as i64, (x % w) as i64)
        })
        .collect();
    let mut short = left - shares.iter().map(|s| s.1).sum::<i64>();
    shares.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    for s in &mut shares {
        if short == 0 {
            break;
        }
        if s.2 > 0 || total == 0 {
            s.1 += 1;
            short -= 1;
        }
    }
    for (i, v, _) in shares {
        out[i] = v;
    }
    out.into_iter().map(Weight::from_raw).collect()
}

/// The satisfaction-gap histogram as the chart shows it: only the bins from the first to the
/// last that hold anyone, each labelled by where it starts — every k-th label only, so that at
/// most `labels` fit under the bars without overlapping.
pub fn gap_chart(histogram: &[u32], labels: usize) -> (Vec<String>, Vec<u32>) {
    let first = histogram.iter().position(|&n| n > 0);
    let last = histogram.iter().rposition(|&n| n > 0);
    let (Some(first), Some(last)) = (first, last) else {
        return (Vec::new(), Vec::new());
    };
    let n = last - first + 1;
    let every = n.div_ceil(labels.max(1));
    let shown = (first..=last)
        .map(|i| {
            let at = i as i64 * crate::engine::batch::GAP_BIN - 100;
            if (i - first).is_multiple_of(every) {
                at.to_string()
            } else {
                String::new()
            }
        })
        .collect();
    (shown, histogram[first..=last].to_vec())
}

/// How dark a heat-map cell is (0 to 1): customers who stay (the diagonal) are not shaded, and
/// the movers' cells are shaded against the largest of them, so the biggest move is darkest.
pub fn heat_shade(matrix: &[Vec<u32>], from: usize, to: usize) -> f64 {
    let moved = |f: usize, t: usize| f > 0 && f != t + 1;
    if !moved(from, to) {
        return 0.0;
    }
    let max = (0..matrix.len())
        .flat_map(|f| (0..matrix[f].len()).map(move |t| (f, t)))
        .filter(|&(f, t)| moved(f, t))
        .map(|(f, t)| matrix[f][t])
        .max()
        .unwrap_or(0)
        .max(1);
    (f64::from(matrix[from][to]) / f64::from(max)).sqrt()
}

/// A heat map cell's background opacity (of the brand colour, over white) and text colour for
/// shade `a` (0..=1): dark text up to the middle, white above it, each kept at 4.5:1 or more
/// (dark text is readable up to an opacity of 0.66, white from 0.78; the shades in between are
/// skipped).
pub fn heat_colour(a: f64) -> (f64, &'static str) {
    if a <= 0.5 {
        (0.12 + 1.08 * a, "inherit")
    } else {
        (0.80 + 0.4 * (a - 0.5), "#fff")
    }
}

/// The volume-band bounds as `(lower, upper]` of band `b` (1-based), for the reason text.
pub fn band_range(summary: &Summary, b: u8) -> (Option<Cases>, Option<Cases>) {
    let i = usize::from(b);
    let lower = (i < BANDS)
        .then(|| summary.band_bounds.get(i - 1).copied())
        .flatten();
    let upper = (i > 1)
        .then(|| summary.band_bounds.get(i - 2).copied())
        .flatten();
    (lower, upper)
}

/// One setting that differs between two policies: its path (as validation names it, e.g.
/// `bands.lower_bounds[0]`) and both values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldDiff {
    pub path: String,
    pub a: String,
    pub b: String,
}

pub(crate) fn flatten(prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&p, x, out);
            }
        }
        serde_json::Value::Array(xs) => {
            for (i, x) in xs.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), x, out);
            }
        }
        serde_json::Value::String(s) => out.push((prefix.to_string(), s.clone())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

/// Every setting in which two policies differ (the name aside), by path.
pub fn field_diffs(a: &Policy, b: &Policy) -> Vec<FieldDiff> {
    let (mut fa, mut fb) = (Vec::new(), Vec::new());
    flatten("", &serde_json::to_value(a).unwrap_or_default(), &mut fa);
    flatten("", &serde_json::to_value(b).unwrap_or_default(), &mut fb);
    let lookup: std::collections::HashMap<&str, &str> =
        fb.iter().map(|(p, v)| (p.as_str(), v.as_str())).collect();
    let mut out: Vec<FieldDiff> = fa
        .iter()
        .filter(|(p, _)| p != "name")
        .filter_map(|(p, va)| {
            let vb = lookup.get(p.as_str()).copied().unwrap_or("—");
            (va != vb).then(|| FieldDiff {
                path: p.clone(),
                a: va.clone(),
                b: vb.to_string(),
            })
        })
        .collect();
    let in_a: BTreeSet<&str> = fa.iter().map(|(p, _)| p.as_str()).collect();
    out.extend(
        fb.iter()
            .filter(|(p, _)| p != "name" && !in_a.contains(p.as_str()))
            .map(|(p, v)| FieldDiff {
                path: p.clone(),
                a: "—".into(),
                b: v.clone(),
            }),
    );
    out
}

/// Who two (valid) policies classify differently: customers whose band, grade or tier differs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Comparison {
    /// Indices into the snapshot.
    pub differ: Vec<u32>,
    pub band: usize,
    pub grade: usize,
    pub tier: usize,
    /// Each policy's outcome, for the rows shown.
    pub a: Outcomes,
    pub b: Outcomes,
}

pub fn compare(a: &Policy, b: &Policy, snap: &Snapshot) -> Comparison {
    let mut c = Comparison::default();
    let n = snap.managers.len();
    classify_all(a, &snap.population, n, &mut c.a);
    classify_all(b, &snap.population, n, &mut c.b);
    for i in 0..snap.population.len() {
        let band = c.a.band[i] != c.b.band[i];
        let grade = c.a.grade[i] != c.b.grade[i];
        let tier = c.a.tier[i] != c.b.tier[i];
        c.band += usize::from(band);
        c.grade += usize::from(grade);
        c.tier += usize::from(tier);
        if band || grade || tier {
            c.differ.push(i as u32);
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_policies_differ_in_the_changed_settings_and_the_customers_they_move() {
        let snap = snapshot(&[25_000, 21_000, 19_000, 12_000, 3_000]);
        let a = Policy::default();
        let mut b = a.clone();
        b.name = "other name".into();
        assert!(field_diffs(&a, &b).is_empty(), "the name is not a setting");
        assert_eq!(compare(&a, &b, &snap).differ, Vec::<u32>::new());
        // Band 1 from above 22 cases: 21 moves to band 2; 25 stays.
        b.bands.lower_bounds[0] = Cases::from_int(22);
        let d = field_diffs(&a, &b);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].path, "bands.lower_bounds[0]");
        assert_eq!((d[0].a.as_str(), d[0].b.as_str()), ("20", "22"));
        let c = compare(&a, &b, &snap);
        assert_eq!(c.differ, vec![1]);
        assert_eq!((c.a.band[1], c.b.band[1]), (1, 2));
        assert_eq!(c.band, 1);
    }
    #[test]
    fn the_gap_chart_shows_only_the_bins_that_hold_anyone_with_labels_that_fit() {
        let mut h = [0u32; crate::engine::batch::GAP_BINS];
        // Gaps from -10 up to +4: bins 18 (-10..-5), 19 and 20.
        h[18] = 3;
        h[20] = 7;
        let (labels, values) = gap_chart(&h, 10);
        assert_eq!(values, vec![3, 0, 7]);
        assert_eq!(labels, vec!["-10", "-5", "0"]);
        // Everything from -100 to +95: 40 bins, at most 10 labels (every 4th).
        let h = [1u32; crate::engine::batch::GAP_BINS];
        let (labels, values) = gap_chart(&h, 10);
        assert_eq!(values.len(), 40);
        let shown: Vec<&str> = labels
            .iter()
            .filter(|l| !l.is_empty())
            .map(String::as_str)
            .collect();
        assert_eq!(
            shown,
            [
                "-100", "-80", "-60", "-40", "-20", "0", "20", "40", "60", "80"
            ]
        );
        assert_eq!(gap_chart(&[0; 40], 10), (Vec::new(), Vec::new()));
    }

    #[test]
    fn the_heat_map_shades_the_movers_not_those_who_stay() {
        let mut m = vec![vec![0u32; BANDS]; BANDS + 1];
        m[1][0] = 900; // band 1 stays: not shaded however many
        m[1][1] = 40; // band 1 → 2: the largest move, darkest
        m[2][2] = 10; // band 2 → 3
        m[0][3] = 500; // not yet assigned: not a move
        assert_eq!(heat_shade(&m, 1, 0), 0.0);
        assert_eq!(heat_shade(&m, 0, 3), 0.0);
        assert_eq!(heat_shade(&m, 1, 1), 1.0);
        assert_eq!(heat_shade(&m, 2, 2), 0.5);
    }

    #[test]
    fn rescaling_keeps_the_edited_weight_and_sums_to_one() {
        use crate::engine::Weight;
        let w = |xs: &[i64]| xs.iter().map(|&x| Weight::from_raw(x)).collect::<Vec<_>>();
        let sum = |xs: &[Weight]| xs.iter().map(|x| x.raw()).sum::<i64>();
        // Contribution raised from 0.3 to 0.35: the others (0.7) share 0.65 in proportion.
        let r = rescale(&w(&[3_500, 2_000, 2_000, 1_500, 1_500]), Some(0));
        assert_eq!(r, w(&[3_500, 1_857, 1_857, 1_393, 1_393]));
        assert_eq!(sum(&r), 10_000);
        // Thirds cannot be exact: the remainder goes to the largest fractions, the sum is 1.
        let r = rescale(&w(&[1, 1, 1]), None);
        assert_eq!(sum(&r), 10_000);
        assert_eq!(r, w(&[3_334, 3_333, 3_333]));
        // The others all 0: they share what is left evenly.
        let r = rescale(&w(&[6_000, 0, 0, 0, 0]), Some(0));
        assert_eq!(r, w(&[6_000, 1_000, 1_000, 1_000, 1_000]));
        // The edited one above 1 is cut to 1 and the others go to 0.
        let r = rescale(&w(&[12_000, 2_000, 3_000]), Some(0));
        assert_eq!(r, w(&[10_000, 0, 0]));
        // Already 1: unchanged.
        let r = rescale(&w(&[2_000, 2_000, 6_000]), Some(1));
        assert_eq!(r, w(&[2_000, 2_000, 6_000]));
    }

    use crate::engine::batch::Population;
    use crate::engine::{BusinessFormat, Cents, CustomerFacts, Indicators, MarketType};

    fn snapshot(volumes: &[i64]) -> Snapshot {
        let policy = Policy::default();
        let mut pop = Population::with_capacity(volumes.len());
        for (i, &v) in volumes.iter().enumerate() {
            let f = CustomerFacts {
                format: BusinessFormat::ALL[i % 7],
                market: MarketType::ALL[i % 2],
                business_area_m2: Cents::from_int(30),
                monthly_volume: Cases::from_raw(v),
                avg_price: Some(Cents::from_int(150)),
                monthly_amount: None,
                indicators: Indicators::from_array([Cents::from_int(60); 5]),
                violations_12m: 0,
                monitored: false,
                service: None,
            };
            let c = crate::engine::classify::classify_with_policy(&policy, &f);
            pop.push(&f, (i % 3) as u32, Some(c.band), Some(c.tier));
        }
        Snapshot {
            policy_json: serde_json::to_string(&policy).unwrap(),
            id_deltas: vec![1; volumes.len()],
            route: (0..volumes.len()).map(|i| (i % 2) as u16).collect(),
            routes: vec!["R1".into(), "R2".into()],
            managers: vec!["A".into(), "B".into(), "C".into()],
            population: pop,
            ..Default::default()
        }
    }

    #[test]
    fn raising_the_band_one_bound_moves_exactly_the_customers_between_old_and_new_bound() {
        // 20 < v ≤ 25 cases drop to band 2 when band 1 starts above 25.
        let snap = snapshot(&[30_000, 25_000, 22_500, 20_001, 20_000, 15_000, 25_001]);
        let mut out = Outcomes::default();
        let published = Policy::default();
        assert!(run(&published, &snap, &mut out).movers.is_empty());
        let mut draft = Policy::default();
        draft.bands.lower_bounds[0] = Cases::from_int(25);
        let r = run(&draft, &snap, &mut out);
        assert_eq!(r.movers, vec![1, 2, 3]);
        assert_eq!(r.summary.movers, 3, "the list and the engine's count agree");
        assert_eq!(r.summary.band_transitions[1][1], 3, "band 1 → band 2");
        let ids = snap.ids();
        let rows = mover_rows(&rules_of(&draft, &r.summary), &snap, &ids, &r.movers);
        assert!(rows.iter().all(|m| m.band_before == 1 && m.now.band == 2));
        assert!(rows.iter().all(|m| m.band_changed() && !m.tier_changed()));
        assert_eq!(rows[0].id, 2);
        assert_eq!(
            band_range(&r.summary, 2),
            (Some(Cases::from_int(14)), Some(Cases::from_int(25)))
        );
    }

    #[test]
    fn filters_keep_only_matching_movers() {
        let snap = snapshot(&[21_000, 22_000, 23_000, 24_000, 30_000]);
        let mut draft = Policy::default();
        draft.bands.lower_bounds[0] = Cases::from_int(25);
        let r = run(&draft, &snap, &mut Outcomes::default());
        assert_eq!(r.movers, vec![0, 1, 2, 3]);
        let by_route = MoverFilter {
            route: Some(1),
            ..Default::default()
        };
        assert_eq!(by_route.apply(&snap, &r.movers), vec![1, 3]);
        let by_manager = MoverFilter {
            manager: Some(0),
            ..Default::default()
        };
        assert_eq!(by_manager.apply(&snap, &r.movers), vec![0, 3]);
        let both = MoverFilter {
            route: Some(1),
            format: Some(3),
            ..Default::default()
        };
        assert_eq!(both.apply(&snap, &r.movers), vec![3]);
        assert_eq!(
            MoverFilter::default().apply(&snap, &r.movers),
            r.movers,
            "no filter keeps all"
        );
    }

    #[test]
    fn weight_sum_is_exact() {
        let w = Policy::default().value.weights.as_array();
        assert_eq!(weight_sum(&w).to_string(), "1");
    }
}

#[cfg(test)]
mod contrast {
    use super::heat_colour;

    fn luminance(rgb: [f64; 3]) -> f64 {
        let lin = |c: f64| {
            let c = c / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(rgb[0]) + 0.7152 * lin(rgb[1]) + 0.0722 * lin(rgb[2])
    }

    #[test]
    fn every_heat_map_shade_keeps_its_number_readable() {
        let ink = luminance([29.0, 37.0, 39.0]); // --ink, #1d2527
        for step in 0..=100 {
            let (alpha, text) = heat_colour(f64::from(step) / 100.0);
            let bg = [15.0, 92.0, 77.0].map(|c| 255.0 - alpha * (255.0 - c));
            let l = luminance(bg);
            let ratio = if text == "#fff" {
                1.05 / (l + 0.05)
            } else {
                (l + 0.05) / (ink + 0.05)
            };
            assert!(ratio >= 4.5, "shade {step}%: {ratio:.2}:1");
        }
    }
}
