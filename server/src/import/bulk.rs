//! Running an import: checking on one thread while the writer stores each batch in the one
//! transaction, the import's own connection, and the bulk insert through rusqlite.

use super::*;

/// Checking on a blocking thread, storing here: `check` hands over batches of good rows (none
/// in a dry run), which [`Pipeline::next`] gives to the writer one by one, while the next is
/// being checked; [`Pipeline::finish`] returns what `check` returned.
pub(crate) struct Pipeline<T, R> {
    pub(crate) batches: mpsc::Receiver<Vec<T>>,
    pub(crate) checking: tokio::task::JoinHandle<R>,
}

impl<T: Send + 'static, R: Send + 'static> Pipeline<T, R> {
    pub(crate) fn start(
        dry_run: bool,
        check: impl FnOnce(Option<mpsc::Sender<Vec<T>>>) -> R + Send + 'static,
    ) -> Self {
        // Two batches in flight at most: the checker runs ahead of the writer by no more.
        let (to_writer, batches) = mpsc::channel(2);
        let checking = tokio::task::spawn_blocking(move || check((!dry_run).then_some(to_writer)));
        Pipeline { batches, checking }
    }

    pub(crate) async fn next(&mut self) -> Option<Vec<T>> {
        self.batches.recv().await
    }

    pub(crate) async fn finish(self) -> anyhow::Result<R> {
        Ok(self.checking.await?)
    }
}

/// An import's own connection to the database, with SQLite's foreign-key checks off, for a
/// transaction that the import begins before it reads the customers and routes it checks the
/// file against — `BEGIN IMMEDIATE`, taking the write lock, unless it is a dry run — and ends
/// after the last row. No other writer can change those customers and routes meanwhile, and
/// every customer or route id the import writes comes from what it read in that transaction:
/// the foreign keys hold by construction, and checking them again for every row was a quarter
/// of the time SQLite took to store 1.2M purchases. The pool's connections keep their checks.
///
/// The writers' turn comes first (a dry run writes nothing and needs none): other writers of
/// this process wait for the import without holding a connection.
pub(crate) async fn import_connection(
    pool: &SqlitePool,
    dry_run: bool,
) -> anyhow::Result<(Option<crate::db::Turn>, SqliteConnection)> {
    let turn = match dry_run {
        true => None,
        false => Some(crate::db::turn(pool).await),
    };
    let options = pool.connect_options().as_ref().clone().foreign_keys(false);
    Ok((turn, options.connect().await?))
}

/// Begins the import's transaction on its own connection (a dry run's is rolled back at the
/// end) and reads every customer's code and id, which each row is checked against.
pub(crate) async fn begin(
    conn: &mut SqliteConnection,
    dry_run: bool,
) -> anyhow::Result<(sqlx::Transaction<'_, sqlx::Sqlite>, HashMap<String, i64>)> {
    let statement = if dry_run { "BEGIN" } else { "BEGIN IMMEDIATE" };
    #[allow(clippy::disallowed_methods)] // in this writer's turn, on the import's own connection
    let mut tx = conn.begin_with(statement).await?;
    let rows = sqlx::query_as::<_, (String, i64)>("SELECT code, id FROM customers")
        .fetch_all(&mut *tx)
        .await?;
    Ok((tx, rows.into_iter().collect()))
}

/// Records a clean import in the audit trail and commits it.
pub(crate) async fn commit(
    mut tx: sqlx::Transaction<'_, sqlx::Sqlite>,
    user: Option<i64>,
    kind: Kind,
    note: app::wire::AuditNote,
    out: ImportReport,
) -> anyhow::Result<ImportReport> {
    crate::db::audit::Line::new(user, format!("import.{}", kind.key()))
        .note(note)
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(ImportReport {
        committed: true,
        ..out
    })
}

pub(crate) use crate::db::with_rusqlite;

/// Rows a bulk statement inserts at once: SQLite sets up a statement's cursors once per
/// execution, so many rows to a statement spread that cost.
pub(crate) const ROWS_PER_STATEMENT: usize = 200;

/// Inserts `rows` with `{insert} VALUES (?, …), (?, …) … {upsert}`, [`ROWS_PER_STATEMENT`] rows
/// to an execution, each prepared statement used for every chunk of its size. `bind` binds one
/// row's `columns` values, numbered from the index it is given.
pub(crate) fn insert_rows<R>(
    db: &rusqlite::Connection,
    insert: &str,
    columns: usize,
    upsert: &str,
    rows: &[R],
    mut bind: impl FnMut(&mut rusqlite::Statement<'_>, usize, &R) -> rusqlite::Result<()>,
) -> rusqlite::Result<()> {
    let per_row = format!("({})", vec!["?"; columns].join(", "));
    let per_statement = ROWS_PER_STATEMENT.min(30_000 / columns).max(1);
    let sql = |n: usize| {
        format!(
            "{insert} VALUES {} {upsert}",
            vec![per_row.as_str(); n].join(", ")
        )
    };
    let mut full: Option<rusqlite::Statement<'_>> = None;
    for chunk in rows.chunks(per_statement) {
        let mut last;
        let statement = if chunk.len() == per_statement {
            if full.is_none() {
                full = Some(db.prepare(&sql(per_statement))?);
            }
            full.as_mut().expect("prepared just above")
        } else {
            last = db.prepare(&sql(chunk.len()))?;
            &mut last
        };
        for (k, row) in chunk.iter().enumerate() {
            bind(statement, k * columns + 1, row)?;
        }
        statement.raw_execute()?;
    }
    Ok(())
}

/// Checks `bytes` as a `kind` file and, unless `dry_run` or a row is bad, writes it all in one
/// transaction. `user` is recorded in the audit trail.
pub async fn run(
    pool: &SqlitePool,
    kind: Kind,
    bytes: impl Into<Bytes>,
    dry_run: bool,
    user: Option<i64>,
) -> anyhow::Result<ImportReport> {
    let bytes = bytes.into();
    match kind {
        Kind::Customers => customers(pool, bytes, dry_run, user).await,
        Kind::Purchases => purchases(pool, bytes, dry_run, user).await,
    }
}

/// Checks a `kind` file as an import would, against the customer codes and route codes or names
/// given (each with its id) and months up to `latest` (yyyymm), without a database: nothing is
/// written. The fuzz targets and tests call it.
pub fn check_only(
    kind: Kind,
    bytes: &[u8],
    customers: &[(&str, i64)],
    routes: &[(&str, i64)],
    latest: u32,
) -> ImportReport {
    let map = |pairs: &[(&str, i64)]| -> HashMap<String, i64> {
        pairs.iter().map(|(k, v)| ((*k).to_string(), *v)).collect()
    };
    match kind {
        Kind::Customers => {
            check_customers(bytes, &map(customers), &map(routes), &OnceLock::new(), None)
        }
        Kind::Purchases => check_purchases(bytes, &map(customers), latest, None),
    }
}
