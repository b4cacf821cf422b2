//! Saved policies: drafts the lab saves, renames, duplicates and deletes, and the published
//! versions (locked). Every change of a draft names the revision it was based on; a stale one is
//! refused, never applied over someone else's.

use crate::db::drafts::{self as stored, refusal};
use crate::error::AppError;
use app::wire::DraftResult;
use kehu_engine::Policy;
use sqlx::SqlitePool;

pub use stored::{list, load};

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
    match id {
        None => {
            let id = stored::insert(pool, user, name, &body).await?;
            Ok(DraftResult::Saved { id, revision: 1 })
        }
        Some(id) if stored::update(pool, id, revision, name, &body).await? => {
            Ok(DraftResult::Saved {
                id,
                revision: revision + 1,
            })
        }
        Some(id) => refusal(pool, id).await,
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
    if stored::delete(pool, id, revision).await? {
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
