//! Customer managers' visits (domain §10): the visit log, and the month's visit plan from each
//! customer's published tier and the policy's visits per month for that tier.

use crate::db::policy::published_or_default;
use crate::db::scope::in_scope;
use crate::db::visits::{self as stored, Logged};
use crate::error::AppError;
use app::wire::AuditNote;
use app::wire::{
    MAX_COMPLAINT_CHARS, MAX_SUBJECT_CHARS, NewVisit, PLAN_PAGE_SIZE, PlanRow, Scope, VisitEntry,
    VisitLogged, VisitPlan, VisitProblem, entry_key_ok,
};
use chrono::{Datelike, NaiveDate, TimeDelta};
use sqlx::SqlitePool;

/// What a visit's key made, in `sent_entries`.
const SENT_VISIT: &str = "visit";

/// The longest visit logged, in minutes.
pub const MAX_VISIT_MINUTES: i64 = 600;

/// Checks a visit before it is logged: the field and what is wrong, or the date.
pub fn check(v: &NewVisit, today: NaiveDate) -> Result<NaiveDate, VisitProblem> {
    let date =
        NaiveDate::parse_from_str(v.date.trim(), "%Y-%m-%d").map_err(|_| VisitProblem::Date)?;
    if date > today || date < today - TimeDelta::days(366) {
        return Err(VisitProblem::Date);
    }
    let purpose = v.purpose.trim();
    if purpose.is_empty() || purpose.chars().count() > MAX_SUBJECT_CHARS {
        return Err(VisitProblem::Purpose);
    }
    if v.findings.chars().count() > MAX_COMPLAINT_CHARS {
        return Err(VisitProblem::Findings);
    }
    if !(1..=MAX_VISIT_MINUTES).contains(&v.duration_min) {
        return Err(VisitProblem::Duration);
    }
    if v.promise.trim().chars().count() > MAX_SUBJECT_CHARS {
        return Err(VisitProblem::Promise);
    }
    if !v.key.is_empty() && !entry_key_ok(&v.key) {
        return Err(VisitProblem::Key);
    }
    Ok(date)
}

/// Logs a visit to a customer in scope by `user`, or says the field at fault.
pub async fn log(
    pool: &SqlitePool,
    scope: Scope,
    user: i64,
    v: &NewVisit,
) -> Result<VisitLogged, AppError> {
    let date = match check(v, crate::time::today()) {
        Ok(d) => d,
        Err(p) => return Ok(VisitLogged::Refused(p)),
    };
    if !in_scope(pool, scope, v.customer).await? {
        return Ok(VisitLogged::NotFound);
    }
    let mut tx = crate::db::write(pool).await?;
    // Sent before (the answer was lost, or the phone's outbox sent it twice): the visit the key
    // logged then, not a second one.
    if !v.key.is_empty()
        && let Some(id) = crate::db::sent::made(&mut tx, user, &v.key, SENT_VISIT).await?
    {
        drop(tx);
        let logged = recent(pool, scope, Some(id)).await?.into_iter().next();
        return Ok(logged.map_or(VisitLogged::NotFound, VisitLogged::Logged));
    }
    let on = date.format("%Y-%m-%d").to_string();
    let logged = Logged {
        customer: v.customer,
        manager: user,
        on: &on,
        purpose: v.purpose.trim(),
        findings: v.findings.trim(),
        duration_min: v.duration_min,
        promise: v.promise.trim(),
    };
    let id = stored::insert(&mut tx, &logged).await?;
    if !v.key.is_empty() {
        crate::db::sent::record(&mut tx, user, &v.key, SENT_VISIT, id).await?;
    }
    crate::db::audit::Line::new(user, "visit.log")
        .customer(v.customer)
        .note(AuditNote::Visit {
            visit: id,
            date: date.to_string(),
            purpose: v.purpose.trim().to_string(),
        })
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    let logged = recent(pool, scope, Some(id)).await?.into_iter().next();
    Ok(logged.map_or(VisitLogged::NotFound, VisitLogged::Logged))
}

pub use stored::recent_sql;

/// The latest visits to customers in scope (or one visit), newest first.
pub async fn recent(
    pool: &SqlitePool,
    scope: Scope,
    only: Option<i64>,
) -> Result<Vec<VisitEntry>, AppError> {
    let rows = stored::recent(pool, scope, only).await?;
    Ok(rows
        .into_iter()
        .map(|r| VisitEntry {
            id: r.id,
            customer_id: r.customer_id,
            customer_code: r.code,
            customer_name: r.shop_name,
            date: r.visited_on,
            purpose: r.purpose,
            findings: r.findings,
            duration_min: r.duration_min,
            promise: r.promise,
            manager: r.manager.unwrap_or_default(),
            rating: r.score.map(|s| s.clamp(1, 5) as u8),
        })
        .collect())
}

/// The visit plan of `month` (the current one) for customers in scope: each customer's visits
/// per month from their published tier, the visits made so far, the last one. A customer is
/// due while visits are missing this month, and overdue when the days since the last visit
/// exceed the tier's interval (a month divided by its visits) — or never visited. Counted in
/// the kept facts (visits and tiers in memory), so a manager's plan over everyone reads no
/// more than the names of the customers it lists.
pub async fn plan(
    pool: &SqlitePool,
    facts: &crate::facts::KeptFacts,
    scope: Scope,
    page: u32,
    route: Option<i64>,
) -> Result<VisitPlan, AppError> {
    let today = crate::time::today();
    let month_start = today.with_day(1).unwrap_or(today);
    let policy = published_or_default(pool).await?;
    let loaded = facts.load(pool, &policy).await?;
    let per =
        |t: Option<kehu_engine::Tier>| t.map_or(0, |t| i64::from(policy.service.visits_for(t)));
    struct Planned {
        i: usize,
        required: i64,
        done: i64,
        overdue: bool,
    }
    let mut customers = 0u64;
    let mut listed = Vec::new();
    let mut out = VisitPlan {
        month: month_start.format("%Y-%m").to_string(),
        today: today.format("%Y-%m-%d").to_string(),
        customers: 0,
        required: 0,
        done: 0,
        capacity: u64::from(policy.service.manager_capacity_visits_per_month),
        due: 0,
        overdue: 0,
        rows: Vec::new(),
        listed: 0,
        page: 1,
        pages: 1,
        route,
    };
    for i in 0..loaded.ids.len() {
        if !loaded.in_scope(i, scope) || route.is_some_and(|r| loaded.routes[i] != Some(r)) {
            continue;
        }
        customers += 1;
        let required = per(loaded.assigned_tier(i));
        let done = loaded.visits[i]
            .iter()
            .filter(|v| v.day >= month_start)
            .count() as i64;
        out.required += required.max(0) as u64;
        out.done += done.min(required).max(0) as u64;
        if required <= 0 {
            continue;
        }
        let interval = (30 / required).max(1);
        let overdue = match loaded.last_visit[i] {
            Some(last) => (today - last).num_days() > interval,
            None => true,
        };
        out.due += u64::from(done < required);
        out.overdue += u64::from(overdue);
        if done < required || overdue {
            listed.push(Planned {
                i,
                required,
                done,
                overdue,
            });
        }
    }
    out.customers = customers;
    // Overdue first, then the longest since the last visit (never visited first), then in
    // archive order; only the rows up to the page's last are put in order, and names are read
    // for the page's rows only.
    let order = |a: &Planned, b: &Planned| {
        b.overdue
            .cmp(&a.overdue)
            .then_with(|| loaded.last_visit[a.i].cmp(&loaded.last_visit[b.i]))
            .then_with(|| a.i.cmp(&b.i))
    };
    let per_page = PLAN_PAGE_SIZE as usize;
    out.listed = listed.len() as u64;
    out.pages = listed.len().div_ceil(per_page).max(1) as u32;
    out.page = page.clamp(1, out.pages);
    let end = (out.page as usize * per_page).min(listed.len());
    if end < listed.len() {
        listed.select_nth_unstable_by(end, order);
        listed.truncate(end);
    }
    listed.sort_unstable_by(order);
    listed.drain(..(out.page as usize - 1) * per_page);
    let ids: Vec<i64> = listed.iter().map(|p| loaded.ids[p.i]).collect();
    let names: rustc_hash::FxHashMap<i64, (String, String)> =
        crate::db::directory::customers(pool, &ids)
            .await?
            .into_iter()
            .map(|n| (n.id, (n.code, n.shop_name)))
            .collect();
    out.rows = listed
        .iter()
        .filter_map(|p| {
            let id = loaded.ids[p.i];
            let (code, name) = names.get(&id)?.clone();
            Some(PlanRow {
                customer_id: id,
                code,
                name,
                tier: loaded
                    .assigned_tier(p.i)
                    .map(|t| t.key().to_string())
                    .unwrap_or_default(),
                required: p.required as u32,
                done: p.done as u32,
                last_visit: loaded.last_visit[p.i].map(|d| d.format("%Y-%m-%d").to_string()),
                overdue: p.overdue,
            })
        })
        .collect();
    Ok(out)
}
