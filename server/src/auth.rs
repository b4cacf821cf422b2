//! Accounts: argon2id passwords, server-side sessions in SQLite, sign-in rate limiting, the
//! cross-site request check, and the middleware that tells every handler who is asking.
//!
//! - The session cookie (`kehu_session`) holds 32 random bytes; the database keeps only their
//!   SHA-256, so a copy of the database cannot be used to sign in. HttpOnly, SameSite=Lax, Secure
//!   when the request came over https (directly or through a proxy's `X-Forwarded-Proto`).
//! - State-changing requests (anything but GET/HEAD/OPTIONS) from another site are refused with
//!   403: browsers say where a request comes from in `Sec-Fetch-Site` (or, older ones, `Origin`);
//!   requests without either do not come from a browser page and carry no ambient cookie risk.
//! - Sign-in is limited to 5 failures per user name and 30 per client address in 15 minutes.

use app::model::{Me, Role};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;

pub const COOKIE: &str = "kehu_session";
/// How long a sign-in lasts.
pub const SESSION_DAYS: i64 = 14;
pub const MIN_PASSWORD_CHARS: usize = 8;
const FAILURE_WINDOW_MINUTES: i64 = 15;
const MAX_FAILURES_PER_USER: i64 = 5;
const MAX_FAILURES_PER_CLIENT: i64 = 30;

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

/// Both, off the async threads.
pub async fn hash_password_blocking(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_password(&password)).await?
}

async fn verify_password_blocking(password: String, phc: String) -> bool {
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

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Starts a session for `user_id`; returns the cookie value.
pub async fn create_session(pool: &SqlitePool, user_id: i64) -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no system randomness: {e}"))?;
    let token = hex::encode(bytes);
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, expires_at)
         VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?))",
    )
    .bind(token_hash(&token))
    .bind(user_id)
    .bind(format!("+{SESSION_DAYS} days"))
    .execute(pool)
    .await?;
    // Old sessions go away as new ones come.
    sqlx::query("DELETE FROM sessions WHERE expires_at < strftime('%Y-%m-%dT%H:%M:%SZ', 'now')")
        .execute(pool)
        .await?;
    Ok(token)
}

/// The user behind a session token, if the session is live and the account enabled.
pub async fn user_for_token(pool: &SqlitePool, token: &str) -> Result<Option<Me>, sqlx::Error> {
    let row: Option<(i64, String, String, String, Option<i64>, bool)> = sqlx::query_as(
        "SELECT u.id, u.username, u.display_name, u.role, u.customer_id, u.must_change_password
         FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = ? AND s.expires_at > strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
           AND u.disabled = 0",
    )
    .bind(token_hash(token))
    .fetch_optional(pool)
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

fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == COOKIE)
        .map(|c| c.value().to_string())
        .filter(|v| v.len() == 64)
}

fn is_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
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
/// are sent to the sign-in page, a one-time password must be changed first, and pages a role
/// may not open answer 403.
pub async fn resolve(State(pool): State<SqlitePool>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if path.starts_with("/pkg/") {
        return next.run(req).await;
    }
    let me = match session_token(req.headers()) {
        Some(token) => match user_for_token(&pool, &token).await {
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
    let is_page = req.method() == Method::GET
        && !path.starts_with("/api/")
        && req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/html"));
    let mut forbidden = false;
    if is_page && !public_path(&path) {
        match &me {
            None => {
                let here = req
                    .uri()
                    .path_and_query()
                    .map_or("/", |p| p.as_str())
                    .to_string();
                let to = format!("/login?next={}", urlencode(&here));
                return Redirect::to(&to).into_response();
            }
            Some(m) if m.must_change_password && path != "/account" => {
                return Redirect::to("/account").into_response();
            }
            Some(m) if m.role == Role::Customer && path == "/" => {
                return Redirect::to("/my").into_response();
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

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Only local paths are followed after signing in (no open redirect).
pub fn safe_next(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\") {
        next
    } else {
        "/"
    }
}

#[derive(serde::Deserialize)]
pub struct LoginForm {
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub next: String,
}

fn client_key(req_headers: &HeaderMap, addr: Option<std::net::SocketAddr>) -> String {
    // Behind a reverse proxy the socket address is the proxy's; it sets X-Forwarded-For.
    req_headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|v| v.trim().to_string())
        .or_else(|| addr.map(|a| a.ip().to_string()))
        .unwrap_or_else(|| "unknown".into())
}

/// What a sign-in attempt came to.
#[derive(Debug, PartialEq, Eq)]
pub enum LoginOutcome {
    /// Signed in: the user and the new session's cookie value.
    Ok {
        me: Me,
        token: String,
    },
    Invalid,
    TooMany,
}

/// Whether this name or this client failed too often lately (sign-ins and invite codes).
async fn too_many_failures(pool: &SqlitePool, name: &str, client: &str) -> sqlx::Result<bool> {
    let window = format!("-{FAILURE_WINDOW_MINUTES} minutes");
    let (by_user, by_client): (i64, i64) = sqlx::query_as(
        "SELECT
           (SELECT COUNT(*) FROM login_failures WHERE username = ?1 AND at > strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?3)),
           (SELECT COUNT(*) FROM login_failures WHERE client = ?2 AND at > strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?3))",
    )
    .bind(name)
    .bind(client)
    .bind(&window)
    .fetch_one(pool)
    .await?;
    Ok(by_user >= MAX_FAILURES_PER_USER || by_client >= MAX_FAILURES_PER_CLIENT)
}

async fn record_failure(pool: &SqlitePool, name: &str, client: &str) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO login_failures (username, client) VALUES (?, ?)")
        .bind(name)
        .bind(client)
        .execute(pool)
        .await?;
    Ok(())
}

/// Checks a user name and password, counting failures for rate limiting; starts a session.
pub async fn check_login(
    pool: &SqlitePool,
    username: &str,
    password: &str,
    client: &str,
) -> anyhow::Result<LoginOutcome> {
    if too_many_failures(pool, username, client).await? {
        return Ok(LoginOutcome::TooMany);
    }
    let row: Option<(i64, Option<String>)> =
        sqlx::query_as("SELECT id, password_hash FROM users WHERE username = ? AND disabled = 0")
            .bind(username)
            .fetch_optional(pool)
            .await?;
    // Unknown users cost the same time as wrong passwords, so names cannot be probed.
    let user = row.and_then(|(id, phc)| Some((id, phc?)));
    let phc = match &user {
        Some((_, phc)) => phc.clone(),
        None => DUMMY_HASH.clone(),
    };
    let matches = verify_password_blocking(password.to_string(), phc).await;
    let Some((user_id, _)) = user.filter(|_| matches) else {
        record_failure(pool, username, client).await?;
        return Ok(LoginOutcome::Invalid);
    };
    sqlx::query("DELETE FROM login_failures WHERE username = ?")
        .bind(username)
        .execute(pool)
        .await?;
    let token = create_session(pool, user_id).await?;
    Ok(match user_for_token(pool, &token).await? {
        Some(me) => LoginOutcome::Ok { me, token },
        None => LoginOutcome::Invalid,
    })
}

/// The hash of a random password nobody knows, checked against when the user name is unknown.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    random_password()
        .and_then(|p| hash_password(&p))
        .unwrap_or_default()
});

/// `POST /auth/login` (form: username, password, next): sets the session cookie and goes on to
/// `next`, or back to the sign-in page with the reason.
pub async fn login(
    State(pool): State<SqlitePool>,
    connect: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<LoginForm>,
) -> Response {
    let username = form.username.trim();
    let next = safe_next(&form.next);
    let back = |error: &str| {
        Redirect::to(&format!(
            "/login?error={error}&username={}&next={}",
            urlencode(username),
            urlencode(next)
        ))
        .into_response()
    };
    if username.is_empty() || form.password.is_empty() {
        return back("missing");
    }
    let client = client_key(&headers, connect.map(|c| (c.0).0));
    match check_login(&pool, username, &form.password, &client).await {
        Ok(LoginOutcome::Ok { me, token }) => {
            let to = if me.must_change_password {
                "/account"
            } else if me.role == Role::Customer && next == "/" {
                "/my"
            } else {
                next
            };
            audit(&pool, me.id, "user.login", "").await;
            (
                [(
                    header::SET_COOKIE,
                    session_cookie(token, is_https(&headers), false),
                )],
                Redirect::to(to),
            )
                .into_response()
        }
        Ok(LoginOutcome::Invalid) => back("invalid"),
        Ok(LoginOutcome::TooMany) => back("too_many"),
        Err(e) => {
            tracing::error!("sign-in: {e:#}");
            back("internal")
        }
    }
}

async fn audit(pool: &SqlitePool, user_id: i64, action: &str, detail: &str) {
    if let Err(e) = sqlx::query("INSERT INTO audit (user_id, action, detail) VALUES (?, ?, ?)")
        .bind(user_id)
        .bind(action)
        .bind(detail)
        .execute(pool)
        .await
    {
        tracing::error!("audit: {e}");
    }
}

/// `POST /auth/logout`: ends this browser's session.
pub async fn logout(State(pool): State<SqlitePool>, headers: HeaderMap) -> Response {
    if let Some(token) = session_token(&headers)
        && let Err(e) = sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(token_hash(&token))
            .execute(&pool)
            .await
    {
        tracing::error!("sign-out: {e}");
    }
    (
        [(
            header::SET_COOKIE,
            session_cookie(String::new(), is_https(&headers), true),
        )],
        Redirect::to("/login?signed_out=1"),
    )
        .into_response()
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
    } else if new != confirm {
        Some("mismatch")
    } else {
        None
    }
}

/// `POST /auth/password` (form: current, new, confirm): changes the signed-in user's password and
/// ends their other sessions.
pub async fn change_password(
    State(pool): State<SqlitePool>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<PasswordForm>,
) -> Response {
    let result = async {
        let Some(token) = session_token(&headers) else {
            return Ok(Redirect::to("/login?next=%2Faccount").into_response());
        };
        let Some(me) = user_for_token(&pool, &token).await? else {
            return Ok(Redirect::to("/login?next=%2Faccount").into_response());
        };
        let phc: Option<String> =
            sqlx::query_scalar("SELECT password_hash FROM users WHERE id = ?")
                .bind(me.id)
                .fetch_one(&pool)
                .await?;
        let current_ok = match phc {
            Some(phc) => verify_password_blocking(form.current.clone(), phc).await,
            None => false,
        };
        if let Some(problem) = password_problem(current_ok, &form.new, &form.confirm) {
            return Ok(Redirect::to(&format!("/account?error={problem}")).into_response());
        }
        let hash = hash_password_blocking(form.new.clone()).await?;
        let mut tx = pool.begin().await?;
        sqlx::query("UPDATE users SET password_hash = ?, must_change_password = 0 WHERE id = ?")
            .bind(hash)
            .bind(me.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?")
            .bind(me.id)
            .bind(token_hash(&token))
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO audit (user_id, action) VALUES (?, 'user.password')")
            .bind(me.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        anyhow::Ok(Redirect::to("/account?changed=1").into_response())
    }
    .await;
    result.unwrap_or_else(|e| {
        tracing::error!("password change: {e:#}");
        Redirect::to("/account?error=internal").into_response()
    })
}

/// Creates a user with a random one-time password (changed at first sign-in); returns it.
pub async fn add_user(
    pool: &SqlitePool,
    username: &str,
    display_name: &str,
    role: Role,
    customer_id: Option<i64>,
) -> anyhow::Result<String> {
    anyhow::ensure!(
        !username.trim().is_empty() && username.len() <= 64,
        "the user name must be 1 to 64 characters"
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
    sqlx::query(
        "INSERT INTO users (username, display_name, role, customer_id, password_hash, must_change_password)
         VALUES (?, ?, ?, ?, ?, 1)",
    )
    .bind(username)
    .bind(display)
    .bind(role.key())
    .bind(customer_id)
    .bind(hash)
    .execute(pool)
    .await
    .map_err(|e| match e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            anyhow::anyhow!("user name \"{username}\" is taken")
        }
        e => e.into(),
    })?;
    Ok(password)
}

/// Gives an existing user a new one-time password and ends their sessions; returns it.
pub async fn reset_password(pool: &SqlitePool, username: &str) -> anyhow::Result<String> {
    let password = random_password()?;
    let hash = hash_password_blocking(password.clone()).await?;
    let mut tx = pool.begin().await?;
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
    sqlx::query("DELETE FROM sessions WHERE user_id = ?")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(password)
}

/// On a database without a usable administrator, creates `admin` with a one-time password and
/// returns it (printed once at start).
pub async fn ensure_admin(pool: &SqlitePool) -> anyhow::Result<Option<String>> {
    let admins: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0 AND password_hash IS NOT NULL",
    )
    .fetch_one(pool)
    .await?;
    if admins > 0 {
        return Ok(None);
    }
    let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE username = 'admin'")
        .fetch_one(pool)
        .await?;
    if taken > 0 {
        return reset_password(pool, "admin").await.map(Some);
    }
    add_user(pool, "admin", "管理员", Role::Admin, None)
        .await
        .map(Some)
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
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next("/customers?band=2"), "/customers?band=2");
        assert_eq!(safe_next("//evil.example/x"), "/");
        assert_eq!(safe_next("https://evil.example/"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        assert_eq!(safe_next(""), "/");
    }

    #[test]
    fn password_rules_name_the_problem() {
        assert_eq!(
            password_problem(false, "longenough", "longenough"),
            Some("wrong_current")
        );
        assert_eq!(password_problem(true, "short", "short"), Some("too_short"));
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
    }
}

#[derive(serde::Deserialize)]
pub struct InviteForm {
    pub customer: String,
    pub code: String,
    pub password: String,
    pub confirm: String,
}

/// `POST /auth/invite` (form: customer, code, password, confirm): a customer sets their portal
/// password with the one-time code a manager printed for them, and is signed in. Wrong codes
/// count as failed sign-ins (rate limited); a used or expired code does not work again.
pub async fn redeem_invite(
    State(pool): State<SqlitePool>,
    connect: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<InviteForm>,
) -> Response {
    let code = form.customer.trim().to_string();
    let back = |error: &str| {
        Redirect::to(&format!(
            "/invite?error={error}&customer={}",
            urlencode(&code)
        ))
        .into_response()
    };
    if code.is_empty() || form.code.trim().is_empty() {
        return back("missing");
    }
    if let Some(problem) = password_problem(true, &form.password, &form.confirm) {
        return back(problem);
    }
    let client = client_key(&headers, connect.map(|c| (c.0).0));
    let name = format!("invite:{code}");
    let result = async {
        if too_many_failures(&pool, &name, &client).await? {
            return Ok(Err("too_many"));
        }
        let found: Option<(i64, i64, String)> = sqlx::query_as(
            "SELECT i.id, c.id, c.shop_name FROM invites i JOIN customers c ON c.id = i.customer_id
             WHERE c.code = ? AND i.code_hash = ? AND i.used_at IS NULL
               AND i.expires_at > strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
        )
        .bind(&code)
        .bind(crate::service::invite_hash(&form.code))
        .fetch_optional(&pool)
        .await?;
        let Some((invite, customer, shop_name)) = found else {
            record_failure(&pool, &name, &client).await?;
            return Ok(Err("invalid"));
        };
        let hash = hash_password_blocking(form.password.clone()).await?;
        let mut tx = pool.begin().await?;
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
                    sqlx::query("DELETE FROM sessions WHERE user_id = ?")
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
        sqlx::query(
            "INSERT INTO audit (user_id, action, customer_id) VALUES (?, 'user.invite_used', ?)",
        )
        .bind(user)
        .bind(customer)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        anyhow::Ok(Ok(create_session(&pool, user).await?))
    }
    .await;
    match result {
        Ok(Ok(token)) => (
            [(
                header::SET_COOKIE,
                session_cookie(token, is_https(&headers), false),
            )],
            Redirect::to("/my"),
        )
            .into_response(),
        Ok(Err(problem)) => back(problem),
        Err(e) => {
            tracing::error!("invite: {e:#}");
            back("internal")
        }
    }
}
