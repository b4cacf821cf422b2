//! One customer behind the storage port: their page and change history, field edits, change
//! requests and their review, and the audit trail. Each takes the store (`s`) for its pool.

use super::*;
use crate::db::customers::{self as stored, RequestRow};
use crate::time::shown;
use app::wire::AuditNote;

pub(crate) fn request_from_row(r: RequestRow) -> ChangeRequest {
    ChangeRequest {
        id: r.0,
        customer_id: r.1,
        customer_code: r.2,
        customer_name: r.3,
        field: r.4,
        old_value: r.5,
        new_value: r.6,
        reason: r.7,
        status: RequestStatus::from_key(&r.8).unwrap_or(RequestStatus::Pending),
        requested_by: r.9,
        requested_at: shown(&r.10),
        reviewed_by: r.11,
        reviewed_at: r.12.as_deref().map(shown),
        review_reason: r.13,
    }
}

pub async fn customer(
    s: &SqliteStore,
    scope: Scope,
    id: i64,
) -> Result<Option<CustomerDetail>, AppError> {
    let row = stored::row(
        &s.pool,
        scope,
        id,
        &crate::db::customer_list::archive_columns(),
    )
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let current = current_policy(&s.pool).await?;
    let assignment: Option<(i64, i64, i64, i64, String, String)> = match &current {
        Some((p, _)) => stored::assignment(&s.pool, p.id, id).await?,
        None => None,
    };
    let class = assignment.as_ref().map(|a| (a.0, a.1, a.2));
    let fields = FIELDS
        .iter()
        .map(|f| {
            Ok(FieldValue {
                key: f.key.to_string(),
                value: field_value(f.key, &row, class)?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let window = current
        .as_ref()
        .map_or(3, |(_, p)| p.assessment_window_months);
    let cpc = current.as_ref().map_or(50, |(_, p)| p.cartons_per_case);
    let latest = crate::facts::latest_month(&s.pool).await?;
    let from = latest
        .and_then(|m| shift_month(&m, -(i32::from(window.max(1)) - 1)))
        .unwrap_or_default();
    let (cartons, amount) =
        stored::purchases(&s.pool, id, &from, &crate::time::this_month()).await?;
    let shop_name = fields
        .iter()
        .find(|f| f.key == "shop_name")
        .map(|f| f.value.clone())
        .unwrap_or_default();
    let code = fields
        .iter()
        .find(|f| f.key == "code")
        .map(|f| f.value.clone())
        .unwrap_or_default();
    Ok(Some(CustomerDetail {
        id,
        code,
        shop_name,
        version: row.try_get("version")?,
        fields,
        assignment: match (assignment, current) {
            (Some((band, grade, class, score, value_class, tier)), Some((p, _))) => {
                Some(Assignment {
                    policy: p,
                    band: band as u8,
                    grade: grade as u8,
                    class_code: class_code(class),
                    value_score: Score::from_raw(score).to_string(),
                    value_class,
                    tier,
                })
            }
            _ => None,
        },
        monthly_volume: derive::average_cases_from_total(cartons, window, cpc).to_string(),
        avg_price: derive::average_price(amount, cartons).map(|p| p.to_string()),
        monthly_amount: Cents::from_raw(amount / i64::from(window.max(1))).to_string(),
        editable: Vec::new(),
        requestable: Vec::new(),
    }))
}

pub async fn edit_field(
    s: &SqliteStore,
    scope: Scope,
    user: i64,
    customer: i64,
    field: &'static FieldDef,
    value: &str,
    version: i64,
) -> Result<Option<EditResult>, AppError> {
    let mut tx = crate::db::write(&s.pool).await?;
    let Some((current, old)) = stored::read_field(&mut tx, scope, customer, field).await? else {
        return Ok(None);
    };
    if current != version {
        return Ok(Some(EditResult::Stale { version: current }));
    }
    if old.as_deref() == Some(value) {
        // Nothing changes: no new version, no audit line.
        return Ok(Some(EditResult::Saved {
            version,
            value: value.to_string(),
        }));
    }
    let new_version = match stored::write_field(&mut tx, customer, field, value, version).await {
        Ok(Some(v)) => v,
        Ok(None) => {
            return Ok(Some(EditResult::Stale {
                version: current + 1,
            }));
        }
        Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
            return Ok(Some(EditResult::Invalid(FieldProblem::Taken {
                field: field.key.to_string(),
            })));
        }
        Err(e) => return Err(e.into()),
    };
    crate::db::audit::Line::new(user, "field.edit")
        .customer(customer)
        .field(field.key, old.as_deref(), value)
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Some(EditResult::Saved {
        version: new_version,
        value: value.to_string(),
    }))
}

pub async fn file_request(
    s: &SqliteStore,
    scope: Scope,
    user: i64,
    customer: i64,
    field: &'static FieldDef,
    value: &str,
    reason: &str,
) -> Result<Option<RequestResult>, AppError> {
    let mut tx = crate::db::write(&s.pool).await?;
    let Some((_, old)) = stored::read_field(&mut tx, scope, customer, field).await? else {
        return Ok(None);
    };
    let old = old.unwrap_or_default();
    if old == value {
        return Ok(Some(RequestResult::Unchanged));
    }
    let requested = stored::Requested {
        customer,
        field: field.key,
        old: &old,
        new: value,
        reason,
        by: user,
    };
    let id = stored::insert_request(&mut tx, &requested).await?;
    crate::db::audit::Line::new(user, "request.file")
        .customer(customer)
        .field(field.key, Some(&old), value)
        .note(AuditNote::Text {
            text: reason.to_string(),
        })
        .request(id)
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Some(RequestResult::Filed { id }))
}

pub async fn change_requests(
    s: &SqliteStore,
    scope: Scope,
    customer: Option<i64>,
    reviewer: Option<Role>,
) -> Result<Vec<ChangeRequest>, AppError> {
    let rows = stored::requests(&s.pool, scope, customer).await?;
    Ok(rows
        .into_iter()
        .map(request_from_row)
        .filter(|r| {
            reviewer
                .is_none_or(|role| app::wire::field(&r.field).is_some_and(|f| role.can_review(f)))
        })
        .collect())
}

pub async fn review_request(
    s: &SqliteStore,
    user: i64,
    role: Role,
    request: i64,
    approve: bool,
    reason: &str,
) -> Result<Option<ReviewResult>, AppError> {
    let mut tx = crate::db::write(&s.pool).await?;
    let row = stored::request(&mut tx, request).await?;
    let Some((customer, key, old, new, status)) = row else {
        return Ok(None);
    };
    let Some(field) = app::wire::field(&key).filter(|f| role.can_review(f)) else {
        return Ok(None);
    };
    if status != "pending" {
        return Ok(Some(ReviewResult::AlreadyDecided));
    }
    if !approve && reason.trim().is_empty() {
        return Ok(Some(ReviewResult::ReasonRequired));
    }
    let mut result = ReviewResult::Rejected;
    if approve {
        let Some((version, current)) =
            stored::read_field(&mut tx, Scope::All, customer, field).await?
        else {
            return Ok(None);
        };
        let current = current.unwrap_or_default();
        if current != old {
            return Ok(Some(ReviewResult::Changed { current }));
        }
        let new_version = match stored::write_field(&mut tx, customer, field, &new, version).await {
            Ok(Some(v)) => v,
            Ok(None) => return Ok(Some(ReviewResult::Changed { current })),
            Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
                return Ok(Some(ReviewResult::Changed { current }));
            }
            Err(e) => return Err(e.into()),
        };
        result = ReviewResult::Approved {
            version: new_version,
        };
    }
    let status = if approve { "approved" } else { "rejected" };
    let decided = stored::decide_request(&mut tx, request, status, user, reason.trim()).await?;
    if !decided {
        return Ok(Some(ReviewResult::AlreadyDecided));
    }
    crate::db::audit::Line::new(
        user,
        if approve {
            "request.approve"
        } else {
            "request.reject"
        },
    )
    .customer(customer)
    .field(&key, Some(&old), &new)
    .note(AuditNote::Text {
        text: reason.trim().to_string(),
    })
    .request(request)
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(Some(result))
}

pub async fn audit_log(s: &SqliteStore, action: &str, page: u32) -> Result<AuditPage, AppError> {
    let like = format!("{action}%");
    let total = crate::db::audit::count(&s.pool, &like).await?;
    let pages = (total as u32).div_ceil(AUDIT_PAGE_SIZE).max(1);
    let page = page.clamp(1, pages);
    let rows = crate::db::audit::page(
        &s.pool,
        &like,
        i64::from(AUDIT_PAGE_SIZE),
        i64::from((page - 1) * AUDIT_PAGE_SIZE),
    )
    .await?;
    Ok(AuditPage {
        rows: rows
            .into_iter()
            .map(|r| AuditRow {
                at: shown(&r.0),
                user: r.1.unwrap_or_default(),
                action: r.2,
                customer: r.3.map(|id| CustomerLabel {
                    id,
                    code: r.4.unwrap_or_default(),
                    name: r.5.unwrap_or_default(),
                }),
                field: r.6,
                old_value: r.7,
                new_value: r.8,
                detail: r.9.as_deref().map(AuditNote::read),
                request_id: r.10,
            })
            .collect(),
        total: total as u64,
        page,
        pages,
    })
}

pub async fn customer_history(
    s: &SqliteStore,
    scope: Scope,
    customer: i64,
) -> Result<Option<Vec<AuditEntry>>, AppError> {
    let rows = crate::db::audit::of_customer(&s.pool, scope, customer).await?;
    if rows.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        rows.into_iter()
            .filter_map(|(at, user, action, field, old_value, new_value)| {
                Some(AuditEntry {
                    at: shown(&at?),
                    user: user.unwrap_or_default(),
                    action: action?,
                    field,
                    old_value,
                    new_value,
                })
            })
            .collect(),
    ))
}
