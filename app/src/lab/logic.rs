//! The what-if lab's logic without any UI: run the engine over a snapshot under a draft policy,
//! list who moves, filter them, and say why in numbers the page then puts into words. Pure, so
//! it is tested natively and runs unchanged in the browser.

use crate::engine::batch::{Outcomes, Summary, classify_all};
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
pub fn run(policy: &Policy, snap: &Snapshot, out: &mut Outcomes) -> Run {
    let pop = &snap.population;
    let summary = classify_all(policy, pop, snap.managers.len(), out);
    let movers = (0..pop.len())
        .filter(|&i| moved(pop.prev_band[i], pop.prev_tier[i], out.band[i], out.tier[i]))
        .map(|i| i as u32)
        .collect();
    Run { summary, movers }
}

/// The engine's own test of a move (see `classify_all`): previous band or tier known and different.
fn moved(prev_band: u8, prev_tier: u8, band: u8, tier: u8) -> bool {
    (prev_band != 0 && prev_band != band) || (prev_tier != 0 && prev_tier != tier + 1)
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

fn flatten(prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, String)>) {
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
