//! Accounts from the command line: adding users, resetting passwords, the first administrator.

use super::*;

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
