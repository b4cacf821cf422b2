//! Writers' turns: every writing transaction of the process waits, holding no connection, for its
//! file's turn, then begins with `BEGIN IMMEDIATE` on the file's one writing connection (see the
//! module `db`).

use super::*;

/// What the writers of one database file share in this process: the queue for their turn, and
/// the one connection they write through. Readers have the pool they were given; a writer never
/// waits behind readers for a connection, only for the writer before it.
#[derive(Clone)]
pub(super) struct Writers {
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
pub(super) static WRITERS: LazyLock<Mutex<HashMap<PathBuf, Writers>>> =
    LazyLock::new(Default::default);

pub(super) fn writers(pool: &SqlitePool) -> Writers {
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
pub(super) async fn forget_writers(file: &Path) {
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
