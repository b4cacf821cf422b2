//! Customer managers' reports (`reports`) and the records their periods are compared with:
//! visits, complaint steps done and complaints closed.

use crate::time::now_stamp;
use sqlx::SqlitePool;

/// A stored report with its author's and reviewer's names.
#[derive(sqlx::FromRow)]
pub struct Row {
    pub id: i64,
    pub author_id: i64,
    pub author: String,
    pub kind: String,
    pub period: String,
    pub body: String,
    pub updated_at: String,
    pub review: Option<String>,
    pub reviewer: Option<String>,
    pub reviewed_at: Option<String>,
    pub version: i64,
}

const SELECT: &str = "SELECT p.id, p.author_id, u.display_name AS author, p.kind, p.period,
        p.body, p.updated_at, p.review, v.display_name AS reviewer, p.reviewed_at, p.version
    FROM reports p JOIN users u ON u.id = p.author_id LEFT JOIN users v ON v.id = p.reviewed_by";

/// What `author` did between two days (`YYYY-MM-DD`, inclusive) and two stored times (the
/// same local days in UTC, the end excluded): visits, customers visited, minutes visiting,
/// complaint steps done, complaints closed.
pub async fn record_counts(
    pool: &SqlitePool,
    author: i64,
    (from, to): (&str, &str),
    (start, end): (&str, &str),
) -> sqlx::Result<(i64, i64, i64, i64, i64)> {
    sqlx::query_as(
        "SELECT
           (SELECT COUNT(*) FROM visits WHERE manager_id = ?1 AND visited_on BETWEEN ?2 AND ?3),
           (SELECT COUNT(DISTINCT customer_id) FROM visits
             WHERE manager_id = ?1 AND visited_on BETWEEN ?2 AND ?3),
           (SELECT COALESCE(SUM(duration_min), 0) FROM visits
             WHERE manager_id = ?1 AND visited_on BETWEEN ?2 AND ?3),
           (SELECT COUNT(*) FROM complaint_steps WHERE done_by = ?1 AND done_at >= ?4 AND done_at < ?5),
           (SELECT COUNT(*) FROM complaints WHERE closed_by = ?1 AND closed_at >= ?4 AND closed_at < ?5)",
    )
    .bind(author)
    .bind(from)
    .bind(to)
    .bind(start)
    .bind(end)
    .fetch_one(pool)
    .await
}

/// Reports by `user` (or by everyone when `everyone`), newest period first, at most 100;
/// `unreviewed` keeps those without a review.
pub async fn list(
    pool: &SqlitePool,
    everyone: bool,
    user: i64,
    unreviewed: bool,
) -> sqlx::Result<Vec<Row>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE (?1 OR p.author_id = ?2) AND (NOT ?3 OR p.review IS NULL)
         ORDER BY p.period DESC, p.id DESC LIMIT 100"
    )))
    .bind(everyone)
    .bind(user)
    .bind(unreviewed)
    .fetch_all(pool)
    .await
}

/// Report `id`.
pub async fn by_id(pool: &SqlitePool, id: i64) -> sqlx::Result<Option<Row>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE p.id = ?")))
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// `author`'s report of `kind` (its key) and `period`.
pub async fn find(
    pool: &SqlitePool,
    author: i64,
    kind: &str,
    period: &str,
) -> sqlx::Result<Option<Row>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE p.author_id = ? AND p.kind = ? AND p.period = ?"
    )))
    .bind(author)
    .bind(kind)
    .bind(period)
    .fetch_optional(pool)
    .await
}

/// What became of a report being saved.
pub enum Saving {
    /// Stored, as report `id`.
    Saved(i64),
    /// Already reviewed: no longer changed.
    Reviewed,
    /// Report `id` was changed since `version`.
    Stale(i64),
    /// A `version` for a report that does not exist.
    Missing,
}

/// Saves `author`'s report of `kind` and `period`: new (`version` 0), or over the stored one if
/// it is still at `version` and not reviewed.
pub async fn save(
    pool: &SqlitePool,
    author: i64,
    kind: &str,
    period: &str,
    body: &str,
    version: i64,
) -> sqlx::Result<Saving> {
    let mut tx = super::write(pool).await?;
    let existing: Option<(i64, i64, Option<String>)> = sqlx::query_as(
        "SELECT id, version, review FROM reports WHERE author_id = ? AND kind = ? AND period = ?",
    )
    .bind(author)
    .bind(kind)
    .bind(period)
    .fetch_optional(&mut *tx)
    .await?;
    let id = match existing {
        Some((_, _, Some(_))) => return Ok(Saving::Reviewed),
        Some((id, stored, None)) if stored == version => {
            sqlx::query(
                "UPDATE reports SET body = ?, version = version + 1, updated_at = ? WHERE id = ?",
            )
            .bind(body)
            .bind(now_stamp())
            .bind(id)
            .execute(&mut *tx)
            .await?;
            id
        }
        Some((id, _, None)) => return Ok(Saving::Stale(id)),
        None if version != 0 => return Ok(Saving::Missing),
        None => {
            sqlx::query_scalar(
                "INSERT INTO reports (author_id, kind, period, body, updated_at)
                 VALUES (?, ?, ?, ?, ?) RETURNING id",
            )
            .bind(author)
            .bind(kind)
            .bind(period)
            .bind(body)
            .bind(now_stamp())
            .fetch_one(&mut *tx)
            .await?
        }
    };
    tx.commit().await?;
    Ok(Saving::Saved(id))
}

/// `reviewer`'s comment on report `id`, if it has none yet; whether it was stored.
pub async fn review(
    pool: &SqlitePool,
    reviewer: i64,
    id: i64,
    comment: &str,
) -> sqlx::Result<bool> {
    let review = sqlx::query(
        "UPDATE reports SET review = ?, reviewed_by = ?, reviewed_at = ?, version = version + 1
         WHERE id = ? AND review IS NULL",
    )
    .bind(comment)
    .bind(reviewer)
    .bind(now_stamp())
    .bind(id);
    Ok(super::write_one(pool, review).await? == 1)
}
