//! Saved policies in the `policies` table: the list, one with its JSON, and the changes of a
//! draft that hold only while nobody else changed it (each names the revision it was based on).

use crate::error::AppError;
use crate::time::now_stamp;
use app::wire::{DraftResult, PolicyInfo};
use sqlx::SqlitePool;

const INFO: &str = "SELECT p.id, p.name, p.version, p.revision,
        COALESCE(p.updated_at, p.created_at) AS updated_at, COALESCE(u.display_name, '') AS author
    FROM policies p LEFT JOIN users u ON u.id = p.created_by";

#[derive(sqlx::FromRow)]
struct InfoRow {
    id: i64,
    name: String,
    version: Option<i64>,
    revision: i64,
    updated_at: String,
    author: String,
}

impl From<InfoRow> for PolicyInfo {
    fn from(r: InfoRow) -> Self {
        PolicyInfo {
            id: r.id,
            name: r.name,
            version: r.version,
            revision: r.revision,
            updated_at: crate::time::shown(&r.updated_at),
            author: r.author,
        }
    }
}

/// Drafts (last changed first), then published versions (newest first).
pub async fn list(pool: &SqlitePool) -> Result<Vec<PolicyInfo>, AppError> {
    let rows: Vec<InfoRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{INFO} ORDER BY p.version IS NOT NULL, p.version DESC, updated_at DESC, p.id DESC LIMIT 200"
    )))
    .fetch_all(pool)
    .await
    ?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// One saved policy and its JSON.
pub async fn load(pool: &SqlitePool, id: i64) -> Result<Option<(PolicyInfo, String)>, AppError> {
    let row: Option<InfoRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{INFO} WHERE p.id = ?")))
            .bind(id)
            .fetch_optional(pool)
            .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let body: String = sqlx::query_scalar("SELECT body FROM policies WHERE id = ?")
        .bind(id)
        .fetch_one(pool)
        .await?;
    Ok(Some((row.into(), body)))
}

/// What stands in the way of changing draft `id` at `revision`: gone (or published), or stale.
pub async fn refusal(pool: &SqlitePool, id: i64) -> Result<DraftResult, AppError> {
    let now: Option<(i64, Option<i64>)> =
        sqlx::query_as("SELECT revision, version FROM policies WHERE id = ?")
            .bind(id)
            .fetch_optional(pool)
            .await?;
    Ok(match now {
        Some((revision, None)) => DraftResult::Stale { revision },
        _ => DraftResult::Gone,
    })
}

/// Saves `body` (a policy named `name`) as a new draft; its id.
pub async fn insert(pool: &SqlitePool, user: i64, name: &str, body: &str) -> Result<i64, AppError> {
    let mut tx = crate::db::write(pool).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO policies (name, status, body, created_by, updated_at)
         VALUES (?, 'draft', ?, ?, ?) RETURNING id",
    )
    .bind(name)
    .bind(body)
    .bind(user)
    .bind(now_stamp())
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Saves `body` over draft `id` if it is still at `revision`; whether it was.
pub async fn update(
    pool: &SqlitePool,
    id: i64,
    revision: i64,
    name: &str,
    body: &str,
) -> Result<bool, AppError> {
    let update = sqlx::query(
        "UPDATE policies SET name = ?, body = ?, revision = revision + 1, updated_at = ?
         WHERE id = ? AND status = 'draft' AND revision = ?",
    )
    .bind(name)
    .bind(body)
    .bind(now_stamp())
    .bind(id)
    .bind(revision);
    Ok(crate::db::write_one(pool, update).await? == 1)
}

/// Deletes draft `id` if it is still at `revision`; whether it was.
pub async fn delete(pool: &SqlitePool, id: i64, revision: i64) -> Result<bool, AppError> {
    let delete =
        sqlx::query("DELETE FROM policies WHERE id = ? AND status = 'draft' AND revision = ?")
            .bind(id)
            .bind(revision);
    Ok(crate::db::write_one(pool, delete).await? == 1)
}
