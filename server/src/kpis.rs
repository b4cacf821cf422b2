//! Customer managers' performance (domain §10) over the last 90 days: visits against their
//! customers' tier standard, complaints closed on time, the customers' ratings of their visits,
//! and their customers' satisfaction gap under the published policy (from `gaps`).
//! A customer manager sees their own line; managers and admins see every customer manager.

use crate::db::policy::published_or_default;
use crate::error::AppError;
use crate::time::stamp;
use app::wire::{Kpis, ManagerKpi, Scope};
use chrono::{TimeDelta, Utc};
use sqlx::SqlitePool;

/// The period the figures cover, in days up to today.
pub const KPI_DAYS: i64 = 90;

/// A customer manager's customers, the visits their tiers ask over the period and those made.
#[derive(Clone, Copy, Default)]
struct VisitCounts {
    customers: i64,
    required: i64,
    made: i64,
}

/// Every customer manager in scope, by name.
pub async fn kpis(
    pool: &SqlitePool,
    facts: &crate::facts::KeptFacts,
    gaps: &crate::gaps::Memo,
    scope: Scope,
) -> Result<Kpis, AppError> {
    let only = match scope {
        Scope::All => None,
        Scope::Routes { manager } => Some(manager),
        Scope::Customer(_) | Scope::Nothing => return Ok(Kpis::default()),
    };
    let today = crate::time::today();
    let since = today - TimeDelta::days(KPI_DAYS - 1);
    let since_day = since.format("%Y-%m-%d").to_string();
    // Stored timestamps are UTC; the period starts at local midnight, 8 hours earlier in UTC.
    let since_stamp = stamp(
        since
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc() - TimeDelta::hours(8))
            .unwrap_or_else(Utc::now),
    );
    let now = stamp(crate::time::now());
    let policy = published_or_default(pool).await?;
    let per =
        |t: Option<kehu_engine::Tier>| t.map_or(0, |t| i64::from(policy.service.visits_for(t)));
    let users = crate::db::directory::customer_managers(pool, only).await?;
    // From the kept facts: per customer manager (of the customer's route) the customers, three
    // months of their tier's visits per month, and the visits made (at most that many a
    // customer: extra visits to one shop do not make up for another); and the ratings of the
    // visits each made, whoever's customer it was.
    let loaded = facts.load(pool, &policy).await?;
    let mut visits: rustc_hash::FxHashMap<i64, VisitCounts> = Default::default();
    let mut ratings: rustc_hash::FxHashMap<i64, (i64, i64)> = Default::default();
    for i in 0..loaded.ids.len() {
        // One customer manager's line: their customers, and (below) the ratings of their visits.
        if only.is_some() && loaded.manager(i) != only {
            continue;
        }
        let since_visits = loaded.visits[i].iter().filter(|v| v.day >= since);
        if let Some(m) = loaded.manager(i) {
            let req = 3 * per(loaded.assigned_tier(i));
            let made = since_visits.clone().count() as i64;
            let slot = visits.entry(m).or_default();
            slot.customers += 1;
            slot.required += req;
            slot.made += made.min(req);
        }
        for v in since_visits {
            if let (Some(m), Some(score)) = (v.manager, v.score) {
                let slot = ratings.entry(m).or_default();
                slot.0 += 1;
                slot.1 += i64::from(score);
            }
        }
    }
    if let Some(m) = only {
        // The ratings of every visit they made, to customers on their routes or not, through
        // `visits_manager` rather than everyone's visits.
        let (n, sum) = crate::db::visits::ratings_of(pool, m, &since_day).await?;
        ratings = [(m, (n, sum))].into_iter().collect();
    }
    // Complaints closed in the period or open past their deadline, counted for the customer
    // manager of the customer's route as the kept facts have it (no join over the archive).
    let rows = crate::db::complaints::closed_or_overdue(pool, &since_stamp, &now).await?;
    // Per customer manager: closed in the period, of those on time, open past the deadline.
    let mut complaints: rustc_hash::FxHashMap<i64, (i64, i64, i64)> = Default::default();
    for (customer, closed, on_time, overdue) in rows {
        let Ok(i) = loaded.ids.binary_search(&customer) else {
            continue;
        };
        if let Some(m) = loaded.manager(i)
            && only.is_none_or(|o| o == m)
        {
            let slot = complaints.entry(m).or_default();
            slot.0 += i64::from(closed);
            slot.1 += i64::from(on_time);
            slot.2 += i64::from(overdue);
        }
    }
    let gaps = crate::gaps::compute(pool, facts, gaps)
        .await?
        .map(|g| crate::gaps::per_manager(&g, only))
        .unwrap_or_default();
    let rows: Vec<ManagerKpi> = users
        .into_iter()
        .map(|(id, display_name)| {
            let r = visits.get(&id).copied().unwrap_or_default();
            let (closed, on_time, overdue) = complaints.get(&id).copied().unwrap_or_default();
            let gap = gaps.get(&id).copied().unwrap_or_default();
            let (rated, score_sum) = ratings.get(&id).copied().unwrap_or_default();
            ManagerKpi {
                manager_id: id,
                name: display_name,
                customers: r.customers as u64,
                visits_required: r.required as u64,
                visits_made: r.made as u64,
                complaints_closed: closed as u64,
                closed_on_time: on_time as u64,
                open_overdue: overdue as u64,
                ratings: rated as u64,
                // Hundredths of a star.
                avg_rating_centi: (rated > 0).then(|| score_sum * 100 / rated),
                gap_customers: gap.0,
                avg_gap_centi: (gap.0 > 0).then(|| gap.1.div_euclid(gap.0 as i64)),
                under_served: gap.2,
            }
        })
        .collect();
    Ok(Kpis {
        since: since_day,
        until: today.format("%Y-%m-%d").to_string(),
        total: rows.len() as u64,
        page: 1,
        pages: 1,
        rows,
    })
}

/// Hundredths as a signed decimal: -1234 → "-12.34".
fn centi_text(c: i64) -> String {
    let sign = if c < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", c.abs() / 100, c.abs() % 100)
}

/// The same figures as CSV for Excel (UTF-8 with BOM).
pub fn csv(k: &Kpis) -> anyhow::Result<Vec<u8>> {
    let mut out = csv::Writer::from_writer(Vec::from("\u{feff}".as_bytes()));
    out.write_record([
        "customer_manager",
        "customers",
        "since",
        "until",
        "visits_required",
        "visits_made",
        "visits_pct",
        "complaints_closed",
        "closed_on_time",
        "open_overdue",
        "ratings",
        "avg_rating",
        "customers_with_gap",
        "avg_satisfaction_gap",
        "under_served",
    ])?;
    for r in &k.rows {
        out.write_record([
            crate::spreadsheet::cell(&r.name).into_owned(),
            r.customers.to_string(),
            k.since.clone(),
            k.until.clone(),
            r.visits_required.to_string(),
            r.visits_made.to_string(),
            r.visits_pct().map(|p| p.to_string()).unwrap_or_default(),
            r.complaints_closed.to_string(),
            r.closed_on_time.to_string(),
            r.open_overdue.to_string(),
            r.ratings.to_string(),
            r.avg_rating_centi
                .map(|c| format!("{}.{:02}", c / 100, c % 100))
                .unwrap_or_default(),
            r.gap_customers.to_string(),
            r.avg_gap_centi.map(centi_text).unwrap_or_default(),
            r.under_served.to_string(),
        ])?;
    }
    out.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}
