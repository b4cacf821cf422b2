//! Customer managers' written reports (domain §10, seed: 痕迹管理): the daily log, the weekly
//! summary and the monthly market report, each next to what the records of its period show
//! (visits made, complaints handled), and a manager's review comment.

use crate::db::reports::{self as stored, Row, Saving};
use crate::error::AppError;
use crate::time::{day_start, shown};
use app::wire::{
    MAX_REPORT_CHARS, Report, ReportKind, ReportPeriod, ReportSave, ReportSaved, Role,
};
use chrono::{Datelike, NaiveDate, TimeDelta, Weekday};
use sqlx::SqlitePool;

/// The first and last day of a period key: `2026-11-23` (a day), `2026-W48` (ISO week),
/// `2026-11` (a month); `None` when the key does not fit the kind.
pub fn days(kind: ReportKind, period: &str) -> Option<(NaiveDate, NaiveDate)> {
    match kind {
        ReportKind::Daily => {
            let d = NaiveDate::parse_from_str(period, "%Y-%m-%d").ok()?;
            Some((d, d))
        }
        ReportKind::Weekly => {
            let (y, w) = period.split_once("-W")?;
            let monday =
                NaiveDate::from_isoywd_opt(y.parse().ok()?, w.parse().ok()?, Weekday::Mon)?;
            Some((monday, monday + TimeDelta::days(6)))
        }
        ReportKind::Monthly => {
            let first = NaiveDate::parse_from_str(&format!("{period}-01"), "%Y-%m-%d").ok()?;
            let next = first.checked_add_months(chrono::Months::new(1))?;
            Some((first, next - TimeDelta::days(1)))
        }
    }
}

/// The period key of `kind` that contains `day`.
pub fn period_of(kind: ReportKind, day: NaiveDate) -> String {
    match kind {
        ReportKind::Daily => day.format("%Y-%m-%d").to_string(),
        ReportKind::Weekly => {
            let w = day.iso_week();
            format!("{}-W{:02}", w.year(), w.week())
        }
        ReportKind::Monthly => day.format("%Y-%m").to_string(),
    }
}

/// What the records show for `author` in a period: visits made (and to how many customers),
/// complaint steps done, complaints closed.
async fn record_counts(
    pool: &SqlitePool,
    author: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<ReportPeriod, AppError> {
    let (a, b) = (
        from.format("%Y-%m-%d").to_string(),
        to.format("%Y-%m-%d").to_string(),
    );
    // Stored times are UTC: the desk's local days' bounds in UTC.
    let (start, end) = (day_start(from), day_start(to + TimeDelta::days(1)));
    let (visits, customers, minutes, steps, closed) =
        stored::record_counts(pool, author, (&a, &b), (&start, &end)).await?;
    Ok(ReportPeriod {
        from: a,
        to: b,
        visits: visits as u64,
        customers_visited: customers as u64,
        visit_minutes: minutes as u64,
        complaint_steps: steps as u64,
        complaints_closed: closed as u64,
    })
}

async fn finish(pool: &SqlitePool, r: Row) -> Result<Report, AppError> {
    let kind = ReportKind::from_key(&r.kind).unwrap_or(ReportKind::Daily);
    let (from, to) = days(kind, &r.period).ok_or_else(|| AppError::msg("bad stored period"))?;
    Ok(Report {
        id: r.id,
        author_id: r.author_id,
        author: r.author,
        kind,
        period: r.period,
        body: r.body,
        updated_at: shown(&r.updated_at),
        review: r.review,
        reviewer: r.reviewer,
        reviewed_at: r.reviewed_at.as_deref().map(shown),
        version: r.version,
        records: record_counts(pool, r.author_id, from, to).await?,
    })
}

/// Report `id` as the pages show it.
async fn report(pool: &SqlitePool, id: i64) -> Result<Option<Report>, AppError> {
    match stored::by_id(pool, id).await? {
        Some(r) => Ok(Some(finish(pool, r).await?)),
        None => Ok(None),
    }
}

/// Reports a user may read: their own (a customer manager), or everyone's (managers, admins),
/// newest period first; `unreviewed` keeps those without a review.
pub async fn list(
    pool: &SqlitePool,
    user: i64,
    role: Role,
    unreviewed: bool,
) -> Result<Vec<Report>, AppError> {
    let everyone = matches!(role, Role::Manager | Role::Admin);
    let rows = stored::list(pool, everyone, user, unreviewed).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(finish(pool, r).await?);
    }
    Ok(out)
}

/// The records of a period for `author`, for the report being written.
pub async fn records(
    pool: &SqlitePool,
    author: i64,
    kind: ReportKind,
    period: &str,
) -> Result<Option<ReportPeriod>, AppError> {
    match days(kind, period) {
        Some((from, to)) => Ok(Some(record_counts(pool, author, from, to).await?)),
        None => Ok(None),
    }
}

/// Saves the author's report of a period: new, or over the stored one if still at `version`.
/// Not in the future; a reviewed report is no longer changed.
pub async fn save(pool: &SqlitePool, author: i64, s: &ReportSave) -> Result<ReportSaved, AppError> {
    let Some((from, _)) = days(s.kind, &s.period) else {
        return Ok(ReportSaved::BadPeriod);
    };
    if from > crate::time::today() {
        return Ok(ReportSaved::BadPeriod);
    }
    let body = s.body.trim();
    if body.is_empty() || body.chars().count() > MAX_REPORT_CHARS {
        return Ok(ReportSaved::BadBody);
    }
    let saving = stored::save(pool, author, s.kind.key(), &s.period, body, s.version).await?;
    let missing = || AppError::msg("a report saved a moment ago is gone");
    Ok(match saving {
        Saving::Saved(id) => ReportSaved::Saved(report(pool, id).await?.ok_or_else(missing)?),
        Saving::Stale(id) => ReportSaved::Stale(report(pool, id).await?.ok_or_else(missing)?),
        Saving::Reviewed => ReportSaved::Reviewed,
        Saving::Missing => ReportSaved::BadPeriod,
    })
}

/// A manager's review comment on a report (once); `None` when there is no such report.
pub async fn review(
    pool: &SqlitePool,
    reviewer: i64,
    id: i64,
    comment: &str,
) -> Result<Option<ReportSaved>, AppError> {
    let comment = comment.trim();
    if comment.is_empty() || comment.chars().count() > MAX_REPORT_CHARS {
        return Ok(Some(ReportSaved::BadBody));
    }
    let done = stored::review(pool, reviewer, id, comment).await?;
    let Some(report) = report(pool, id).await? else {
        return Ok(None);
    };
    Ok(Some(if done {
        ReportSaved::Saved(report)
    } else {
        ReportSaved::Reviewed
    }))
}

/// The author's saved report of a period, if any.
pub async fn find(
    pool: &SqlitePool,
    author: i64,
    kind: ReportKind,
    period: &str,
) -> Result<Option<Report>, AppError> {
    let row = stored::find(pool, author, kind.key(), period).await?;
    match row {
        Some(r) => Ok(Some(finish(pool, r).await?)),
        None => Ok(None),
    }
}
