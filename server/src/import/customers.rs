//! The customers file: a header of field keys (or their names in either language), every cell
//! checked by the field registry.

use super::*;

/// The columns of a customers file that are read: each field in header order, with its index
/// in the CSV row; `None` for the route column (a route's code or name, resolved to its id).
pub(crate) type Layout = Vec<(usize, Option<&'static FieldDef>)>;

pub(crate) struct CustomerRow {
    pub(crate) code: String,
    pub(crate) is_new: bool,
    /// The normalised values of the layout's fields, one after the other (one allocation a row,
    /// not one a cell: the writer frees what the checker allocated, across threads).
    pub(crate) text: String,
    /// Where each field of the layout stands in `text`; `None` for an empty cell (and for the
    /// code and route columns).
    pub(crate) cells: Vec<Option<(u32, u32)>>,
    pub(crate) route: Option<Option<i64>>,
}

impl CustomerRow {
    pub(crate) fn value(&self, ci: usize) -> Option<&str> {
        self.cells[ci].map(|(from, to)| &self.text[from as usize..to as usize])
    }

    pub(crate) fn changes_nothing(&self) -> bool {
        self.cells.iter().all(Option::is_none) && self.route.is_none()
    }
}

/// The fields a new customer must have.
pub(crate) const REQUIRED_FOR_NEW: [&str; 3] = ["shop_name", "business_format", "market_type"];

/// Checks a customers file against `existing` codes and `routes` (by code and by name),
/// handing good rows to `writer`; sets `layout` before the first row is handed over.
pub(crate) fn check_customers(
    bytes: &[u8],
    existing: &HashMap<String, i64>,
    routes: &HashMap<String, i64>,
    layout: &OnceLock<Layout>,
    writer: Option<mpsc::Sender<Vec<CustomerRow>>>,
) -> ImportReport {
    read_file(bytes, Kind::Customers, writer, |reader, mut c, names| {
        let mut columns: Layout = Vec::new();
        let mut ignored = Vec::new();
        // A header names a field by its key or, in a file exported in words, by its name.
        let keys: Vec<Option<&str>> = names
            .iter()
            .map(|n| app::labels::field_key_for_header(n))
            .collect();
        for (i, name) in names.iter().enumerate() {
            match keys[i].and_then(app::wire::field) {
                Some(f) if f.key == "route" => columns.push((i, None)),
                Some(f) if f.maintenance != Maintenance::Computed => columns.push((i, Some(f))),
                _ => ignored.push(name.clone()),
            }
        }
        let Some(code_at) = keys.iter().position(|k| *k == Some("code")) else {
            c.bad(1, "code", "", ImportProblem::NoCodeColumn);
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
        let mut rows = Rows::default();
        while let Some(line) = rows.next(reader, &mut c) {
            let record = &rows.record;
            let code = uncell(record.get(code_at).unwrap_or("").trim()).to_string();
            if code.is_empty() {
                c.bad(
                    line,
                    "code",
                    "",
                    ImportProblem::Field {
                        field: app::wire::FieldProblem::Required {
                            field: "code".into(),
                        },
                    },
                );
                continue;
            }
            if code.chars().count() > app::wire::MAX_TEXT_CHARS as usize {
                c.bad(
                    line,
                    "code",
                    &code,
                    ImportProblem::Field {
                        field: app::wire::FieldProblem::TooLong {
                            field: "code".into(),
                            max: app::wire::MAX_TEXT_CHARS,
                        },
                    },
                );
                continue;
            }
            if let Some(first) = seen.insert(code.clone(), line) {
                c.bad(
                    line,
                    "code",
                    &code,
                    ImportProblem::CodeAgain {
                        value: echo(&code),
                        first,
                    },
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
                            raw,
                            ImportProblem::NoRoute { value: echo(raw) },
                        ),
                    }
                    continue;
                };
                if raw.is_empty() {
                    if is_new && REQUIRED_FOR_NEW.contains(&f.key) {
                        c.bad(line, f.key, "", ImportProblem::RequiredForNew);
                    }
                    continue;
                }
                if f.key == "code" {
                    continue;
                }
                // A choice may be written by its name (便利店), as an export in words has it.
                let parsed = f.parse(raw).or_else(|problem| {
                    app::labels::choice_key(f.kind, raw)
                        .map(std::borrow::Cow::Borrowed)
                        .ok_or(problem)
                });
                match parsed {
                    Ok(v) => {
                        let from = row.text.len() as u32;
                        row.text.push_str(&v);
                        row.cells[ci] = Some((from, row.text.len() as u32));
                    }
                    Err(problem) => {
                        c.bad(line, f.key, raw, ImportProblem::Field { field: problem })
                    }
                }
            }
            if is_new {
                for needed in &missing_for_new {
                    c.bad(line, needed, "", ImportProblem::ColumnRequiredForNew);
                }
                inserted += 1;
            } else {
                updated += 1;
            }
            c.keep(row);
        }
        let mut out = report(Kind::Customers, rows.count, c.finish());
        out.ignored_columns = ignored;
        if rows.count == 0 {
            no_rows(&mut out);
        }
        if out.error_count == 0 {
            (out.inserted, out.updated) = (inserted, updated);
        }
        out
    })
}

/// Stores a batch of checked customers: new ones inserted (a schema default for each empty
/// cell), known ones updated in the cells given, their record version moving on.
pub(crate) async fn store_customers(
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
        let mut qb = QueryBuilder::new("UPDATE customers SET version = version + 1, updated_at = ");
        qb.push_bind(crate::time::now_stamp());
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

pub(crate) async fn customers(
    pool: &SqlitePool,
    bytes: Bytes,
    dry_run: bool,
    user: Option<i64>,
) -> anyhow::Result<ImportReport> {
    let (_turn, mut conn) = import_connection(pool, dry_run).await?;
    let (mut tx, existing) = begin(&mut conn, dry_run).await?;
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
    let note = app::wire::AuditNote::CustomersImported {
        rows: out.rows as u64,
        new: out.inserted as u64,
        updated: out.updated as u64,
    };
    commit(tx, user, Kind::Customers, note, out).await
}
