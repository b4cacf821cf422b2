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
    let seen = db::sessions::failures(sessions, name, client, device, FAILURE_WINDOW).await?;
    Ok(match device {
        Some(_) => seen.by_device >= MAX_PER_KNOWN_DEVICE,
        None => {
            seen.by_client >= MAX_PER_CLIENT
                || seen.by_name_and_client >= MAX_PER_NAME_AND_CLIENT
                || per_name_unknown.is_some_and(|max| seen.by_name_unknown >= max)
        }
    })
}

pub(crate) use db::sessions::{clear_failures, record_failure};

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
    let known = db::sessions::device_known(sessions, &hash, user, DEVICE_KEPT).await?;
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
    db::sessions::remember_device(sessions, &token_hash(&token), user_id, DEVICE_KEPT).await?;
    Ok(new.then_some(token))
}
