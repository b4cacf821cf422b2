//! Imports through the router and the command line's code: every row checked, all or nothing.

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use sqlx::SqlitePool;

/// Where an import's listed errors are: line and column.
fn lines_and_columns(r: &app::wire::ImportReport) -> Vec<(u64, &str)> {
    r.errors
        .iter()
        .map(|e| (e.line, e.column.as_str()))
        .collect()
}

#[tokio::test]
async fn customer_import_checks_every_row_and_writes_all_or_nothing() {
    use server::import::Kind;
    let (_dir, pool) = demo_db(20).await;
    let count =
        |pool: SqlitePool| async move { number(&pool, "SELECT COUNT(*) FROM customers").await };
    // Bad rows: each named by line and column; nothing is written.
    let bad = "code,shop_name,business_format,market_type,business_area_m2,route,band\n\
               NEW001,新店,grocery,urban,12,R001,9\n\
               NEW002,,grocery,urban,12,,\n\
               NEW003,三号店,kiosk,urban,x,R999,\n\
               NEW001,重复,grocery,rural,1,,\n";
    let r = import(&pool, Kind::Customers, bad.as_bytes(), false).await;
    assert!(!r.committed);
    let listed = lines_and_columns(&r);
    assert_eq!(
        listed,
        vec![
            (3, "shop_name"),
            (4, "business_format"),
            (4, "business_area_m2"),
            (4, "route"),
            (5, "code")
        ],
        "{:?}",
        r.errors
    );
    assert_eq!(
        r.ignored_columns,
        vec!["band".to_string()],
        "extra columns are ignored"
    );
    assert_eq!(count(pool.clone()).await, 20);

    // A good file in GB18030 (as Chinese Excel saves it): one new customer, one update.
    let good = "code,shop_name,business_format,market_type,route,phone\n\
                NEW001,新开便利店,convenience,urban,R001,13900000001\n\
                DEMO000002,,,,,13900000002\n";
    let (gb, _, _) = encoding_rs::GB18030.encode(good);
    let dry = import(&pool, Kind::Customers, &gb, true).await;
    assert_eq!(
        (dry.error_count, dry.inserted, dry.updated, dry.committed),
        (0, 1, 1, false),
        "{:?}",
        dry.errors
    );
    assert_eq!(count(pool.clone()).await, 20, "a dry run writes nothing");
    let before: (i64, String) =
        sqlx::query_as("SELECT version, shop_name FROM customers WHERE code = 'DEMO000002'")
            .fetch_one(&pool)
            .await
            .unwrap();
    let done = import(&pool, Kind::Customers, &gb, false).await;
    assert!(done.committed, "{:?}", done.errors);
    assert_eq!(count(pool.clone()).await, 21);
    let new: (String, String, i64, String) = sqlx::query_as(
        "SELECT c.shop_name, c.business_format, c.route_id, c.integrity_level FROM customers c WHERE code = 'NEW001'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        new,
        ("新开便利店".into(), "convenience".into(), 1, "B".into()),
        "empty cells take the schema's defaults"
    );
    let after: (i64, String, String) =
        sqlx::query_as("SELECT version, shop_name, phone FROM customers WHERE code = 'DEMO000002'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        after,
        (before.0 + 1, before.1, "13900000002".into()),
        "empty cells leave a known customer's value"
    );

    // What the export writes, the import takes back.
    let manager = app(pool.clone()).await;
    let resp = fetch(&manager, "/export/customers.csv").await;
    let exported = resp.into_body().collect().await.unwrap().to_bytes();
    let again = import(&pool, Kind::Customers, &exported, true).await;
    assert_eq!(
        (again.error_count, again.updated),
        (0, 21),
        "{:?}",
        again.errors
    );

    // Not text at all, or empty: a clear error.
    let r = import(
        &pool,
        Kind::Customers,
        &[0xff, 0xfe, 0x00, 0x81, 0x30],
        false,
    )
    .await;
    assert!(
        r.errors[0].reason.contains("neither UTF-8 nor GB18030"),
        "{:?}",
        r.errors
    );
    let r = import(&pool, Kind::Customers, b"", false).await;
    assert_eq!(r.errors[0].reason, "the file is empty");
    let r = import(&pool, Kind::Customers, b"shop_name\n\xe5\xba\x97\n", false).await;
    assert_eq!((r.errors[0].line, r.errors[0].column.as_str()), (1, "code"));
}

#[tokio::test]
async fn purchase_import_replaces_months_and_refuses_bad_rows() {
    use server::import::Kind;
    let (_dir, pool) = demo_db(10).await;
    let rows = || number(&pool, "SELECT COUNT(*) FROM purchases");
    let before = rows().await;
    let bad = "\u{feff}customer_code,month,cartons,amount_yuan\n\
               DEMO000001,2026-11,40,8000.50\n\
               NOPE,2026-11,1,1\n\
               DEMO000002,2026-13,1,1\n\
               DEMO000003,2026-11,-1,1\n\
               DEMO000004,2026-11,1,12元\n\
               DEMO000001,2026-11,2,2\n";
    let r = import(&pool, Kind::Purchases, bad.as_bytes(), false).await;
    let listed = lines_and_columns(&r);
    assert_eq!(
        listed,
        vec![
            (3, "customer_code"),
            (4, "month"),
            (5, "cartons"),
            (6, "amount_yuan"),
            (7, "month")
        ]
    );
    // Each refusal carries the value refused, for the page to say in Chinese or English.
    use app::wire::ImportProblem as P;
    let said: Vec<(&str, &P)> = r
        .errors
        .iter()
        .map(|e| (e.value.as_str(), &e.problem))
        .collect();
    assert_eq!(
        said,
        vec![
            (
                "NOPE",
                &P::NoCustomer {
                    value: "NOPE".into()
                }
            ),
            (
                "2026-13",
                &P::NotAMonth {
                    value: "2026-13".into()
                }
            ),
            (
                "-1",
                &P::NotAWholeNumber {
                    value: "-1".into(),
                    max: 100_000
                }
            ),
            (
                "12元",
                &P::NotAnAmount {
                    value: "12元".into(),
                    max: 100_000_000
                }
            ),
            (
                "2026-11",
                &P::MonthAgain {
                    code: "DEMO000001".into(),
                    month: "2026-11".into(),
                    first: 2
                }
            ),
        ]
    );
    assert_eq!(
        r.errors[1].reason,
        "must be a month like 2026-10, not \"2026-13\""
    );
    assert_eq!(rows().await, before);
    let good = "customer_code,month,cartons,amount_yuan\nDEMO000001,2026-11,40,8000.50\nDEMO000001,2026-10,7,1400\n";
    let r = import(&pool, Kind::Purchases, good.as_bytes(), false).await;
    assert!(r.committed);
    assert_eq!(
        rows().await,
        before + 1,
        "2026-10 was replaced, 2026-11 added"
    );
    let (cartons, fen): (i64, i64) = sqlx::query_as(
        "SELECT cartons, amount_fen FROM purchases p JOIN customers c ON c.id = p.customer_id
         WHERE c.code = 'DEMO000001' AND month = '2026-11'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((cartons, fen), (40, 800_050), "amounts are exact");
}

#[tokio::test]
async fn the_import_endpoint_is_for_managers_and_reports_like_the_command_line() {
    let (_dir, pool) = demo_db(10).await;
    let file =
        "customer_code,month,cartons,amount_yuan\nDEMO000001,2026-11,40,8000\nNOPE,2026-11,1,1\n";
    let upload = |client: Client, uri: &'static str| async move {
        let resp = client
            .send(
                Request::post(uri)
                    .header(header::CONTENT_TYPE, "text/csv")
                    .header("sec-fetch-site", "same-origin")
                    .body(Body::from(file))
                    .unwrap(),
            )
            .await;
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            serde_json::from_slice::<app::wire::ImportReport>(&bytes).ok(),
        )
    };
    let (status, _) = upload(
        app_as(pool.clone(), "cm01").await,
        "/import/purchases?dry_run=true",
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = upload(Client::anonymous(pool.clone()), "/import/purchases").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let manager = app(pool.clone()).await;
    let (status, report) = upload(manager.clone(), "/import/purchases?dry_run=true").await;
    assert_eq!(status, StatusCode::OK);
    let report = report.unwrap();
    assert_eq!((report.error_count, report.errors[0].line), (1, 3));
    let (_, report) = upload(manager, "/import/purchases").await;
    assert!(
        !report.unwrap().committed,
        "a file with a bad row is not imported"
    );
    let nov = number(
        &pool,
        "SELECT COUNT(*) FROM purchases WHERE month = '2026-11'",
    )
    .await;
    assert_eq!(nov, 0);
}

#[tokio::test]
async fn a_very_large_csv_is_checked_whole_and_its_errors_counted_not_all_listed() {
    use server::import::{Kind, MAX_LISTED_ERRORS};
    let (_dir, pool) = demo_db(250).await;
    let before = number(&pool, "SELECT COUNT(*) FROM purchases").await;
    // 60,000 rows: 250 customers × 240 months of history (from 2000) are fine, then 5,000 bad ones.
    let mut file = String::from("customer_code,month,cartons,amount_yuan\n");
    for k in 0..60_000u32 {
        let customer = k % 250 + 1;
        let month = 2000 * 12 + k / 250;
        file.push_str(&format!(
            "DEMO{customer:06},{}-{:02},{},{}.50\n",
            month / 12,
            month % 12 + 1,
            k % 90,
            k % 9000
        ));
    }
    for k in 0..5_000 {
        file.push_str(&format!("DEMO000001,2026-{:02},lots,1\n", k % 12 + 1));
    }
    let r = import(&pool, Kind::Purchases, file.as_bytes(), false).await;
    assert_eq!(r.rows, 65_000);
    assert_eq!(r.error_count, 5_000, "every bad row is counted");
    assert_eq!(
        r.errors.len(),
        MAX_LISTED_ERRORS,
        "the first thousand are listed"
    );
    assert_eq!(
        (r.errors[0].line, r.errors[0].column.as_str()),
        (60_002, "cartons")
    );
    assert!(!r.committed);
    let after = number(&pool, "SELECT COUNT(*) FROM purchases").await;
    assert_eq!(after, before, "nothing of the 60,000 good rows was written");
    // Without the bad tail the same file goes in whole.
    let good = &file[..file.find("DEMO000001,2026-01,lots").unwrap()];
    let r = import(&pool, Kind::Purchases, good.as_bytes(), false).await;
    assert!(r.committed, "{:?}", r.errors.first());
    let after = number(&pool, "SELECT COUNT(*) FROM purchases").await;
    assert_eq!(after, before + 60_000);
}

#[tokio::test]
async fn a_customers_file_of_many_batches_goes_in_whole_or_not_at_all() {
    use server::import::Kind;
    let (_dir, pool) = demo_db(20).await;
    let count = || number(&pool, "SELECT COUNT(*) FROM customers");
    // 17,000 new shops, more than two of the batches the writer stores while the rest is
    // checked, and a known one updated in the middle.
    let mut file = String::from(
        "code,shop_name,business_format,market_type,business_area_m2,route,phone,demonstration\n",
    );
    for k in 0..17_000u32 {
        file.push_str(&format!(
            "N{k:06},新店{k},convenience,rural,{}.5,R002,139{k:08},{}\n",
            k % 300,
            if k % 2 == 0 { "是" } else { "否" }
        ));
        if k == 9_000 {
            file.push_str("DEMO000003,,,,,,13600000003,\n");
        }
    }
    // One bad row at the very end: the 17,000 already stored are rolled back.
    let bad = format!("{file}N999999,末店,grocery,urban,-1,,,\n");
    let r = import(&pool, Kind::Customers, bad.as_bytes(), false).await;
    assert!(!r.committed);
    assert_eq!(
        r.errors
            .iter()
            .map(|e| (e.line, e.column.as_str()))
            .collect::<Vec<_>>(),
        vec![(17_003, "business_area_m2")]
    );
    assert_eq!(count().await, 20, "nothing of the good rows was kept");
    let phone: String = sqlx::query_scalar("SELECT phone FROM customers WHERE code = 'DEMO000003'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_ne!(phone, "13600000003");

    let r = import(&pool, Kind::Customers, file.as_bytes(), false).await;
    assert!(r.committed, "{:?}", r.errors.first());
    assert_eq!((r.rows, r.inserted, r.updated), (17_001, 17_000, 1));
    assert_eq!(count().await, 17_020);
    let route2 = number(&pool, "SELECT id FROM routes WHERE code = 'R002'").await;
    let last: (String, String, f64, Option<i64>, String, i64, String) = sqlx::query_as(
        "SELECT shop_name, market_type, business_area_m2, route_id, phone, demonstration,
                integrity_level FROM customers WHERE code = 'N016999'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        last,
        (
            "新店16999".into(),
            "rural".into(),
            199.5,
            Some(route2),
            "13900016999".into(),
            0,
            "B".into()
        ),
        "every cell in its column, the schema's default where the file has none"
    );
    let phone: String = sqlx::query_scalar("SELECT phone FROM customers WHERE code = 'DEMO000003'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(phone, "13600000003");
    // Imports write with SQLite's foreign-key checks off (every id comes from the import's own
    // transaction): the references hold all the same, for these customers and their purchases.
    let mut purchases = String::from("customer_code,month,cartons,amount_yuan\n");
    for k in (0..17_000u32).step_by(7) {
        purchases.push_str(&format!("N{k:06},2026-10,{},{}.00\n", k % 50, k % 900));
    }
    let r = import(&pool, Kind::Purchases, purchases.as_bytes(), false).await;
    assert!(r.committed, "{:?}", r.errors.first());
    let broken: Vec<(String, i64, String, i64)> = sqlx::query_as("PRAGMA foreign_key_check")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(broken.is_empty(), "{broken:?}");
    let enforced = number(&pool, "PRAGMA foreign_keys").await;
    assert_eq!(enforced, 1, "the pool's connections keep their checks");
}

#[tokio::test]
async fn a_purchases_file_may_name_its_columns_in_chinese() {
    let (_dir, pool) = demo_db(10).await;
    purchases_imported(
        &pool,
        "客户编码,月份,进货量（条）,金额（元）,送货次数\nDEMO000005,2026-10,40,7000,4\n",
    )
    .await;
    let (cartons, deliveries): (i64, Option<i64>) = sqlx::query_as(
        "SELECT cartons, deliveries FROM purchases p JOIN customers c ON c.id = p.customer_id
         WHERE c.code = 'DEMO000005' AND month = '2026-10'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((cartons, deliveries), (40, Some(4)));
    // A column it does not know is named as missing, in the file's terms.
    let report = import(
        &pool,
        server::import::Kind::Purchases,
        "客户编码,月,进货量（条）,金额（元）\nDEMO000005,2026-10,40,7000\n".as_bytes(),
        true,
    )
    .await;
    assert_eq!(report.errors[0].column, "month");
}
