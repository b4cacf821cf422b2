//! Throttling sign-in failures, and the browsers a user signed in from before.

use super::*;

/// Whether `name` (as typed, bounded) from `client` has failed too often lately: by the known
/// device alone when it came with one (`device`), else by name and client, by client, and by
/// name from unknown devices (`per_name_unknown`, `None` to skip that one).
pub(crate) async fn throttled(
    sessions: &SqlitePool,
    name: &str,
    client: &str,
    device: Option<&str>,
    per_name_unknown: Option<i64>,
) -> sqlx::Result<bool> {
    let (by_client, by_name_client, by_name_unknown, by_device): (i64, i64, i64, i64) =
        sqlx::query_as(
            "SELECT
               (SELECT COUNT(*) FROM login_failures WHERE client = ?2 AND at > strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?4)),
               (SELECT COUNT(*) FROM login_failures WHERE name = ?1 AND client = ?2 AND at > strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?4)),
               (SELECT COUNT(*) FROM login_failures WHERE name = ?1 AND device = '' AND at > strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?4)),
               (SELECT COUNT(*) FROM login_failures WHERE name = ?1 AND device = ?3 AND at > strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?4))",
        )
        .bind(name)
        .bind(client)
        .bind(device.unwrap_or(""))
        .bind(FAILURE_WINDOW)
        .fetch_one(sessions)
        .await?;
    Ok(match device {
        Some(_) => by_device >= MAX_PER_KNOWN_DEVICE,
        None => {
            by_client >= MAX_PER_CLIENT
                || by_name_client >= MAX_PER_NAME_AND_CLIENT
                || per_name_unknown.is_some_and(|max| by_name_unknown >= max)
        }
    })
}

/// Records a failed attempt (and forgets those older than a day).
pub(crate) async fn record_failure(
    sessions: &SqlitePool,
    name: &str,
    client: &str,
    device: Option<&str>,
) -> sqlx::Result<()> {
    let mut tx = crate::db::write(sessions).await?;
    sqlx::query("INSERT INTO login_failures (name, client, device) VALUES (?, ?, ?)")
        .bind(name)
        .bind(client)
        .bind(device.unwrap_or(""))
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "DELETE FROM login_failures WHERE at < strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1 day')",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Forgets the failures of `name` from this client or device once it got in.
pub(crate) async fn clear_failures(
    sessions: &SqlitePool,
    name: &str,
    client: &str,
    device: Option<&str>,
) -> sqlx::Result<()> {
    let mut tx = crate::db::write(sessions).await?;
    sqlx::query("DELETE FROM login_failures WHERE name = ? AND (client = ? OR device = ?)")
        .bind(name)
        .bind(client)
        .bind(device.unwrap_or("-"))
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// The hash of the request's known-device cookie, if it names a device `user_id` signed in from.
pub(crate) async fn known_device(
    sessions: &SqlitePool,
    headers: &HeaderMap,
    user_id: Option<i64>,
) -> sqlx::Result<Option<String>> {
    let (Some(token), Some(user)) = (cookie_token(headers, DEVICE_COOKIE), user_id) else {
        return Ok(None);
    };
    let hash = token_hash(&token);
    let known: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM known_devices WHERE token_hash = ? AND user_id = ?
                        AND last_used > strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?))",
    )
    .bind(&hash)
    .bind(user)
    .bind(format!("-{DEVICE_DAYS} days"))
    .fetch_one(sessions)
    .await?;
    Ok(known.then_some(hash))
}

/// Remembers this browser as one `user_id` signs in from; the cookie value to set when the
/// browser had none.
pub(crate) async fn remember_device(
    sessions: &SqlitePool,
    headers: &HeaderMap,
    user_id: i64,
) -> anyhow::Result<Option<String>> {
    let (token, new) = match cookie_token(headers, DEVICE_COOKIE) {
        Some(t) => (t, false),
        None => (random_token()?, true),
    };
    let mut tx = crate::db::write(sessions).await?;
    sqlx::query(
        "INSERT INTO known_devices (token_hash, user_id) VALUES (?, ?)
         ON CONFLICT (token_hash, user_id) DO UPDATE SET last_used = excluded.last_used",
    )
    .bind(token_hash(&token))
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "DELETE FROM known_devices WHERE last_used < strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?)",
    )
    .bind(format!("-{DEVICE_DAYS} days"))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(new.then_some(token))
}
