//! Data that must not be lost or poisoned: exports opened in Excel, absurd imports, statuses,
//! backups taken while writes go on, upgrades all or nothing.

use super::*;

#[tokio::test]
async fn exports_never_hand_excel_a_formula_and_import_back_unchanged() {
    let (_dir, pool) = demo_db(30).await;
    let manager = app(pool.clone()).await;
    let formula = "=HYPERLINK(\"http://evil.example\",\"点我\")";
    let code: String = sqlx::query_scalar("SELECT code FROM customers WHERE id = 3")
        .fetch_one(&pool)
        .await
        .unwrap();
    let csv = format!(
        "code,shop_name,phone\n{code},\"{}\",+86 138 0000 0000\n",
        formula.replace('"', "\"\"")
    );
    assert_eq!(
        import(&manager, "customers", &csv, false).await.error_count,
        0
    );
    exec(
        &pool,
        "UPDATE users SET display_name = '@SUM(1+1)' WHERE username = 'cm01'",
    )
    .await;

    let resp = fetch(&manager, "/export/customers.csv").await;
    let text = body_text(resp).await;
    let mut rows =
        csv::ReaderBuilder::new().from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers = rows.headers().unwrap().clone();
    let at = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let mut seen = false;
    for r in rows.records() {
        let r = r.unwrap();
        for cell in r.iter() {
            let first = cell.chars().next();
            let number = cell.parse::<f64>().is_ok();
            assert!(
                number || !matches!(first, Some('=' | '+' | '-' | '@' | '\t' | '\r')),
                "a formula reaches the export: {cell:?}"
            );
        }
        if &r[at("code")] == code.as_str() {
            assert_eq!(&r[at("shop_name")], format!("'{formula}"));
            assert_eq!(&r[at("phone")], "'+86 138 0000 0000");
            seen = true;
        }
    }
    assert!(seen);
    let resp = fetch(&manager, "/export/kpis.csv").await;
    let kpis = body_text(resp).await;
    assert!(kpis.contains("'@SUM(1+1)"), "{kpis}");
    assert!(!kpis.contains(",@SUM"));
    // The exported file imports back without changing anything.
    let report = import(&manager, "customers", &text, false).await;
    assert_eq!(report.error_count, 0, "{:?}", report.errors);
    let name: String = sqlx::query_scalar("SELECT shop_name FROM customers WHERE code = ?")
        .bind(&code)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(name, formula);
}

#[tokio::test]
async fn absurd_purchases_are_refused_by_line_and_column_and_nobody_is_poisoned() {
    let (_dir, pool) = demo_db(40).await;
    let manager = app(pool.clone()).await;
    let code: String = sqlx::query_scalar("SELECT code FROM customers WHERE id = 5")
        .fetch_one(&pool)
        .await
        .unwrap();
    let this_month = server::time::this_month();
    let next_month = server::facts::shift_month(&this_month, 1).unwrap();
    let csv = format!(
        "customer_code,month,cartons,amount_yuan\n\
         {code},2026-09,4294967295,100\n\
         {code},2026-08,10,92233720368547758.07\n\
         {code},2099-01,10,100\n\
         {code},{next_month},10,100\n\
         {code},1999-12,10,100\n\
         {code},2026-07,-5,100\n\
         {code},2026-06,12.5,100\n"
    );
    let r = import(&manager, "purchases", &csv, false).await;
    let problems: Vec<(u64, &str)> = r
        .errors
        .iter()
        .map(|e| (e.line, e.column.as_str()))
        .collect();
    assert_eq!(
        problems,
        vec![
            (2, "cartons"),
            (3, "amount_yuan"),
            (4, "month"),
            (5, "month"),
            (6, "month"),
            (7, "cartons"),
            (8, "cartons"),
        ],
        "{:?}",
        r.errors
    );
    assert!(!r.committed);
    assert!(
        r.errors[2].reason.contains("not begun"),
        "{}",
        r.errors[2].reason
    );

    // What spreadsheets write is taken.
    let csv =
        format!("customer_code,month,cartons,amount_yuan\n{code},2026-09,1.2E+2,12345.6789\n");
    let r = import(&manager, "purchases", &csv, false).await;
    assert_eq!(r.error_count, 0, "{:?}", r.errors);
    let (cartons, fen): (i64, i64) = sqlx::query_as(
        "SELECT cartons, amount_fen FROM purchases p JOIN customers c ON c.id = p.customer_id
         WHERE c.code = ? AND month = '2026-09'",
    )
    .bind(&code)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((cartons, fen), (120, 1_234_568), "money to the nearest fen");

    // A month in the future stored before imports refused it moves nobody's window.
    let volume_before = server::facts::load(&pool, &kehu_engine::Policy::default())
        .await
        .unwrap()
        .population
        .volume
        .clone();
    exec(
        &pool,
        "INSERT INTO purchases (customer_id, month, cartons, amount_fen) VALUES (6, '2099-01', 1, 100)",
    )
    .await;
    // As a writer of purchases marks it: the kept latest month is now in the future.
    exec(
        &pool,
        "UPDATE data_version SET purchases = purchases + 1, latest_month = '2099-01'",
    )
    .await;
    let after = server::facts::load(&pool, &kehu_engine::Policy::default())
        .await
        .unwrap();
    assert_eq!(after.population.volume, volume_before);
    assert!(after.latest_month.as_deref() <= Some(this_month.as_str()));
    // And every page and function that reads purchases answers.
    for (uri, body) in [
        (
            "/api/preview_policy",
            format!(
                "policy_json={}",
                urlencode(&serde_json::to_string(&kehu_engine::Policy::default()).unwrap())
            ),
        ),
        ("/api/service_gaps", "tier=".to_string()),
        ("/api/kpis", String::new()),
        ("/api/customer", "id=6".to_string()),
    ] {
        let resp = manager.send(post_form(uri, &body)).await;
        assert_eq!(resp.status(), StatusCode::OK, "{uri}");
    }
    let resp = fetch(&manager, "/api/snapshot").await;
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_column_given_twice_is_refused_whatever_the_column() {
    let (_dir, pool) = demo_db(20).await;
    let manager = app(pool.clone()).await;
    let code: String = sqlx::query_scalar("SELECT code FROM customers WHERE id = 1")
        .fetch_one(&pool)
        .await
        .unwrap();
    let route: String = sqlx::query_scalar("SELECT code FROM routes ORDER BY id LIMIT 1")
        .fetch_one(&pool)
        .await
        .unwrap();
    for (kind, csv, column) in [
        (
            "customers",
            format!("code,route,route\n{code},{route},{route}\n"),
            "route",
        ),
        ("customers", format!("code,phone,x,x\n{code},1,a,b\n"), "x"),
        ("customers", format!("code,code\n{code},{code}\n"), "code"),
        (
            "purchases",
            format!("customer_code,month,cartons,amount_yuan,cartons\n{code},2026-09,1,1,2\n"),
            "cartons",
        ),
    ] {
        let r = import(&manager, kind, &csv, true).await;
        assert_eq!(r.errors.len(), 1, "{csv}: {:?}", r.errors);
        assert_eq!((r.errors[0].line, r.errors[0].column.as_str()), (1, column));
        assert!(r.errors[0].reason.contains("twice"));
    }
}

// ---------------------------------------------------------------------------------------------
// Answers.

#[tokio::test]
async fn refusals_answer_with_their_status_not_500_or_200() {
    let (_dir, pool) = demo_db(30).await;
    let manager = app(pool.clone()).await;
    // Validation: 422 naming the field; arguments that do not parse: 400.
    let long = "x".repeat(101);
    let (status, _) =
        json::<serde_json::Value>(&manager, "/api/customers", &format!("query[q]={long}")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let resp = manager
        .send(post_form("/api/customers", "query[band]=9"))
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(resp).await.contains("band"));
    let resp = manager.send(post_form("/api/customer", "id=abc")).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(matches!(
        serde_json::from_str(&body_text(resp).await),
        Ok(app::wire::ApiError::Call(_))
    ));
    let resp = manager
        .send(post_form(
            "/api/preview_policy",
            "policy_json=%7B%22format%22%3A1%7D",
        ))
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let resp = fetch(&manager, &format!("/export/customers.csv?q={long}")).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A policy name of a thousand characters is refused with its field.
    let named = kehu_engine::Policy {
        name: "名".repeat(1_000),
        ..Default::default()
    };
    let (_, r) = json::<DraftResult>(
        &manager,
        "/api/save_draft",
        &format!(
            "id=&revision=0&policy_json={}",
            urlencode(&serde_json::to_string(&named).unwrap())
        ),
    )
    .await;
    assert!(
        matches!(&r, Some(DraftResult::Invalid(m)) if m.contains("name")),
        "{r:?}"
    );

    // Pages a role may not open: 403, whatever the client accepts; signed out: 401 or the
    // sign-in page for a browser.
    let code: String = sqlx::query_scalar("SELECT username FROM users WHERE role = 'customer'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let customer = app_as(pool.clone(), &code).await;
    let cm01 = app_as(pool.clone(), "cm01").await;
    for (client, uri) in [
        (&customer, "/customers"),
        (&customer, "/lab"),
        (&cm01, "/lab"),
        (&cm01, "/requests"),
        (&cm01, "/import"),
    ] {
        for accept in ["*/*", "text/html"] {
            let resp = client
                .send(
                    Request::get(uri)
                        .header(header::ACCEPT, accept)
                        .body(Body::empty())
                        .unwrap(),
                )
                .await;
            assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{uri} ({accept})");
        }
    }
    let other: i64 = sqlx::query_scalar(
        "SELECT c.id FROM customers c JOIN routes r ON r.id = c.route_id
         WHERE r.manager_id <> (SELECT id FROM users WHERE username = 'cm01') LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        get(&cm01, &format!("/customers/{other}"), "zh").await.0,
        StatusCode::NOT_FOUND
    );
    let anonymous = Client::anonymous(pool.clone());
    let resp = fetch(&anonymous, "/customers").await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        get(&anonymous, "/customers", "zh").await.0,
        StatusCode::SEE_OTHER
    );
    let _ = Role::Manager;
}

// ---------------------------------------------------------------------------------------------
// Backups and upgrades.

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_taken_while_writes_go_on_restores_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kehu.db");
    let databases = server::db::open(&path).await.unwrap();
    let pool = databases.archive.clone();
    server::demo::generate_into(
        &pool,
        &server::demo::DemoOptions {
            customers: 200,
            seed: 7,
            ..server::demo::DemoOptions::default()
        },
    )
    .await
    .unwrap();
    // A stream of writes: each audit line names its number; the last committed is kept.
    let committed = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (pool, committed, stop) = (pool.clone(), committed.clone(), stop.clone());
        tokio::spawn(async move {
            let mut n = 0i64;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                n += 1;
                let mut tx = server::db::write(&pool).await.unwrap();
                sqlx::query("INSERT INTO audit (action, detail) VALUES ('field.edit', ?)")
                    .bind(n.to_string())
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                sqlx::query("UPDATE customers SET version = version + 1 WHERE id = ?")
                    .bind(n % 200 + 1)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
                committed.store(n, std::sync::atomic::Ordering::SeqCst);
            }
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let before_backup = committed.load(std::sync::atomic::Ordering::SeqCst);
    let backup = dir.path().join("backup.db");
    server::db::backup(&pool, &backup).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    writer.await.unwrap();
    assert!(before_backup > 0, "writes went on");
    assert!(
        server::db::backup(&pool, &backup).await.is_err(),
        "a backup never overwrites a file"
    );

    // Restoring is refused while the database is open.
    let refused = server::db::restore(&path, &backup).await.unwrap_err();
    assert!(refused.to_string().contains("in use"), "{refused}");
    drop(pool);
    databases.archive.close().await;
    databases.sessions.close().await;
    drop(databases);
    let kept = server::db::restore(&path, &backup).await.unwrap().unwrap();
    assert!(kept.exists(), "the replaced file is kept");

    let restored = server::db::open(&path).await.unwrap();
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&restored.archive)
        .await
        .unwrap();
    assert_eq!(integrity, "ok");
    let broken: i64 = scalar(
        &restored.archive,
        "SELECT COUNT(*) FROM pragma_foreign_key_check",
    )
    .await;
    assert_eq!(broken, 0);
    let numbers: Vec<String> =
        sqlx::query_scalar("SELECT detail FROM audit WHERE action = 'field.edit'")
            .fetch_all(&restored.archive)
            .await
            .unwrap();
    let numbers: std::collections::HashSet<i64> =
        numbers.iter().map(|n| n.parse().unwrap()).collect();
    for n in 1..=before_backup {
        assert!(
            numbers.contains(&n),
            "write {n}, committed before the backup, is in it"
        );
    }
    assert_eq!(
        scalar(&restored.archive, "SELECT COUNT(*) FROM customers").await,
        200
    );

    // A file that is not a kehu database is refused, and nothing is replaced.
    drop(restored);
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database at all").unwrap();
    // Pools close when dropped; give them a moment to let go of the lock.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let e = server::db::restore(&path, &junk).await.unwrap_err();
    assert!(!e.to_string().contains("in use"), "{e}");
    let again = server::db::open(&path).await.unwrap();
    assert_eq!(
        scalar(&again.archive, "SELECT COUNT(*) FROM customers").await,
        200
    );
}

#[tokio::test]
async fn a_failing_upgrade_leaves_the_database_as_it_was_and_newer_ones_are_refused() {
    use sqlx::migrate::{Migration, MigrationType, Migrator};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kehu.db");
    let databases = server::db::open(&path).await.unwrap();
    let pool = databases.archive.clone();
    let steps = scalar(&pool, "SELECT COUNT(*) FROM _sqlx_migrations").await;
    // The next release's two steps: the first good, the second broken.
    let mut migrations: Vec<Migration> = server::db::ARCHIVE.iter().cloned().collect();
    for (version, sql) in [
        (
            29991231000001_i64,
            "CREATE TABLE newer_feature (id INTEGER PRIMARY KEY)",
        ),
        (
            29991231000002,
            "ALTER TABLE no_such_table ADD COLUMN x INTEGER",
        ),
    ] {
        migrations.push(Migration::new(
            version,
            "next release".into(),
            MigrationType::Simple,
            sqlx::SqlSafeStr::into_sql_str(sql),
            false,
        ));
    }
    let next = Migrator {
        migrations: migrations.into(),
        ..Migrator::DEFAULT
    };
    let e = server::db::migrate(&pool, &next).await.unwrap_err();
    assert!(e.to_string().contains("nothing was changed"), "{e}");
    assert_eq!(
        scalar(&pool, "SELECT COUNT(*) FROM _sqlx_migrations").await,
        steps
    );
    assert_eq!(
        scalar(
            &pool,
            "SELECT COUNT(*) FROM sqlite_master WHERE name = 'newer_feature'"
        )
        .await,
        0,
        "the good first step was rolled back with the broken one"
    );
    // A database a newer kehu wrote: this one refuses it and says why.
    exec(
        &pool,
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (29991231000001, 'next release', 1, x'00', 0)",
    )
    .await;
    pool.close().await;
    databases.sessions.close().await;
    drop(databases);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let e = server::db::open(&path).await.err().unwrap();
    let message = format!("{e:#}");
    assert!(
        message.contains("newer kehu") && message.contains("29991231000001"),
        "{message}"
    );
}
