//! Classifying everyone at once: the outcomes, kept between runs, the summary (counts, the
//! transition matrix, movers, the gap histogram) and the digest that compares wasm with native.

use super::*;

/// Per-customer results, one column each, reused across recomputations.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Outcomes {
    pub band: Vec<u8>,
    pub grade: Vec<u8>,
    /// Characteristic class number 1..=42.
    pub class: Vec<u8>,
    pub value_class: Vec<u8>,
    pub tier: Vec<u8>,
    pub key_account: Vec<u8>,
    pub gap_class: Vec<u8>,
    /// Value score in millionths of a point (exact).
    pub value_score: Vec<i64>,
    /// Customers with a previous assignment whose band or tier changed, in population order.
    #[serde(skip)]
    pub movers: Vec<u32>,
    /// Price class 1..=5 and whether a red flag forces the problem tier: kept so that an edit
    /// of the grade table or the tier mapping need not look at prices or flags again.
    #[serde(skip)]
    pub(crate) price_class: Vec<u8>,
    #[serde(skip)]
    pub(crate) flagged: Vec<bool>,
    #[serde(skip)]
    pub(crate) scratch: Vec<u32>,
    /// The satisfaction-gap results of the last run and what they depended on: the gap rule and
    /// a digest of the service columns. A run with the same (the lab's edits of everything but
    /// the expectation rule) keeps `gap_class` and these instead of scoring everyone again.
    #[serde(skip)]
    pub(crate) gap_memo: Option<GapMemo>,
    /// What the last run was computed from, for [`classify_again`].
    #[serde(skip)]
    pub(crate) kept: Option<Box<Kept>>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct GapMemo {
    pub(crate) key: (([i64; 6], [i64; 5], i64, i64), u64),
    pub(crate) counts: [u32; GapClass::COUNT],
    pub(crate) histogram: [u32; GAP_BINS],
}

/// A digest of the service columns (scores and whether there are any), to tell whether the
/// satisfaction gaps of a previous run still hold.
pub(crate) fn service_digest(has_service: &[bool], service: &[[u16; SERVICE_SCORES]]) -> u64 {
    let mut h: u64 = 0x9E37_79B9_7F4A_7C15 ^ service.len() as u64;
    for (has, row) in has_service.iter().zip(service) {
        let mut words = [u64::from(*has), 0, 0];
        for (k, v) in row.iter().enumerate() {
            words[k / 4] ^= u64::from(*v) << (16 * (k % 4));
        }
        for w in words {
            h = (h ^ w).wrapping_mul(0x0100_0000_01B3).rotate_left(23);
        }
    }
    h
}

impl Outcomes {
    pub(crate) fn resize(&mut self, n: usize) {
        self.band.resize(n, 0);
        self.grade.resize(n, 0);
        self.class.resize(n, 0);
        self.value_class.resize(n, 0);
        self.tier.resize(n, 0);
        self.key_account.resize(n, 0);
        self.gap_class.resize(n, 0);
        self.value_score.resize(n, 0);
        self.price_class.resize(n, 0);
        self.flagged.resize(n, false);
    }

    pub fn len(&self) -> usize {
        self.band.len()
    }

    pub fn is_empty(&self) -> bool {
        self.band.is_empty()
    }
}

/// Width of one satisfaction-gap histogram bin, points.
pub const GAP_BIN: i64 = 5;
/// Bins from −100 to +100.
pub const GAP_BINS: usize = 40;

/// The histogram bin of a satisfaction gap in score units (10⁻⁶ points).
#[inline(always)]
pub(crate) fn gap_bin(gap: i64) -> usize {
    (gap.div_euclid(GAP_BIN * 1_000_000) + (GAP_BINS as i64 / 2)).clamp(0, GAP_BINS as i64 - 1)
        as usize
}

/// What the whole population looks like under one policy.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub customers: u32,
    /// Band bounds used (derived from shares in share mode).
    pub band_bounds: Vec<Cases>,
    pub band_counts: Vec<u32>,
    pub grade_counts: Vec<u32>,
    pub class_counts: Vec<u32>,
    pub value_counts: Vec<u32>,
    pub tier_counts: Vec<u32>,
    pub key_account_counts: Vec<u32>,
    pub gap_counts: Vec<u32>,
    /// `[previous band 0..=8][new band 1..=8 → 0..8]`, previous 0 = no previous assignment.
    pub band_transitions: Vec<Vec<u32>>,
    /// `[previous tier 0..=3][new tier]`, previous 0 = none.
    pub tier_transitions: Vec<Vec<u32>>,
    /// Customers with a previous assignment whose band or tier changed.
    pub movers: u32,
    /// Monthly supply quota summed per band, cases.
    pub quota_per_band: Vec<Cases>,
    pub quota_total: Cases,
    /// Visits per month the tiers imply, per customer manager index.
    pub visits_per_manager: Vec<u32>,
    pub customers_per_manager: Vec<u32>,
    pub visits_unassigned: u32,
    pub manager_capacity: u32,
    pub managers_over_capacity: u32,
    pub visits_total: u64,
    /// Customers per gap bin: bin i holds gaps in [−100 + 5i, −95 + 5i); the ends catch the rest.
    pub gap_histogram: Vec<u32>,
}

/// Band bounds that give each band its target share of customers by volume rank. Customers tied
/// at a bound fall to the lower band, so a band may hold slightly less than its share.
pub fn share_bounds(policy: &Policy, volume: &[u32], scratch: &mut Vec<u32>) -> [Cases; BANDS - 1] {
    let n = volume.len();
    let mut out = policy.band_bounds();
    if n == 0 {
        return out;
    }
    scratch.clear();
    scratch.extend_from_slice(volume);
    let mut cum: i64 = 0;
    let mut start = 0usize;
    for (k, share) in policy.bands.shares.iter().take(BANDS - 1).enumerate() {
        cum += share.raw();
        // Number of customers in bands 1..=k+1.
        let top = ((cum * n as i64 + 5_000) / 10_000).clamp(0, n as i64) as usize;
        if top == 0 {
            // Nobody in the band: bound at the maximum volume.
            out[k] = Cases::from_raw(i64::from(scratch.iter().copied().max().unwrap_or(0)));
            continue;
        }
        if top >= n {
            out[k] = Cases::from_raw(-1);
            continue;
        }
        // Descending order: the customer at rank `top` is the first outside; its volume is the bound.
        let pos = top.max(start);
        let tail = &mut scratch[start..];
        let (_, nth, _) = tail.select_nth_unstable_by(pos - start, |a, b| b.cmp(a));
        out[k] = Cases::from_raw(i64::from(*nth));
        start = pos;
    }
    // Keep bounds non-increasing even with heavy ties.
    for k in 1..BANDS - 1 {
        if out[k] > out[k - 1] {
            out[k] = out[k - 1];
        }
    }
    out
}

/// Resolves a valid policy against a population: share mode derives bounds from the volumes.
pub fn rules_for(policy: &Policy, pop: &Population, out: &mut Outcomes) -> Rules {
    match policy.bands.mode {
        BandMode::Thresholds => Rules::new(policy, None),
        BandMode::Shares => {
            let b = share_bounds(policy, &pop.volume, &mut out.scratch);
            Rules::new(policy, Some(b))
        }
    }
}

/// Classifies every customer under a **valid** policy into `out` and returns the aggregates.
/// `managers` is the number of customer managers (indices in `pop.manager`).
pub fn classify_all(
    policy: &Policy,
    pop: &Population,
    managers: usize,
    out: &mut Outcomes,
) -> Summary {
    let rules = rules_for(policy, pop, out);
    let n = pop.len();
    out.resize(n);
    let mut s = Summary {
        customers: n as u32,
        band_bounds: rules.band_bounds().to_vec(),
        visits_per_manager: vec![0; managers],
        customers_per_manager: vec![0; managers],
        manager_capacity: policy.service.manager_capacity_visits_per_month,
        ..Default::default()
    };
    let cols = pop.columns();
    // Outputs and counters as local slices and arrays: the loop then keeps its lengths in
    // registers and needs no bounds checks on the columns (about 1.5× faster than through `out`).
    let band_out = &mut out.band[..n];
    let grade_out = &mut out.grade[..n];
    let class_out = &mut out.class[..n];
    let value_out = &mut out.value_class[..n];
    let tier_out = &mut out.tier[..n];
    let ka_out = &mut out.key_account[..n];
    let gap_out = &mut out.gap_class[..n];
    let score_out = &mut out.value_score[..n];
    let price_out = &mut out.price_class[..n];
    let flagged_out = &mut out.flagged[..n];
    out.movers.clear();
    let movers_out = &mut out.movers;
    let mut band_counts = [0u32; BANDS];
    let mut grade_counts = [0u32; GRADES];
    let mut class_counts = [0u32; CHARACTERISTIC_CLASSES];
    let mut value_counts = [0u32; ValueClass::COUNT];
    let mut tier_counts = [0u32; Tier::COUNT];
    let mut ka_counts = [0u32; KeyAccountTier::COUNT];
    let mut gap_counts = [0u32; GapClass::COUNT];
    let gap_key = (
        rules.gap_rule(),
        service_digest(&cols.has_service[..n], &cols.service[..n]),
    );
    let memo = out.gap_memo.take().filter(|m| m.key == gap_key);
    let score_gaps = memo.is_none();
    let mut band_tr = [[0u32; BANDS]; BANDS + 1];
    let mut tier_tr = [[0u32; Tier::COUNT]; Tier::COUNT + 1];
    let mut gap_hist = [0u32; GAP_BINS];
    let mut movers = 0u32;
    let mut visits_total = 0u64;
    let visits_per_manager = &mut s.visits_per_manager[..managers];
    let customers_per_manager = &mut s.customers_per_manager[..managers];
    for i in 0..n {
        let mut c = classify_core(&rules, &cols.facts_without_service(i));
        if score_gaps && cols.has_service[i] {
            let (e, x) = rules.service_scores_raw(&cols.service[i]);
            c.expectation = e;
            c.experience = x;
            c.gap_class = rules.gap_class_of(e, x);
        }
        let band = usize::from(c.band - 1) % BANDS;
        let class = c.class.number();
        let tier = c.tier.index();
        band_out[i] = c.band;
        grade_out[i] = c.grade;
        class_out[i] = class;
        value_out[i] = c.value_class.index() as u8;
        tier_out[i] = tier as u8;
        ka_out[i] = c.key_account.index() as u8;
        if score_gaps {
            gap_out[i] = c.gap_class.index() as u8;
            gap_counts[c.gap_class.index()] += 1;
            if let Some(gap) = c.gap() {
                gap_hist[gap_bin(gap.raw())] += 1;
            }
        }
        score_out[i] = c.value_score.raw();
        price_out[i] = c.price_class;
        flagged_out[i] = c.red_flags.any();

        band_counts[band] += 1;
        grade_counts[usize::from(c.grade - 1) % GRADES] += 1;
        class_counts[usize::from(class - 1) % CHARACTERISTIC_CLASSES] += 1;
        value_counts[c.value_class.index()] += 1;
        tier_counts[tier] += 1;
        ka_counts[c.key_account.index()] += 1;
        let pb = cols.prev_band[i];
        let pt = cols.prev_tier[i];
        band_tr[usize::from(pb.min(BANDS as u8))][band] += 1;
        tier_tr[usize::from(pt.min(Tier::COUNT as u8))][tier] += 1;
        if moved(pb, pt, c.band, tier as u8) {
            movers += 1;
            movers_out.push(i as u32);
        }
        let visits = rules.visits[tier];
        let m = cols.manager[i] as usize;
        if m < managers {
            visits_per_manager[m] += visits;
            customers_per_manager[m] += 1;
        } else {
            s.visits_unassigned += visits;
        }
        visits_total += u64::from(visits);
    }
    if let Some(m) = &memo {
        gap_counts = m.counts;
        gap_hist = m.histogram;
    }
    out.gap_memo = Some(GapMemo {
        key: gap_key,
        counts: gap_counts,
        histogram: gap_hist,
    });
    s.grade_counts = grade_counts.to_vec();
    s.class_counts = class_counts.to_vec();
    s.value_counts = value_counts.to_vec();
    s.tier_counts = tier_counts.to_vec();
    s.key_account_counts = ka_counts.to_vec();
    s.gap_counts = gap_counts.to_vec();
    s.band_transitions = band_tr.iter().map(|r| r.to_vec()).collect();
    s.tier_transitions = tier_tr.iter().map(|r| r.to_vec()).collect();
    s.gap_histogram = gap_hist.to_vec();
    s.movers = movers;
    s.visits_total = visits_total;
    s.band_counts = band_counts.to_vec();
    s.quota_per_band = band_counts
        .iter()
        .zip(rules.quota)
        .map(|(&count, q)| Cases::from_raw(i64::from(count) * q))
        .collect();
    s.quota_total = s.quota_per_band.iter().fold(Cases::ZERO, |a, &b| a + b);
    s.managers_over_capacity = s
        .visits_per_manager
        .iter()
        .filter(|&&v| v > s.manager_capacity)
        .count() as u32;
    out.kept = Some(Box::new(Kept {
        shares: super::again::share_key(policy),
        rules,
        customers: n,
        managers,
        summary: s.clone(),
    }));
    s
}

/// A customer with a previous assignment (band, tier index + 1; 0 = none) moves when either
/// differs from the new band and tier index.
#[inline(always)]
pub fn moved(prev_band: u8, prev_tier: u8, band: u8, tier: u8) -> bool {
    (prev_band != 0 && prev_band != band) || (prev_tier != 0 && prev_tier != tier + 1)
}

/// A stable digest of outcomes (FNV-1a over every column), to compare wasm and native runs.
pub fn digest(out: &Outcomes) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for col in [
        &out.band,
        &out.grade,
        &out.class,
        &out.value_class,
        &out.tier,
        &out.key_account,
        &out.gap_class,
    ] {
        eat(col);
    }
    for v in &out.value_score {
        eat(&v.to_le_bytes());
    }
    h
}
