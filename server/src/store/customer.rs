//! One customer behind the storage port: their page and change history, field edits, change
//! requests and their review, and the audit trail. Each takes the store (`s`) for its pool.

use super::*;

/// A customer's record version and one stored field (as text), if the customer is in scope.
pub(crate) async fn read_field(
    conn: &mut sqlx::SqliteConnection,
    scope: Scope,
    customer: i64,
    field: &'static FieldDef,
) -> Result<Option<(i64, Option<String>)>, sqlx::Error> {
    let col = field.key;
    let (in_scope, scope_value) = scope_clause(scope);
    // Audited: `col` is a registry constant, the scope clause a constant too.
    let mut read = sqlx::query_as::<_, (i64, Option<String>)>(sqlx::AssertSqlSafe(format!(
        "SELECT c.version, CAST(c.{col} AS TEXT) FROM customers c WHERE c.id = ?{in_scope}"
    )))
    .bind(customer);
    if let Some(v) = scope_value {
        read = read.bind(v);
    }
    read.fetch_optional(conn).await
}

/// Sets one stored field if the record is still at `version`; the new version, or None if it
/// moved on meanwhile.
pub(crate) async fn write_field(
    conn: &mut sqlx::SqliteConnection,
    customer: i64,
    field: &'static FieldDef,
    value: &str,
    version: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let col = field.key;
    sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!(
        "UPDATE customers SET {col} = ?, version = version + 1,
             updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
         WHERE id = ? AND version = ? RETURNING version"
    )))
    .bind(value)
    .bind(customer)
    .bind(version)
    .fetch_optional(conn)
    .await
}

pub(crate) const REQUEST_SELECT: &str =
    "SELECT q.id, q.customer_id, c.code, c.shop_name, q.field, q.old_value,
        q.new_value, q.reason, q.status, COALESCE(ru.display_name, ''), q.requested_at,
        COALESCE(vu.display_name, ''), q.reviewed_at, q.review_reason
    FROM change_requests q JOIN customers c ON c.id = q.customer_id
    LEFT JOIN users ru ON ru.id = q.requested_by LEFT JOIN users vu ON vu.id = q.reviewed_by";

pub(crate) type RequestRow = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

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
        requested_at: r.10,
        reviewed_by: r.11,
        reviewed_at: r.12,
        review_reason: r.13,
    }
}

pub async fn customer(
    s: &SqliteStore,
    scope: Scope,
    id: i64,
) -> Result<Option<CustomerDetail>, StoreError> {
    let mut sql = format!(
        "SELECT {} FROM customers c LEFT JOIN routes r ON r.id = c.route_id
         LEFT JOIN users u ON u.id = r.manager_id WHERE c.id = ?",
        archive_columns()
    );
    let (in_scope, scope_value) = scope_clause(scope);
    sql.push_str(in_scope);
    // Audited: the column names are the registry's compile-time constants, the scope clause
    // a constant too.
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id);
    if let Some(v) = scope_value {
        query = query.bind(v);
    }
    let Some(row) = query.fetch_optional(&s.pool).await.map_err(store_err)? else {
        return Ok(None);
    };
    let current = current_policy(&s.pool).await?;
    let assignment: Option<(i64, i64, i64, i64, String, String)> = match &current {
        Some((p, _)) => sqlx::query_as(
            "SELECT band, grade, class_number, value_score_micro, value_class, tier
             FROM assignments WHERE policy_id = ? AND customer_id = ?",
        )
        .bind(p.id)
        .bind(id)
        .fetch_optional(&s.pool)
        .await
        .map_err(store_err)?,
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
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(store_err)?;
    let window = current
        .as_ref()
        .map_or(3, |(_, p)| p.assessment_window_months);
    let cpc = current.as_ref().map_or(50, |(_, p)| p.cartons_per_case);
    let latest = crate::facts::latest_month(&s.pool)
        .await
        .map_err(store_err)?;
    let from = latest
        .and_then(|m| shift_month(&m, -(i32::from(window.max(1)) - 1)))
        .unwrap_or_default();
    let (cartons, amount): (i64, i64) = sqlx::query_as(
        "SELECT COALESCE(SUM(cartons), 0), COALESCE(SUM(amount_fen), 0) FROM purchases
         WHERE customer_id = ? AND month >= ? AND month <= ?",
    )
    .bind(id)
    .bind(&from)
    .bind(crate::time::this_month())
    .fetch_one(&s.pool)
    .await
    .map_err(store_err)?;
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
        version: row.try_get("version").map_err(store_err)?,
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
) -> Result<Option<EditResult>, StoreError> {
    let mut tx = crate::db::write(&s.pool).await.map_err(store_err)?;
    let Some((current, old)) = read_field(&mut tx, scope, customer, field)
        .await
        .map_err(store_err)?
    else {
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
    let new_version = match write_field(&mut tx, customer, field, value, version).await {
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
        Err(e) => return Err(store_err(e)),
    };
    crate::db::audit::Line::new(user, "field.edit")
        .customer(customer)
        .field(field.key, old.as_deref(), value)
        .record(&mut tx)
        .await
        .map_err(store_err)?;
    tx.commit().await.map_err(store_err)?;
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
) -> Result<Option<RequestResult>, StoreError> {
    let mut tx = crate::db::write(&s.pool).await.map_err(store_err)?;
    let Some((_, old)) = read_field(&mut tx, scope, customer, field)
        .await
        .map_err(store_err)?
    else {
        return Ok(None);
    };
    let old = old.unwrap_or_default();
    if old == value {
        return Ok(Some(RequestResult::Unchanged));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO change_requests (customer_id, field, old_value, new_value, reason, requested_by)
         VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(customer)
    .bind(field.key)
    .bind(&old)
    .bind(value)
    .bind(reason)
    .bind(user)
    .fetch_one(&mut *tx)
    .await
    .map_err(store_err)?;
    crate::db::audit::Line::new(user, "request.file")
        .customer(customer)
        .field(field.key, Some(&old), value)
        .detail(reason)
        .request(id)
        .record(&mut tx)
        .await
        .map_err(store_err)?;
    tx.commit().await.map_err(store_err)?;
    Ok(Some(RequestResult::Filed { id }))
}

pub async fn change_requests(
    s: &SqliteStore,
    scope: Scope,
    customer: Option<i64>,
    reviewer: Option<Role>,
) -> Result<Vec<ChangeRequest>, StoreError> {
    let mut qb = QueryBuilder::<Sqlite>::new(REQUEST_SELECT);
    qb.push(" WHERE 1 = 1");
    push_scope(&mut qb, scope);
    if let Some(c) = customer {
        qb.push(" AND q.customer_id = ").push_bind(c);
    }
    // Pending first (oldest first: first come, first served), then the latest decisions.
    qb.push(
        " ORDER BY q.status <> 'pending', CASE WHEN q.status = 'pending' THEN q.id ELSE -q.id END
          LIMIT 500",
    );
    let rows: Vec<RequestRow> = qb
        .build_query_as()
        .fetch_all(&s.pool)
        .await
        .map_err(store_err)?;
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
) -> Result<Option<ReviewResult>, StoreError> {
    let mut tx = crate::db::write(&s.pool).await.map_err(store_err)?;
    let row: Option<(i64, String, String, String, String)> = sqlx::query_as(
        "SELECT customer_id, field, old_value, new_value, status FROM change_requests WHERE id = ?",
    )
    .bind(request)
    .fetch_optional(&mut *tx)
    .await
    .map_err(store_err)?;
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
        let Some((version, current)) = read_field(&mut tx, Scope::All, customer, field)
            .await
            .map_err(store_err)?
        else {
            return Ok(None);
        };
        let current = current.unwrap_or_default();
        if current != old {
            return Ok(Some(ReviewResult::Changed { current }));
        }
        let new_version = match write_field(&mut tx, customer, field, &new, version).await {
            Ok(Some(v)) => v,
            Ok(None) => return Ok(Some(ReviewResult::Changed { current })),
            Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
                return Ok(Some(ReviewResult::Changed { current }));
            }
            Err(e) => return Err(store_err(e)),
        };
        result = ReviewResult::Approved {
            version: new_version,
        };
    }
    let decided = sqlx::query(
        "UPDATE change_requests SET status = ?, reviewed_by = ?, review_reason = ?,
             reviewed_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
         WHERE id = ? AND status = 'pending'",
    )
    .bind(if approve { "approved" } else { "rejected" })
    .bind(user)
    .bind(reason.trim())
    .bind(request)
    .execute(&mut *tx)
    .await
    .map_err(store_err)?;
    if decided.rows_affected() == 0 {
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
    .detail(reason.trim())
    .request(request)
    .record(&mut tx)
    .await
    .map_err(store_err)?;
    tx.commit().await.map_err(store_err)?;
    Ok(Some(result))
}

pub async fn audit_log(s: &SqliteStore, action: &str, page: u32) -> Result<AuditPage, StoreError> {
    let like = format!("{action}%");
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit WHERE action LIKE ?")
        .bind(&like)
        .fetch_one(&s.pool)
        .await
        .map_err(store_err)?;
    let pages = (total as u32).div_ceil(AUDIT_PAGE_SIZE).max(1);
    let page = page.clamp(1, pages);
    type Line = (
        String,
        Option<String>,
        String,
        Option<i64>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<i64>,
    );
    let rows: Vec<Line> = sqlx::query_as(
        "SELECT a.at, u.display_name, a.action, a.customer_id, c.code, c.shop_name, a.field,
                a.old_value, a.new_value, a.detail, a.request_id
         FROM audit a LEFT JOIN users u ON u.id = a.user_id
         LEFT JOIN customers c ON c.id = a.customer_id
         WHERE a.action LIKE ? ORDER BY a.id DESC LIMIT ? OFFSET ?",
    )
    .bind(&like)
    .bind(i64::from(AUDIT_PAGE_SIZE))
    .bind(i64::from((page - 1) * AUDIT_PAGE_SIZE))
    .fetch_all(&s.pool)
    .await
    .map_err(store_err)?;
    Ok(AuditPage {
        rows: rows
            .into_iter()
            .map(|r| AuditRow {
                at: r.0,
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
                detail: r.9,
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
) -> Result<Option<Vec<AuditEntry>>, StoreError> {
    // One query: the customer (none when out of scope) with their latest audit lines, a
    // row without a line when there are none.
    let mut qb = QueryBuilder::<Sqlite>::new(
        "SELECT a.at, u.display_name, a.action, a.field, a.old_value, a.new_value
         FROM customers c LEFT JOIN audit a ON a.customer_id = c.id
         LEFT JOIN users u ON u.id = a.user_id
         WHERE c.id = ",
    );
    qb.push_bind(customer);
    push_scope(&mut qb, scope);
    qb.push(" ORDER BY a.id DESC LIMIT 200");
    type Line = (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Line> = qb
        .build_query_as()
        .fetch_all(&s.pool)
        .await
        .map_err(store_err)?;
    if rows.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        rows.into_iter()
            .filter_map(|(at, user, action, field, old_value, new_value)| {
                Some(AuditEntry {
                    at: at?,
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
