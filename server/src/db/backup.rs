//! Backups: a consistent copy while the server runs (`VACUUM INTO`), and a restore that checks
//! the copy and is refused while anything else has the database open.

use super::migrate::applied;
use super::*;

/// What a check of a database file found wrong, if anything.
pub(super) async fn check_file(conn: &mut SqliteConnection) -> anyhow::Result<Option<String>> {
    let integrity: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut *conn)
        .await?;
    if integrity != ["ok"] {
        return Ok(Some(format!(
            "the integrity check failed: {}",
            integrity.join("; ")
        )));
    }
    let broken: Vec<(String, Option<i64>, String)> =
        sqlx::query_as("SELECT \"table\", rowid, parent FROM pragma_foreign_key_check")
            .fetch_all(&mut *conn)
            .await?;
    if let Some((table, rowid, parent)) = broken.first() {
        return Ok(Some(format!(
            "{} rows point to records that do not exist (first: {table} row {} → {parent})",
            broken.len(),
            rowid.unwrap_or_default()
        )));
    }
    Ok(None)
}

/// Copies the archive into `to` (which must not exist) as one consistent state — every write
/// committed before the copy began, none after — while other connections go on reading and
/// writing. The copy is checked before it is given its name.
pub async fn backup(archive: &SqlitePool, to: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(
        !to.exists(),
        "{} already exists: choose a new file name for the backup",
        to.display()
    );
    let to = absolute(to)?;
    let mut partial = to.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let _ = std::fs::remove_file(&partial);
    let result = async {
        let target = partial
            .to_str()
            .ok_or_else(|| anyhow::anyhow!("{} is not a UTF-8 path", partial.display()))?;
        sqlx::query("VACUUM INTO ?")
            .bind(target)
            .execute(archive)
            .await?;
        let mut copy = SqliteConnectOptions::new()
            .filename(&partial)
            .read_only(true)
            .connect()
            .await?;
        let problem = check_file(&mut copy).await?;
        copy.close().await?;
        if let Some(p) = problem {
            anyhow::bail!("the copy did not check out ({p}); the backup was not kept");
        }
        std::fs::rename(&partial, &to)?;
        anyhow::Ok(())
    }
    .await;
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

use sqlx::ConnectOptions as _;

/// Replaces the archive at `archive` with the backup `from`, after checking it (integrity,
/// foreign keys, a schema this kehu knows, brought up to date). Refused while anything else has
/// the database open. The replaced file is kept beside it as `….before-restore-<time>`; every
/// session ends. Returns where the replaced file went (None when there was none).
pub async fn restore(archive: &Path, from: &Path) -> anyhow::Result<Option<PathBuf>> {
    let archive = absolute(archive)?;
    let lock_file = lock_path(&archive);
    let lock = open_lock(&lock_file)?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "{} is in use (a kehu server or command has it open): stop it, then restore",
            archive.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            anyhow::bail!("cannot lock {}: {e}", lock_file.display())
        }
    }
    anyhow::ensure!(from.is_file(), "{} is not a file", from.display());
    // The copy is checked and upgraded under a temporary name in the same folder, so that the
    // final step is a rename.
    let mut staged = archive.as_os_str().to_owned();
    staged.push(".restoring");
    let staged = PathBuf::from(staged);
    for suffix in ["", "-wal", "-shm"] {
        let mut p = staged.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
    std::fs::copy(from, &staged)
        .map_err(|e| anyhow::anyhow!("cannot copy {}: {e}", from.display()))?;
    let checked = async {
        let mut conn = SqliteConnectOptions::new()
            .filename(&staged)
            .connect()
            .await
            .map_err(|e| anyhow::anyhow!("{} is not a SQLite database: {e}", from.display()))?;
        if let Some(problem) = check_file(&mut conn).await? {
            anyhow::bail!("{} cannot be restored: {problem}", from.display());
        }
        let steps = applied(&mut conn).await?;
        anyhow::ensure!(
            !steps.is_empty(),
            "{} is not a kehu backup (it has no kehu schema)",
            from.display()
        );
        conn.close().await?;
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options(&staged))
            .await?;
        let upgraded = migrate(&pool, &ARCHIVE).await;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&pool)
            .await?;
        pool.close().await;
        upgraded
    }
    .await;
    if let Err(e) = checked {
        let _ = std::fs::remove_file(&staged);
        return Err(e);
    }
    // The current file, with everything its write-ahead log holds, is set aside.
    forget_writers(&archive).await;
    forget_writers(&staged).await;
    let mut kept = None;
    if archive.exists() {
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options(&archive).create_if_missing(false))
            .await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&pool)
            .await?;
        pool.close().await;
        let stamp = crate::time::now().format("%Y%m%dT%H%M%SZ");
        let mut aside = archive.as_os_str().to_owned();
        aside.push(format!(".before-restore-{stamp}"));
        let aside = PathBuf::from(aside);
        std::fs::rename(&archive, &aside)?;
        kept = Some(aside);
    }
    for suffix in ["-wal", "-shm"] {
        let mut p = archive.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
    for suffix in ["-wal", "-shm"] {
        let mut p = staged.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
    std::fs::rename(&staged, &archive)?;
    policy::published_changed();
    // Sessions name users of the replaced archive: everyone signs in again.
    let sessions = sessions_path(&archive);
    if sessions.exists() {
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options(&sessions))
            .await?;
        migrate(&pool, &SESSIONS).await?;
        forget_writers(&sessions).await;
        let mut tx = write(&pool).await?;
        sqlx::query("DELETE FROM sessions")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        pool.close().await;
        forget_writers(&sessions).await;
    }
    drop(lock);
    Ok(kept)
}
