//! Complaints and their steps (`complaints`, `complaint_steps`) of the customers in a scope.
//! Which change is allowed when, and the deadlines, are `complaints`' business; a change runs in
//! the caller's transaction, so what it checked still holds when it writes.

use super::scope::push_scope;
use app::wire::Scope;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

/// A complaint with its customer's code and name and the route's customer manager.
#[derive(sqlx::FromRow)]
pub struct Row {
    pub id: i64,
    pub customer_id: i64,
    pub code: String,
    pub shop_name: String,
    pub subject: String,
    pub description: String,
    pub severity: String,
    pub status: String,
    pub filed_at: String,
    pub due_at: String,
    pub closed_at: Option<String>,
    pub attitude: Option<String>,
    pub confirm_due_at: Option<String>,
    pub confirmed_at: Option<String>,
    pub substantiated: Option<bool>,
    pub resolution: String,
    pub handler: Option<String>,
    pub version: i64,
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

/// Which complaints of a scope a list shows.
pub struct Filter<'a> {
    /// `open` or `closed`; any other value, both.
    pub status: &'a str,
    /// `general` or `major`; any other value, both.
    pub severity: &'a str,
    /// Only those past a deadline at this time (a stored time).
    pub overdue_at: Option<&'a str>,
}

fn matching(select: &str, scope: Scope, filter: &Filter<'_>) -> QueryBuilder<Sqlite> {
    let mut qb = QueryBuilder::<Sqlite>::new(select);
    push_scope(&mut qb, scope);
    if matches!(filter.status, "open" | "closed") {
        qb.push(" AND k.status = ")
            .push_bind(filter.status.to_string());
    }
    if matches!(filter.severity, "general" | "major") {
        qb.push(" AND k.severity = ")
            .push_bind(filter.severity.to_string());
    }
    if let Some(now) = filter.overdue_at {
        qb.push(" AND (COALESCE(k.closed_at, ")
            .push_bind(now.to_string())
            .push(") > k.due_at OR (k.confirm_due_at IS NOT NULL AND COALESCE(k.confirmed_at, ")
            .push_bind(now.to_string())
            .push(") > k.confirm_due_at))");
    }
    qb
}

/// How many complaints in scope match `filter`.
pub async fn count(pool: &SqlitePool, scope: Scope, filter: &Filter<'_>) -> sqlx::Result<i64> {
    matching(COUNT, scope, filter)
        .build_query_scalar()
        .fetch_one(pool)
        .await
}

/// The complaints in scope matching `filter`, open ones first and nearest deadline first,
/// `limit` of them after `offset`.
pub async fn page(
    pool: &SqlitePool,
    scope: Scope,
    filter: &Filter<'_>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<Row>> {
    let mut qb = matching(SELECT, scope, filter);
    qb.push(" ORDER BY k.status <> 'open', CASE WHEN k.status = 'open' THEN k.due_at END, k.id DESC LIMIT ")
        .push_bind(limit)
        .push(" OFFSET ")
        .push_bind(offset);
    qb.build_query_as().fetch_all(pool).await
}

/// One complaint of a customer in scope.
pub async fn one(conn: &mut SqliteConnection, scope: Scope, id: i64) -> sqlx::Result<Option<Row>> {
    let mut qb = QueryBuilder::<Sqlite>::new(SELECT);
    push_scope(&mut qb, scope);
    qb.push(" AND k.id = ").push_bind(id);
    qb.build_query_as().fetch_optional(conn).await
}

/// A step done on a complaint, with who did it.
#[derive(sqlx::FromRow)]
pub struct StepRow {
    pub complaint_id: i64,
    pub step: String,
    pub done_at: String,
    pub note: String,
    pub by: Option<String>,
}

/// The steps done on complaints `ids`.
pub async fn steps(pool: &SqlitePool, ids: &[i64]) -> sqlx::Result<Vec<StepRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb = QueryBuilder::<Sqlite>::new(
        "SELECT s.complaint_id, s.step, s.done_at, s.note, u.display_name AS by
         FROM complaint_steps s LEFT JOIN users u ON u.id = s.done_by
         WHERE s.complaint_id IN (",
    );
    let mut list = qb.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    qb.push(")");
    qb.build_query_as().fetch_all(pool).await
}

/// The keys of the steps done on complaint `id`.
pub async fn done_steps(conn: &mut SqliteConnection, id: i64) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT step FROM complaint_steps WHERE complaint_id = ?")
        .bind(id)
        .fetch_all(conn)
        .await
}

/// Who ticked step `key` of complaint `id`, and when (stored time); `None` while it is not done.
pub async fn step_done_by(
    conn: &mut SqliteConnection,
    id: i64,
    key: &str,
) -> sqlx::Result<Option<(i64, String)>> {
    sqlx::query_as(
        "SELECT done_by, done_at FROM complaint_steps WHERE complaint_id = ? AND step = ?",
    )
    .bind(id)
    .bind(key)
    .fetch_optional(conn)
    .await
}

/// A complaint as it is filed.
pub struct Filed<'a> {
    pub customer: i64,
    pub by: i64,
    pub at: &'a str,
    pub subject: &'a str,
    pub description: &'a str,
    pub severity: &'a str,
    pub attitude: Option<&'a str>,
    pub due_at: &'a str,
    pub confirm_due_at: Option<&'a str>,
}

/// Files a complaint; its id.
pub async fn insert(conn: &mut SqliteConnection, new: &Filed<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO complaints (customer_id, filed_by, filed_at, subject, description, severity,
                                 attitude, due_at, confirm_due_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(new.customer)
    .bind(new.by)
    .bind(new.at)
    .bind(new.subject)
    .bind(new.description)
    .bind(new.severity)
    .bind(new.attitude)
    .bind(new.due_at)
    .bind(new.confirm_due_at)
    .fetch_one(conn)
    .await
}

/// A change to a complaint, by a user at a time (stored form).
pub enum Change<'a> {
    Attitude(&'a str),
    /// Made major, with its new deadlines.
    Major {
        due_at: &'a str,
        confirm_due_at: &'a str,
    },
    /// A step done (its note replaced if done before).
    Step {
        key: &'a str,
        note: &'a str,
    },
    /// A step taken back (ticked by mistake).
    Undo {
        key: &'a str,
    },
    Confirm {
        substantiated: bool,
        note: &'a str,
    },
    Close {
        resolution: &'a str,
    },
}

/// Applies `change` by `user` at `at` to complaint `id` and moves it to its next version.
pub async fn change(
    conn: &mut SqliteConnection,
    id: i64,
    user: i64,
    at: &str,
    change: Change<'_>,
) -> sqlx::Result<()> {
    match change {
        Change::Attitude(a) => {
            sqlx::query("UPDATE complaints SET attitude = ? WHERE id = ?")
                .bind(a)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
        Change::Major {
            due_at,
            confirm_due_at,
        } => {
            sqlx::query(
                "UPDATE complaints SET severity = 'major', due_at = ?, confirm_due_at = ? WHERE id = ?",
            )
            .bind(due_at)
            .bind(confirm_due_at)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        }
        Change::Step { key, note } => {
            sqlx::query(
                "INSERT INTO complaint_steps (complaint_id, step, done_by, done_at, note)
                 VALUES (?, ?, ?, ?, ?)
                 ON CONFLICT (complaint_id, step) DO UPDATE SET note = excluded.note",
            )
            .bind(id)
            .bind(key)
            .bind(user)
            .bind(at)
            .bind(note)
            .execute(&mut *conn)
            .await?;
        }
        Change::Undo { key } => {
            sqlx::query("DELETE FROM complaint_steps WHERE complaint_id = ? AND step = ?")
                .bind(id)
                .bind(key)
                .execute(&mut *conn)
                .await?;
        }
        Change::Confirm {
            substantiated,
            note,
        } => {
            sqlx::query(
                "UPDATE complaints SET confirmed_at = ?, confirmed_by = ?, substantiated = ?,
                        confirm_note = ? WHERE id = ?",
            )
            .bind(at)
            .bind(user)
            .bind(substantiated)
            .bind(note)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        }
        Change::Close { resolution } => {
            sqlx::query(
                "UPDATE complaints SET status = 'closed', closed_at = ?, closed_by = ?,
                        resolution = ? WHERE id = ?",
            )
            .bind(at)
            .bind(user)
            .bind(resolution)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        }
    }
    sqlx::query("UPDATE complaints SET version = version + 1 WHERE id = ?")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Complaints closed since `since` or open past their deadline at `now` (stored times): the
/// customer, closed since then, closed on time, open and overdue.
pub async fn closed_or_overdue(
    pool: &SqlitePool,
    since: &str,
    now: &str,
) -> sqlx::Result<Vec<(i64, bool, bool, bool)>> {
    sqlx::query_as(
        "SELECT customer_id, closed_at >= ?1, closed_at >= ?1 AND closed_at <= due_at,
                status = 'open' AND due_at < ?2
         FROM complaints WHERE closed_at >= ?1 OR (status = 'open' AND due_at < ?2)",
    )
    .bind(since)
    .bind(now)
    .fetch_all(pool)
    .await
}
