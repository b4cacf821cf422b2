//! The purchases file: customer, month, cartons, amount, and the logistics columns.

use super::*;

/// "2026-10" → 202610, if it is a real month.
pub(crate) fn month_number(s: &str) -> Option<u32> {
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
pub(crate) fn whole(cell: &str, max: u32) -> Option<u32> {
    kehu_engine::Fixed::<0>::parse_spreadsheet(cell, kehu_engine::Rounding::Exact)
        .ok()
        .and_then(|n| u32::try_from(n.raw()).ok())
        .filter(|n| *n <= max)
}

/// One checked row of a purchases file.
pub(crate) struct Purchase {
    pub(crate) customer: i64,
    /// yyyymm.
    pub(crate) month: u32,
    pub(crate) cartons: u32,
    pub(crate) amount_fen: i64,
    /// Requested cartons, deliveries, late deliveries; `None` for an empty cell or no column.
    pub(crate) logistics: [Option<u32>; 3],
}

/// Checks a purchases file against the customers' codes (`ids`), months up to `latest`
/// (yyyymm, the current month), handing good rows to `writer`.
pub(crate) fn check_purchases(
    bytes: &[u8],
    ids: &HashMap<String, i64>,
    latest: u32,
    writer: Option<mpsc::Sender<Vec<Purchase>>>,
) -> ImportReport {
    read_file(bytes, Kind::Purchases, writer, |reader, mut c, names| {
        // A header names a column by its key or by its name in either language.
        let keys: Vec<Option<&str>> = names
            .iter()
            .map(|n| app::labels::purchase_key_for_header(n))
            .collect();
        let at = |name: &str| keys.iter().position(|k| *k == Some(name));
        let wanted = ["customer_code", "month", "cartons", "amount_yuan"];
        let mut idx = [0usize; 4];
        for (k, name) in wanted.iter().enumerate() {
            match at(name) {
                Some(i) => idx[k] = i,
                None => c.bad(1, name, "", ImportProblem::MissingColumn),
            }
        }
        if c.problems.count > 0 {
            return report(Kind::Purchases, 0, c.finish());
        }
        let optional = LOGISTICS.map(at);
        let first_month = month_number(FIRST_MONTH).unwrap_or_default();
        // (customer, month as yyyymm) → first line, for duplicates.
        let mut seen: HashMap<(i64, u32), u64> = HashMap::default();
        let mut rows = Rows::default();
        while let Some(line) = rows.next(reader, &mut c) {
            let record = &rows.record;
            let cell = |i: usize| uncell(record.get(idx[i]).unwrap_or("").trim());
            let code = cell(0);
            let Some(&customer) = ids.get(code) else {
                c.bad(
                    line,
                    "customer_code",
                    code,
                    ImportProblem::NoCustomer { value: echo(code) },
                );
                continue;
            };
            let month = cell(1);
            let Some(yyyymm) = month_number(month) else {
                c.bad(
                    line,
                    "month",
                    month,
                    ImportProblem::NotAMonth { value: echo(month) },
                );
                continue;
            };
            if yyyymm < first_month {
                c.bad(
                    line,
                    "month",
                    month,
                    ImportProblem::MonthTooEarly {
                        month: month.to_string(),
                        first: FIRST_MONTH.to_string(),
                    },
                );
                continue;
            }
            if yyyymm > latest {
                c.bad(
                    line,
                    "month",
                    month,
                    ImportProblem::MonthNotBegun {
                        month: month.to_string(),
                        now: std::str::from_utf8(&month_text(latest))
                            .unwrap_or_default()
                            .to_string(),
                    },
                );
                continue;
            }
            let Some(cartons) = whole(cell(2), MAX_CARTONS) else {
                c.bad(
                    line,
                    "cartons",
                    cell(2),
                    ImportProblem::NotAWholeNumber {
                        value: echo(cell(2)),
                        max: MAX_CARTONS as u64,
                    },
                );
                continue;
            };
            // Money is kept in fen, to the nearest fen (halves up).
            let amount_fen = match Cents::parse_spreadsheet(cell(3), kehu_engine::Rounding::HalfUp)
            {
                Ok(a) if (0..=MAX_AMOUNT_YUAN * 100).contains(&a.raw()) => a.raw(),
                _ => {
                    c.bad(
                        line,
                        "amount_yuan",
                        cell(3),
                        ImportProblem::NotAnAmount {
                            value: echo(cell(3)),
                            max: MAX_AMOUNT_YUAN as u64,
                        },
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
                            v,
                            ImportProblem::NotAWholeNumber {
                                value: echo(v),
                                max: max as u64,
                            },
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
                    c.bad(line, "deliveries", "", ImportProblem::LateWithoutDeliveries);
                    continue;
                }
                (Some(d), Some(l)) if l > d => {
                    c.bad(
                        line,
                        "late_deliveries",
                        &l.to_string(),
                        ImportProblem::MoreLateThanDeliveries {
                            late: l as u64,
                            deliveries: d as u64,
                        },
                    );
                    continue;
                }
                _ => {}
            }
            if let Some(first) = seen.insert((customer, yyyymm), line) {
                c.bad(
                    line,
                    "month",
                    month,
                    ImportProblem::MonthAgain {
                        code: echo(code),
                        month: month.to_string(),
                        first,
                    },
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
        let mut out = report(Kind::Purchases, rows.count, c.finish());
        if rows.count == 0 {
            no_rows(&mut out);
        }
        if out.error_count == 0 {
            out.inserted = rows.count;
        }
        out
    })
}

/// "YYYY-MM" of a yyyymm month.
pub(crate) fn month_text(yyyymm: u32) -> [u8; 7] {
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
pub(crate) async fn store_purchases(
    conn: &mut SqliteConnection,
    batch: Vec<Purchase>,
) -> anyhow::Result<()> {
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

pub(crate) async fn purchases(
    pool: &SqlitePool,
    bytes: Bytes,
    dry_run: bool,
    user: Option<i64>,
) -> anyhow::Result<ImportReport> {
    let (_turn, mut conn) = import_connection(pool, dry_run).await?;
    let (mut tx, ids) = begin(&mut conn, dry_run).await?;
    let latest = crate::time::current_month();
    let mut pipe = Pipeline::start(dry_run, move |writer| {
        check_purchases(&bytes, &ids, latest, writer)
    });
    // The customers whose purchases the file touches, while they are few enough to reload
    // alone (see `db::facts::purchases_changed_for`).
    let most = crate::facts::MOST_PATCHED;
    let mut touched = std::collections::BTreeSet::new();
    while let Some(batch) = pipe.next().await {
        if touched.len() <= most {
            touched.extend(batch.iter().map(|p| p.customer));
        }
        store_purchases(&mut tx, batch).await?;
    }
    let out = pipe.finish().await?;
    if out.error_count > 0 || dry_run {
        // Dropping the transaction rolls back whatever was stored.
        return Ok(out);
    }
    let touched: Vec<i64> = touched.into_iter().collect();
    crate::db::facts::purchases_changed_for(&mut tx, &touched, most).await?;
    let note = app::wire::AuditNote::PurchasesImported {
        rows: out.rows as u64,
    };
    commit(tx, user, Kind::Purchases, note, out).await
}
