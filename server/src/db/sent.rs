//! Entries sent with the sender's own key (`sent_entries`): what the key made the first time.

use sqlx::SqliteConnection;

/// What `user`'s entry `key` of `kind` made when it was first sent (its id), if it was.
pub async fn made(
    conn: &mut SqliteConnection,
    user: i64,
    key: &str,
    kind: &str,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "SELECT made_id FROM sent_entries WHERE user_id = ? AND entry_key = ? AND kind = ?",
    )
    .bind(user)
    .bind(key)
    .bind(kind)
    .fetch_optional(conn)
    .await
}

/// Keeps what `user`'s entry `key` of `kind` made, in the transaction that made it.
pub async fn record(
    conn: &mut SqliteConnection,
    user: i64,
    key: &str,
    kind: &str,
    made: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO sent_entries (user_id, entry_key, kind, made_id, sent_at)
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(user)
    .bind(key)
    .bind(kind)
    .bind(made)
    .bind(crate::time::now_stamp())
    .execute(conn)
    .await?;
    Ok(())
}
