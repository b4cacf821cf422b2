//! Saved policies: drafts the lab saves, renames, duplicates and deletes, and the published
//! versions (locked). Every change of a draft names the revision it was based on; a stale one is
//! refused, never applied over someone else's.

use crate::error::AppError;
use app::wire::{DraftResult, PolicyInfo};
use kehu_engine::Policy;
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
            updated_at: r.updated_at,
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
async fn refusal(pool: &SqlitePool, id: i64) -> Result<DraftResult, AppError> {
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

/// Saves a (valid, named) policy as a new draft, or over draft `id` if it is still at `revision`.
pub async fn save(
    pool: &SqlitePool,
    user: i64,
    id: Option<i64>,
    revision: i64,
    policy: &Policy,
) -> Result<DraftResult, AppError> {
    let issues = policy.validate();
    if !issues.is_empty() {
        let text: Vec<String> = issues.iter().map(ToString::to_string).collect();
        return Ok(DraftResult::Invalid(text.join("; ")));
    }
    let body = serde_json::to_string(policy)?;
    let name = policy.name.trim();
    let mut tx = crate::db::write(pool).await?;
    match id {
        None => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO policies (name, status, body, created_by, updated_at)
                 VALUES (?, 'draft', ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')) RETURNING id",
            )
            .bind(name)
            .bind(&body)
            .bind(user)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(DraftResult::Saved { id, revision: 1 })
        }
        Some(id) => {
            let changed = sqlx::query(
                "UPDATE policies SET name = ?, body = ?, revision = revision + 1,
                        updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
                 WHERE id = ? AND status = 'draft' AND revision = ?",
            )
            .bind(name)
            .bind(&body)
            .bind(id)
            .bind(revision)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            if changed == 1 {
                Ok(DraftResult::Saved {
                    id,
                    revision: revision + 1,
                })
            } else {
                refusal(pool, id).await
            }
        }
    }
}

/// Renames draft `id` (the name inside its policy too).
pub async fn rename(
    pool: &SqlitePool,
    user: i64,
    id: i64,
    revision: i64,
    name: &str,
) -> Result<DraftResult, AppError> {
    let Some((info, body)) = load(pool, id).await? else {
        return Ok(DraftResult::Gone);
    };
    if !info.is_draft() {
        return Ok(DraftResult::Gone);
    }
    let mut policy: Policy = serde_json::from_str(&body)?;
    policy.name = name.trim().to_string();
    save(pool, user, Some(id), revision, &policy).await
}

/// Deletes draft `id` if it is still at `revision`.
pub async fn delete(pool: &SqlitePool, id: i64, revision: i64) -> Result<DraftResult, AppError> {
    let mut tx = crate::db::write(pool).await?;
    let gone =
        sqlx::query("DELETE FROM policies WHERE id = ? AND status = 'draft' AND revision = ?")
            .bind(id)
            .bind(revision)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    tx.commit().await?;
    if gone == 1 {
        Ok(DraftResult::Saved { id, revision })
    } else {
        refusal(pool, id).await
    }
}

/// A new draft named `name` with the settings of policy `id` (draft or published).
pub async fn duplicate(
    pool: &SqlitePool,
    user: i64,
    id: i64,
    name: &str,
) -> Result<DraftResult, AppError> {
    let Some((_, body)) = load(pool, id).await? else {
        return Ok(DraftResult::Gone);
    };
    let mut policy: Policy = serde_json::from_str(&body)?;
    policy.name = name.trim().to_string();
    save(pool, user, None, 0, &policy).await
}
