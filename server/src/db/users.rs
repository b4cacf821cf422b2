//! Users in the archive: credentials, who a session's user is, password changes, customers'
//! invites and the accounts the command line adds. Hashing and the rules for passwords live
//! above (`passwords`, `http::auth`); this module only reads and writes the rows.

use super::audit::Line;
use crate::time::now_stamp;
use app::wire::{CustomerId, Me, Role, UserId};
use sqlx::{SqliteConnection, SqlitePool};

/// An enabled user's id, password hash (none before their first password) and session key.
pub async fn credentials(
    pool: &SqlitePool,
    username: &str,
) -> sqlx::Result<Option<(i64, Option<String>, String)>> {
    sqlx::query_as(
        "SELECT id, password_hash, session_key FROM users WHERE username = ? AND disabled = 0",
    )
    .bind(username)
    .fetch_optional(pool)
    .await
}

/// The user `user_id` if their account is enabled and `key` is still their session key.
pub async fn with_key(pool: &SqlitePool, user_id: i64, key: &str) -> sqlx::Result<Option<Me>> {
    let row: Option<(i64, String, String, String, Option<i64>, bool)> = sqlx::query_as(
        "SELECT id, username, display_name, role, customer_id, must_change_password
         FROM users WHERE id = ? AND session_key = ? AND disabled = 0",
    )
    .bind(user_id)
    .bind(key)
    .fetch_optional(pool)
    .await?;
    Ok(
        row.and_then(|(id, username, display_name, role, customer_id, must)| {
            Some(Me {
                id: UserId(id),
                username,
                display_name,
                role: Role::from_key(&role)?,
                customer_id: customer_id.map(CustomerId),
                must_change_password: must,
            })
        }),
    )
}

/// The password hash of user `user_id`.
pub async fn password_hash(pool: &SqlitePool, user_id: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT password_hash FROM users WHERE id = ?")
        .bind(user_id)
        .fetch_one(pool)
        .await
}

/// A new random session key for `user_id`, ending every session of the old one; the new key.
async fn new_session_key(tx: &mut SqliteConnection, user_id: i64) -> sqlx::Result<String> {
    sqlx::query_scalar(
        "UPDATE users SET session_key = lower(hex(randomblob(16))) WHERE id = ? RETURNING session_key",
    )
    .bind(user_id)
    .fetch_one(tx)
    .await
}

/// Sets `user_id`'s own new password (`hash`), audited; their new session key.
pub async fn change_password(pool: &SqlitePool, user_id: i64, hash: &str) -> sqlx::Result<String> {
    let mut tx = super::write(pool).await?;
    sqlx::query("UPDATE users SET password_hash = ?, must_change_password = 0 WHERE id = ?")
        .bind(hash)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    let key = new_session_key(&mut tx, user_id).await?;
    Line::new(user_id, "user.password").record(&mut tx).await?;
    tx.commit().await?;
    Ok(key)
}

/// An unused, unexpired invite for the customer with code `customer_code` whose code hashes to
/// `code_hash`: the invite, the customer and their shop's name.
pub async fn open_invite(
    pool: &SqlitePool,
    customer_code: &str,
    code_hash: &str,
) -> sqlx::Result<Option<(i64, i64, String)>> {
    sqlx::query_as(
        "SELECT i.id, c.id, c.shop_name FROM invites i JOIN customers c ON c.id = i.customer_id
         WHERE c.code = ? AND i.code_hash = ? AND i.used_at IS NULL AND i.expires_at > ?",
    )
    .bind(customer_code)
    .bind(code_hash)
    .bind(now_stamp())
    .fetch_optional(pool)
    .await
}

/// Uses `invite` (found by [`open_invite`]) to give customer `customer` (code `customer_code`,
/// shop `shop_name`) the password `hash`: their account is made, or enabled again with it. The
/// account's id and new session key; `None` if the invite was used meanwhile or the customer's
/// code names a staff account (an invite cannot take one over).
pub async fn redeem_invite(
    pool: &SqlitePool,
    invite: i64,
    customer: i64,
    customer_code: &str,
    shop_name: &str,
    hash: &str,
) -> sqlx::Result<Option<(i64, String)>> {
    let mut tx = super::write(pool).await?;
    let claimed = sqlx::query("UPDATE invites SET used_at = ? WHERE id = ? AND used_at IS NULL")
        .bind(now_stamp())
        .bind(invite)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if claimed != 1 {
        return Ok(None);
    }
    let existing: Option<(i64, String, Option<i64>)> =
        sqlx::query_as("SELECT id, role, customer_id FROM users WHERE username = ?")
            .bind(customer_code)
            .fetch_optional(&mut *tx)
            .await?;
    let user = match existing {
        Some((id, role, Some(c))) if role == "customer" && c == customer => {
            sqlx::query(
                "UPDATE users SET password_hash = ?, must_change_password = 0, disabled = 0
                 WHERE id = ?",
            )
            .bind(hash)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            id
        }
        Some(_) => return Ok(None),
        None => {
            sqlx::query_scalar(
                "INSERT INTO users (username, display_name, role, customer_id, password_hash)
                 VALUES (?, ?, 'customer', ?, ?) RETURNING id",
            )
            .bind(customer_code)
            .bind(shop_name)
            .bind(customer)
            .bind(hash)
            .fetch_one(&mut *tx)
            .await?
        }
    };
    // Whoever had this account before the invite is signed out.
    let key = new_session_key(&mut tx, user).await?;
    Line::new(user, "user.invite_used")
        .customer(customer)
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Some((user, key)))
}

/// Adds a user whose one-time password hashes to `hash`; `Ok(false)` if the name is taken.
pub async fn add(
    pool: &SqlitePool,
    username: &str,
    display_name: &str,
    role: Role,
    customer_id: Option<i64>,
    hash: &str,
) -> sqlx::Result<bool> {
    let mut tx = super::write(pool).await?;
    let added = sqlx::query(
        "INSERT INTO users (username, display_name, role, customer_id, password_hash, must_change_password)
         VALUES (?, ?, ?, ?, ?, 1)",
    )
    .bind(username)
    .bind(display_name)
    .bind(role.key())
    .bind(customer_id)
    .bind(hash)
    .execute(&mut *tx)
    .await;
    match added {
        Ok(_) => {}
        Err(sqlx::Error::Database(d)) if d.is_unique_violation() => return Ok(false),
        Err(e) => return Err(e),
    }
    tx.commit().await?;
    Ok(true)
}

/// Gives `username` the one-time password `hash` and a new session key; their id, `None` if no
/// user has that name.
pub async fn reset_password(
    pool: &SqlitePool,
    username: &str,
    hash: &str,
) -> sqlx::Result<Option<i64>> {
    let mut tx = super::write(pool).await?;
    let id: Option<i64> = sqlx::query_scalar(
        "UPDATE users SET password_hash = ?, must_change_password = 1 WHERE username = ? RETURNING id",
    )
    .bind(hash)
    .bind(username)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(id) = id {
        new_session_key(&mut tx, id).await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// How many enabled administrators have a password, and whether the name `admin` is taken.
pub async fn admins(pool: &SqlitePool) -> sqlx::Result<(i64, bool)> {
    sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM users
                 WHERE role = 'admin' AND disabled = 0 AND password_hash IS NOT NULL),
                EXISTS (SELECT 1 FROM users WHERE username = 'admin')",
    )
    .fetch_one(pool)
    .await
}
