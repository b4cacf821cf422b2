//! kehu's SQLite files, how writers take their turn, upgrades that are all or nothing, and
//! backups.
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
    Ok(Databases {
        archive,
        sessions: pool(&sessions_path(&path), 4, &SESSIONS).await?,
        accounts,
        facts,
        _in_use: Arc::new(lock),
    })
}

// ---------------------------------------------------------------------------------------------
// Writers' turns.

/// What the writers of one database file share in this process: the queue for their turn, and
/// the one connection they write through. Readers have the pool they were given; a writer never
/// waits behind readers for a connection, only for the writer before it.
#[derive(Clone)]
struct Writers {
    turn: Arc<Semaphore>,
    connection: SqlitePool,
    /// Turns ended: rises after every write of this process to the file, once it is committed
    /// (or rolled back).
    ended: Arc<AtomicU64>,
    /// Pieces of work under [`noting_writes`] that wrote to the file and have not ended yet
    /// (see [`owed`]).
    owed: Arc<AtomicU64>,
}

/// One entry per database file.
static WRITERS: LazyLock<Mutex<HashMap<PathBuf, Writers>>> = LazyLock::new(Default::default);

fn writers(pool: &SqlitePool) -> Writers {
    let options = pool.connect_options();
    let file = options.get_filename().to_path_buf();
    let mut all = WRITERS.lock().unwrap_or_else(|p| p.into_inner());
    all.entry(file)
        .or_insert_with(|| Writers {
            turn: Arc::new(Semaphore::new(1)),
            ended: Arc::new(AtomicU64::new(0)),
            owed: Arc::new(AtomicU64::new(0)),
            connection: serving(1)
                .min_connections(0)
                .connect_lazy_with(options.as_ref().clone()),
        })
        .clone()
}

/// Closes this process's writing connection to `file` (a restore is about to replace it: the
/// next writer opens a new one, to the new file).
async fn forget_writers(file: &Path) {
    let gone = WRITERS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(file);
    if let Some(w) = gone {
        w.connection.close().await;
    }
}

/// A writer's turn at one file: the write lock is this process's while it lives (other
/// processes aside, see [`BUSY_TIMEOUT`]). When it ends, [`writes`] of the file rises.
pub struct Turn {
    _permit: OwnedSemaphorePermit,
    ended: Arc<AtomicU64>,
    owed: Arc<AtomicU64>,
}

impl Drop for Turn {
    fn drop(&mut self) {
        self.ended.fetch_add(1, Ordering::Release);
        let _ = WRITTEN.try_with(|w| {
            let w = &mut w.borrow_mut().0;
            if !w.iter().any(|o| Arc::ptr_eq(o, &self.owed)) {
                self.owed.fetch_add(1, Ordering::AcqRel);
                w.push(self.owed.clone());
            }
        });
    }
}

tokio::task_local! {
    /// The files written during [`noting_writes`] (by their counters of work owed; dropped with
    /// the work when it is given up, which ends what it owed).
    static WRITTEN: std::cell::RefCell<Written>;
}

/// The files a piece of work wrote to, see [`noting_writes`]. Until it is dropped, [`owed`] of
/// each counts it.
#[derive(Debug, Default)]
pub struct Written(Vec<Arc<AtomicU64>>);

impl Written {
    /// Whether a turn at `pool`'s file ended during the work (a write committed or not).
    pub fn includes(&self, pool: &SqlitePool) -> bool {
        let owed = writers(pool).owed;
        self.0.iter().any(|o| Arc::ptr_eq(o, &owed))
    }
}

impl Drop for Written {
    fn drop(&mut self) {
        for o in &self.0 {
            o.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

/// Runs `work` and says which files it wrote to (its own writes only, not those of other tasks
/// meanwhile).
pub async fn noting_writes<F: std::future::Future>(work: F) -> (F::Output, Written) {
    WRITTEN
        .scope(Default::default(), async move {
            let out = work.await;
            (out, WRITTEN.with(|w| w.take()))
        })
        .await
}

/// Whether the work under [`noting_writes`] this is part of wrote to `pool`'s file.
pub fn wrote_here(pool: &SqlitePool) -> bool {
    WRITTEN
        .try_with(|w| w.borrow().includes(pool))
        .unwrap_or(false)
}

/// How many pieces of work under [`noting_writes`] wrote to `pool`'s file and have not ended:
/// what they wrote is to be taken in by their own ending (see `web::facts_after_writes`), so
/// others need not.
pub fn owed(pool: &SqlitePool) -> u64 {
    writers(pool).owed.load(Ordering::Acquire)
}

/// Waits for the turn to write to `pool`'s file.
pub async fn turn(pool: &SqlitePool) -> Turn {
    let w = writers(pool);
    Turn {
        _permit: w
            .turn
            .acquire_owned()
            .await
            .expect("the writers' queue is never closed"),
        ended: w.ended,
        owed: w.owed,
    }
}

/// How many writes of this process to `pool`'s file have ended (committed or not). Unchanged
/// since a look at the data, and nothing this process wrote can have changed it since; what
/// other processes write is not counted here.
pub fn writes(pool: &SqlitePool) -> u64 {
    writers(pool).ended.load(Ordering::Acquire)
}

/// A writing transaction: begun with `BEGIN IMMEDIATE` in this writer's turn. Dropped without
/// [`Write::commit`], it rolls back. Use it as a connection (`&mut *tx`). The turn ends after
/// the transaction does (fields drop in order).
pub struct Write {
    tx: Transaction<'static, Sqlite>,
    _turn: Turn,
}

impl Write {
    pub async fn commit(self) -> sqlx::Result<()> {
        self.tx.commit().await
    }
}

impl std::ops::Deref for Write {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for Write {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.tx
    }
}

/// Begins a writing transaction on `pool`, in turn (see the module's documentation). Every
/// write of kehu's goes through here, single statements included.
pub async fn write(pool: &SqlitePool) -> sqlx::Result<Write> {
    let turn = turn(pool).await;
    let connection = writers(pool).connection;
    #[allow(clippy::disallowed_methods)] // the one place that begins a writing transaction
    let tx = connection.begin_with("BEGIN IMMEDIATE").await?;
    Ok(Write { tx, _turn: turn })
}

/// Runs one statement as a writing transaction of its own, in turn; how many rows it changed.
pub async fn write_one(
    pool: &SqlitePool,
    statement: sqlx::query::Query<'_, Sqlite, sqlx::sqlite::SqliteArguments>,
) -> sqlx::Result<u64> {
    let mut tx = write(pool).await?;
    let changed = statement.execute(&mut *tx).await?.rows_affected();
    tx.commit().await?;
    Ok(changed)
}

// ---------------------------------------------------------------------------------------------
// Schema upgrades.

/// The applied migrations' versions and descriptions (none on a new database).
async fn applied(conn: &mut SqliteConnection) -> sqlx::Result<Vec<(i64, String)>> {
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

// ---------------------------------------------------------------------------------------------
// Backups.

/// What a check of a database file found wrong, if anything.
async fn check_file(conn: &mut SqliteConnection) -> anyhow::Result<Option<String>> {
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
