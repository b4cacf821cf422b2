//! CSV import of customers and of monthly purchases, all or nothing.
//!
//! The file is decoded (UTF-8 with or without a byte-order mark, or GB18030 as Chinese Excel
//! saves it), every row is checked against the field registry's rules, and only a file without
//! a single bad row is written — in one transaction. A dry run does everything but the writing.
//!
//! - Customers: a header of field keys (the export's header, so an exported list can be edited
//!   in Excel and imported back); `code` is required. A known code updates that customer (only
//!   the non-empty cells; the record version moves on), a new one inserts a customer, which then
//!   needs `shop_name`, `business_format` and `market_type`. `route` takes a route's code or
//!   name. Computed and unknown columns are ignored and listed in the report.
//! - Purchases: `customer_code, month, cartons, amount_yuan`; a row for a month already stored
//!   replaces it. Optional columns from the logistics system feed the experience score:
//!   `requested_cartons` (what the customer ordered; cartons are what was supplied),
//!   `deliveries` and `late_deliveries`; an empty cell keeps what is stored.
//!
//! Checking and writing overlap, one on each core: the rows are checked on a blocking thread
//! and handed over in batches to the writer, which stores each batch in the one transaction
//! while the next is being checked. The first bad row stops the writing — the transaction is
//! rolled back at the end — but not the checking, so every bad row of the file is still listed.

use crate::spreadsheet::uncell;
use app::model::{FieldDef, ImportReport, Maintenance, RowError};
use axum::body::Bytes;
use kehu_engine::Cents;
use sqlx::{ConnectOptions, Connection, QueryBuilder, SqliteConnection, SqlitePool};
use std::borrow::Cow;
use std::sync::{Arc, OnceLock};
use tokio::sync::mpsc;
// Fx hashing: the maps are keyed by codes and (customer, month) from our own files, and checking
// a million purchase rows spent a tenth of its time in SipHash.
use rustc_hash::FxHashMap as HashMap;

/// Optional columns of the purchases file, from the logistics system.
const LOGISTICS: [&str; 3] = ["requested_cartons", "deliveries", "late_deliveries"];

/// At most this many bad rows are listed (all are counted).
pub const MAX_LISTED_ERRORS: usize = 1_000;

/// Good rows are handed from the checking thread to the writer this many at a time.
const BATCH_ROWS: usize = 8_000;

/// What is imported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Customers,
    Purchases,
}

impl Kind {
    pub fn from_key(k: &str) -> Option<Self> {
        match k {
            "customers" => Some(Kind::Customers),
            "purchases" => Some(Kind::Purchases),
            _ => None,
        }
    }

    pub const fn key(self) -> &'static str {
        match self {
            Kind::Customers => "customers",
            Kind::Purchases => "purchases",
        }
    }
}

/// The file's text: UTF-8 (a byte-order mark is dropped) or, failing that, GB18030.
pub fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, String> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(body) {
        return Ok(Cow::Borrowed(text));
    }
    let (text, malformed) = encoding_rs::GB18030.decode_without_bom_handling(body);
    if malformed {
        Err(
            "the file is neither UTF-8 nor GB18030 text; save it from Excel as \"CSV UTF-8\""
                .into(),
        )
    } else {
        Ok(text)
    }
}

/// Collects bad rows: all counted, the first [`MAX_LISTED_ERRORS`] kept.
#[derive(Default)]
struct Problems {
    listed: Vec<RowError>,
    count: u64,
}

impl Problems {
    fn add(&mut self, line: u64, column: &str, reason: impl Into<String>) {
        self.count += 1;
        if self.listed.len() < MAX_LISTED_ERRORS {
            self.listed.push(RowError {
                line,
                column: column.to_string(),
                reason: reason.into(),
            });
        }
    }
}

fn report(kind: Kind, rows: u64, p: Problems) -> ImportReport {
    ImportReport {
        kind: kind.key().to_string(),
        rows,
        inserted: 0,
        updated: 0,
        ignored_columns: Vec::new(),
        errors: p.listed,
        error_count: p.count,
        committed: false,
    }
}

/// What the checking thread keeps: every bad row, and the good ones on their way to the writer
/// until the first bad row — from then on nothing more is written, as the file will not be
/// imported, but the checking goes on to list every bad row.
struct Check<T> {
    problems: Problems,
    writer: Option<mpsc::Sender<Vec<T>>>,
    batch: Vec<T>,
}

impl<T> Check<T> {
    fn new(writer: Option<mpsc::Sender<Vec<T>>>) -> Self {
        Check {
            problems: Problems::default(),
            writer,
            batch: Vec::new(),
        }
    }

    fn bad(&mut self, line: u64, column: &str, reason: impl Into<String>) {
        self.problems.add(line, column, reason);
        self.writer = None;
        self.batch = Vec::new();
    }

    /// A good row for the writer (dropped after a bad row, and in a dry run).
    fn keep(&mut self, row: T) {
        let Some(writer) = &self.writer else { return };
        self.batch.push(row);
        if self.batch.len() == BATCH_ROWS {
            let full = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH_ROWS));
            if writer.blocking_send(full).is_err() {
                // The writer has given up (a database error, already reported to the caller).
                self.writer = None;
            }
        }
    }

    /// Hands over the last batch; the bad rows.
    fn finish(mut self) -> Problems {
        if let Some(writer) = self.writer.take()
            && !self.batch.is_empty()
        {
            // A closed writer has failed and says so itself.
            let _ = writer.blocking_send(std::mem::take(&mut self.batch));
        }
        self.problems
    }
}

/// Checking on a blocking thread, storing here: `check` hands over batches of good rows (none
/// in a dry run), which [`Pipeline::next`] gives to the writer one by one, while the next is
/// being checked; [`Pipeline::finish`] returns what `check` returned.
struct Pipeline<T, R> {
    batches: mpsc::Receiver<Vec<T>>,
    checking: tokio::task::JoinHandle<R>,
}

impl<T: Send + 'static, R: Send + 'static> Pipeline<T, R> {
    fn start(
        dry_run: bool,
        check: impl FnOnce(Option<mpsc::Sender<Vec<T>>>) -> R + Send + 'static,
    ) -> Self {
        // Two batches in flight at most: the checker runs ahead of the writer by no more.
        let (to_writer, batches) = mpsc::channel(2);
        let checking = tokio::task::spawn_blocking(move || check((!dry_run).then_some(to_writer)));
        Pipeline { batches, checking }
    }

    async fn next(&mut self) -> Option<Vec<T>> {
        self.batches.recv().await
    }

    async fn finish(self) -> anyhow::Result<R> {
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
async fn import_connection(pool: &SqlitePool) -> anyhow::Result<SqliteConnection> {
    let options = pool.connect_options().as_ref().clone().foreign_keys(false);
    Ok(options.connect().await?)
}

/// Every customer's code and id.
async fn customer_ids(conn: &mut SqliteConnection) -> sqlx::Result<HashMap<String, i64>> {
    let rows = sqlx::query_as::<_, (String, i64)>("SELECT code, id FROM customers")
        .fetch_all(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Records a clean import in the audit trail and commits it.
async fn commit(
    mut tx: sqlx::Transaction<'_, sqlx::Sqlite>,
    user: Option<i64>,
    kind: Kind,
    detail: String,
    out: ImportReport,
) -> anyhow::Result<ImportReport> {
    crate::db::audit::Line::new(user, format!("import.{}", kind.key()))
        .detail(detail)
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(ImportReport {
        committed: true,
        ..out
    })
}

/// The statement that begins an import's transaction.
fn begin(dry_run: bool) -> &'static str {
    if dry_run { "BEGIN" } else { "BEGIN IMMEDIATE" }
}

/// Runs `write` through rusqlite on `conn` itself, inside the import's transaction: bulk rows are
/// bound straight into prepared statements, where sqlx would allocate for every value and copy
/// every text once more before SQLite makes its own copy (a third of the time of a customers
/// import went to the allocator). On a multi-threaded runtime the worker is handed over to
/// other tasks meanwhile.
async fn with_rusqlite<T>(
    conn: &mut SqliteConnection,
    write: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
) -> anyhow::Result<T> {
    let mut handle = conn.lock_handle().await?;
    // SAFETY: the pointer is sqlx's open connection, locked away from its worker thread while
    // `handle` lives, and `db` is dropped first (with its statements, which `write` finalizes);
    // a connection made by `from_handle` never closes the handle.
    let db = unsafe { rusqlite::Connection::from_handle(handle.as_raw_handle().as_ptr()) }?;
    let multi_threaded = tokio::runtime::Handle::current().runtime_flavor()
        == tokio::runtime::RuntimeFlavor::MultiThread;
    let written = if multi_threaded {
        tokio::task::block_in_place(|| write(&db))
    } else {
        write(&db)
    };
    drop(db);
    Ok(written?)
}

/// Rows a bulk statement inserts at once: SQLite sets up a statement's cursors once per
/// execution, so many rows to a statement spread that cost.
const ROWS_PER_STATEMENT: usize = 200;

/// Inserts `rows` with `{insert} VALUES (?, …), (?, …) … {upsert}`, [`ROWS_PER_STATEMENT`] rows
/// to an execution, each prepared statement used for every chunk of its size. `bind` binds one
/// row's `columns` values, numbered from the index it is given.
fn insert_rows<R>(
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

/// The file's text, or why it has none.
fn text_of(bytes: &[u8]) -> Result<Cow<'_, str>, Problems> {
    let mut p = Problems::default();
    match decode(bytes) {
        Ok(t) if t.trim().is_empty() => p.add(1, "", "the file is empty"),
        Ok(t) => return Ok(t),
        Err(reason) => p.add(1, "", reason),
    }
    Err(p)
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

/// Reads the header's column names. A name that appears twice is refused (which of the two
/// would count?), as is an empty file.
fn header(reader: &mut csv::Reader<&[u8]>, p: &mut Problems) -> Option<Vec<String>> {
    let names: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_string()).collect(),
        Err(e) => {
            p.add(1, "", format!("cannot read the header: {e}"));
            return None;
        }
    };
    let mut twice = false;
    for (i, name) in names.iter().enumerate() {
        if let Some(first) = names[..i].iter().position(|n| n == name)
            && !name.is_empty()
        {
            p.add(
                1,
                name,
                format!(
                    "this column appears twice (columns {} and {}): keep one",
                    first + 1,
                    i + 1
                ),
            );
            twice = true;
        }
    }
    (!twice).then_some(names)
}

/// A cell's text as an error message quotes it: at most 40 characters, control characters (a
/// terminal's escape sequences among them) shown as `�`.
fn echo(cell: &str) -> String {
    let mut out: String = cell
        .chars()
        .take(40)
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect();
    if cell.chars().nth(40).is_some() {
        out.push('…');
    }
    out
}

/// The line number of a record (the header is line 1).
fn line_of(record: &csv::StringRecord, fallback: u64) -> u64 {
    record.position().map_or(fallback, |pos| pos.line())
}

/// Reads the next record into `record`; `None` at the end. A row that is not CSV is counted
/// and listed (`Some(false)`).
fn next_record<T>(
    reader: &mut csv::Reader<&[u8]>,
    record: &mut csv::StringRecord,
    count: &mut u64,
    check: &mut Check<T>,
) -> Option<bool> {
    let fallback = *count + 2;
    *count += 1;
    match reader.read_record(record) {
        Ok(true) => Some(true),
        Ok(false) => {
            *count -= 1;
            None
        }
        Err(e) => {
            check.bad(fallback, "", format!("not a CSV row: {e}"));
            if e.is_io_error() { None } else { Some(false) }
        }
    }
}

/// The "header but no rows" error of an otherwise clean file.
fn no_rows(out: &mut ImportReport) {
    out.error_count += 1;
    out.errors.push(RowError {
        line: 2,
        column: String::new(),
        reason: "the file has a header but no rows".into(),
    });
}

/// The columns of a customers file that are read: each field in header order, with its index
/// in the CSV row; `None` for the route column (a route's code or name, resolved to its id).
type Layout = Vec<(usize, Option<&'static FieldDef>)>;

struct CustomerRow {
    code: String,
    is_new: bool,
    /// The normalised values of the layout's fields, one after the other (one allocation a row,
    /// not one a cell: the writer frees what the checker allocated, across threads).
    text: String,
    /// Where each field of the layout stands in `text`; `None` for an empty cell (and for the
    /// code and route columns).
    cells: Vec<Option<(u32, u32)>>,
    route: Option<Option<i64>>,
}

impl CustomerRow {
    fn value(&self, ci: usize) -> Option<&str> {
        self.cells[ci].map(|(from, to)| &self.text[from as usize..to as usize])
    }

    fn changes_nothing(&self) -> bool {
        self.cells.iter().all(Option::is_none) && self.route.is_none()
    }
}

/// The fields a new customer must have.
const REQUIRED_FOR_NEW: [&str; 3] = ["shop_name", "business_format", "market_type"];

/// Checks a customers file against `existing` codes and `routes` (by code and by name),
/// handing good rows to `writer`; sets `layout` before the first row is handed over.
fn check_customers(
    bytes: &[u8],
    existing: &HashMap<String, i64>,
    routes: &HashMap<String, i64>,
    layout: &OnceLock<Layout>,
    writer: Option<mpsc::Sender<Vec<CustomerRow>>>,
) -> ImportReport {
    let text = match text_of(bytes) {
        Ok(t) => t,
        Err(p) => return report(Kind::Customers, 0, p),
    };
    let mut c = Check::new(writer);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let Some(names) = header(&mut reader, &mut c.problems) else {
        return report(Kind::Customers, 0, c.finish());
    };
    let mut columns: Layout = Vec::new();
    let mut ignored = Vec::new();
    for (i, name) in names.iter().enumerate() {
        match app::model::field(name) {
            Some(f) if f.key == "route" => columns.push((i, None)),
            Some(f) if f.maintenance != Maintenance::Computed => columns.push((i, Some(f))),
            _ => ignored.push(name.clone()),
        }
    }
    let Some(code_at) = names.iter().position(|n| n == "code") else {
        c.bad(
            1,
            "code",
            "missing column: every row needs the customer code",
        );
        return report(Kind::Customers, 0, c.finish());
    };
    if c.problems.count > 0 {
        return report(Kind::Customers, 0, c.finish());
    }
    let missing_for_new: Vec<&str> = REQUIRED_FOR_NEW
        .into_iter()
        .filter(|needed| {
            !columns
                .iter()
                .any(|c| c.1.is_some_and(|f| f.key == *needed))
        })
        .collect();
    let layout = layout.get_or_init(|| columns);

    let (mut inserted, mut updated) = (0, 0);
    let mut seen: HashMap<String, u64> = HashMap::default();
    let mut count = 0u64;
    let mut record = csv::StringRecord::new();
    while let Some(is_csv) = next_record(&mut reader, &mut record, &mut count, &mut c) {
        if !is_csv {
            continue;
        }
        let line = line_of(&record, count + 1);
        let code = uncell(record.get(code_at).unwrap_or("").trim()).to_string();
        if code.is_empty() {
            c.bad(line, "code", "must not be empty");
            continue;
        }
        if code.chars().count() > app::model::MAX_TEXT_CHARS as usize {
            c.bad(
                line,
                "code",
                format!("at most {} characters", app::model::MAX_TEXT_CHARS),
            );
            continue;
        }
        if let Some(first) = seen.insert(code.clone(), line) {
            c.bad(
                line,
                "code",
                format!("{} appears again (first on line {first})", echo(&code)),
            );
            continue;
        }
        let is_new = !existing.contains_key(&code);
        let mut row = CustomerRow {
            code,
            is_new,
            text: String::with_capacity(record.as_slice().len()),
            cells: vec![None; layout.len()],
            route: None,
        };
        for (ci, (i, field)) in layout.iter().enumerate() {
            let raw = uncell(record.get(*i).unwrap_or("").trim());
            let Some(f) = field else {
                if raw.is_empty() {
                    continue;
                }
                match routes.get(raw) {
                    Some(id) => row.route = Some(Some(*id)),
                    None => c.bad(
                        line,
                        "route",
                        format!("no route with the code or name \"{}\"", echo(raw)),
                    ),
                }
                continue;
            };
            if raw.is_empty() {
                if is_new && REQUIRED_FOR_NEW.contains(&f.key) {
                    c.bad(line, f.key, "required for a new customer");
                }
                continue;
            }
            if f.key == "code" {
                continue;
            }
            match f.parse(raw) {
                Ok(v) => {
                    let from = row.text.len() as u32;
                    row.text.push_str(&v);
                    row.cells[ci] = Some((from, row.text.len() as u32));
                }
                Err(problem) => c.bad(
                    line,
                    f.key,
                    problem
                        .to_string()
                        .trim_start_matches(&format!("{}: ", f.key))
                        .to_string(),
                ),
            }
        }
        if is_new {
            for needed in &missing_for_new {
                c.bad(line, needed, "required for a new customer (add the column)");
            }
            inserted += 1;
        } else {
            updated += 1;
        }
        c.keep(row);
    }
    let mut out = report(Kind::Customers, count, c.finish());
    out.ignored_columns = ignored;
    if count == 0 {
        no_rows(&mut out);
    }
    if out.error_count == 0 {
        (out.inserted, out.updated) = (inserted, updated);
    }
    out
}

/// Stores a batch of checked customers: new ones inserted (a schema default for each empty
/// cell), known ones updated in the cells given, their record version moving on.
async fn store_customers(
    conn: &mut SqliteConnection,
    layout: &Layout,
    defaults: &HashMap<String, String>,
    batch: Vec<CustomerRow>,
) -> anyhow::Result<()> {
    let fields: Vec<(usize, &'static FieldDef)> = layout
        .iter()
        .enumerate()
        .filter_map(|(ci, c)| c.1.filter(|f| f.key != "code").map(|f| (ci, f)))
        .collect();
    let has_route = layout.iter().any(|c| c.1.is_none());
    let (new_rows, old_rows): (Vec<CustomerRow>, Vec<CustomerRow>) =
        batch.into_iter().partition(|r| r.is_new);
    // New customers (a schema default for each empty cell).
    if !new_rows.is_empty() {
        let insert = format!(
            "INSERT INTO customers (code, route_id{})",
            fields
                .iter()
                .map(|(_, f)| format!(", {}", f.key))
                .collect::<String>(),
        );
        with_rusqlite(conn, |db| {
            insert_rows(db, &insert, 2 + fields.len(), "", &new_rows, |s, at, r| {
                s.raw_bind_parameter(at, r.code.as_str())?;
                s.raw_bind_parameter(at + 1, r.route.flatten())?;
                for (k, (ci, f)) in fields.iter().enumerate() {
                    let v = r
                        .value(*ci)
                        .or_else(|| defaults.get(f.key).map(String::as_str))
                        .unwrap_or("");
                    s.raw_bind_parameter(at + 2 + k, v)?;
                }
                Ok(())
            })
        })
        .await?;
    }
    for r in old_rows {
        if r.changes_nothing() {
            continue;
        }
        let mut qb = QueryBuilder::new(
            "UPDATE customers SET version = version + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
        );
        for (ci, f) in &fields {
            if let Some(v) = r.value(*ci) {
                qb.push(", ")
                    .push(f.key)
                    .push(" = ")
                    .push_bind(v.to_string());
            }
        }
        if has_route && let Some(route) = r.route {
            qb.push(", route_id = ").push_bind(route);
        }
        qb.push(" WHERE code = ").push_bind(r.code);
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

async fn customers(
    pool: &SqlitePool,
    bytes: Bytes,
    dry_run: bool,
    user: Option<i64>,
) -> anyhow::Result<ImportReport> {
    // The writers' turn first (a dry run writes nothing and needs none): other writers of this
    // process wait for the import without holding a connection.
    let _turn = match dry_run {
        true => None,
        false => Some(crate::db::turn(pool).await),
    };
    let mut conn = import_connection(pool).await?;
    #[allow(clippy::disallowed_methods)] // in this writer's turn, on the import's own connection
    let mut tx = conn.begin_with(begin(dry_run)).await?;
    let existing = customer_ids(&mut tx).await?;
    let mut routes: HashMap<String, i64> = HashMap::default();
    for (id, code, name) in
        sqlx::query_as::<_, (i64, String, String)>("SELECT id, code, name FROM routes")
            .fetch_all(&mut *tx)
            .await?
    {
        routes.insert(code, id);
        routes.insert(name, id);
    }
    // Column defaults for the cells a new customer leaves empty, straight from the schema.
    let defaults: HashMap<String, String> = sqlx::query_as::<_, (String, Option<String>)>(
        "SELECT name, dflt_value FROM pragma_table_info('customers')",
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|(name, d)| {
        let d = d.unwrap_or_default();
        let d = d.trim_matches('\'').to_string();
        (name, d)
    })
    .collect();

    let layout = Arc::new(OnceLock::new());
    let checker_layout = layout.clone();
    let mut pipe = Pipeline::start(dry_run, move |writer| {
        check_customers(&bytes, &existing, &routes, &checker_layout, writer)
    });
    while let Some(batch) = pipe.next().await {
        let layout = layout
            .get()
            .expect("the layout is set before any row is handed over");
        store_customers(&mut tx, layout, &defaults, batch).await?;
    }
    let out = pipe.finish().await?;
    if out.error_count > 0 || dry_run {
        // Dropping the transaction rolls back whatever was stored.
        return Ok(out);
    }
    let detail = format!(
        "{} rows: {} new customers, {} updated",
        out.rows, out.inserted, out.updated
    );
    commit(tx, user, Kind::Customers, detail, out).await
}

/// "2026-10" → 202610, if it is a real month.
fn month_number(s: &str) -> Option<u32> {
    let b = s.as_bytes();
    if b.len() != 7 || b[4] != b'-' || !b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit) {
        return None;
    }
    let y = s[..4].parse::<u32>().ok()?;
    let m = s[5..]
        .parse::<u32>()
        .ok()
        .filter(|m| (1..=12).contains(m))?;
    Some(y * 100 + m)
}

/// The earliest month a purchases file may hold.
pub const FIRST_MONTH: &str = "2000-01";
/// The most cartons one customer takes in one month (a row above it is a typing error).
pub const MAX_CARTONS: u32 = 100_000;
/// The largest amount of one customer's month, in yuan.
pub const MAX_AMOUNT_YUAN: i64 = 100_000_000;
/// The most deliveries of one customer in one month.
pub const MAX_DELIVERIES: u32 = 1_000;

/// A whole number of 0..=max as a spreadsheet writes it (`12`, `12.0`, `1.2E+3`).
fn whole(cell: &str, max: u32) -> Option<u32> {
    kehu_engine::Fixed::<0>::parse_spreadsheet(cell, kehu_engine::Rounding::Exact)
        .ok()
        .and_then(|n| u32::try_from(n.raw()).ok())
        .filter(|n| *n <= max)
}

/// One checked row of a purchases file.
struct Purchase {
    customer: i64,
    /// yyyymm.
    month: u32,
    cartons: u32,
    amount_fen: i64,
    /// Requested cartons, deliveries, late deliveries; `None` for an empty cell or no column.
    logistics: [Option<u32>; 3],
}

/// Checks a purchases file against the customers' codes (`ids`), months up to `latest`
/// (yyyymm, the current month), handing good rows to `writer`.
fn check_purchases(
    bytes: &[u8],
    ids: &HashMap<String, i64>,
    latest: u32,
    writer: Option<mpsc::Sender<Vec<Purchase>>>,
) -> ImportReport {
    let text = match text_of(bytes) {
        Ok(t) => t,
        Err(p) => return report(Kind::Purchases, 0, p),
    };
    let mut c = Check::new(writer);
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let Some(names) = header(&mut reader, &mut c.problems) else {
        return report(Kind::Purchases, 0, c.finish());
    };
    let at = |name: &str| names.iter().position(|n| n == name);
    let wanted = ["customer_code", "month", "cartons", "amount_yuan"];
    let mut idx = [0usize; 4];
    for (k, name) in wanted.iter().enumerate() {
        match at(name) {
            Some(i) => idx[k] = i,
            None => c.bad(1, name, "missing column"),
        }
    }
    if c.problems.count > 0 {
        return report(Kind::Purchases, 0, c.finish());
    }
    let optional = LOGISTICS.map(at);
    let first_month = month_number(FIRST_MONTH).unwrap_or_default();
    // (customer, month as yyyymm) → first line, for duplicates.
    let mut seen: HashMap<(i64, u32), u64> = HashMap::default();
    let mut count = 0u64;
    let mut record = csv::StringRecord::new();
    while let Some(is_csv) = next_record(&mut reader, &mut record, &mut count, &mut c) {
        if !is_csv {
            continue;
        }
        let line = line_of(&record, count + 1);
        let cell = |i: usize| uncell(record.get(idx[i]).unwrap_or("").trim());
        let code = cell(0);
        let Some(&customer) = ids.get(code) else {
            c.bad(
                line,
                "customer_code",
                format!("no customer with the code \"{}\"", echo(code)),
            );
            continue;
        };
        let month = cell(1);
        let Some(yyyymm) = month_number(month) else {
            c.bad(line, "month", "must be a month like 2026-10");
            continue;
        };
        if yyyymm < first_month {
            c.bad(
                line,
                "month",
                format!("{month} is before {FIRST_MONTH}, the earliest month kehu keeps"),
            );
            continue;
        }
        if yyyymm > latest {
            c.bad(
                line,
                "month",
                format!(
                    "{month} has not begun yet (this is {})",
                    std::str::from_utf8(&month_text(latest)).unwrap_or_default()
                ),
            );
            continue;
        }
        let Some(cartons) = whole(cell(2), MAX_CARTONS) else {
            c.bad(
                line,
                "cartons",
                format!(
                    "must be a whole number from 0 to {MAX_CARTONS}, not \"{}\"",
                    echo(cell(2))
                ),
            );
            continue;
        };
        // Money is kept in fen, to the nearest fen (halves up).
        let amount_fen = match Cents::parse_spreadsheet(cell(3), kehu_engine::Rounding::HalfUp) {
            Ok(a) if (0..=MAX_AMOUNT_YUAN * 100).contains(&a.raw()) => a.raw(),
            _ => {
                c.bad(
                    line,
                    "amount_yuan",
                    format!(
                        "must be an amount from 0 to {MAX_AMOUNT_YUAN} yuan, not \"{}\"",
                        echo(cell(3))
                    ),
                );
                continue;
            }
        };
        let mut logistics = [None; 3];
        let mut bad = false;
        for (k, col) in optional.iter().enumerate() {
            let Some(i) = col else { continue };
            let v = record.get(*i).unwrap_or("").trim();
            if v.is_empty() {
                continue;
            }
            let max = if k == 0 { MAX_CARTONS } else { MAX_DELIVERIES };
            match whole(v, max) {
                Some(n) => logistics[k] = Some(n),
                None => {
                    c.bad(
                        line,
                        LOGISTICS[k],
                        format!("must be a whole number from 0 to {max}"),
                    );
                    bad = true;
                }
            }
        }
        if bad {
            continue;
        }
        match (logistics[1], logistics[2]) {
            (None, Some(_)) => {
                c.bad(
                    line,
                    "deliveries",
                    "give the deliveries when giving late deliveries",
                );
                continue;
            }
            (Some(d), Some(l)) if l > d => {
                c.bad(
                    line,
                    "late_deliveries",
                    format!("{l} late of {d} deliveries: cannot be more than the deliveries"),
                );
                continue;
            }
            _ => {}
        }
        if let Some(first) = seen.insert((customer, yyyymm), line) {
            c.bad(
                line,
                "month",
                format!(
                    "{} {month} appears again (first on line {first})",
                    echo(code)
                ),
            );
            continue;
        }
        c.keep(Purchase {
            customer,
            month: yyyymm,
            cartons,
            amount_fen,
            logistics,
        });
    }
    let mut out = report(Kind::Purchases, count, c.finish());
    if count == 0 {
        no_rows(&mut out);
    }
    if out.error_count == 0 {
        out.inserted = count;
    }
    out
}

/// "YYYY-MM" of a yyyymm month.
fn month_text(yyyymm: u32) -> [u8; 7] {
    let digit = |n: u32| b'0' + (n % 10) as u8;
    let (y, m) = (yyyymm / 100, yyyymm % 100);
    [
        digit(y / 1000),
        digit(y / 100),
        digit(y / 10),
        digit(y),
        b'-',
        digit(m / 10),
        digit(m),
    ]
}

/// Stores a batch of checked purchases; a stored month is replaced, and logistics figures are
/// kept where the row leaves them empty.
async fn store_purchases(conn: &mut SqliteConnection, batch: Vec<Purchase>) -> anyhow::Result<()> {
    use rusqlite::types::{ToSqlOutput, ValueRef};
    let with_logistics = batch
        .iter()
        .any(|r| r.logistics.iter().any(Option::is_some));
    with_rusqlite(conn, |db| {
        let bind = |s: &mut rusqlite::Statement<'_>, at: usize, r: &Purchase| {
            let month = month_text(r.month);
            s.raw_bind_parameter(at, r.customer)?;
            s.raw_bind_parameter(at + 1, ToSqlOutput::Borrowed(ValueRef::Text(&month)))?;
            s.raw_bind_parameter(at + 2, r.cartons)?;
            s.raw_bind_parameter(at + 3, r.amount_fen)
        };
        if with_logistics {
            insert_rows(
                db,
                "INSERT INTO purchases (customer_id, month, cartons, amount_fen, requested_cartons,
                 deliveries, late_deliveries)",
                7,
                "ON CONFLICT (customer_id, month) DO UPDATE
                 SET cartons = excluded.cartons, amount_fen = excluded.amount_fen,
                     requested_cartons = COALESCE(excluded.requested_cartons, requested_cartons),
                     deliveries = COALESCE(excluded.deliveries, deliveries),
                     late_deliveries = COALESCE(excluded.late_deliveries, late_deliveries)",
                &batch,
                |s, at, r| {
                    bind(s, at, r)?;
                    for (k, v) in r.logistics.iter().enumerate() {
                        s.raw_bind_parameter(at + 4 + k, v)?;
                    }
                    Ok(())
                },
            )
        } else {
            insert_rows(
                db,
                "INSERT INTO purchases (customer_id, month, cartons, amount_fen)",
                4,
                "ON CONFLICT (customer_id, month) DO UPDATE
                 SET cartons = excluded.cartons, amount_fen = excluded.amount_fen",
                &batch,
                bind,
            )
        }
    })
    .await
}

async fn purchases(
    pool: &SqlitePool,
    bytes: Bytes,
    dry_run: bool,
    user: Option<i64>,
) -> anyhow::Result<ImportReport> {
    // The writers' turn first (a dry run writes nothing and needs none): other writers of this
    // process wait for the import without holding a connection.
    let _turn = match dry_run {
        true => None,
        false => Some(crate::db::turn(pool).await),
    };
    let mut conn = import_connection(pool).await?;
    #[allow(clippy::disallowed_methods)] // in this writer's turn, on the import's own connection
    let mut tx = conn.begin_with(begin(dry_run)).await?;
    let ids = customer_ids(&mut tx).await?;
    let latest = crate::time::current_month();
    let mut pipe = Pipeline::start(dry_run, move |writer| {
        check_purchases(&bytes, &ids, latest, writer)
    });
    while let Some(batch) = pipe.next().await {
        store_purchases(&mut tx, batch).await?;
    }
    let out = pipe.finish().await?;
    if out.error_count > 0 || dry_run {
        // Dropping the transaction rolls back whatever was stored.
        return Ok(out);
    }
    crate::facts::purchases_changed(&mut tx).await?;
    let detail = format!("{} monthly purchase rows", out.rows);
    commit(tx, user, Kind::Purchases, detail, out).await
}

#[cfg(test)]
mod tests {
    use super::*;

    const CUSTOMERS: [(&str, i64); 3] = [("C000001", 1), ("C000002", 2), ("王记", 3)];
    const ROUTES: [(&str, i64); 2] = [("R001", 1), ("城东线", 1)];

    fn first(kind: Kind, bytes: &[u8]) -> (u64, String, String, u64) {
        let r = check_only(kind, bytes, &CUSTOMERS, &ROUTES, 202612);
        let e = r.errors.first().cloned().unwrap_or(RowError {
            line: 0,
            column: String::new(),
            reason: String::new(),
        });
        (e.line, e.column, e.reason, r.error_count)
    }

    /// Cases the fuzzer found (server/fuzz, target `import`), each its own path through the
    /// checker, kept readable.
    #[test]
    fn fuzzed_files_are_refused_by_line_and_column_or_taken() {
        use Kind::{Customers, Purchases};
        let cases: &[(Kind, &[u8], u64, &str, &str)] = &[
            (Customers, b"", 1, "", "the file is empty"),
            (Customers, b"\xff", 1, "", "neither UTF-8 nor GB18030"),
            (Customers, b"code\n\n", 2, "", "a header but no rows"),
            (Customers, b"code,t\n\0\0\n4", 2, "", "not a CSV row"),
            (
                Customers,
                b"code\n'Ce",
                2,
                "shop_name",
                "required for a new customer (add the column)",
            ),
            (
                Customers,
                b"code,\n,\x14*\x000\n'-.,g\n",
                2,
                "code",
                "must not be empty",
            ),
            (
                Customers,
                b"code,route\n0y,0\n",
                2,
                "route",
                "no route with the code or name \"0\"",
            ),
            (
                Customers,
                "名,x,名\n1,2,3\n".as_bytes(),
                1,
                "名",
                "appears twice (columns 1 and 3)",
            ),
            (
                Purchases,
                b"customer_code,month,cartons,amount_yuan\nC000002,2026-09,1.2E+20,0\n",
                2,
                "cartons",
                "from 0 to 100000",
            ),
            (
                Purchases,
                b"customer_code,month,cartons,amount_yuan\nC000002,2026-09,+12E.2,1\n",
                2,
                "cartons",
                "whole number",
            ),
            (
                Purchases,
                b"customer_code,month,cartons,amount_yuan\n'-,1226-08,0,\n",
                2,
                "customer_code",
                "no customer with the code \"-\"",
            ),
            (
                Purchases,
                b"customer_code,month,cartons,amount_yuan\nC000001,2026-1040,8,0\n",
                2,
                "month",
                "like 2026-10",
            ),
            (
                Purchases,
                b"customer_code,month,car,cartons\nC000001,2026-10,1,1\n",
                1,
                "amount_yuan",
                "missing column",
            ),
        ];
        for (kind, bytes, line, column, reason) in cases {
            let (l, c, r, n) = first(*kind, bytes);
            assert!(n > 0, "{bytes:?} is refused");
            assert_eq!((l, c.as_str()), (*line, *column), "{bytes:?}: {r}");
            assert!(r.contains(reason), "{bytes:?}: {r}");
        }
        // Taken: a spreadsheet's amount with many decimals, to the nearest fen.
        let (_, _, _, n) = first(
            Purchases,
            b"customer_code,month,cartons,amount_yuan\nC000001,2026-10,40,8000.0002\n",
        );
        assert_eq!(n, 0);
    }

    #[test]
    fn a_bad_cell_is_quoted_bounded_and_without_control_characters() {
        let (_, _, reason, _) = first(
            Kind::Purchases,
            b"customer_code,month,cartons,amount_yuan\nC0\x1b[31mred\x07,2026-10,1,1\n",
        );
        assert!(!reason.chars().any(char::is_control), "{reason:?}");
        assert!(reason.contains("C0\u{fffd}[31mred\u{fffd}"), "{reason}");
        let long = format!(
            "customer_code,month,cartons,amount_yuan\n{},2026-10,1,1\n",
            "X".repeat(100_000)
        );
        let (_, _, reason, _) = first(Kind::Purchases, long.as_bytes());
        assert!(reason.len() < 200, "{} bytes", reason.len());
    }
}
