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

use app::model::{FieldDef, ImportReport, Maintenance, RowError};
use kehu_engine::Cents;
use sqlx::{QueryBuilder, SqlitePool};
use std::borrow::Cow;
// Fx hashing: the maps are keyed by codes and (customer, month) from our own files, and checking
// a million purchase rows spent a tenth of its time in SipHash.
use rustc_hash::FxHashMap as HashMap;

/// Optional columns of the purchases file, from the logistics system.
const LOGISTICS: [&str; 3] = ["requested_cartons", "deliveries", "late_deliveries"];

/// At most this many bad rows are listed (all are counted).
pub const MAX_LISTED_ERRORS: usize = 1_000;

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

/// Checks `bytes` as a `kind` file and, unless `dry_run` or a row is bad, writes it all in one
/// transaction. `user` is recorded in the audit trail.
pub async fn run(
    pool: &SqlitePool,
    kind: Kind,
    bytes: &[u8],
    dry_run: bool,
    user: Option<i64>,
) -> anyhow::Result<ImportReport> {
    let text = match decode(bytes) {
        Ok(t) => t,
        Err(reason) => {
            let mut p = Problems::default();
            p.add(1, "", reason);
            return Ok(report(kind, 0, p));
        }
    };
    if text.trim().is_empty() {
        let mut p = Problems::default();
        p.add(1, "", "the file is empty");
        return Ok(report(kind, 0, p));
    }
    match kind {
        Kind::Customers => customers(pool, &text, dry_run, user).await,
        Kind::Purchases => purchases(pool, &text, dry_run, user).await,
    }
}

/// Reads the header; maps each wanted column name to its index.
fn header(reader: &mut csv::Reader<&[u8]>, p: &mut Problems) -> Option<Vec<String>> {
    match reader.headers() {
        Ok(h) => Some(h.iter().map(|c| c.trim().to_string()).collect()),
        Err(e) => {
            p.add(1, "", format!("cannot read the header: {e}"));
            None
        }
    }
}

/// The line number of a record (the header is line 1).
fn line_of(record: &csv::StringRecord, fallback: u64) -> u64 {
    record.position().map_or(fallback, |pos| pos.line())
}

enum Column {
    Field(&'static FieldDef),
    Route,
}

struct CustomerRow {
    code: String,
    /// The normalised value of each column of `columns`; `None` for an empty cell.
    values: Vec<Option<String>>,
    route: Option<Option<i64>>,
}

async fn customers(
    pool: &SqlitePool,
    text: &str,
    dry_run: bool,
    user: Option<i64>,
) -> anyhow::Result<ImportReport> {
    let mut p = Problems::default();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let Some(names) = header(&mut reader, &mut p) else {
        return Ok(report(Kind::Customers, 0, p));
    };
    let mut columns: Vec<(usize, &str, Column)> = Vec::new();
    let mut ignored = Vec::new();
    for (i, name) in names.iter().enumerate() {
        match app::model::field(name) {
            Some(f) if f.key == "route" => columns.push((i, f.key, Column::Route)),
            Some(f) if f.maintenance != Maintenance::Computed => {
                if columns.iter().any(|c| c.1 == f.key) {
                    p.add(1, name, "this column appears twice");
                }
                columns.push((i, f.key, Column::Field(f)));
            }
            _ => ignored.push(name.clone()),
        }
    }
    let Some(code_at) = names.iter().position(|n| n == "code") else {
        p.add(
            1,
            "code",
            "missing column: every row needs the customer code",
        );
        return Ok(report(Kind::Customers, 0, p));
    };
    if p.count > 0 {
        return Ok(report(Kind::Customers, 0, p));
    }

    let existing: HashMap<String, i64> =
        sqlx::query_as::<_, (String, i64)>("SELECT code, id FROM customers")
            .fetch_all(pool)
            .await?
            .into_iter()
            .collect();
    let mut routes: HashMap<String, i64> = HashMap::default();
    for (id, code, name) in
        sqlx::query_as::<_, (i64, String, String)>("SELECT id, code, name FROM routes")
            .fetch_all(pool)
            .await?
    {
        routes.insert(code, id);
        routes.insert(name, id);
    }

    let mut seen: HashMap<String, u64> = HashMap::default();
    let mut rows = Vec::new();
    let mut count = 0u64;
    let mut record = csv::StringRecord::new();
    loop {
        let fallback = count + 2;
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                count += 1;
                p.add(fallback, "", format!("not a CSV row: {e}"));
                if e.is_io_error() {
                    break;
                }
                continue;
            }
        }
        count += 1;
        let line = line_of(&record, fallback);
        let code = record.get(code_at).unwrap_or("").trim().to_string();
        if code.is_empty() {
            p.add(line, "code", "must not be empty");
            continue;
        }
        if let Some(first) = seen.insert(code.clone(), line) {
            p.add(
                line,
                "code",
                format!("{code} appears again (first on line {first})"),
            );
            continue;
        }
        let is_new = !existing.contains_key(&code);
        let mut row = CustomerRow {
            code,
            values: vec![None; columns.len()],
            route: None,
        };
        for (ci, (i, key, column)) in columns.iter().enumerate() {
            let raw = record.get(*i).unwrap_or("").trim();
            match column {
                Column::Route => {
                    if raw.is_empty() {
                        continue;
                    }
                    match routes.get(raw) {
                        Some(id) => row.route = Some(Some(*id)),
                        None => p.add(
                            line,
                            key,
                            format!("no route with the code or name \"{raw}\""),
                        ),
                    }
                }
                Column::Field(f) => {
                    if raw.is_empty() {
                        if is_new && matches!(*key, "shop_name" | "business_format" | "market_type")
                        {
                            p.add(line, key, "required for a new customer");
                        }
                        continue;
                    }
                    if *key == "code" {
                        continue;
                    }
                    match f.parse(raw) {
                        Ok(v) => row.values[ci] = Some(v),
                        Err(problem) => p.add(
                            line,
                            key,
                            problem
                                .to_string()
                                .trim_start_matches(&format!("{key}: "))
                                .to_string(),
                        ),
                    }
                }
            }
        }
        if is_new {
            for needed in ["shop_name", "business_format", "market_type"] {
                if !columns.iter().any(|c| c.1 == needed) {
                    p.add(line, needed, "required for a new customer (add the column)");
                }
            }
        }
        rows.push(row);
    }
    let mut out = report(Kind::Customers, count, p);
    out.ignored_columns = ignored;
    if out.error_count > 0 || count == 0 {
        if count == 0 {
            out.error_count += 1;
            out.errors.push(RowError {
                line: 2,
                column: String::new(),
                reason: "the file has a header but no rows".into(),
            });
        }
        return Ok(out);
    }
    for r in &rows {
        if existing.contains_key(&r.code) {
            out.updated += 1;
        } else {
            out.inserted += 1;
        }
    }
    if dry_run {
        return Ok(out);
    }

    // Column defaults for the cells a new customer leaves empty, straight from the schema.
    let defaults: HashMap<String, String> = sqlx::query_as::<_, (String, Option<String>)>(
        "SELECT name, dflt_value FROM pragma_table_info('customers')",
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|(name, d)| {
        let d = d.unwrap_or_default();
        let d = d.trim_matches('\'').to_string();
        (name, d)
    })
    .collect();
    let field_columns: Vec<(usize, &'static FieldDef)> = columns
        .iter()
        .enumerate()
        .filter_map(|(ci, c)| match c.2 {
            Column::Field(f) if f.key != "code" => Some((ci, f)),
            _ => None,
        })
        .collect();
    let has_route = columns.iter().any(|c| matches!(c.2, Column::Route));

    let mut tx = pool.begin().await?;
    let (new_rows, old_rows): (Vec<&CustomerRow>, Vec<&CustomerRow>) =
        rows.iter().partition(|r| !existing.contains_key(&r.code));
    // New customers: one multi-row INSERT per chunk, under SQLite's bound-parameter limit.
    // (Tried: one JSON parameter per chunk unpacked with `json_each` — twice as slow here, as
    // every `value->>k` parses the row's JSON again.)
    let per_row = 2 + field_columns.len();
    for chunk in new_rows.chunks((30_000 / per_row).max(1)) {
        let mut qb = QueryBuilder::new("INSERT INTO customers (code, route_id");
        for (_, f) in &field_columns {
            qb.push(", ").push(f.key);
        }
        qb.push(") ");
        qb.push_values(chunk, |mut b, r| {
            b.push_bind(r.code.as_str());
            b.push_bind(r.route.flatten());
            for (ci, f) in &field_columns {
                let v = r.values[*ci]
                    .as_deref()
                    .or_else(|| defaults.get(f.key).map(String::as_str))
                    .unwrap_or("");
                b.push_bind(v);
            }
        });
        qb.build().execute(&mut *tx).await?;
    }
    // Known customers: only the cells given change; the record version moves on.
    for r in old_rows {
        if r.values.iter().all(Option::is_none) && r.route.is_none() {
            continue;
        }
        let mut qb = QueryBuilder::new(
            "UPDATE customers SET version = version + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
        );
        for (ci, v) in r.values.iter().enumerate() {
            if let (Some(v), Column::Field(f)) = (v, &columns[ci].2) {
                qb.push(", ").push(f.key).push(" = ").push_bind(v.clone());
            }
        }
        if has_route && let Some(route) = r.route {
            qb.push(", route_id = ").push_bind(route);
        }
        qb.push(" WHERE code = ").push_bind(&r.code);
        qb.build().execute(&mut *tx).await?;
    }
    sqlx::query("INSERT INTO audit (user_id, action, detail) VALUES (?, 'import.customers', ?)")
        .bind(user)
        .bind(format!(
            "{} rows: {} new customers, {} updated",
            out.rows, out.inserted, out.updated
        ))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    out.committed = true;
    Ok(out)
}

/// "2026-10" → 202610, if it is a real month.
fn month_number(s: &str) -> Option<u32> {
    let b = s.as_bytes();
    if b.len() != 7 || b[4] != b'-' {
        return None;
    }
    let y = s[..4]
        .parse::<u32>()
        .ok()
        .filter(|y| (1900..=2200).contains(y))?;
    let m = s[5..]
        .parse::<u32>()
        .ok()
        .filter(|m| (1..=12).contains(m))?;
    Some(y * 100 + m)
}

async fn purchases(
    pool: &SqlitePool,
    text: &str,
    dry_run: bool,
    user: Option<i64>,
) -> anyhow::Result<ImportReport> {
    let mut p = Problems::default();
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let Some(names) = header(&mut reader, &mut p) else {
        return Ok(report(Kind::Purchases, 0, p));
    };
    let at = |name: &str| names.iter().position(|n| n == name);
    let wanted = ["customer_code", "month", "cartons", "amount_yuan"];
    let mut idx = [0usize; 4];
    for (k, name) in wanted.iter().enumerate() {
        match at(name) {
            Some(i) => idx[k] = i,
            None => p.add(1, name, "missing column"),
        }
    }
    if p.count > 0 {
        return Ok(report(Kind::Purchases, 0, p));
    }
    let optional = LOGISTICS.map(at);
    let with_logistics = optional.iter().any(Option::is_some);
    let ids: HashMap<String, i64> =
        sqlx::query_as::<_, (String, i64)>("SELECT code, id FROM customers")
            .fetch_all(pool)
            .await?
            .into_iter()
            .collect();
    // (customer, month as yyyymm) → first line, for duplicates.
    let mut seen: HashMap<(i64, u32), u64> = HashMap::default();
    let mut rows: Vec<(i64, u32, u32, i64)> = Vec::new();
    // Requested cartons, deliveries, late deliveries per row, when the file has any of them.
    let mut logistics: Vec<[Option<u32>; 3]> = Vec::new();
    let mut count = 0u64;
    let mut record = csv::StringRecord::new();
    loop {
        let fallback = count + 2;
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                count += 1;
                p.add(fallback, "", format!("not a CSV row: {e}"));
                if e.is_io_error() {
                    break;
                }
                continue;
            }
        }
        count += 1;
        let line = line_of(&record, fallback);
        let cell = |i: usize| record.get(idx[i]).unwrap_or("").trim();
        let code = cell(0);
        let Some(&customer) = ids.get(code) else {
            p.add(
                line,
                "customer_code",
                format!("no customer with the code \"{code}\""),
            );
            continue;
        };
        let month = cell(1);
        let Some(yyyymm) = month_number(month) else {
            p.add(line, "month", "must be a month like 2026-10");
            continue;
        };
        let Ok(cartons) = cell(2).parse::<u32>() else {
            p.add(line, "cartons", "must be a whole number of 0 or more");
            continue;
        };
        let amount = match Cents::parse(cell(3)) {
            Ok(a) if a.raw() >= 0 => a.raw(),
            _ => {
                p.add(
                    line,
                    "amount_yuan",
                    "must be an amount of 0 or more with at most 2 decimals",
                );
                continue;
            }
        };
        let mut extra = [None; 3];
        let mut bad = false;
        for (k, col) in optional.iter().enumerate() {
            let Some(c) = col else { continue };
            let v = record.get(*c).unwrap_or("").trim();
            if v.is_empty() {
                continue;
            }
            match v.parse::<u32>() {
                Ok(n) => extra[k] = Some(n),
                Err(_) => {
                    p.add(line, LOGISTICS[k], "must be a whole number of 0 or more");
                    bad = true;
                }
            }
        }
        if bad {
            continue;
        }
        match (extra[1], extra[2]) {
            (None, Some(_)) => {
                p.add(
                    line,
                    "deliveries",
                    "give the deliveries when giving late deliveries",
                );
                continue;
            }
            (Some(d), Some(l)) if l > d => {
                p.add(
                    line,
                    "late_deliveries",
                    format!("{l} late of {d} deliveries: cannot be more than the deliveries"),
                );
                continue;
            }
            _ => {}
        }
        if let Some(first) = seen.insert((customer, yyyymm), line) {
            p.add(
                line,
                "month",
                format!("{code} {month} appears again (first on line {first})"),
            );
            continue;
        }
        rows.push((customer, yyyymm, cartons, amount));
        if with_logistics {
            logistics.push(extra);
        }
    }
    let mut out = report(Kind::Purchases, count, p);
    if count == 0 {
        out.error_count += 1;
        out.errors.push(RowError {
            line: 2,
            column: String::new(),
            reason: "the file has a header but no rows".into(),
        });
    }
    if out.error_count > 0 {
        return Ok(out);
    }
    out.inserted = rows.len() as u64;
    if dry_run {
        return Ok(out);
    }
    let mut tx = pool.begin().await?;
    // 4 columns a row, 8,000 rows a statement (under SQLite's 32,766 bound parameters).
    let months: HashMap<u32, String> = rows
        .iter()
        .map(|r| (r.1, format!("{:04}-{:02}", r.1 / 100, r.1 % 100)))
        .collect();
    if with_logistics {
        // 7 columns a row, 4,000 rows a statement.
        for (chunk, extra) in rows.chunks(4_000).zip(logistics.chunks(4_000)) {
            let mut qb = QueryBuilder::new(
                "INSERT INTO purchases (customer_id, month, cartons, amount_fen, requested_cartons,
                 deliveries, late_deliveries) ",
            );
            qb.push_values(chunk.iter().zip(extra), |mut b, ((c, m, n, a), x)| {
                b.push_bind(*c)
                    .push_bind(months[m].as_str())
                    .push_bind(*n)
                    .push_bind(*a)
                    .push_bind(x[0])
                    .push_bind(x[1])
                    .push_bind(x[2]);
            });
            qb.push(
                " ON CONFLICT (customer_id, month) DO UPDATE
                  SET cartons = excluded.cartons, amount_fen = excluded.amount_fen,
                      requested_cartons = COALESCE(excluded.requested_cartons, requested_cartons),
                      deliveries = COALESCE(excluded.deliveries, deliveries),
                      late_deliveries = COALESCE(excluded.late_deliveries, late_deliveries)",
            );
            qb.build().execute(&mut *tx).await?;
        }
    } else {
        for chunk in rows.chunks(8_000) {
            let mut qb = QueryBuilder::new(
                "INSERT INTO purchases (customer_id, month, cartons, amount_fen) ",
            );
            qb.push_values(chunk, |mut b, (c, m, n, a)| {
                b.push_bind(*c)
                    .push_bind(months[m].as_str())
                    .push_bind(*n)
                    .push_bind(*a);
            });
            qb.push(
                " ON CONFLICT (customer_id, month) DO UPDATE
                  SET cartons = excluded.cartons, amount_fen = excluded.amount_fen",
            );
            qb.build().execute(&mut *tx).await?;
        }
    }
    sqlx::query("UPDATE data_version SET purchases = purchases + 1")
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO audit (user_id, action, detail) VALUES (?, 'import.purchases', ?)")
        .bind(user)
        .bind(format!("{} monthly purchase rows", out.rows))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    out.committed = true;
    Ok(out)
}
