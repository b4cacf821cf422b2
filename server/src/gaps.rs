//! The satisfaction gap per customer (domain §5): experience − expectation from the service
//! records, under the published policy — who is under-served (at risk: act) and who is
//! over-served (more than the tier warrants: waste), per tier, with the inputs behind it. The
//! same engine and facts as publishing and the lab; the customer managers' figures use it too.

use crate::db::policy::current_policy;
use crate::error::AppError;
use crate::facts::{KeptFacts, LoadedPopulation};
use app::wire::{GapReport, GapRow, GapTierCount, Scope};
use kehu_engine::batch::NO_MANAGER;
use kehu_engine::{GapClass, Outcomes, Policy, Rules, Score, Tier, classify_all};
use sqlx::SqlitePool;
use std::sync::Arc;

/// At most this many customers are listed on each side.
pub const LISTED: usize = 50;

/// Every customer's scores and gap class under the published policy.
pub struct Gaps {
    pub policy: Policy,
    pub loaded: Arc<LoadedPopulation>,
    pub out: Outcomes,
    /// Expectation and experience, hundredths of a point.
    pub scores: Vec<(Option<i64>, Option<i64>)>,
}

impl Gaps {
    /// The customer manager (user id) of customer `i`.
    pub fn manager(&self, i: usize) -> Option<i64> {
        let m = self.loaded.population.manager[i];
        (m != NO_MANAGER).then(|| self.loaded.managers[m as usize])
    }

    pub fn gap_class(&self, i: usize) -> GapClass {
        GapClass::ALL[usize::from(self.out.gap_class[i])]
    }

    /// Whether customer `i` is within `scope` (staff scopes only).
    pub fn in_scope(&self, i: usize, scope: Scope) -> bool {
        match scope {
            Scope::All => true,
            Scope::Routes { manager } => self.manager(i) == Some(manager),
            Scope::Customer(id) => self.loaded.ids[i] == id,
            Scope::Nothing => false,
        }
    }
}

fn centi(s: Option<Score>) -> Option<i64> {
    s.map(|s| (s.raw() + 5_000).div_euclid(10_000))
}

/// The last [`Gaps`] computed, reused while the kept facts and the published policy are those
/// it was computed from: classifying everyone takes a few hundred milliseconds at 100,000
/// customers, a page view must not.
#[derive(Clone, Default)]
pub struct Memo(Arc<std::sync::Mutex<Option<Arc<Gaps>>>>);

/// Classifies everyone under the published policy; `None` before the first publication.
pub async fn compute(
    pool: &SqlitePool,
    cache: &KeptFacts,
    memo: &Memo,
) -> Result<Option<Arc<Gaps>>, AppError> {
    let Some((_, policy)) = current_policy(pool).await? else {
        return Ok(None);
    };
    let loaded = cache.load(pool, &policy).await?;
    let last = memo.0.lock().map(|m| m.clone()).unwrap_or_default();
    if let Some(g) = last
        && g.loaded.generation == loaded.generation
        && g.policy == policy
    {
        return Ok(Some(g));
    }
    let g = Arc::new(classify_everyone(policy, loaded));
    if let Ok(mut m) = memo.0.lock() {
        *m = Some(g.clone());
    }
    Ok(Some(g))
}

fn classify_everyone(policy: Policy, loaded: Arc<LoadedPopulation>) -> Gaps {
    let mut out = Outcomes::default();
    classify_all(&policy, &loaded.population, loaded.managers.len(), &mut out);
    let rules = Rules::new(&policy, None);
    let columns = loaded.population.columns();
    let scores = (0..loaded.ids.len())
        .map(|i| {
            let (e, x) = rules.service_scores(columns.facts(i).service.as_ref());
            (centi(e), centi(x))
        })
        .collect();
    Gaps {
        policy,
        loaded,
        out,
        scores,
    }
}

/// The gap report for `scope`, optionally of one tier and one customer manager's customers.
pub async fn report(
    pool: &SqlitePool,
    cache: &KeptFacts,
    memo: &Memo,
    scope: Scope,
    tier: Option<Tier>,
    manager: Option<i64>,
) -> Result<GapReport, AppError> {
    let Some(g) = compute(pool, cache, memo).await? else {
        return Ok(GapReport::default());
    };
    let rules = &g.policy.expectation;
    let mut tiers: Vec<GapTierCount> = Tier::ALL
        .iter()
        .map(|t| GapTierCount {
            tier: t.key().to_string(),
            ..Default::default()
        })
        .collect();
    let mut under = Vec::new();
    let mut over = Vec::new();
    let columns = g.loaded.population.columns();
    for i in 0..g.loaded.ids.len() {
        if !g.in_scope(i, scope) || manager.is_some_and(|m| g.manager(i) != Some(m)) {
            continue;
        }
        let t = usize::from(g.out.tier[i]);
        let class = g.gap_class(i);
        let count = &mut tiers[t];
        match class {
            GapClass::UnderServed => count.under += 1,
            GapClass::Balanced => count.balanced += 1,
            GapClass::OverServed => count.over += 1,
            GapClass::Unknown => count.unknown += 1,
        }
        if tier.is_some_and(|want| want.index() != t) {
            continue;
        }
        let (Some(e), Some(x)) = g.scores[i] else {
            continue;
        };
        // (gap key, position): the rows are built for the listed ones only.
        match class {
            GapClass::UnderServed => under.push((x - e, g.loaded.ids[i], i)),
            GapClass::OverServed => over.push((e - x, g.loaded.ids[i], i)),
            _ => {}
        }
    }
    // Widest gaps first.
    let (under_total, over_total) = (under.len() as u64, over.len() as u64);
    let widest = |mut v: Vec<(i64, i64, usize)>| {
        if v.len() > LISTED {
            v.select_nth_unstable(LISTED - 1);
            v.truncate(LISTED);
        }
        v.sort_unstable();
        v.into_iter()
            .map(|(_, _, i)| {
                let t = usize::from(g.out.tier[i]);
                let (e, x) = g.scores[i];
                let s = columns.facts(i).service.unwrap_or_default();
                let whole = |c: Option<kehu_engine::Cents>| c.map(|c| (c.raw() / 100) as u8);
                GapRow {
                    customer_id: g.loaded.ids[i],
                    code: String::new(),
                    shop_name: String::new(),
                    manager: String::new(),
                    tier: Tier::ALL[t].key().to_string(),
                    expectation_centi: e.unwrap_or_default(),
                    experience_centi: x.unwrap_or_default(),
                    expectation: s.expectation.map(whole),
                    experience: s.experience.map(whole),
                }
            })
            .collect::<Vec<_>>()
    };
    let mut under = widest(under);
    let mut over = widest(over);
    name_rows(pool, &mut under).await?;
    name_rows(pool, &mut over).await?;
    Ok(GapReport {
        published: true,
        window_months: g.policy.assessment_window_months,
        under_below_centi: rules.under_served_below.raw(),
        over_above_centi: rules.over_served_above.raw(),
        tiers,
        under,
        over,
        under_total,
        over_total,
    })
}

/// Fills in the code, name and customer manager of listed rows.
async fn name_rows(pool: &SqlitePool, rows: &mut [GapRow]) -> Result<(), AppError> {
    if rows.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.customer_id).collect();
    let named = crate::db::directory::customers(pool, &ids).await?;
    for r in rows.iter_mut() {
        if let Some(n) = named.iter().find(|n| n.id == r.customer_id) {
            r.code = n.code.clone();
            r.shop_name = n.shop_name.clone();
            r.manager = n.manager.clone().unwrap_or_default();
        }
    }
    Ok(())
}

/// Per customer manager (user id; `only` that one): customers with a gap, their summed gap (hundredths) and how
/// many are under-served.
pub fn per_manager(g: &Gaps, only: Option<i64>) -> rustc_hash::FxHashMap<i64, (u64, i64, u64)> {
    let mut out: rustc_hash::FxHashMap<i64, (u64, i64, u64)> = Default::default();
    for i in 0..g.loaded.ids.len() {
        let (Some(m), (Some(e), Some(x))) = (g.manager(i), g.scores[i]) else {
            continue;
        };
        if only.is_some_and(|o| o != m) {
            continue;
        }
        let slot = out.entry(m).or_default();
        slot.0 += 1;
        slot.1 += x - e;
        slot.2 += u64::from(g.gap_class(i) == GapClass::UnderServed);
    }
    out
}
