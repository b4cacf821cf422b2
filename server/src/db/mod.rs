//! kehu's SQLite files, how writers take their turn, upgrades that are all or nothing, and
//! backups; below, one module an area holds that area's SQL — the only SQL of the server but the
//! bulk writers' (`import`, `demo`). Every time a statement writes or compares is bound from
//! `crate::time`, never SQLite's `'now'`.
//!
//! - **Two files.** The archive (`kehu.db`: customers, purchases, policies, the audit trail …)
//!   and, beside it, the sign-in state (`kehu.sessions.db`: sessions, failed sign-ins, known
//!   devices). SQLite has one write lock per file: a long import holds the archive's for its
//!   whole transaction, and signing in or out must not wait for it.
//! - **One writer at a time, in turn.** Every writing transaction of the process goes through
//!   [`write`]: it waits (asynchronously, holding no connection) for its file's turn, then
//!   begins with `BEGIN IMMEDIATE` on the file's one writing connection, so it holds the write
//!   lock from its first read and never queues behind readers for a connection. A deferred
//!   transaction that reads and then writes fails at once with "database is locked" when
//!   another writer got in between; this one cannot. Turns are first come, first served.
//!   Writers in other processes (`kehu import` beside a running server) wait in SQLite's busy
//!   handler, up to [`BUSY_TIMEOUT`].
//! - **Upgrades.** Every pending migration runs in one transaction: a failing one leaves the
//!   file as it was. A database written by a newer kehu (a migration this binary does not know)
//!   is refused with a message saying so, before anything is touched.
//! - **Backups.** [`backup`] copies the archive consistently while the server runs and writes go
//!   on (`VACUUM INTO`); [`restore`] checks a copy and puts it in place, refused while anything
//!   else has the database open (every opener holds a shared lock on `kehu.db.lock`).

mod backup;
mod migrate;
mod turns;

pub use backup::{backup, restore};
pub use migrate::migrate;
pub use turns::*;

pub mod audit;
pub mod calendar;
pub mod complaints;
pub mod customer_list;
pub mod customers;
pub mod directory;
pub mod drafts;
pub mod facts;
pub mod policy;
pub mod reports;
pub mod scope;
pub mod self_service;
pub mod sent;
pub mod sessions;
pub mod users;
pub mod visits;

use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, Sqlite, SqliteConnection, SqlitePool, Transaction};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long a writer waits for another process's write lock before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(120);

/// The archive's schema.
pub static ARCHIVE: Migrator = sqlx::migrate!("./migrations");
/// The sign-in state's schema.
pub static SESSIONS: Migrator = sqlx::migrate!("./sessions-migrations");

/// The open databases of one kehu installation.
#[derive(Clone)]
pub struct Databases {
    /// Customers, purchases, policies, service records, the audit trail.
    pub archive: SqlitePool,
    /// Sessions, failed sign-ins and known devices.
    pub sessions: SqlitePool,
    /// The archive again, two connections for looking up who is asking (every request does):
    /// sign-in and the session check never wait behind slow page queries.
    pub accounts: SqlitePool,
    /// The archive again, two connections for keeping the facts in memory current (every page
    /// that classifies or lists asks whether anything changed): the check and the reload of a
    /// changed customer never wait behind page queries for a connection.
    pub facts: SqlitePool,
    /// Held (shared) while these are open: `kehu restore` needs it alone.
    _in_use: Arc<std::fs::File>,
}

/// Where the sign-in state of the archive at `archive` lives: `kehu.db` → `kehu.sessions.db`.
pub fn sessions_path(archive: &Path) -> PathBuf {
    archive.with_extension("sessions.db")
}

/// The lock file that says the database at `archive` is in use.
fn lock_path(archive: &Path) -> PathBuf {
    let mut name = archive.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// The lock file at `path`, created if missing.
fn open_lock(path: &Path) -> anyhow::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))
}

/// Marks the database at `archive` as in use (shared): fails while a restore replaces it.
fn in_use(archive: &Path) -> anyhow::Result<std::fs::File> {
    let path = lock_path(archive);
    let file = open_lock(&path)?;
    match file.try_lock_shared() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "{} is being restored from a backup right now; try again when `kehu restore` has finished",
            archive.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            anyhow::bail!("cannot lock {}: {e}", path.display())
        }
    }
}

fn options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        // SQLite's default page cache: a 32 MB cache and in-memory temp store were tried and
        // made `kehu demo --customers 100000` 1.8x slower (29-32 s vs 52-59 s) with imports no
        // faster.
        .busy_timeout(BUSY_TIMEOUT)
}

/// The absolute form of `path` (its folder created if missing), so that every pool on one file
/// shares one writers' queue however the path was spelled.
fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir)
        .map_err(|e| anyhow::anyhow!("cannot create the database folder {}: {e}", dir.display()))?;
    let dir = dir
        .canonicalize()
        .map_err(|e| anyhow::anyhow!("cannot find the folder {}: {e}", dir.display()))?;
    let name = path
        .file_name()
        .ok_or_else(|| anyhow::anyhow!("{} is a folder, not a database file", path.display()))?;
    Ok(dir.join(name))
}

/// The options of a pool the server reads or writes through: a busy server queues a request
/// rather than failing it, and a connection is not pinged before each use — it is to a file
/// of this machine, not over a network that may have dropped it, and the ping was a round trip
/// to the connection's thread for every query (3 % of the server's CPU under load).
fn serving(max: u32) -> SqlitePoolOptions {
    SqlitePoolOptions::new()
        .max_connections(max)
        .acquire_timeout(BUSY_TIMEOUT)
        .test_before_acquire(false)
}

async fn pool(path: &Path, max: u32, schema: &Migrator) -> anyhow::Result<SqlitePool> {
    let pool = serving(max)
        .connect_with(options(path))
        .await
        .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
    migrate(&pool, schema).await?;
    Ok(pool)
}

/// Opens (creating if needed) the archive at `path` and its sign-in state beside it, and brings
/// both schemas up to date.
pub async fn open(path: &Path) -> anyhow::Result<Databases> {
    let path = absolute(path)?;
    let lock = in_use(&path)?;
    let archive = pool(&path, 8, &ARCHIVE).await?;
    let beside = || serving(2).connect_with(archive.connect_options().as_ref().clone());
    let accounts = beside().await?;
    let facts = beside().await?;
    calendar::load_zone(&archive).await?;
    Ok(Databases {
        archive,
        sessions: pool(&sessions_path(&path), 4, &SESSIONS).await?,
        accounts,
        facts,
        _in_use: Arc::new(lock),
    })
}

/// Runs `work` through rusqlite on `conn` itself (inside its transaction, if it is in one): bulk
/// rows are bound straight into prepared statements, where sqlx would allocate for every value
/// and copy every text once more before SQLite makes its own copy (a third of the time of a
/// customers import went to the allocator), and read straight from them, where sqlx sends every
/// row across threads (half a million visits took 3 s to read). On a multi-threaded runtime
/// the worker is handed over to other tasks meanwhile.
pub(crate) async fn with_rusqlite<T>(
    conn: &mut SqliteConnection,
    work: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
) -> anyhow::Result<T> {
    let mut handle = conn.lock_handle().await?;
    // SAFETY: the pointer is sqlx's open connection, locked away from its worker thread while
    // `handle` lives, and `db` is dropped first (with its statements, which `work` finalizes);
    // a connection made by `from_handle` never closes the handle.
    let db = unsafe { rusqlite::Connection::from_handle(handle.as_raw_handle().as_ptr()) }?;
    let multi_threaded = tokio::runtime::Handle::current().runtime_flavor()
        == tokio::runtime::RuntimeFlavor::MultiThread;
    let written = if multi_threaded {
        tokio::task::block_in_place(|| work(&db))
    } else {
        work(&db)
    };
    drop(db);
    Ok(written?)
}
