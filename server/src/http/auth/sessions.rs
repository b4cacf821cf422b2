//! Sessions: starting and ending them, their cookies, and who a session belongs to (remembered
//! for a few seconds).

use super::*;

/// How long a session looked up is believed without asking the databases again. Signing out,
/// a password change and everything else this process does to a session or its user take
/// effect at once (they forget what was seen); a change made by another process on the same
/// files (`kehu reset-password` while the server runs) within this time.
pub const SESSION_RECHECK: std::time::Duration = std::time::Duration::from_secs(5);
/// More sessions than this seen within [`SESSION_RECHECK`] and the memory starts afresh.
pub(crate) const MAX_SEEN: usize = 100_000;

/// The users of recently checked sessions, by token hash: under load every request asked two
/// databases who was asking (a tenth of the server's time). Only sessions that resolved to a
/// user are kept, so made-up tokens cannot fill it.
#[derive(Clone, Default)]
pub struct SeenSessions(
    std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, (Me, std::time::Instant)>>>,
);

impl SeenSessions {
    /// The user of `token`: as seen within [`SESSION_RECHECK`], else from the databases.
    pub async fn user(&self, acc: &Accounts, token: &str) -> Result<Option<Me>, sqlx::Error> {
        let hash = token_hash(token);
        if let Some((me, at)) = self.lock().get(&hash)
            && at.elapsed() < SESSION_RECHECK
        {
            return Ok(Some(me.clone()));
        }
        let me = user_for_hash(acc, &hash).await?;
        let mut seen = self.lock();
        match &me {
            Some(me) => {
                if seen.len() >= MAX_SEEN {
                    seen.clear();
                }
                seen.insert(hash, (me.clone(), std::time::Instant::now()));
            }
            None => {
                seen.remove(&hash);
            }
        }
        Ok(me)
    }

    /// Forgets every session of `user_id` (their key, password or role changed).
    pub(crate) fn forget_user(&self, user_id: i64) {
        self.lock().retain(|_, (me, _)| me.id.0 != user_id);
    }

    /// Forgets one session (signed out).
    pub(crate) fn forget_token(&self, token: &str) {
        self.lock().remove(&token_hash(token));
    }

    pub(crate) fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, (Me, std::time::Instant)>>
    {
        // A panic while holding it leaves nothing half-done: every entry is whole.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// At most `max` characters of `s` (what is kept of a typed name).
pub(crate) fn bounded(s: &str, max: usize) -> &str {
    s.char_indices().nth(max).map_or(s, |(i, _)| &s[..i])
}

/// Starts a session for `user_id` (whose session key is `user_key`); returns the cookie value.
pub async fn create_session(
    sessions: &SqlitePool,
    user_id: i64,
    user_key: &str,
) -> anyhow::Result<String> {
    let token = random_token()?;
    db::sessions::start(
        sessions,
        &token_hash(&token),
        user_id,
        user_key,
        TimeDelta::days(SESSION_DAYS),
    )
    .await?;
    Ok(token)
}

/// Ends every session of `user_id` but `keep` (a token's hash). Sessions of an older key are
/// already dead; this only tidies them away.
pub(crate) use db::sessions::end_all as end_sessions;

/// The user behind a session token, if the session is live, of the user's current key, and the
/// account enabled.
pub async fn user_for_token(acc: &Accounts, token: &str) -> Result<Option<Me>, sqlx::Error> {
    user_for_hash(acc, &token_hash(token)).await
}

pub(crate) async fn user_for_hash(acc: &Accounts, hash: &str) -> Result<Option<Me>, sqlx::Error> {
    let Some((user_id, key)) = db::sessions::live(&acc.sessions, hash).await? else {
        return Ok(None);
    };
    db::users::with_key(&acc.archive, user_id, &key).await
}

/// The value of cookie `name` if it looks like one of our tokens (64 hex digits).
pub(crate) fn cookie_token(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

pub(crate) fn session_token(headers: &HeaderMap) -> Option<String> {
    cookie_token(headers, COOKIE)
}

pub(crate) fn session_cookie(value: String, https: bool, remove: bool) -> String {
    let mut c = cookie::Cookie::build((COOKIE, value))
        .path("/")
        .http_only(true)
        .same_site(cookie::SameSite::Lax)
        .secure(https);
    c = if remove {
        c.removal()
    } else {
        c.max_age(cookie::time::Duration::days(SESSION_DAYS))
    };
    c.build().to_string()
}

pub(crate) fn device_cookie(value: String, https: bool) -> String {
    cookie::Cookie::build((DEVICE_COOKIE, value))
        .path("/auth/")
        .http_only(true)
        .same_site(cookie::SameSite::Strict)
        .secure(https)
        .max_age(cookie::time::Duration::days(DEVICE_DAYS))
        .build()
        .to_string()
}
