//! Imports checked row by row: bad values named by line and column, files as spreadsheets write them.

use super::*;

const CUSTOMERS: [(&str, i64); 3] = [("C000001", 1), ("C000002", 2), ("王记", 3)];
const ROUTES: [(&str, i64); 2] = [("R001", 1), ("城东线", 1)];

fn first(kind: Kind, bytes: &[u8]) -> (u64, String, String, u64) {
    let r = check_only(kind, bytes, &CUSTOMERS, &ROUTES, 202612);
    let e = r.errors.first().cloned().unwrap_or(RowError {
        reason: String::new(),
        ..RowError::new(0, "", "", ImportProblem::Empty)
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
