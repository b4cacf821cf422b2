//! Classifying again after an edit of the policy: the what-if lab changes one setting at a time
//! over the same population, and most settings feed one or two columns. Each column is
//! recomputed only when a rule it depends on changed, and so are the aggregates read from it;
//! the rest is kept from the last run. The answer equals [`classify_all`] on the same inputs
//! (a property test holds both to it).

use super::*;
use crate::fixed::Weight;

/// What the last run over an [`Outcomes`] was computed from.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Kept {
    pub(crate) rules: Rules,
    /// The band shares (and the thresholds, which stand in where the shares cannot decide)
    /// when the bounds were derived from them (share mode).
    pub(crate) shares: Option<(Vec<Weight>, Vec<Cases>)>,
    pub(crate) customers: usize,
    pub(crate) managers: usize,
    pub(crate) summary: Summary,
}

/// [`classify_all`] for a run that follows another over the **same population** (same
/// customers, same facts) into the same `out`: only the columns whose rules differ from the
/// last run's are recomputed. The caller vouches for the population; after any change to it,
/// start again with [`classify_all`] or a fresh [`Outcomes`]. A first run, or a population
/// of another size, falls back to [`classify_all`].
pub fn classify_again(
    policy: &Policy,
    pop: &Population,
    managers: usize,
    out: &mut Outcomes,
) -> Summary {
    let n = pop.len();
    let Some(kept) = out
        .kept
        .take()
        .filter(|k| k.customers == n && k.managers == managers && out.len() == n)
    else {
        return classify_all(policy, pop, managers, out);
    };
    let shares = share_key(policy);
    let rules = match &shares {
        // The same shares of the same population give the same bounds.
        Some(s) if kept.shares.as_ref() == Some(s) => {
            Rules::new(policy, Some(kept.rules.band_bounds()))
        }
        _ => rules_for(policy, pop, out),
    };
    let old = &kept.rules;
    let mut s = kept.summary;
    let cols = pop.columns();

    let band = old.bounds != rules.bounds;
    let price = old.price_floors != rules.price_floors;
    let grade = band || price || old.table != rules.table;
    let class = old.scale != rules.scale;
    let score = old.value_weights != rules.value_weights;
    let value = score || old.cuts != rules.cuts;
    let flags = (
        old.violations_at_least,
        old.monitored_flag,
        old.credit_below,
    ) != (
        rules.violations_at_least,
        rules.monitored_flag,
        rules.credit_below,
    );
    let tier = value || flags || old.tier_of != rules.tier_of;
    let visits = tier || old.visits != rules.visits;
    let key_account = (old.ka_enabled, old.ka_floors, old.cartons_per_case)
        != (rules.ka_enabled, rules.ka_floors, rules.cartons_per_case);
    let gap = old.gap_rule() != rules.gap_rule();

    if band {
        bands(&rules, &cols, &mut out.band[..n], &mut s);
    }
    if price {
        for (o, &p) in out.price_class[..n].iter_mut().zip(cols.price) {
            *o = rules.price_class((p > 0).then_some(i64::from(p)));
        }
    }
    if grade {
        let mut counts = [0u32; GRADES];
        for ((o, &b), &p) in out.grade[..n]
            .iter_mut()
            .zip(&out.band[..n])
            .zip(&out.price_class[..n])
        {
            let g = rules.table[usize::from(b - 1) % BANDS][usize::from(p - 1) % PRICE_CLASSES];
            *o = g;
            counts[usize::from(g - 1) % GRADES] += 1;
        }
        s.grade_counts = counts.to_vec();
    }
    if class {
        let mut counts = [0u32; CHARACTERISTIC_CLASSES];
        for (i, o) in out.class[..n].iter_mut().enumerate() {
            let format = cols.format_of(i);
            let c = CharacteristicClass {
                format,
                market: cols.market_of(i),
                scale: rules.scale(format, i64::from(cols.area[i])),
            }
            .number();
            *o = c;
            counts[usize::from(c - 1) % CHARACTERISTIC_CLASSES] += 1;
        }
        s.class_counts = counts.to_vec();
    }
    if score {
        for (o, ind) in out.value_score[..n].iter_mut().zip(cols.indicators) {
            *o = weighted(&rules.value_weights, &ind.map(i64::from));
        }
    }
    if value {
        let mut counts = [0u32; ValueClass::COUNT];
        for (o, &score) in out.value_class[..n].iter_mut().zip(&out.value_score[..n]) {
            let v = rules.value_class(score).index();
            *o = v as u8;
            counts[v] += 1;
        }
        s.value_counts = counts.to_vec();
    }
    if flags {
        for (i, o) in out.flagged[..n].iter_mut().enumerate() {
            *o = rules.red_flagged(
                cols.violations[i],
                cols.monitored[i],
                i64::from(cols.indicators[i][2]),
            );
        }
    }
    if tier {
        tiers(&rules, &cols, out, &mut s);
    }
    if visits {
        workload(&rules, &cols, &out.tier[..n], managers, &mut s);
    }
    if key_account {
        let mut counts = [0u32; KeyAccountTier::COUNT];
        for (i, o) in out.key_account[..n].iter_mut().enumerate() {
            let price = (cols.price[i] > 0).then_some(i64::from(cols.price[i]));
            let given = (cols.amount[i] >= 0).then_some(cols.amount[i]);
            let volume = i64::from(cols.volume[i]);
            let k = rules
                .key_account(rules.monthly_amount(given, volume, price))
                .index();
            *o = k as u8;
            counts[k] += 1;
        }
        s.key_account_counts = counts.to_vec();
    }
    if gap {
        gaps(&rules, &cols, &mut out.gap_class[..n], &mut s);
        // The kept gaps of `classify_all` are keyed on the service columns, which this run
        // does not digest: let the next `classify_all` score them again.
        out.gap_memo = None;
    }
    if band || tier {
        // Every index is written and the end moves on only past a mover: no branch to
        // mispredict however the movers are spread.
        let movers = &mut out.movers;
        movers.resize(n, 0);
        let mut end = 0;
        for i in 0..n {
            movers[end] = i as u32;
            let (b, t) = (out.band[i], out.tier[i]);
            end += usize::from(moved(cols.prev_band[i], cols.prev_tier[i], b, t));
        }
        movers.truncate(end);
        s.movers = end as u32;
    }
    s.band_bounds = rules.band_bounds().to_vec();
    s.quota_per_band = s
        .band_counts
        .iter()
        .zip(rules.quota)
        .map(|(&count, q)| Cases::from_raw(i64::from(count) * q))
        .collect();
    s.quota_total = s.quota_per_band.iter().fold(Cases::ZERO, |a, &b| a + b);
    s.manager_capacity = policy.service.manager_capacity_visits_per_month;
    s.managers_over_capacity = s
        .visits_per_manager
        .iter()
        .filter(|&&v| v > s.manager_capacity)
        .count() as u32;
    out.kept = Some(Box::new(Kept {
        rules,
        shares,
        customers: n,
        managers,
        summary: s.clone(),
    }));
    s
}

/// What bounds derived from shares depend on besides the population.
pub(crate) fn share_key(policy: &Policy) -> Option<(Vec<Weight>, Vec<Cases>)> {
    (policy.bands.mode == BandMode::Shares).then(|| {
        (
            policy.bands.shares.clone(),
            policy.bands.lower_bounds.clone(),
        )
    })
}

/// Bands, their counts and the transitions from the previous band.
fn bands(rules: &Rules, cols: &Columns<'_>, out: &mut [u8], s: &mut Summary) {
    let mut counts = [0u32; BANDS];
    let mut moves = [[0u32; BANDS]; BANDS + 1];
    for ((o, &v), &prev) in out.iter_mut().zip(cols.volume).zip(cols.prev_band) {
        let b = rules.band(i64::from(v));
        *o = b;
        let k = usize::from(b - 1) % BANDS;
        counts[k] += 1;
        moves[usize::from(prev.min(BANDS as u8))][k] += 1;
    }
    s.band_counts = counts.to_vec();
    s.band_transitions = moves.iter().map(|r| r.to_vec()).collect();
}

/// Tiers from the value classes and red flags, their counts and transitions.
fn tiers(rules: &Rules, cols: &Columns<'_>, out: &mut Outcomes, s: &mut Summary) {
    let n = cols.volume.len();
    let mut counts = [0u32; Tier::COUNT];
    let mut moves = [[0u32; Tier::COUNT]; Tier::COUNT + 1];
    for (i, o) in out.tier[..n].iter_mut().enumerate() {
        let t = if out.flagged[i] {
            Tier::Problem
        } else {
            rules.tier_of[usize::from(out.value_class[i]) % ValueClass::COUNT]
        }
        .index();
        *o = t as u8;
        counts[t] += 1;
        moves[usize::from(cols.prev_tier[i].min(Tier::COUNT as u8))][t] += 1;
    }
    s.tier_counts = counts.to_vec();
    s.tier_transitions = moves.iter().map(|r| r.to_vec()).collect();
}

/// Visits a month the tiers imply, per customer manager.
fn workload(rules: &Rules, cols: &Columns<'_>, tier: &[u8], managers: usize, s: &mut Summary) {
    let mut per_manager = vec![0u32; managers];
    let mut customers = vec![0u32; managers];
    let (mut unassigned, mut total) = (0u32, 0u64);
    for (&t, &m) in tier.iter().zip(cols.manager) {
        let visits = rules.visits[usize::from(t) % Tier::COUNT];
        let m = m as usize;
        if m < managers {
            per_manager[m] += visits;
            customers[m] += 1;
        } else {
            unassigned += visits;
        }
        total += u64::from(visits);
    }
    s.visits_per_manager = per_manager;
    s.customers_per_manager = customers;
    s.visits_unassigned = unassigned;
    s.visits_total = total;
}

/// Satisfaction-gap classes and the histogram, scored from the service columns.
fn gaps(rules: &Rules, cols: &Columns<'_>, out: &mut [u8], s: &mut Summary) {
    let mut counts = [0u32; GapClass::COUNT];
    let mut histogram = [0u32; GAP_BINS];
    for (i, o) in out.iter_mut().enumerate() {
        let (e, x) = if cols.has_service[i] {
            rules.service_scores_raw(&cols.service[i])
        } else {
            (None, None)
        };
        let class = rules.gap_class_of(e, x);
        *o = class.index() as u8;
        counts[class.index()] += 1;
        if let (Some(e), Some(x)) = (e, x) {
            histogram[gap_bin(x.raw() - e.raw())] += 1;
        }
    }
    s.gap_counts = counts.to_vec();
    s.gap_histogram = histogram.to_vec();
}
