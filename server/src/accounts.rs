//! Accounts made and reset outside the web: adding users and resetting passwords from the
//! command line, and the first administrator of a new installation. Each new password is a
//! one-time password, changed at first sign-in.

use crate::db;
use crate::passwords::{hash_password_blocking, random_password};
use app::wire::Role;
use sqlx::SqlitePool;

/// User names are at most this long (longer ones cannot exist).
pub const MAX_USERNAME_CHARS: usize = 64;

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
        display_name.chars().count() <= app::wire::MAX_TEXT_CHARS as usize,
        "the display name must be at most {} characters",
        app::wire::MAX_TEXT_CHARS
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
    if !db::users::add(pool, username, display, role, customer_id, &hash).await? {
        anyhow::bail!("user name \"{username}\" is taken");
    }
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
    let Some(id) = db::users::reset_password(archive, username, &hash).await? else {
        anyhow::bail!("no user named \"{username}\"");
    };
    db::sessions::end_all(sessions, id, None).await?;
    Ok(password)
}

/// On a database without a usable administrator, creates `admin` with a one-time password and
/// returns it (printed once at start).
pub async fn ensure_admin(
    archive: &SqlitePool,
    sessions: &SqlitePool,
) -> anyhow::Result<Option<String>> {
    let (admins, taken) = db::users::admins(archive).await?;
    if admins > 0 {
        return Ok(None);
    }
    if taken {
        return reset_password(archive, sessions, "admin").await.map(Some);
    }
    add_user(archive, "admin", "管理员", Role::Admin, None)
        .await
        .map(Some)
}
