//! Schema upgrades: every pending migration in one transaction, and a database from a newer kehu
//! refused before anything is touched.

use super::*;

/// The applied migrations' versions and descriptions (none on a new database).
pub(super) async fn applied(conn: &mut SqliteConnection) -> sqlx::Result<Vec<(i64, String)>> {
    let exists: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
    )
    .fetch_one(&mut *conn)
    .await?;
    if !exists {
        return Ok(Vec::new());
    }
    sqlx::query_as("SELECT version, description FROM _sqlx_migrations ORDER BY version")
        .fetch_all(conn)
        .await
}

/// Brings `pool`'s schema up to date with `schema`: every pending migration in one transaction
/// (all applied, or none); a database with a migration `schema` does not know is refused.
pub async fn migrate(pool: &SqlitePool, schema: &Migrator) -> anyhow::Result<()> {
    let file = pool.connect_options().get_filename().display().to_string();
    let _turn = turn(pool).await;
    let mut conn = pool.acquire().await?;
    let known: Vec<i64> = schema.iter().map(|m| m.version).collect();
    let done = applied(&mut conn).await?;
    if let Some((version, description)) = done.iter().find(|(v, _)| !known.contains(v)) {
        anyhow::bail!(
            "{file} was written by a newer kehu: its schema has step {version} ({description}), \
             which this kehu {} does not know. Run the newer kehu, or restore a backup taken \
             with this one (`kehu restore FILE`).",
            env!("CARGO_PKG_VERSION")
        );
    }
    if done.len() == known.len() {
        return Ok(());
    }
    #[allow(clippy::disallowed_methods)] // in this writer's turn, taken above
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    // Each migration runs in a savepoint of this one transaction.
    schema
        .run_direct(None, &mut *tx, false)
        .await
        .map_err(|e| anyhow::anyhow!("upgrading {file} failed, nothing was changed: {e}"))?;
    tx.commit().await?;
    Ok(())
}
