//! A busy office: writers at once, sign-ins beside a long import, no deferred write transaction.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writers_at_once_all_succeed_in_turn() {
    let (_dir, pool) = demo_db(400).await;
    // Change requests from three members of staff at once, each on customers of their own.
    let staff = ["cm01", "cm02", "cm03"];
    let mut clients = Vec::new();
    for s in staff {
        clients.push(app_as(pool.clone(), s).await);
    }
    let mut requests = Vec::new();
    for (k, s) in staff.iter().enumerate() {
        let mine: Vec<i64> = sqlx::query_scalar(
            "SELECT c.id FROM customers c JOIN routes r ON r.id = c.route_id
             JOIN users u ON u.id = r.manager_id WHERE u.username = ? ORDER BY c.id LIMIT 30",
        )
        .bind(s)
        .fetch_all(&pool)
        .await
        .unwrap();
        assert!(mine.len() >= 2, "{s} has customers");
        for n in 0..30 {
            let client = clients[k].clone();
            let id = mine[n % mine.len()];
            requests.push(tokio::spawn(async move {
                json::<RequestResult>(
                    &client,
                    "/api/request_change",
                    &format!(
                        "id={id}&key=shop_name&value={}&reason=signboard+changed",
                        urlencode(&format!("新店名 {n}"))
                    ),
                )
                .await
            }));
        }
    }
    for r in requests {
        let (status, result) = r.await.unwrap();
        assert_eq!(status, StatusCode::OK, "{result:?}");
        assert!(
            matches!(result, Some(RequestResult::Filed { .. })),
            "{result:?}"
        );
    }
    assert_eq!(
        scalar(&pool, "SELECT COUNT(*) FROM change_requests").await,
        90
    );

    // Sixty field edits by one administrator at once.
    let admin = app_as(pool.clone(), "admin").await;
    let targets: Vec<(i64, i64)> =
        sqlx::query_as("SELECT id, version FROM customers ORDER BY id LIMIT 60")
            .fetch_all(&pool)
            .await
            .unwrap();
    let edits: Vec<_> = targets
        .into_iter()
        .map(|(id, version)| {
            let admin = admin.clone();
            tokio::spawn(async move {
                json::<EditResult>(
                    &admin,
                    "/api/edit_customer_field",
                    &format!("id={id}&key=phone&value=1380000{id:04}&version={version}"),
                )
                .await
            })
        })
        .collect();
    for e in edits {
        let (status, result) = e.await.unwrap();
        assert_eq!(status, StatusCode::OK, "{result:?}");
        assert!(
            matches!(result, Some(EditResult::Saved { .. })),
            "{result:?}"
        );
    }

    // Two managers publish at once: both succeed, one after the other.
    let manager = app(pool.clone()).await;
    let before = scalar(&pool, "SELECT MAX(version) FROM policies").await;
    let publishes: Vec<_> = [manager, admin]
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            // Each changes a setting (an unchanged policy has nothing to publish).
            let mut p = kehu_engine::Policy::default();
            p.service.manager_capacity_visits_per_month += 10 + i as u32;
            let policy = urlencode(&serde_json::to_string(&p).unwrap());
            let body = format!("policy_json={policy}");
            tokio::spawn(async move {
                c.send(post_form("/api/publish_policy", &body))
                    .await
                    .status()
            })
        })
        .collect();
    for p in publishes {
        assert_eq!(p.await.unwrap(), StatusCode::OK);
    }
    assert_eq!(
        scalar(&pool, "SELECT MAX(version) FROM policies").await,
        before + 2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn signing_in_and_out_answers_while_an_import_holds_the_archive() {
    let (_dir, pool) = demo_db(60).await;
    let admin = app_as(pool.clone(), "admin").await;
    let (id, version): (i64, i64) =
        sqlx::query_as("SELECT id, version FROM customers ORDER BY id LIMIT 1")
            .fetch_one(&pool)
            .await
            .unwrap();

    // A long import in this process: it has the writers' turn and the write lock.
    let import = server::db::write(&pool).await.unwrap();
    let mut c = Client::anonymous(pool.clone());
    let resp = soon(
        "sign-in during an import",
        c.sign_in("manager", server::demo::DEMO_PASSWORD),
    )
    .await;
    assert_eq!(location(&resp), "/", "signed in");
    assert_eq!(
        soon("a page", get(&c, "/customers", "zh")).await.0,
        StatusCode::OK
    );
    // A write waits its turn instead of failing…
    let edit = {
        let admin = admin.clone();
        tokio::spawn(async move {
            json::<EditResult>(
                &admin,
                "/api/edit_customer_field",
                &format!("id={id}&key=phone&value=13912345678&version={version}"),
            )
            .await
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!edit.is_finished(), "the edit waits for the import");
    let resp = soon(
        "sign-out during an import",
        c.send(post_form("/auth/logout", "")),
    )
    .await;
    assert_eq!(location(&resp), "/login?signed_out=1");
    // …and succeeds when the import is done.
    import.commit().await.unwrap();
    let (status, result) = soon("the waiting edit", edit).await.unwrap();
    assert_eq!(status, StatusCode::OK);
    assert!(
        matches!(result, Some(EditResult::Saved { .. })),
        "{result:?}"
    );

    // The same with a writer in another process (`kehu import` beside the server): it holds
    // SQLite's lock, not this process's turn.
    let other_process =
        sqlx::sqlite::SqliteConnectOptions::new().filename(pool.connect_options().get_filename());
    let mut other = sqlx::ConnectOptions::connect(&other_process).await.unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut other)
        .await
        .unwrap();
    let mut d = Client::anonymous(pool.clone());
    let resp = soon(
        "sign-in beside another writer",
        d.sign_in("officer", server::demo::DEMO_PASSWORD),
    )
    .await;
    assert_eq!(location(&resp), "/");
    sqlx::query("COMMIT").execute(&mut other).await.unwrap();
    // The sign-in's audit line follows once the archive is free.
    let mut lines = 0;
    for _ in 0..50 {
        lines = scalar(
            &pool,
            "SELECT COUNT(*) FROM audit WHERE action = 'user.login'",
        )
        .await;
        if lines >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(lines >= 3, "sign-ins are audited ({lines})");
}

#[tokio::test]
async fn a_deferred_transaction_cannot_be_begun_by_accident() {
    // Every writing transaction goes through `db::write`; clippy's disallowed-methods
    // (clippy.toml) keeps `begin()` out of the code. Here: what `write` gives is IMMEDIATE.
    let (_dir, pool) = demo_db(10).await;
    let mut w = server::db::write(&pool).await.unwrap();
    let mut other = sqlx::ConnectOptions::connect(
        &sqlx::sqlite::SqliteConnectOptions::new()
            .filename(pool.connect_options().get_filename())
            .busy_timeout(std::time::Duration::ZERO),
    )
    .await
    .unwrap();
    let refused = sqlx::query("BEGIN IMMEDIATE").execute(&mut other).await;
    assert!(refused.is_err(), "the write lock is taken from the start");
    sqlx::query("SELECT 1").execute(&mut *w).await.unwrap();
    w.commit().await.unwrap();
}

// ---------------------------------------------------------------------------------------------
// Hostile text.
