//! The sign-in state's file (`kehu.sessions.db`): sessions by the hash of their token, failed
//! sign-ins, and the browsers each user signed in from. Tokens never reach this module, only
//! their hashes; what counts as too many failures is the accounts' business (`http::auth`).

use crate::time::{now_stamp, stamp_from_now};
use chrono::TimeDelta;
use sqlx::SqlitePool;

/// Failures seen since `since` ago: from `client`; of `name` from `client`; of `name` from
/// browsers that carried no known-device cookie; of `name` from known device `device`.
pub struct Failures {
    pub by_client: i64,
    pub by_name_and_client: i64,
    pub by_name_unknown: i64,
    pub by_device: i64,
}

/// The failures that count for one attempt.
pub async fn failures(
    pool: &SqlitePool,
    name: &str,
    client: &str,
    device: Option<&str>,
    since: TimeDelta,
) -> sqlx::Result<Failures> {
    let (by_client, by_name_and_client, by_name_unknown, by_device) = sqlx::query_as(
        "SELECT
           (SELECT COUNT(*) FROM login_failures WHERE client = ?2 AND at > ?4),
           (SELECT COUNT(*) FROM login_failures WHERE name = ?1 AND client = ?2 AND at > ?4),
           (SELECT COUNT(*) FROM login_failures WHERE name = ?1 AND device = '' AND at > ?4),
           (SELECT COUNT(*) FROM login_failures WHERE name = ?1 AND device = ?3 AND at > ?4)",
    )
    .bind(name)
    .bind(client)
    .bind(device.unwrap_or(""))
    .bind(stamp_from_now(-since))
    .fetch_one(pool)
    .await?;
    Ok(Failures {
        by_client,
        by_name_and_client,
        by_name_unknown,
        by_device,
    })
}

/// Records a failed attempt (and forgets those older than a day).
pub async fn record_failure(
    pool: &SqlitePool,
    name: &str,
    client: &str,
    device: Option<&str>,
) -> sqlx::Result<()> {
    let mut tx = super::write(pool).await?;
    sqlx::query("INSERT INTO login_failures (name, client, device, at) VALUES (?, ?, ?, ?)")
        .bind(name)
        .bind(client)
        .bind(device.unwrap_or(""))
        .bind(now_stamp())
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM login_failures WHERE at < ?")
        .bind(stamp_from_now(-TimeDelta::days(1)))
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// Forgets the failures of `name` from `client` or known device `device`.
pub async fn clear_failures(
    pool: &SqlitePool,
    name: &str,
    client: &str,
    device: Option<&str>,
) -> sqlx::Result<()> {
    let forget =
        sqlx::query("DELETE FROM login_failures WHERE name = ? AND (client = ? OR device = ?)")
            .bind(name)
            .bind(client)
            .bind(device.unwrap_or("-"));
    super::write_one(pool, forget).await.map(drop)
}

/// Whether `user_id` signed in from the device `hash` within the last `within`.
pub async fn device_known(
    pool: &SqlitePool,
    hash: &str,
    user_id: i64,
    within: TimeDelta,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM known_devices
                        WHERE token_hash = ? AND user_id = ? AND last_used > ?)",
    )
    .bind(hash)
    .bind(user_id)
    .bind(stamp_from_now(-within))
    .fetch_one(pool)
    .await
}

/// Notes that `user_id` signed in from the device `hash` now, and forgets devices unused for
/// `kept`.
pub async fn remember_device(
    pool: &SqlitePool,
    hash: &str,
    user_id: i64,
    kept: TimeDelta,
) -> sqlx::Result<()> {
    let mut tx = super::write(pool).await?;
    sqlx::query(
        "INSERT INTO known_devices (token_hash, user_id, last_used) VALUES (?, ?, ?)
         ON CONFLICT (token_hash, user_id) DO UPDATE SET last_used = excluded.last_used",
    )
    .bind(hash)
    .bind(user_id)
    .bind(now_stamp())
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM known_devices WHERE last_used < ?")
        .bind(stamp_from_now(-kept))
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// Starts a session `hash` of `user_id` under their key `user_key`, lasting `lasts`; expired
/// sessions go as new ones come.
pub async fn start(
    pool: &SqlitePool,
    hash: &str,
    user_id: i64,
    user_key: &str,
    lasts: TimeDelta,
) -> sqlx::Result<()> {
    let mut tx = super::write(pool).await?;
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, user_key, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(hash)
    .bind(user_id)
    .bind(user_key)
    .bind(now_stamp())
    .bind(stamp_from_now(lasts))
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM sessions WHERE expires_at < ?")
        .bind(now_stamp())
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// The user and user key of live session `hash`.
pub async fn live(pool: &SqlitePool, hash: &str) -> sqlx::Result<Option<(i64, String)>> {
    sqlx::query_as("SELECT user_id, user_key FROM sessions WHERE token_hash = ? AND expires_at > ?")
        .bind(hash)
        .bind(now_stamp())
        .fetch_optional(pool)
        .await
}

/// Ends session `hash` (signed out).
pub async fn end(pool: &SqlitePool, hash: &str) -> sqlx::Result<()> {
    let end = sqlx::query("DELETE FROM sessions WHERE token_hash = ?").bind(hash);
    super::write_one(pool, end).await.map(drop)
}

/// Ends every session of `user_id` but `keep` (a token's hash).
pub async fn end_all(pool: &SqlitePool, user_id: i64, keep: Option<&str>) -> sqlx::Result<()> {
    let end = sqlx::query("DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?")
        .bind(user_id)
        .bind(keep.unwrap_or(""));
    super::write_one(pool, end).await.map(drop)
}

/// Moves session `hash` to its user's new key `key` (their password changed here).
pub async fn rekey(pool: &SqlitePool, hash: &str, key: &str) -> sqlx::Result<()> {
    let rekey = sqlx::query("UPDATE sessions SET user_key = ? WHERE token_hash = ?")
        .bind(key)
        .bind(hash);
    super::write_one(pool, rekey).await.map(drop)
}
