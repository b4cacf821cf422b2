//! Visits (`visits`, with their customers' ratings) of the customers in a scope.

use super::scope::push_scope;
use app::wire::Scope;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

/// A visit as it is logged.
pub struct Logged<'a> {
    pub customer: i64,
    pub manager: i64,
    /// `YYYY-MM-DD`.
    pub on: &'a str,
    pub purpose: &'a str,
    pub findings: &'a str,
    pub duration_min: i64,
    pub promise: &'a str,
}

/// Logs a visit; its id.
pub async fn insert(conn: &mut SqliteConnection, v: &Logged<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO visits (customer_id, manager_id, visited_on, purpose, findings, duration_min, promise)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(v.customer)
    .bind(v.manager)
    .bind(v.on)
    .bind(v.purpose)
    .bind(v.findings)
    .bind(v.duration_min)
    .bind(v.promise)
    .fetch_one(conn)
    .await
}

#[derive(sqlx::FromRow)]
pub struct VisitRow {
    pub id: i64,
    pub customer_id: i64,
    pub code: String,
    pub shop_name: String,
    pub visited_on: String,
    pub purpose: String,
    pub findings: String,
    pub duration_min: i64,
    pub promise: String,
    pub manager: Option<String>,
    pub score: Option<i64>,
}

/// The latest visits to customers in scope (or `only` that visit), newest first: 50 rows read
/// along `visits_day` for everyone's.
fn recent_query(scope: Scope, only: Option<i64>) -> QueryBuilder<Sqlite> {
    let mut qb = QueryBuilder::<Sqlite>::new(
        "SELECT v.id, v.customer_id, c.code, c.shop_name, v.visited_on, v.purpose, v.findings,
                v.duration_min, v.promise, u.display_name AS manager, vr.score
         FROM visits v JOIN customers c ON c.id = v.customer_id
         LEFT JOIN users u ON u.id = v.manager_id
         LEFT JOIN visit_ratings vr ON vr.visit_id = v.id WHERE 1 = 1",
    );
    push_scope(&mut qb, scope);
    if let Some(id) = only {
        qb.push(" AND v.id = ").push_bind(id);
    }
    qb.push(" ORDER BY v.visited_on DESC, v.id DESC LIMIT 50");
    qb
}

/// The SQL of the latest visits for `scope` (for its query-plan test).
pub fn recent_sql(scope: Scope) -> String {
    recent_query(scope, None).sql().as_str().to_string()
}

/// The latest visits to customers in scope (or one visit), newest first.
pub async fn recent(
    pool: &SqlitePool,
    scope: Scope,
    only: Option<i64>,
) -> sqlx::Result<Vec<VisitRow>> {
    recent_query(scope, only)
        .build_query_as()
        .fetch_all(pool)
        .await
}

/// How many of `manager`'s visits since `since` (`YYYY-MM-DD`) were rated, and their scores
/// summed.
pub async fn ratings_of(pool: &SqlitePool, manager: i64, since: &str) -> sqlx::Result<(i64, i64)> {
    let (n, sum): (i64, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), SUM(vr.score) FROM visits v JOIN visit_ratings vr ON vr.visit_id = v.id
         WHERE v.manager_id = ? AND v.visited_on >= ?",
    )
    .bind(manager)
    .bind(since)
    .fetch_one(pool)
    .await?;
    Ok((n, sum.unwrap_or(0)))
}
