//! Complaints (domain §9): filed by a customer on the portal or by staff on their behalf, handled
//! in the seed's seven steps against a deadline in working hours; a major one is confirmed within
//! its own limit and, when substantiated, handed to the working group. Every change carries the
//! record version it was based on and is audited.

use crate::db::complaints::{self as stored, Change, Filed, Filter, Row};
use crate::db::policy::current_policy;
use crate::db::scope::in_scope;
use crate::error::AppError;
use crate::time::shown;
use crate::time::stamp;
use app::wire::{
    AuditNote, COMPLAINT_ATTITUDES, COMPLAINT_STEPS, Complaint, ComplaintAction, ComplaintFilter,
    ComplaintPage, ComplaintRefusal, ComplaintResult, ComplaintStep, MAX_COMMENT_CHARS,
    MAX_COMPLAINT_CHARS, NewComplaint, STEP_UNDO_MINUTES, STEPS_BEFORE_CLOSING, Scope,
    entry_key_ok,
};
use chrono::{DateTime, Utc};
use sqlx::SqlitePool;

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
    let wanted = Filter {
        status: &filter.status,
        severity: &filter.severity,
        overdue_at: filter.overdue_only.then_some(now.as_str()),
    };
    let total = stored::count(pool, scope, &wanted).await?.max(0) as u64;
    let per_page = per_page.max(1);
    let pages = total.div_ceil(u64::from(per_page)).max(1) as u32;
    let page = filter.page.clamp(1, pages);
    let rows = stored::page(
        pool,
        scope,
        &wanted,
        i64::from(per_page),
        i64::from(page - 1) * i64::from(per_page),
    )
    .await?;
    let rows = complete(pool, rows, matches!(scope, Scope::Customer(_)), &now).await?;
    Ok(ComplaintPage {
        rows,
        total,
        page,
        pages,
    })
}

/// The rows with their steps, in local time; `for_customer` leaves out the staff's fields.
async fn complete(
    pool: &SqlitePool,
    rows: Vec<Row>,
    for_customer: bool,
    now: &str,
) -> Result<Vec<Complaint>, AppError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let steps = stored::steps(pool, &ids).await?;
    // Shown in the service desk's local time, the time its deadlines are counted in.
    Ok(rows
        .into_iter()
        .map(|r| {
            let mut mine: Vec<ComplaintStep> = steps
                .iter()
                .filter(|s| s.complaint_id == r.id)
                .map(|s| ComplaintStep {
                    key: s.step.clone(),
                    at: shown(&s.done_at),
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
                filed_at: shown(&r.filed_at),
                due_at: shown(&r.due_at),
                closed_at: r.closed_at.as_deref().map(shown),
                overdue,
                steps: mine,
                attitude: if for_customer { None } else { r.attitude },
                confirm_due_at: r.confirm_due_at.as_deref().map(shown),
                confirmed: match (&r.confirmed_at, r.substantiated) {
                    (Some(at), Some(s)) if !for_customer => Some((shown(at), s)),
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

/// What a complaint's key made, in `sent_entries`; and a step ticked with its own key (the
/// complaint).
const SENT_COMPLAINT: &str = "complaint";
const SENT_STEP: &str = "complaint_step";

/// Files a complaint for a customer in scope with its deadlines from the published policy;
/// `None` when the customer is not in scope. Sent again under the key it was first sent with
/// (the answer was lost, or a phone's outbox sent it twice), it is the complaint filed then.
pub async fn file(
    pool: &SqlitePool,
    scope: Scope,
    user: i64,
    new: &NewComplaint,
) -> Result<Option<Complaint>, AppError> {
    if !in_scope(pool, scope, new.customer).await? {
        return Ok(None);
    }
    let attitude = new
        .attitude
        .as_deref()
        .filter(|a| COMPLAINT_ATTITUDES.contains(a));
    let now = crate::time::now();
    let (due, confirm_due) = deadlines(pool, now, new.major).await?;
    let severity = if new.major { "major" } else { "general" };
    let mut tx = crate::db::write(pool).await?;
    let before = match new.key.as_str() {
        "" => None,
        key => crate::db::sent::made(&mut tx, user, key, SENT_COMPLAINT).await?,
    };
    if let Some(id) = before {
        let row = stored::one(&mut tx, scope, id).await?;
        drop(tx);
        return match row {
            Some(row) => Ok(complete(pool, vec![row], false, &stamp(now))
                .await?
                .into_iter()
                .next()),
            None => Ok(None),
        };
    }
    let id = stored::insert(
        &mut tx,
        &Filed {
            customer: new.customer,
            by: user,
            at: &stamp(now),
            subject: &new.subject,
            description: &new.description,
            severity,
            attitude,
            due_at: &due,
            confirm_due_at: confirm_due.as_deref(),
        },
    )
    .await?;
    if !new.key.is_empty() {
        crate::db::sent::record(&mut tx, user, &new.key, SENT_COMPLAINT, id).await?;
    }
    crate::db::audit::Line::new(user, "complaint.file")
        .customer(new.customer)
        .note(AuditNote::ComplaintFiled {
            complaint: id,
            major: severity == "major",
            subject: new.subject.to_string(),
        })
        .record(&mut tx)
        .await?;
    let row = stored::one(&mut tx, scope, id).await?;
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
    let Some(row) = stored::one(&mut tx, scope, id).await? else {
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
    let refuse = |r: ComplaintRefusal| Ok(Some(ComplaintResult::Refused(r)));
    // A tick with the phone's own key (kept without signal, sent later): sent before, it is
    // in; it does not depend on the version the phone saw.
    let entry = match action {
        ComplaintAction::Step { entry, .. } if !entry.is_empty() => Some(entry.as_str()),
        _ => None,
    };
    if let Some(entry) = entry {
        if !entry_key_ok(entry) {
            return refuse(ComplaintRefusal::BadValue);
        }
        if crate::db::sent::made(&mut tx, user, entry, SENT_STEP)
            .await?
            .is_some()
        {
            drop(tx);
            return Ok(Some(ComplaintResult::Done(shown(pool, row).await?)));
        }
    } else if row.version != version {
        drop(tx);
        return Ok(Some(ComplaintResult::Stale(shown(pool, row).await?)));
    }
    let major: (String, String);
    let open = row.status == "open";
    let said: AuditNote;
    let change = match action {
        ComplaintAction::Attitude(a) => {
            if !open {
                return refuse(ComplaintRefusal::Closed);
            }
            if !COMPLAINT_ATTITUDES.contains(&a.as_str()) {
                return refuse(ComplaintRefusal::BadValue);
            }
            said = AuditNote::ComplaintAttitude {
                complaint: id,
                attitude: a.clone(),
            };
            Change::Attitude(a)
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
            said = AuditNote::ComplaintMadeMajor { complaint: id };
            major = (due, confirm_due.unwrap_or_default());
            Change::Major {
                due_at: &major.0,
                confirm_due_at: &major.1,
            }
        }
        ComplaintAction::Step { key, note, .. } => {
            if !COMPLAINT_STEPS.contains(&key.as_str()) || note.chars().count() > MAX_COMMENT_CHARS
            {
                return refuse(ComplaintRefusal::BadValue);
            }
            // After closing, only the follow-up visit remains to be recorded.
            if !open && key != "follow_up" {
                return refuse(ComplaintRefusal::Closed);
            }
            // A late tick does not overwrite what someone recorded meanwhile.
            if entry.is_some() && stored::done_steps(&mut tx, id).await?.contains(key) {
                return refuse(ComplaintRefusal::AlreadyDone);
            }
            said = AuditNote::ComplaintStep {
                complaint: id,
                step: key.clone(),
                undone: false,
            };
            Change::Step {
                key,
                note: note.trim(),
            }
        }
        ComplaintAction::Undo { key } => {
            if !COMPLAINT_STEPS.contains(&key.as_str()) {
                return refuse(ComplaintRefusal::BadValue);
            }
            // Only what could still be ticked now can be taken back (after closing, the
            // follow-up visit alone), by whoever ticked it, soon after.
            let Some((by, at)) = stored::step_done_by(&mut tx, id, key).await? else {
                return refuse(ComplaintRefusal::CannotUndo);
            };
            let ticked = DateTime::parse_from_rfc3339(&at)
                .map_err(AppError::msg)?
                .with_timezone(&Utc);
            if (!open && key != "follow_up")
                || by != user
                || now - ticked > chrono::TimeDelta::minutes(STEP_UNDO_MINUTES)
            {
                return refuse(ComplaintRefusal::CannotUndo);
            }
            said = AuditNote::ComplaintStep {
                complaint: id,
                step: key.clone(),
                undone: true,
            };
            Change::Undo { key }
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
            said = AuditNote::ComplaintConfirmed {
                complaint: id,
                substantiated: *substantiated,
            };
            Change::Confirm {
                substantiated: *substantiated,
                note: note.trim(),
            }
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
            let done = stored::done_steps(&mut tx, id).await?;
            let missing: Vec<String> = COMPLAINT_STEPS[..STEPS_BEFORE_CLOSING]
                .iter()
                .filter(|k| !done.iter().any(|d| d == *k))
                .map(|k| k.to_string())
                .collect();
            if !missing.is_empty() {
                return refuse(ComplaintRefusal::StepsMissing(missing));
            }
            said = AuditNote::ComplaintClosed { complaint: id };
            Change::Close { resolution }
        }
    };
    stored::change(&mut tx, id, user, &now_s, change).await?;
    if let Some(entry) = entry {
        crate::db::sent::record(&mut tx, user, entry, SENT_STEP, id).await?;
    }
    crate::db::audit::Line::new(user, "complaint.update")
        .customer(row.customer_id)
        .note(said)
        .record(&mut tx)
        .await?;
    let updated = stored::one(&mut tx, scope, id)
        .await?
        .ok_or_else(|| AppError::msg("vanished"))?;
    tx.commit().await?;
    Ok(Some(ComplaintResult::Done(shown(pool, updated).await?)))
}
