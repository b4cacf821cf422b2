//! One customer's record: reading and writing a field at a version, their page's row, their
//! assignment and purchases, and the change requests of customers in a scope. What may change
//! and who decides is the storage port's business (`store`).

use super::scope::{push_scope, scope_clause};
use app::wire::{FieldDef, Scope};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

/// A customer's record version and one stored field (as text), if the customer is in scope.
pub async fn read_field(
    conn: &mut SqliteConnection,
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
pub async fn write_field(
    conn: &mut SqliteConnection,
    customer: i64,
    field: &'static FieldDef,
    value: &str,
    version: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let col = field.key;
    sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!(
        "UPDATE customers SET {col} = ?, version = version + 1, updated_at = ?
         WHERE id = ? AND version = ? RETURNING version"
    )))
    .bind(value)
    .bind(crate::time::now_stamp())
    .bind(customer)
    .bind(version)
    .fetch_optional(conn)
    .await
}

pub const REQUEST_SELECT: &str =
    "SELECT q.id, q.customer_id, c.code, c.shop_name, q.field, q.old_value,
        q.new_value, q.reason, q.status, COALESCE(ru.display_name, ''), q.requested_at,
        COALESCE(vu.display_name, ''), q.reviewed_at, q.review_reason
    FROM change_requests q JOIN customers c ON c.id = q.customer_id
    LEFT JOIN users ru ON ru.id = q.requested_by LEFT JOIN users vu ON vu.id = q.reviewed_by";

pub type RequestRow = (
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

/// The customer's row with `columns` (the field registry's columns, with `c.`, `r.`, `u.` for
/// the customer, route and customer manager), if in scope.
pub async fn row(
    pool: &SqlitePool,
    scope: Scope,
    id: i64,
    columns: &str,
) -> sqlx::Result<Option<SqliteRow>> {
    let mut sql = format!(
        "SELECT {columns} FROM customers c LEFT JOIN routes r ON r.id = c.route_id
         LEFT JOIN users u ON u.id = r.manager_id WHERE c.id = ?"
    );
    let (in_scope, scope_value) = scope_clause(scope);
    sql.push_str(in_scope);
    // Audited: the columns are the registry's compile-time constants, the scope clause a
    // constant too.
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id);
    if let Some(v) = scope_value {
        query = query.bind(v);
    }
    query.fetch_optional(pool).await
}

/// The customer's assignment under policy `policy`: band, grade, class number, value score
/// (millionths), value class, tier.
pub async fn assignment(
    pool: &SqlitePool,
    policy: i64,
    customer: i64,
) -> sqlx::Result<Option<(i64, i64, i64, i64, String, String)>> {
    sqlx::query_as(
        "SELECT band, grade, class_number, value_score_micro, value_class, tier
         FROM assignments WHERE policy_id = ? AND customer_id = ?",
    )
    .bind(policy)
    .bind(customer)
    .fetch_optional(pool)
    .await
}

/// The customer's cartons and amount (fen) from month `from` to `to` (`YYYY-MM`).
pub async fn purchases(
    pool: &SqlitePool,
    customer: i64,
    from: &str,
    to: &str,
) -> sqlx::Result<(i64, i64)> {
    sqlx::query_as(
        "SELECT COALESCE(SUM(cartons), 0), COALESCE(SUM(amount_fen), 0) FROM purchases
         WHERE customer_id = ? AND month >= ? AND month <= ?",
    )
    .bind(customer)
    .bind(from)
    .bind(to)
    .fetch_one(pool)
    .await
}

/// A change request as it is filed.
pub struct Requested<'a> {
    pub customer: i64,
    pub field: &'a str,
    pub old: &'a str,
    pub new: &'a str,
    pub reason: &'a str,
    pub by: i64,
}

/// Files a change request; its id.
pub async fn insert_request(conn: &mut SqliteConnection, r: &Requested<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO change_requests (customer_id, field, old_value, new_value, reason, requested_by, requested_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(r.customer)
    .bind(r.field)
    .bind(r.old)
    .bind(r.new)
    .bind(r.reason)
    .bind(r.by)
    .bind(crate::time::now_stamp())
    .fetch_one(conn)
    .await
}

/// The change requests of customers in scope (or of `customer`): pending first, oldest first
/// (first come, first served), then the latest decisions; at most 500.
pub async fn requests(
    pool: &SqlitePool,
    scope: Scope,
    customer: Option<i64>,
) -> sqlx::Result<Vec<RequestRow>> {
    let mut qb = QueryBuilder::<Sqlite>::new(REQUEST_SELECT);
    qb.push(" WHERE 1 = 1");
    push_scope(&mut qb, scope);
    if let Some(c) = customer {
        qb.push(" AND q.customer_id = ").push_bind(c);
    }
    qb.push(
        " ORDER BY q.status <> 'pending', CASE WHEN q.status = 'pending' THEN q.id ELSE -q.id END
          LIMIT 500",
    );
    qb.build_query_as().fetch_all(pool).await
}

/// Change request `id`: customer, field, old value, new value, status.
pub async fn request(
    conn: &mut SqliteConnection,
    id: i64,
) -> sqlx::Result<Option<(i64, String, String, String, String)>> {
    sqlx::query_as(
        "SELECT customer_id, field, old_value, new_value, status FROM change_requests WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Decides pending change request `id` (`approved` or `rejected`) by `user` for `reason`;
/// whether it was still pending.
pub async fn decide_request(
    conn: &mut SqliteConnection,
    id: i64,
    status: &str,
    user: i64,
    reason: &str,
) -> sqlx::Result<bool> {
    let decided = sqlx::query(
        "UPDATE change_requests SET status = ?, reviewed_by = ?, review_reason = ?, reviewed_at = ?
         WHERE id = ? AND status = 'pending'",
    )
    .bind(status)
    .bind(user)
    .bind(reason)
    .bind(crate::time::now_stamp())
    .bind(id)
    .execute(conn)
    .await?;
    Ok(decided.rows_affected() == 1)
}

/// The id of the customer with code `code`.
pub async fn id_of(pool: &SqlitePool, code: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT id FROM customers WHERE code = ?")
        .bind(code)
        .fetch_optional(pool)
        .await
}

/// Whether the archive has no customer yet (a new installation).
pub async fn none(pool: &SqlitePool) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM customers)")
        .fetch_one(pool)
        .await
}
