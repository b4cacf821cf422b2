//! Complaints (domain §9): filed by a customer on the portal or by staff on their behalf, handled
//! in the seed's seven steps against a deadline in working hours; a major one is confirmed within
//! its own limit and, when substantiated, handed to the working group. Every change carries the
//! record version it was based on and is audited.

use crate::calendar::WorkCalendar;
use crate::db::policy::current_policy;
use crate::db::scope::{in_scope, push_scope};
use crate::error::AppError;
use crate::time::stamp;
use app::wire::{
    COMPLAINT_ATTITUDES, COMPLAINT_STEPS, Complaint, ComplaintAction, ComplaintFilter,
    ComplaintPage, ComplaintRefusal, ComplaintResult, ComplaintStep, MAX_COMMENT_CHARS,
    MAX_COMPLAINT_CHARS, STEPS_BEFORE_CLOSING, Scope,
};
use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    customer_id: i64,
    code: String,
    shop_name: String,
    subject: String,
    description: String,
    severity: String,
    status: String,
    filed_at: String,
    due_at: String,
    closed_at: Option<String>,
    attitude: Option<String>,
    confirm_due_at: Option<String>,
    confirmed_at: Option<String>,
    substantiated: Option<bool>,
    resolution: String,
    handler: Option<String>,
    version: i64,
}

const SELECT: &str = "SELECT k.id, k.customer_id, c.code, c.shop_name, k.subject, k.description,
        k.severity, k.status, k.filed_at, k.due_at, k.closed_at, k.attitude, k.confirm_due_at,
        k.confirmed_at, k.substantiated, k.resolution, u.display_name AS handler, k.version
    FROM complaints k JOIN customers c ON c.id = k.customer_id
    LEFT JOIN routes r ON r.id = c.route_id LEFT JOIN users u ON u.id = r.manager_id
    WHERE 1 = 1";

/// How many complaints [`SELECT`] finds (with the one join the scope filters by).
const COUNT: &str =
    "SELECT COUNT(*) FROM complaints k JOIN customers c ON c.id = k.customer_id WHERE 1 = 1";

/// Past a deadline: still open after it, or done after it (timestamps share one format, so
/// they compare as text).
fn late(deadline: &str, done: Option<&str>, now: &str) -> bool {
    done.unwrap_or(now) > deadline
}

/// The complaints of customers in scope matching `filter` on its page of `per_page` (open ones
/// first, nearest deadline first), with how many match. A customer sees their own without the
/// staff's fields.
pub async fn list(
    pool: &SqlitePool,
    scope: Scope,
    filter: &ComplaintFilter,
    per_page: u32,
) -> Result<ComplaintPage, AppError> {
    let now = stamp(crate::time::now());
    let matching = |select: &str| {
        let mut qb = QueryBuilder::<Sqlite>::new(select);
        push_scope(&mut qb, scope);
        if matches!(filter.status.as_str(), "open" | "closed") {
            qb.push(" AND k.status = ").push_bind(filter.status.clone());
        }
        if matches!(filter.severity.as_str(), "general" | "major") {
            qb.push(" AND k.severity = ")
                .push_bind(filter.severity.clone());
        }
        if filter.overdue_only {
            qb.push(" AND (COALESCE(k.closed_at, ")
                .push_bind(now.clone())
                .push(") > k.due_at OR (k.confirm_due_at IS NOT NULL AND COALESCE(k.confirmed_at, ")
                .push_bind(now.clone())
                .push(") > k.confirm_due_at))");
        }
        qb
    };
    let total: i64 = matching(COUNT).build_query_scalar().fetch_one(pool).await?;
    let total = total.max(0) as u64;
    let per_page = per_page.max(1);
    let pages = total.div_ceil(u64::from(per_page)).max(1) as u32;
    let page = filter.page.clamp(1, pages);
    let mut qb = matching(SELECT);
    qb.push(" ORDER BY k.status <> 'open', CASE WHEN k.status = 'open' THEN k.due_at END, k.id DESC LIMIT ")
        .push_bind(i64::from(per_page))
        .push(" OFFSET ")
        .push_bind(i64::from(page - 1) * i64::from(per_page));
    let rows: Vec<Row> = qb.build_query_as().fetch_all(pool).await?;
    let rows = complete(pool, rows, matches!(scope, Scope::Customer(_)), &now).await?;
    Ok(ComplaintPage {
        rows,
        total,
        page,
        pages,
    })
}

/// One complaint of a customer in scope.
async fn one(
    conn: &mut sqlx::SqliteConnection,
    scope: Scope,
    id: i64,
) -> Result<Option<Row>, AppError> {
    let mut qb = QueryBuilder::<Sqlite>::new(SELECT);
    push_scope(&mut qb, scope);
    qb.push(" AND k.id = ").push_bind(id);
    Ok(qb.build_query_as().fetch_optional(conn).await?)
}

#[derive(sqlx::FromRow)]
struct StepRow {
    complaint_id: i64,
    step: String,
    done_at: String,
    note: String,
    by: Option<String>,
}

/// The rows with their steps, in local time; `for_customer` leaves out the staff's fields.
async fn complete(
    pool: &SqlitePool,
    rows: Vec<Row>,
    for_customer: bool,
    now: &str,
) -> Result<Vec<Complaint>, AppError> {
    let mut steps: Vec<StepRow> = Vec::new();
    if !rows.is_empty() {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "SELECT s.complaint_id, s.step, s.done_at, s.note, u.display_name AS by
             FROM complaint_steps s LEFT JOIN users u ON u.id = s.done_by
             WHERE s.complaint_id IN (",
        );
        let mut ids = qb.separated(", ");
        for r in &rows {
            ids.push_bind(r.id);
        }
        qb.push(")");
        steps = qb.build_query_as().fetch_all(pool).await?;
    }
    // Shown in the service desk's local time, the time its deadlines are counted in.
    let cal = WorkCalendar::default();
    Ok(rows
        .into_iter()
        .map(|r| {
            let mut mine: Vec<ComplaintStep> = steps
                .iter()
                .filter(|s| s.complaint_id == r.id)
                .map(|s| ComplaintStep {
                    key: s.step.clone(),
                    at: cal.local(&s.done_at),
                    by: if for_customer {
                        String::new()
                    } else {
                        s.by.clone().unwrap_or_default()
                    },
                    note: if for_customer {
                        String::new()
                    } else {
                        s.note.clone()
                    },
                    late: s.done_at > r.due_at,
                })
                .collect();
            mine.sort_by_key(|s| COMPLAINT_STEPS.iter().position(|k| *k == s.key));
            let overdue = late(&r.due_at, r.closed_at.as_deref(), now);
            let confirm_overdue = r
                .confirm_due_at
                .as_deref()
                .is_some_and(|d| late(d, r.confirmed_at.as_deref(), now));
            Complaint {
                id: r.id,
                customer_id: r.customer_id,
                customer_code: r.code,
                customer_name: r.shop_name,
                subject: r.subject,
                description: r.description,
                severity: r.severity,
                status: r.status,
                filed_at: cal.local(&r.filed_at),
                due_at: cal.local(&r.due_at),
                closed_at: r.closed_at.as_deref().map(|t| cal.local(t)),
                overdue,
                steps: mine,
                attitude: if for_customer { None } else { r.attitude },
                confirm_due_at: r.confirm_due_at.as_deref().map(|t| cal.local(t)),
                confirmed: match (&r.confirmed_at, r.substantiated) {
                    (Some(at), Some(s)) if !for_customer => Some((cal.local(at), s)),
                    _ => None,
                },
                confirm_overdue,
                resolution: r.resolution,
                handler: r.handler.unwrap_or_default(),
                version: r.version,
            }
        })
        .collect())
}

/// The deadlines of a complaint filed at `filed` under the published policy: to close it, and
/// (major ones) to confirm it.
async fn deadlines(
    pool: &SqlitePool,
    filed: DateTime<Utc>,
    major: bool,
) -> Result<(String, Option<String>), AppError> {
    let hours = current_policy(pool)
        .await?
        .map(|(_, p)| p.service.complaint_hours)
        .unwrap_or_default();
    let cal = crate::calendar::load(pool).await?;
    Ok(if major {
        (
            stamp(cal.add_working_hours(filed, u32::from(hours.major))),
            Some(stamp(
                cal.add_working_hours(filed, u32::from(hours.major_confirm)),
            )),
        )
    } else {
        (
            stamp(cal.add_working_hours(filed, u32::from(hours.general))),
            None,
        )
    })
}

/// What a complaint is filed with.
pub struct NewComplaint<'a> {
    pub customer: i64,
    pub subject: &'a str,
    pub description: &'a str,
    pub major: bool,
    pub attitude: Option<&'a str>,
}

/// Files a complaint for a customer in scope with its deadlines from the published policy;
/// `None` when the customer is not in scope.
pub async fn file(
    pool: &SqlitePool,
    scope: Scope,
    user: i64,
    new: &NewComplaint<'_>,
) -> Result<Option<Complaint>, AppError> {
    if !in_scope(pool, scope, new.customer).await? {
        return Ok(None);
    }
    let attitude = new.attitude.filter(|a| COMPLAINT_ATTITUDES.contains(a));
    let now = crate::time::now();
    let (due, confirm_due) = deadlines(pool, now, new.major).await?;
    let mut tx = crate::db::write(pool).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO complaints (customer_id, filed_by, filed_at, subject, description, severity,
                                 attitude, due_at, confirm_due_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(new.customer)
    .bind(user)
    .bind(stamp(now))
    .bind(new.subject)
    .bind(new.description)
    .bind(if new.major { "major" } else { "general" })
    .bind(attitude)
    .bind(due)
    .bind(confirm_due)
    .fetch_one(&mut *tx)
    .await?;
    crate::db::audit::Line::new(user, "complaint.file")
        .customer(new.customer)
        .detail(format!(
            "complaint {id} ({}): {}",
            if new.major { "major" } else { "general" },
            new.subject
        ))
        .record(&mut tx)
        .await?;
    let row = one(&mut tx, scope, id).await?;
    tx.commit().await?;
    // The complaint as the list shows it (not the whole list: 500 rows for a manager).
    match row {
        Some(row) => Ok(complete(pool, vec![row], false, &stamp(now))
            .await?
            .into_iter()
            .next()),
        None => Ok(None),
    }
}

/// Applies a staff action to a complaint of a customer in scope, if the complaint is still at
/// `version`; `None` when there is no such complaint in scope.
pub async fn act(
    pool: &SqlitePool,
    scope: Scope,
    user: i64,
    id: i64,
    version: i64,
    action: &ComplaintAction,
) -> Result<Option<ComplaintResult>, AppError> {
    let now = crate::time::now();
    let now_s = stamp(now);
    let mut tx = crate::db::write(pool).await?;
    let Some(row) = one(&mut tx, scope, id).await? else {
        return Ok(None);
    };
    let shown = |pool: &SqlitePool, row: Row| {
        let now_s = now_s.clone();
        let pool = pool.clone();
        async move {
            complete(&pool, vec![row], false, &now_s)
                .await
                .map(|mut v| v.remove(0))
        }
    };
    if row.version != version {
        drop(tx);
        return Ok(Some(ComplaintResult::Stale(shown(pool, row).await?)));
    }
    let refuse = |r: ComplaintRefusal| Ok(Some(ComplaintResult::Refused(r)));
    let open = row.status == "open";
    let detail: String;
    match action {
        ComplaintAction::Attitude(a) => {
            if !open {
                return refuse(ComplaintRefusal::Closed);
            }
            if !COMPLAINT_ATTITUDES.contains(&a.as_str()) {
                return refuse(ComplaintRefusal::BadValue);
            }
            sqlx::query("UPDATE complaints SET attitude = ? WHERE id = ?")
                .bind(a)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            detail = format!("complaint {id}: attitude {a}");
        }
        ComplaintAction::MakeMajor => {
            if !open {
                return refuse(ComplaintRefusal::Closed);
            }
            if row.severity == "major" {
                return refuse(ComplaintRefusal::BadValue);
            }
            let filed = DateTime::parse_from_rfc3339(&row.filed_at)
                .map_err(AppError::msg)?
                .with_timezone(&Utc);
            let (due, confirm_due) = deadlines(pool, filed, true).await?;
            sqlx::query(
                "UPDATE complaints SET severity = 'major', due_at = ?, confirm_due_at = ? WHERE id = ?",
            )
            .bind(due)
            .bind(confirm_due)
            .bind(id)
            .execute(&mut *tx)
            .await
            ?;
            detail = format!("complaint {id}: made major");
        }
        ComplaintAction::Step { key, note } => {
            if !COMPLAINT_STEPS.contains(&key.as_str()) || note.chars().count() > MAX_COMMENT_CHARS
            {
                return refuse(ComplaintRefusal::BadValue);
            }
            // After closing, only the follow-up visit remains to be recorded.
            if !open && key != "follow_up" {
                return refuse(ComplaintRefusal::Closed);
            }
            sqlx::query(
                "INSERT INTO complaint_steps (complaint_id, step, done_by, done_at, note)
                 VALUES (?, ?, ?, ?, ?)
                 ON CONFLICT (complaint_id, step) DO UPDATE SET note = excluded.note",
            )
            .bind(id)
            .bind(key)
            .bind(user)
            .bind(&now_s)
            .bind(note.trim())
            .execute(&mut *tx)
            .await?;
            detail = format!("complaint {id}: step {key}");
        }
        ComplaintAction::Confirm {
            substantiated,
            note,
        } => {
            if !open || row.severity != "major" || row.confirmed_at.is_some() {
                return refuse(ComplaintRefusal::NotToConfirm);
            }
            if note.chars().count() > MAX_COMMENT_CHARS {
                return refuse(ComplaintRefusal::BadValue);
            }
            sqlx::query(
                "UPDATE complaints SET confirmed_at = ?, confirmed_by = ?, substantiated = ?,
                        confirm_note = ? WHERE id = ?",
            )
            .bind(&now_s)
            .bind(user)
            .bind(*substantiated)
            .bind(note.trim())
            .bind(id)
            .execute(&mut *tx)
            .await?;
            detail = if *substantiated {
                format!("complaint {id}: confirmed, substantiated — to the working group")
            } else {
                format!("complaint {id}: confirmed, not substantiated")
            };
        }
        ComplaintAction::Close { resolution } => {
            if !open {
                return refuse(ComplaintRefusal::Closed);
            }
            let resolution = resolution.trim();
            if resolution.is_empty() {
                return refuse(ComplaintRefusal::NoResolution);
            }
            if resolution.chars().count() > MAX_COMPLAINT_CHARS {
                return refuse(ComplaintRefusal::BadValue);
            }
            if row.severity == "major" && row.confirmed_at.is_none() {
                return refuse(ComplaintRefusal::NotConfirmed);
            }
            let done: Vec<String> =
                sqlx::query_scalar("SELECT step FROM complaint_steps WHERE complaint_id = ?")
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await?;
            let missing: Vec<String> = COMPLAINT_STEPS[..STEPS_BEFORE_CLOSING]
                .iter()
                .filter(|k| !done.iter().any(|d| d == *k))
                .map(|k| k.to_string())
                .collect();
            if !missing.is_empty() {
                return refuse(ComplaintRefusal::StepsMissing(missing));
            }
            sqlx::query(
                "UPDATE complaints SET status = 'closed', closed_at = ?, closed_by = ?,
                        resolution = ? WHERE id = ?",
            )
            .bind(&now_s)
            .bind(user)
            .bind(resolution)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            detail = format!("complaint {id}: closed");
        }
    }
    sqlx::query("UPDATE complaints SET version = version + 1 WHERE id = ?")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    crate::db::audit::Line::new(user, "complaint.update")
        .customer(row.customer_id)
        .detail(detail)
        .record(&mut tx)
        .await?;
    let updated = one(&mut tx, scope, id)
        .await?
        .ok_or_else(|| AppError::msg("vanished"))?;
    tx.commit().await?;
    Ok(Some(ComplaintResult::Done(shown(pool, updated).await?)))
}
