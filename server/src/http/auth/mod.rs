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
use crate::db;
use crate::url::{echo, encode, safe_next, see_other};
use app::wire::{Me, Role};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use chrono::TimeDelta;
use sqlx::SqlitePool;

pub const COOKIE: &str = "kehu_session";
/// The known-device cookie (sent to `/auth/` only).
pub const DEVICE_COOKIE: &str = "kehu_device";
/// How long a sign-in lasts.
pub const SESSION_DAYS: i64 = 14;
/// How long a browser stays known after its last sign-in.
const DEVICE_DAYS: i64 = 365;
const DEVICE_KEPT: TimeDelta = TimeDelta::days(DEVICE_DAYS);
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longer passwords are refused (argon2 takes them, but nobody types a book).
pub const MAX_PASSWORD_CHARS: usize = 256;
pub use crate::accounts::MAX_USERNAME_CHARS;
/// Customer codes (the invite form's first field) are at most this long.
const MAX_CODE_CHARS: usize = 64;
const FAILURE_WINDOW: TimeDelta = TimeDelta::minutes(15);
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

pub use crate::passwords::*;

/// The accounts' forms: sign in and out, the account page's password change, a customer's
/// invite; on any state the accounts can be taken from.
pub fn router<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    Accounts: axum::extract::FromRef<S>,
{
    use axum::routing::post;
    axum::Router::new()
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
        .route("/auth/password", post(change_password))
        .route("/auth/invite", post(redeem_invite))
}

mod invites;
mod middleware;
mod sessions;
mod sign_in;
#[cfg(test)]
mod tests;
mod throttle;

pub use invites::*;
pub use middleware::*;
pub use sessions::*;
pub use sign_in::*;
use throttle::*;
