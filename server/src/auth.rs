//! Accounts: argon2id passwords, server-side sessions, sign-in throttling, the cross-site
//! request check, and the middleware that tells every handler who is asking.
//!
//! - Users live in the archive; sessions, failed attempts and known devices in the sign-in
//!   state's own file ([`crate::db`]), so signing in and out never waits for an import. A
//!   session carries its user's `session_key`; a password change or reset replaces the key,
//!   which ends every older session the moment the archive commits it. Who a session belongs
//!   to is remembered for a few seconds ([`SeenSessions`]); what this process does to a session
//!   or user forgets it at once.
//! - The session cookie (`kehu_session`) holds 32 random bytes; only their SHA-256 is stored,
//!   so a copy of the database cannot be used to sign in. HttpOnly, SameSite=Lax, Secure when
//!   the client's connection was https (said by a trusted proxy, see [`crate::client`]).
//! - State-changing requests (anything but GET/HEAD/OPTIONS) from another site are refused with
//!   403: browsers say where a request comes from in `Sec-Fetch-Site` (or, older ones, `Origin`);
//!   requests without either do not come from a browser page and carry no ambient cookie risk.
//! - Throttling (failures in the last 15 minutes): 5 per user name and client address, 30 per
//!   client address, and 50 per user name from browsers the user never signed in from. A browser
//!   the user signed in from before carries a known-device cookie (`kehu_device`, a year); its
//!   attempts count only against itself (5), so nobody elsewhere can lock a user out of their
//!   own phone. Invite codes: 5 per customer and client, 30 per client (the codes carry 60
//!   random bits, so nothing global is needed). Current passwords on the account page: 5 per
//!   user. Failures are purged after a day; a typed name is kept to 64 characters.
//! - A one-time password must be changed before anything else: pages redirect to the account
//!   page, every other request (server functions, exports, the snapshot, imports) answers 403.

use crate::client::Client;
use crate::url::{echo, encode, safe_next, see_other};
use app::model::{Me, Role};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;

pub const COOKIE: &str = "kehu_session";
/// The known-device cookie (sent to `/auth/` only).
pub const DEVICE_COOKIE: &str = "kehu_device";
/// How long a sign-in lasts.
pub const SESSION_DAYS: i64 = 14;
/// How long a browser stays known after its last sign-in.
const DEVICE_DAYS: i64 = 365;
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longer passwords are refused (argon2 takes them, but nobody types a book).
pub const MAX_PASSWORD_CHARS: usize = 256;
/// User names are at most this long (longer ones cannot exist).
pub const MAX_USERNAME_CHARS: usize = 64;
/// Customer codes (the invite form's first field) are at most this long.
const MAX_CODE_CHARS: usize = 64;
const FAILURE_WINDOW: &str = "-15 minutes";
const MAX_PER_NAME_AND_CLIENT: i64 = 5;
const MAX_PER_CLIENT: i64 = 30;
const MAX_PER_NAME_FROM_NEW_DEVICES: i64 = 50;
const MAX_PER_KNOWN_DEVICE: i64 = 5;
const MAX_WRONG_CURRENT_PASSWORDS: i64 = 5;

/// The databases the accounts live in.
#[derive(Clone)]
pub struct Accounts {
    /// Users (and the audit trail): the archive's own connections for who-is-asking lookups.
    pub archive: SqlitePool,
    /// Sessions, failures, known devices.
    pub sessions: SqlitePool,
    /// Who the sessions of the last few seconds belong to.
    pub seen: SeenSessions,
}

/// How long a session looked up is believed without asking the databases again. Signing out,
/// a password change and everything else this process does to a session or its user take
/// effect at once (they forget what was seen); a change made by another process on the same
/// files (`kehu reset-password` while the server runs) within this time.
pub const SESSION_RECHECK: std::time::Duration = std::time::Duration::from_secs(5);
/// More sessions than this seen within [`SESSION_RECHECK`] and the memory starts afresh.
const MAX_SEEN: usize = 100_000;

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
    fn forget_user(&self, user_id: i64) {
        self.lock().retain(|_, (me, _)| me.id != user_id);
    }

    /// Forgets one session (signed out).
    fn forget_token(&self, token: &str) {
        self.lock().remove(&token_hash(token));
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, (Me, std::time::Instant)>>
    {
        // A panic while holding it leaves nothing half-done: every entry is whole.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Hashes a password with argon2id (default parameters, random salt) into a PHC string.
/// Slow on purpose (~tens of ms): call it from `spawn_blocking`.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    use argon2::password_hash::PasswordHasher;
    let hash = argon2::Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))?;
    Ok(hash.to_string())
}

/// Whether `password` matches the stored PHC string (false for a malformed one).
pub fn verify_password(password: &str, phc: &str) -> bool {
    use argon2::password_hash::{PasswordVerifier, phc::PasswordHash};
    PasswordHash::new(phc).is_ok_and(|h| {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// Password hashes being computed at once: half the cores (at least one). A burst of
/// sign-ins — the morning, or someone guessing from many addresses — queues here instead of
/// taking every core from the pages (each hash is tens of milliseconds of one core).
static HASHING: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    tokio::sync::Semaphore::new((cores / 2).max(1))
});

/// Both, off the async threads, a few at a time ([`HASHING`]).
pub async fn hash_password_blocking(password: String) -> anyhow::Result<String> {
    let _turn = HASHING.acquire().await?;
    tokio::task::spawn_blocking(move || hash_password(&password)).await?
}

async fn verify_password_blocking(password: String, phc: String) -> bool {
    let Ok(_turn) = HASHING.acquire().await else {
        return false;
    };
    tokio::task::spawn_blocking(move || verify_password(&password, &phc))
        .await
        .unwrap_or(false)
}

/// A random password a person can type: 16 characters without look-alikes (about 90 bits).
pub fn random_password() -> anyhow::Result<String> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY34679";
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no system randomness: {e}"))?;
    Ok(bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect())
}

fn random_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no system randomness: {e}"))?;
    Ok(hex::encode(bytes))
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// At most `max` characters of `s` (what is kept of a typed name).
fn bounded(s: &str, max: usize) -> &str {
    s.char_indices().nth(max).map_or(s, |(i, _)| &s[..i])
}

/// Starts a session for `user_id` (whose session key is `user_key`); returns the cookie value.
pub async fn create_session(
    sessions: &SqlitePool,
    user_id: i64,
    user_key: &str,
) -> anyhow::Result<String> {
    let token = random_token()?;
    let mut tx = crate::db::write(sessions).await?;
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, user_key, expires_at)
         VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?))",
    )
    .bind(token_hash(&token))
    .bind(user_id)
    .bind(user_key)
    .bind(format!("+{SESSION_DAYS} days"))
    .execute(&mut *tx)
    .await?;
    // Old sessions go away as new ones come.
    sqlx::query("DELETE FROM sessions WHERE expires_at < strftime('%Y-%m-%dT%H:%M:%SZ', 'now')")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(token)
}

/// Ends every session of `user_id` but `keep` (a token's hash). Sessions of an older key are
/// already dead; this only tidies them away.
async fn end_sessions(sessions: &SqlitePool, user_id: i64, keep: Option<&str>) -> sqlx::Result<()> {
    let mut tx = crate::db::write(sessions).await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?")
        .bind(user_id)
        .bind(keep.unwrap_or(""))
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// The user behind a session token, if the session is live, of the user's current key, and the
/// account enabled.
pub async fn user_for_token(acc: &Accounts, token: &str) -> Result<Option<Me>, sqlx::Error> {
    user_for_hash(acc, &token_hash(token)).await
}

async fn user_for_hash(acc: &Accounts, hash: &str) -> Result<Option<Me>, sqlx::Error> {
    let session: Option<(i64, String)> = sqlx::query_as(
        "SELECT user_id, user_key FROM sessions
         WHERE token_hash = ? AND expires_at > strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
    )
    .bind(hash)
    .fetch_optional(&acc.sessions)
    .await?;
    let Some((user_id, key)) = session else {
        return Ok(None);
    };
    let row: Option<(i64, String, String, String, Option<i64>, bool)> = sqlx::query_as(
        "SELECT id, username, display_name, role, customer_id, must_change_password
         FROM users WHERE id = ? AND session_key = ? AND disabled = 0",
    )
    .bind(user_id)
    .bind(key)
    .fetch_optional(&acc.archive)
    .await?;
    Ok(
        row.and_then(|(id, username, display_name, role, customer_id, must)| {
            Some(Me {
                id,
                username,
                display_name,
                role: Role::from_key(&role)?,
                customer_id,
                must_change_password: must,
            })
        }),
    )
}

/// The value of cookie `name` if it looks like one of our tokens (64 hex digits).
fn cookie_token(headers: &HeaderMap, name: &str) -> Option<String> {
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

fn session_token(headers: &HeaderMap) -> Option<String> {
    cookie_token(headers, COOKIE)
}

fn session_cookie(value: String, https: bool, remove: bool) -> String {
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

fn device_cookie(value: String, https: bool) -> String {
    cookie::Cookie::build((DEVICE_COOKIE, value))
        .path("/auth/")
        .http_only(true)
        .same_site(cookie::SameSite::Strict)
        .secure(https)
        .max_age(cookie::time::Duration::days(DEVICE_DAYS))
        .build()
        .to_string()
}

/// Refuses state-changing requests that a browser says come from another site.
pub async fn same_origin(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let h = req.headers();
    let allowed = match h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some(site) => site == "same-origin" || site == "none",
        None => match h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
            Some(origin) => {
                let host = h
                    .get(header::HOST)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                origin
                    .split_once("://")
                    .is_some_and(|(_, rest)| !host.is_empty() && rest == host)
            }
            None => true,
        },
    };
    if allowed {
        next.run(req).await
    } else {
        (
            StatusCode::FORBIDDEN,
            "cross-site request refused: submit the form from kehu itself",
        )
            .into_response()
    }
}

/// Where a page path may be opened by someone signed out.
fn public_path(path: &str) -> bool {
    path == "/login"
        || path == "/invite"
        || path == "/lang"
        || path == "/healthz"
        || path.starts_with("/auth/")
        || path.starts_with("/pkg/")
        || path == "/favicon.svg"
        || path == "/screenshot.png"
}

/// What a user with a one-time password may still reach: the account page (to change it), the
/// form that changes it, signing out, the language switch and the static files.
fn allowed_before_password_change(path: &str) -> bool {
    matches!(
        path,
        "/account" | "/auth/password" | "/auth/logout" | "/lang" | "/healthz"
    ) || public_path(path) && path != "/auth/invite"
}

/// Whether a request is for a page (not a server function, export, import, form post or file).
fn is_page_request(method: &Method, path: &str) -> bool {
    matches!(*method, Method::GET | Method::HEAD)
        && !path.starts_with("/api/")
        && !path.starts_with("/export/")
        && !path.starts_with("/import/")
        && !path.starts_with("/auth/")
        && !path.starts_with("/pkg/")
        && path != "/healthz"
        && path != "/lang"
}

/// Pages only some roles may open; the page itself shows why, this sets the status code.
pub fn page_allowed(role: Role, path: &str) -> bool {
    if path == "/lab" || path.starts_with("/lab/") || path == "/audit" {
        return role.can_use_lab();
    }
    if path == "/requests" {
        return role.reviews_requests();
    }
    if path == "/import" {
        return role.can_import();
    }
    let portal = path == "/my" || path.starts_with("/my/");
    if role == Role::Customer {
        // The self-service portal is the customer's part of kehu; staff pages are not.
        return portal || path == "/account" || path == "/login" || path == "/invite";
    }
    !portal
}

/// Resolves the session into a [`Me`] request extension, and guards pages: signed-out browsers
/// are sent to the sign-in page (other clients get 401), a one-time password must be changed
/// first, and pages a role may not open answer 403.
pub async fn resolve(State(acc): State<Accounts>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if path.starts_with("/pkg/") {
        return next.run(req).await;
    }
    let me = match session_token(req.headers()) {
        Some(token) => match acc.seen.user(&acc, &token).await {
            Ok(me) => me,
            Err(e) => {
                tracing::error!("session lookup: {e}");
                return (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal error, see the server log",
                )
                    .into_response();
            }
        },
        None => None,
    };
    let page = is_page_request(req.method(), &path);
    let browser = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if let Some(m) = &me
        && m.must_change_password
        && !allowed_before_password_change(&path)
    {
        return if page {
            see_other("/account")
        } else {
            (
                StatusCode::FORBIDDEN,
                "change your one-time password first (/account)",
            )
                .into_response()
        };
    }
    let mut forbidden = false;
    if page && !public_path(&path) {
        match &me {
            None if browser => {
                let here = req.uri().path_and_query().map_or("/", |p| p.as_str());
                return see_other(&format!("/login?next={}", encode(&safe_next(here))));
            }
            None => return (StatusCode::UNAUTHORIZED, "sign in first").into_response(),
            Some(m) if m.role == Role::Customer && path == "/" => {
                return see_other("/my");
            }
            Some(m) => forbidden = !page_allowed(m.role, &path),
        }
    }
    if let Some(m) = me {
        req.extensions_mut().insert(m);
    }
    let mut resp = next.run(req).await;
    if forbidden && resp.status().is_success() {
        *resp.status_mut() = StatusCode::FORBIDDEN;
    }
    resp
}

// ---------------------------------------------------------------------------------------------
// Throttling.

/// Whether `name` (as typed, bounded) from `client` has failed too often lately: by the known
/// device alone when it came with one (`device`), else by name and client, by client, and by
/// name from unknown devices (`per_name_unknown`, `None` to skip that one).
async fn throttled(
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
async fn record_failure(
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
async fn clear_failures(
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
async fn known_device(
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
async fn remember_device(
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

// ---------------------------------------------------------------------------------------------
// Signing in and out.

#[derive(serde::Deserialize)]
pub struct LoginForm {
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub next: String,
}

/// What a sign-in attempt came to.
#[derive(Debug, PartialEq, Eq)]
pub enum LoginOutcome {
    /// Signed in: the user, the new session's cookie value, and a new known-device cookie value
    /// when the browser had none.
    Ok {
        me: Me,
        token: String,
        device: Option<String>,
    },
    Invalid,
    TooMany,
}

/// Checks a user name and password from `client` (whose request headers are `headers`),
/// counting failures for throttling; starts a session.
pub async fn check_login(
    acc: &Accounts,
    username: &str,
    password: &str,
    client: &str,
    headers: &HeaderMap,
) -> anyhow::Result<LoginOutcome> {
    let name = bounded(username, MAX_USERNAME_CHARS);
    let impossible = username.chars().count() > MAX_USERNAME_CHARS
        || password.chars().count() > MAX_PASSWORD_CHARS * 4;
    let row: Option<(i64, Option<String>, String)> = if impossible {
        None
    } else {
        sqlx::query_as(
            "SELECT id, password_hash, session_key FROM users WHERE username = ? AND disabled = 0",
        )
        .bind(name)
        .fetch_optional(&acc.archive)
        .await?
    };
    let device = known_device(&acc.sessions, headers, row.as_ref().map(|r| r.0)).await?;
    if throttled(
        &acc.sessions,
        name,
        client,
        device.as_deref(),
        Some(MAX_PER_NAME_FROM_NEW_DEVICES),
    )
    .await?
    {
        return Ok(LoginOutcome::TooMany);
    }
    // Unknown users cost the same time as wrong passwords, so names cannot be probed.
    let user = row.and_then(|(id, phc, key)| Some((id, phc?, key)));
    let phc = match &user {
        Some((_, phc, _)) => phc.clone(),
        None => DUMMY_HASH.clone(),
    };
    let matches = !impossible && verify_password_blocking(password.to_string(), phc).await;
    let Some((user_id, _, key)) = user.filter(|_| matches) else {
        record_failure(&acc.sessions, name, client, device.as_deref()).await?;
        return Ok(LoginOutcome::Invalid);
    };
    clear_failures(&acc.sessions, name, client, device.as_deref()).await?;
    let token = create_session(&acc.sessions, user_id, &key).await?;
    let device = remember_device(&acc.sessions, headers, user_id).await?;
    Ok(match user_for_token(acc, &token).await? {
        Some(me) => LoginOutcome::Ok { me, token, device },
        None => LoginOutcome::Invalid,
    })
}

/// The hash of a random password nobody knows, checked against when the user name is unknown.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    random_password()
        .and_then(|p| hash_password(&p))
        .unwrap_or_default()
});

/// Writes an audit line without making the request wait for the archive's write lock (an
/// import may hold it for a while): signing in answers at once, the line follows.
fn audit_later(pool: &SqlitePool, user_id: i64, action: &'static str) {
    let pool = pool.clone();
    tokio::spawn(async move {
        let written = async {
            let mut tx = crate::db::write(&pool).await?;
            crate::db::audit::Line::new(user_id, action)
                .detail("")
                .record(&mut tx)
                .await?;
            tx.commit().await
        }
        .await;
        if let Err(e) = written {
            tracing::error!("audit {action}: {e}");
        }
    });
}

/// `POST /auth/login` (form: username, password, next): sets the session cookie and goes on to
/// `next`, or back to the sign-in page with the reason.
pub async fn login(
    State(acc): State<Accounts>,
    Extension(client): Extension<Client>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let username = form.username.trim();
    let next = safe_next(&form.next);
    let back = |error: &str| {
        see_other(&format!(
            "/login?error={error}&username={}&next={}",
            echo(username, MAX_USERNAME_CHARS),
            encode(&next)
        ))
    };
    if username.is_empty() || form.password.is_empty() {
        return back("missing");
    }
    match check_login(&acc, username, &form.password, &client.key(), &headers).await {
        Ok(LoginOutcome::Ok { me, token, device }) => {
            let to = if me.must_change_password {
                "/account".to_string()
            } else if me.role == Role::Customer && next == "/" {
                "/my".to_string()
            } else {
                next
            };
            audit_later(&acc.archive, me.id, "user.login");
            let mut resp = see_other(&to);
            let cookies = resp.headers_mut();
            if let Ok(v) = session_cookie(token, client.https, false).parse() {
                cookies.append(header::SET_COOKIE, v);
            }
            if let Some(d) = device
                && let Ok(v) = device_cookie(d, client.https).parse()
            {
                cookies.append(header::SET_COOKIE, v);
            }
            resp
        }
        Ok(LoginOutcome::Invalid) => back("invalid"),
        Ok(LoginOutcome::TooMany) => back("too_many"),
        Err(e) => {
            tracing::error!("sign-in: {e:#}");
            back("internal")
        }
    }
}

/// `POST /auth/logout`: ends this browser's session.
pub async fn logout(
    State(acc): State<Accounts>,
    Extension(client): Extension<Client>,
    headers: HeaderMap,
) -> Response {
    if let Some(token) = session_token(&headers) {
        acc.seen.forget_token(&token);
        let ended = async {
            let mut tx = crate::db::write(&acc.sessions).await?;
            sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
                .bind(token_hash(&token))
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        }
        .await;
        if let Err(e) = ended {
            tracing::error!("sign-out: {e}");
        }
    }
    let mut resp = see_other("/login?signed_out=1");
    if let Ok(v) = session_cookie(String::new(), client.https, true).parse() {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

#[derive(serde::Deserialize)]
pub struct PasswordForm {
    pub current: String,
    pub new: String,
    pub confirm: String,
}

/// Why a password change was refused (the account page's `error` parameter).
pub fn password_problem(current_ok: bool, new: &str, confirm: &str) -> Option<&'static str> {
    if !current_ok {
        Some("wrong_current")
    } else if new.chars().count() < MIN_PASSWORD_CHARS {
        Some("too_short")
    } else if new.chars().count() > MAX_PASSWORD_CHARS {
        Some("too_long")
    } else if new != confirm {
        Some("mismatch")
    } else {
        None
    }
}

/// A new random session key for `user_id`, ending every session of the old one; the new key.
async fn new_session_key(tx: &mut sqlx::SqliteConnection, user_id: i64) -> sqlx::Result<String> {
    sqlx::query_scalar(
        "UPDATE users SET session_key = lower(hex(randomblob(16))) WHERE id = ? RETURNING session_key",
    )
    .bind(user_id)
    .fetch_one(tx)
    .await
}

/// `POST /auth/password` (form: current, new, confirm): changes the signed-in user's password and
/// ends their other sessions. Wrong current passwords are throttled like sign-ins.
pub async fn change_password(
    State(acc): State<Accounts>,
    Extension(client): Extension<Client>,
    headers: HeaderMap,
    Form(form): Form<PasswordForm>,
) -> Response {
    let result = async {
        let signed_out = || see_other("/login?next=%2Faccount");
        let Some(token) = session_token(&headers) else {
            return Ok(signed_out());
        };
        let Some(me) = user_for_token(&acc, &token).await? else {
            return Ok(signed_out());
        };
        let name = format!("password:{}", me.id);
        if throttled(
            &acc.sessions,
            &name,
            &client.key(),
            None,
            Some(MAX_WRONG_CURRENT_PASSWORDS),
        )
        .await?
        {
            return Ok(see_other("/account?error=too_many"));
        }
        let phc: Option<String> =
            sqlx::query_scalar("SELECT password_hash FROM users WHERE id = ?")
                .bind(me.id)
                .fetch_one(&acc.archive)
                .await?;
        let current_ok = match phc {
            Some(phc) if form.current.chars().count() <= MAX_PASSWORD_CHARS * 4 => {
                verify_password_blocking(form.current.clone(), phc).await
            }
            _ => false,
        };
        if !current_ok {
            record_failure(&acc.sessions, &name, &client.key(), None).await?;
        }
        if let Some(problem) = password_problem(current_ok, &form.new, &form.confirm) {
            return Ok(see_other(&format!("/account?error={problem}")));
        }
        let hash = hash_password_blocking(form.new.clone()).await?;
        let mut tx = crate::db::write(&acc.archive).await?;
        sqlx::query("UPDATE users SET password_hash = ?, must_change_password = 0 WHERE id = ?")
            .bind(hash)
            .bind(me.id)
            .execute(&mut *tx)
            .await?;
        let key = new_session_key(&mut tx, me.id).await?;
        crate::db::audit::Line::new(me.id, "user.password")
            .record(&mut tx)
            .await?;
        tx.commit().await?;
        // This browser stays signed in under the new key; every other session is over.
        let here = token_hash(&token);
        let mut tx = crate::db::write(&acc.sessions).await?;
        sqlx::query("UPDATE sessions SET user_key = ? WHERE token_hash = ?")
            .bind(&key)
            .bind(&here)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        end_sessions(&acc.sessions, me.id, Some(&here)).await?;
        acc.seen.forget_user(me.id);
        anyhow::Ok(see_other("/account?changed=1"))
    }
    .await;
    result.unwrap_or_else(|e| {
        tracing::error!("password change: {e:#}");
        see_other("/account?error=internal")
    })
}

// ---------------------------------------------------------------------------------------------
// Accounts from the command line.

/// Creates a user with a random one-time password (changed at first sign-in); returns it.
pub async fn add_user(
    pool: &SqlitePool,
    username: &str,
    display_name: &str,
    role: Role,
    customer_id: Option<i64>,
) -> anyhow::Result<String> {
    anyhow::ensure!(
        !username.trim().is_empty() && username.chars().count() <= MAX_USERNAME_CHARS,
        "the user name must be 1 to {MAX_USERNAME_CHARS} characters"
    );
    anyhow::ensure!(
        display_name.chars().count() <= app::model::MAX_TEXT_CHARS as usize,
        "the display name must be at most {} characters",
        app::model::MAX_TEXT_CHARS
    );
    anyhow::ensure!(
        (role == Role::Customer) == customer_id.is_some(),
        "a customer account needs --customer, and only a customer account takes it"
    );
    let password = random_password()?;
    let hash = hash_password_blocking(password.clone()).await?;
    let display = if display_name.is_empty() {
        username
    } else {
        display_name
    };
    let mut tx = crate::db::write(pool).await?;
    sqlx::query(
        "INSERT INTO users (username, display_name, role, customer_id, password_hash, must_change_password)
         VALUES (?, ?, ?, ?, ?, 1)",
    )
    .bind(username)
    .bind(display)
    .bind(role.key())
    .bind(customer_id)
    .bind(hash)
    .execute(&mut *tx)
    .await
    .map_err(|e| match e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            anyhow::anyhow!("user name \"{username}\" is taken")
        }
        e => e.into(),
    })?;
    tx.commit().await?;
    Ok(password)
}

/// Gives an existing user a new one-time password and ends their sessions; returns it.
pub async fn reset_password(
    archive: &SqlitePool,
    sessions: &SqlitePool,
    username: &str,
) -> anyhow::Result<String> {
    let password = random_password()?;
    let hash = hash_password_blocking(password.clone()).await?;
    let mut tx = crate::db::write(archive).await?;
    let id: Option<i64> = sqlx::query_scalar(
        "UPDATE users SET password_hash = ?, must_change_password = 1 WHERE username = ? RETURNING id",
    )
    .bind(hash)
    .bind(username)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = id else {
        anyhow::bail!("no user named \"{username}\"");
    };
    new_session_key(&mut tx, id).await?;
    tx.commit().await?;
    end_sessions(sessions, id, None).await?;
    Ok(password)
}

/// On a database without a usable administrator, creates `admin` with a one-time password and
/// returns it (printed once at start).
pub async fn ensure_admin(
    archive: &SqlitePool,
    sessions: &SqlitePool,
) -> anyhow::Result<Option<String>> {
    let admins: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0 AND password_hash IS NOT NULL",
    )
    .fetch_one(archive)
    .await?;
    if admins > 0 {
        return Ok(None);
    }
    let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE username = 'admin'")
        .fetch_one(archive)
        .await?;
    if taken > 0 {
        return reset_password(archive, sessions, "admin").await.map(Some);
    }
    add_user(archive, "admin", "管理员", Role::Admin, None)
        .await
        .map(Some)
}

// ---------------------------------------------------------------------------------------------
// Invites.

#[derive(serde::Deserialize)]
pub struct InviteForm {
    pub customer: String,
    pub code: String,
    pub password: String,
    pub confirm: String,
}

/// `POST /auth/invite` (form: customer, code, password, confirm): a customer sets their portal
/// password with the one-time code a manager printed for them, and is signed in. Wrong codes
/// are throttled per customer and client; a used or expired code does not work again.
pub async fn redeem_invite(
    State(acc): State<Accounts>,
    Extension(client): Extension<Client>,
    Form(form): Form<InviteForm>,
) -> Response {
    let code = form.customer.trim().to_string();
    let back = |error: &str| {
        see_other(&format!(
            "/invite?error={error}&customer={}",
            echo(&code, MAX_CODE_CHARS)
        ))
    };
    if code.is_empty() || form.code.trim().is_empty() {
        return back("missing");
    }
    if code.chars().count() > MAX_CODE_CHARS || form.code.chars().count() > 64 {
        return back("invalid");
    }
    if let Some(problem) = password_problem(true, &form.password, &form.confirm) {
        return back(problem);
    }
    let client_key = client.key();
    let name = format!("invite:{code}");
    let result = async {
        if throttled(&acc.sessions, &name, &client_key, None, None).await? {
            return Ok(Err("too_many"));
        }
        let found: Option<(i64, i64, String)> = sqlx::query_as(
            "SELECT i.id, c.id, c.shop_name FROM invites i JOIN customers c ON c.id = i.customer_id
             WHERE c.code = ? AND i.code_hash = ? AND i.used_at IS NULL
               AND i.expires_at > strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
        )
        .bind(&code)
        .bind(crate::service::invite_hash(&form.code))
        .fetch_optional(&acc.archive)
        .await?;
        let Some((invite, customer, shop_name)) = found else {
            record_failure(&acc.sessions, &name, &client_key, None).await?;
            return Ok(Err("invalid"));
        };
        let hash = hash_password_blocking(form.password.clone()).await?;
        let mut tx = crate::db::write(&acc.archive).await?;
        let claimed = sqlx::query(
            "UPDATE invites SET used_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
             WHERE id = ? AND used_at IS NULL",
        )
        .bind(invite)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if claimed != 1 {
            return Ok(Err("invalid"));
        }
        let existing: Option<(i64, String, Option<i64>)> =
            sqlx::query_as("SELECT id, role, customer_id FROM users WHERE username = ?")
                .bind(&code)
                .fetch_optional(&mut *tx)
                .await?;
        let user =
            match existing {
                Some((id, role, Some(c))) if role == "customer" && c == customer => {
                    sqlx::query(
                        "UPDATE users SET password_hash = ?, must_change_password = 0, disabled = 0
                     WHERE id = ?",
                    )
                    .bind(&hash)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                    id
                }
                // The customer code names a staff account: an invite cannot take it over.
                Some(_) => return Ok(Err("invalid")),
                None => sqlx::query_scalar(
                    "INSERT INTO users (username, display_name, role, customer_id, password_hash)
                     VALUES (?, ?, 'customer', ?, ?) RETURNING id",
                )
                .bind(&code)
                .bind(&shop_name)
                .bind(customer)
                .bind(&hash)
                .fetch_one(&mut *tx)
                .await?,
            };
        // Whoever had this account before the invite is signed out.
        let key = new_session_key(&mut tx, user).await?;
        crate::db::audit::Line::new(user, "user.invite_used")
            .customer(customer)
            .record(&mut tx)
            .await?;
        tx.commit().await?;
        end_sessions(&acc.sessions, user, None).await?;
        acc.seen.forget_user(user);
        anyhow::Ok(Ok(create_session(&acc.sessions, user, &key).await?))
    }
    .await;
    match result {
        Ok(Ok(token)) => {
            let mut resp = see_other("/my");
            if let Ok(v) = session_cookie(token, client.https, false).parse() {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
            resp
        }
        Ok(Err(problem)) => back(problem),
        Err(e) => {
            tracing::error!("invite: {e:#}");
            back("internal")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("correct hors", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn the_dummy_hash_is_well_formed_so_unknown_users_cost_a_full_check() {
        use argon2::password_hash::phc::PasswordHash;
        assert!(PasswordHash::new(&DUMMY_HASH).is_ok());
    }

    #[test]
    fn password_rules_name_the_problem() {
        assert_eq!(
            password_problem(false, "longenough", "longenough"),
            Some("wrong_current")
        );
        assert_eq!(password_problem(true, "short", "short"), Some("too_short"));
        let long = "x".repeat(MAX_PASSWORD_CHARS + 1);
        assert_eq!(password_problem(true, &long, &long), Some("too_long"));
        assert_eq!(
            password_problem(true, "longenough", "longenougH"),
            Some("mismatch")
        );
        assert_eq!(
            password_problem(true, "长一点的密码好记吗", "长一点的密码好记吗"),
            None
        );
    }

    #[test]
    fn random_passwords_differ_and_avoid_look_alikes() {
        let a = random_password().unwrap();
        let b = random_password().unwrap();
        assert_eq!(a.chars().count(), 16);
        assert_ne!(a, b);
        assert!(!a.contains(['l', '1', 'I', 'O', '0', 'o']));
    }

    #[test]
    fn the_session_cookie_is_http_only_lax_and_secure_on_https() {
        let c = session_cookie("t".into(), true, false);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Secure"));
        assert!(!session_cookie("t".into(), false, false).contains("Secure"));
        let d = device_cookie("t".into(), false);
        assert!(d.contains("Path=/auth/") && d.contains("HttpOnly"));
    }

    #[test]
    fn typed_names_are_kept_bounded() {
        assert_eq!(bounded("王记烟酒", 2), "王记");
        assert_eq!(bounded("ab", 64), "ab");
        assert_eq!(bounded(&"x".repeat(2_000_000), 64).len(), 64);
    }

    #[test]
    fn a_one_time_password_still_reaches_the_account_page_and_nothing_else() {
        for ok in [
            "/account",
            "/auth/password",
            "/auth/logout",
            "/lang",
            "/pkg/kehu.css",
        ] {
            assert!(allowed_before_password_change(ok), "{ok}");
        }
        for no in [
            "/",
            "/api/customers",
            "/export/customers.csv",
            "/api/snapshot",
            "/import/customers",
            "/my",
            "/auth/invite",
        ] {
            assert!(!allowed_before_password_change(no), "{no}");
        }
    }
}
