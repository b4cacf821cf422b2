//! Server tests: a real SQLite file with demo data, the whole router called without a socket.

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use server::demo::{DemoOptions, generate_into};
use server::store::SqliteStore;
use sqlx::SqlitePool;

#[tokio::test]
async fn dashboard_renders_band_counts_in_the_requested_language() {
    let (_dir, pool) = demo_db(300).await;
    let app = app(pool).await;
    let (status, html) = get(&app, "/", "en-US,en;q=0.9").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Customers per volume band"),
        "English dashboard"
    );
    assert_eq!(
        testid_text(&html, "stat-customers"),
        "300",
        "customer count on the page"
    );
    assert!(html.contains("<svg"), "band chart rendered on the server");
    let (_, html) = get(&app, "/", "zh-CN,zh;q=0.9").await;
    assert!(html.contains("各档位客户数"), "Chinese dashboard");
    assert!(html.contains(r#"lang="zh""#));
}

#[tokio::test]
async fn customer_list_filters_by_band_on_the_server() {
    let (_dir, pool) = demo_db(300).await;
    let expected: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM assignments WHERE band = 6")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(expected > 0);
    let app = app(pool).await;
    let (status, html) = get(&app, "/customers?band=6", "en").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!(r#"data-total="{expected}""#)),
        "total of band 6 is {expected}"
    );
    let rows = html.matches(r#"data-testid="customer-row""#).count();
    assert_eq!(rows, (expected as usize).min(25));
    assert_eq!(
        html.matches(r#"data-band="6""#).count(),
        rows,
        "every row is band 6"
    );
}

#[tokio::test]
async fn customer_list_searches_and_pages() {
    let (_dir, pool) = demo_db(300).await;
    let app = app(pool).await;
    let (_, html) = get(&app, "/customers?q=DEMO000123", "en").await;
    assert!(
        html.contains(r#"data-total="1""#),
        "search by code finds exactly one"
    );
    let (_, html) = get(&app, "/customers?page=2", "en").await;
    assert_eq!(
        testid_text(&html, "page-of"),
        "Page 2 of 12",
        "300 customers, 25 a page"
    );
    assert!(
        html.contains("DEMO000026"),
        "page 2 starts at the 26th customer"
    );
    let (_, html) = get(&app, "/customers?q=%25", "en").await;
    assert!(
        text(&html).contains("No customer matches these filters."),
        "a literal % matches nothing"
    );
}

#[tokio::test]
async fn customer_page_shows_five_groups_and_unknown_ids_are_404() {
    let (_dir, pool) = demo_db(50).await;
    let name: String = sqlx::query_scalar("SELECT shop_name FROM customers WHERE id = 7")
        .fetch_one(&pool)
        .await
        .unwrap();
    let app = app(pool).await;
    let (status, html) = get(&app, "/customers/7", "en").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&name));
    for group in [
        "Basic information",
        "Network information",
        "Management information",
        "Business information",
        "Personal information",
    ] {
        assert!(html.contains(group), "{group}");
    }
    assert_eq!(
        testid_text(&html, "policy-version"),
        "Policy Default (seed), version 1"
    );
    let (status, html) = get(&app, "/customers/999999", "en").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("does not exist"));
    let (status, _) = get(&app, "/no-such-page", "en").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn stored_assignments_equal_the_engine_on_the_same_facts() {
    let (_dir, pool) = demo_db(400).await;
    let policy = kehu_engine::Policy::default();
    let loaded = server::facts::load(&pool, &policy).await.unwrap();
    let stored: Vec<(i64, i64, i64, String)> = sqlx::query_as(
        "SELECT customer_id, band, grade, tier FROM assignments ORDER BY customer_id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(stored.len(), 400);
    for (i, (id, band, grade, tier)) in stored.iter().enumerate() {
        assert_eq!(loaded.ids[i], *id);
        let c = kehu_engine::classify::classify_with_policy(&policy, &loaded.population.facts(i));
        assert_eq!(
            (c.band as i64, c.grade as i64, c.tier.key()),
            (*band, *grade, tier.as_str())
        );
    }
}

#[tokio::test]
async fn republishing_keeps_history_and_counts_movers() {
    let (_dir, pool) = demo_db(200).await;
    let mut policy = kehu_engine::Policy {
        name: "Stricter band 1".into(),
        ..Default::default()
    };
    policy.bands.lower_bounds[0] = kehu_engine::Cases::from_int(25);
    let band1_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM assignments WHERE band = 1")
        .fetch_one(&pool)
        .await
        .unwrap();
    let band1_20_25: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM assignments WHERE band = 1 AND monthly_volume_milli <= 25000",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let published = server::publish::publish(&pool, &Default::default(), &policy, None)
        .await
        .unwrap();
    assert_eq!(published.policy.version, 2);
    let band1_after: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM assignments WHERE band = 1 AND policy_id = ?")
            .bind(published.policy.id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(band1_after, band1_before - band1_20_25);
    let versions: i64 = sqlx::query_scalar("SELECT COUNT(DISTINCT policy_id) FROM assignments")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(versions, 2, "the first version's assignments are kept");
    let audit: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit WHERE action = 'policy.publish'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(audit, 2);
    // An invalid policy is refused and changes nothing.
    policy.value.weights.growth = kehu_engine::Weight::ZERO;
    let err = server::publish::publish(&pool, &Default::default(), &policy, None)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("value.weights: must add up to 1"),
        "{err}"
    );
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM policies")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 2);
}

#[tokio::test]
async fn demo_data_is_deterministic_and_fast_to_regenerate() {
    let (_d1, a) = demo_db(120).await;
    let (_d2, b) = demo_db(120).await;
    let q = "SELECT group_concat(shop_name || cartons, ',') FROM customers JOIN purchases ON purchases.customer_id = customers.id";
    let x: String = sqlx::query_scalar(q).fetch_one(&a).await.unwrap();
    let y: String = sqlx::query_scalar(q).fetch_one(&b).await.unwrap();
    assert_eq!(x, y);
    // Regenerating replaces everything.
    generate_into(
        &a,
        &DemoOptions {
            customers: 30,
            seed: 1,
            ..DemoOptions::default()
        },
    )
    .await
    .unwrap();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM customers")
        .fetch_one(&a)
        .await
        .unwrap();
    assert_eq!(n, 30);
}

#[tokio::test]
async fn snapshot_is_compact_column_wise_and_revalidates_with_its_etag() {
    let (_dir, pool) = demo_db(300).await;
    let app = app(pool.clone()).await;
    let resp = app
        .send(Request::get("/api/snapshot").body(Body::empty()).unwrap())
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let etag = resp.headers()[header::ETAG].to_str().unwrap().to_owned();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    let snap = app::model::Snapshot::from_bytes(&body).unwrap();
    assert_eq!(snap.population.len(), 300);
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM customers ORDER BY id")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(snap.ids(), ids);
    assert!(!snap.routes.is_empty() && !snap.managers.is_empty());
    assert_eq!(snap.policy.as_ref().map(|p| p.version), Some(1));
    // Packed for the wire (managers from routes, previous tiers as "same as published") and
    // unpacked exactly: the facts the server derived, every column.
    let policy = kehu_engine::Policy::default();
    let loaded = server::facts::load(&pool, &policy).await.unwrap();
    let same = |a: &kehu_engine::Population, b: &kehu_engine::Population| {
        assert_eq!(a.manager, b.manager, "manager column");
        assert_eq!(a.prev_band, b.prev_band, "previous bands");
        assert_eq!(a.prev_tier, b.prev_tier, "previous tiers");
        assert_eq!(a.volume, b.volume, "volume");
        assert_eq!(a.amount, b.amount, "amount");
        assert_eq!(a.indicators, b.indicators, "indicators");
        assert!(a == b, "other columns");
    };
    same(&snap.population, &loaded.population);
    // Names and contacts never enter it.
    let name: String = sqlx::query_scalar("SELECT shop_name FROM customers LIMIT 1")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(!body.windows(name.len()).any(|w| w == name.as_bytes()));

    // Browsers get it gzip-compressed once, ahead of time: the same bytes.
    let gz = app
        .send(
            Request::get("/api/snapshot")
                .header(header::ACCEPT_ENCODING, "gzip, deflate, br")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(gz.headers()[header::CONTENT_ENCODING], "gzip");
    let packed = gz.into_body().collect().await.unwrap().to_bytes();
    let mut unpacked = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&packed[..]),
        &mut unpacked,
    )
    .unwrap();
    assert_eq!(unpacked, body);
    assert!(
        packed.len() < body.len() / 2,
        "{} of {}",
        packed.len(),
        body.len()
    );

    // Unchanged data: 304 without a body.
    let again = app
        .send(
            Request::get("/api/snapshot")
                .header(header::IF_NONE_MATCH, &etag)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    // A publish changes the data (previous bands), so the tag changes.
    let mut policy = kehu_engine::Policy::default();
    policy.bands.lower_bounds[0] = kehu_engine::Cases::from_int(25);
    server::publish::publish(&pool, &Default::default(), &policy, None)
        .await
        .unwrap();
    let after = app
        .send(
            Request::get("/api/snapshot")
                .header(header::IF_NONE_MATCH, &etag)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(after.status(), StatusCode::OK);
    assert_ne!(after.headers()[header::ETAG].to_str().unwrap(), etag);
    // Also when some previous tiers differ from what today's facts give: an import of much
    // bigger months for three customers (same row count: the snapshot must still be rebuilt).
    let mut csv = String::from("customer_code,month,cartons,amount_yuan\n");
    for code in ["DEMO000001", "DEMO000002", "DEMO000003"] {
        for month in ["2026-08", "2026-09", "2026-10"] {
            csv.push_str(&format!("{code},{month},5000,900000\n"));
        }
    }
    let report = server::import::run(
        &pool,
        server::import::Kind::Purchases,
        csv.to_string(),
        false,
        None,
    )
    .await
    .unwrap();
    assert!(report.committed, "{report:?}");
    let resp = app
        .send(Request::get("/api/snapshot").body(Body::empty()).unwrap())
        .await;
    let changed = resp.into_body().collect().await.unwrap().to_bytes();
    let changed = app::model::Snapshot::from_bytes(&changed).unwrap();
    let loaded = server::facts::load(&pool, &policy).await.unwrap();
    same(&changed.population, &loaded.population);
    let moved = (0..3).filter(|&i| {
        let c = kehu_engine::classify::classify_with_policy(&policy, &loaded.population.facts(i));
        loaded.population.prev_band[i] != c.band
    });
    assert!(moved.count() > 0, "the import changed someone's band");
}

#[tokio::test]
async fn preview_of_a_draft_equals_what_publishing_it_does() {
    use app::api::ssr::Store;
    let (_dir, pool) = demo_db(250).await;
    let store = SqliteStore::new(pool.clone());
    let mut policy = kehu_engine::Policy::default();
    policy.bands.lower_bounds[0] = kehu_engine::Cases::from_int(25);
    let preview = store.preview(&policy).await.unwrap();
    assert_eq!(preview.customers, 250);
    assert!(preview.movers > 0, "raising band 1's bound moves someone");
    let (published, movers) = store.publish(&policy, 1).await.unwrap();
    assert_eq!(published.version, 2);
    assert_eq!(movers, preview.movers);
    let band1: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM assignments WHERE band = 1 AND policy_id = ?")
            .bind(published.id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(band1 as u32, preview.band_counts[0]);
    // Labels come back in the order asked, unknown ids dropped.
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM customers ORDER BY id DESC LIMIT 3")
        .fetch_all(&pool)
        .await
        .unwrap();
    let labels = store
        .customer_labels(app::model::Scope::All, &[ids[0], 999_999, ids[2]])
        .await
        .unwrap();
    assert_eq!(
        labels.iter().map(|l| l.id).collect::<Vec<_>>(),
        vec![ids[0], ids[2]]
    );
}

#[tokio::test]
async fn kept_facts_follow_every_change_of_the_data() {
    use app::api::ssr::Store;
    let (_dir, pool) = demo_db(200).await;
    let store = SqliteStore::new(pool.clone());
    let policy = kehu_engine::Policy::default();
    let fresh = |policy: kehu_engine::Policy| {
        let pool = pool.clone();
        async move {
            server::facts::load(&pool, &policy)
                .await
                .unwrap()
                .population
        }
    };
    let first = store.facts.load(&pool, &policy).await.unwrap();
    // Unchanged data: the same facts, not read again.
    let again = store.facts.load(&pool, &policy).await.unwrap();
    assert!(std::sync::Arc::ptr_eq(&first, &again));

    // An edit through the archive (a customer's integrity level moves their credit points).
    let id: i64 = sqlx::query_scalar(
        "SELECT id FROM customers WHERE integrity_level = 'A' AND violations_12m = 0 LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let version: i64 = sqlx::query_scalar("SELECT version FROM customers WHERE id = ?")
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
    let field = app::model::FIELDS
        .iter()
        .find(|f| f.key == "integrity_level")
        .unwrap();
    let edited = store
        .edit_field(app::model::Scope::All, 1, id, field, "D", version)
        .await
        .unwrap();
    assert!(edited.is_some());
    let after_edit = store.facts.load(&pool, &policy).await.unwrap();
    assert!(
        after_edit.population != first.population,
        "the edit is seen"
    );
    assert!(after_edit.population == fresh(policy.clone()).await);

    // A purchases import.
    let csv = "customer_code,month,cartons,amount_yuan\nDEMO000005,2026-10,4000,700000\n";
    let report = server::import::run(
        &pool,
        server::import::Kind::Purchases,
        csv.to_string(),
        false,
        None,
    )
    .await
    .unwrap();
    assert!(report.committed, "{report:?}");
    let after_import = store.facts.load(&pool, &policy).await.unwrap();
    assert!(
        after_import.population != after_edit.population,
        "the import is seen"
    );
    assert!(after_import.population == fresh(policy.clone()).await);

    // A route handed to another customer manager.
    let mut tx = server::db::write(&pool).await.unwrap();
    sqlx::query(
        "UPDATE routes SET manager_id = (SELECT MIN(manager_id) FROM routes)
         WHERE id = (SELECT MAX(id) FROM routes)",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let after_route = store.facts.load(&pool, &policy).await.unwrap();
    assert!(after_route.population.manager != after_import.population.manager);

    // A publish: previous bands and tiers are now the new policy's.
    let mut wider = policy.clone();
    wider.bands.lower_bounds[0] = kehu_engine::Cases::from_int(25);
    store.publish(&wider, 1).await.unwrap();
    let after_publish = store.facts.load(&pool, &policy).await.unwrap();
    assert!(after_publish.population == fresh(policy.clone()).await);
    assert!(after_publish.population.prev_band != after_route.population.prev_band);

    // Another window reads other months.
    let mut six = policy.clone();
    six.assessment_window_months = 6;
    let six_months = store.facts.load(&pool, &six).await.unwrap();
    assert!(six_months.population == fresh(six).await);
    assert!(six_months.population != after_publish.population);
}

/// Customer ids on cm01's routes and one that is not.
async fn cm01_scope(pool: &SqlitePool) -> (Vec<i64>, i64) {
    let mine: Vec<i64> = sqlx::query_scalar(
        "SELECT c.id FROM customers c JOIN routes r ON r.id = c.route_id
         JOIN users u ON u.id = r.manager_id WHERE u.username = 'cm01' ORDER BY c.id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let other: i64 = sqlx::query_scalar(
        "SELECT c.id FROM customers c JOIN routes r ON r.id = c.route_id
         JOIN users u ON u.id = r.manager_id WHERE u.username <> 'cm01' LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    (mine, other)
}

#[tokio::test]
async fn every_role_reaches_exactly_its_pages_and_customers() {
    let (_dir, pool) = demo_db(300).await;
    let (mine, other) = cm01_scope(&pool).await;
    assert!(!mine.is_empty() && !mine.contains(&other));
    let own_customer: i64 =
        sqlx::query_scalar("SELECT customer_id FROM users WHERE role = 'customer'")
            .fetch_one(&pool)
            .await
            .unwrap();
    let anonymous = Client::anonymous(pool.clone());
    let mut clients = vec![("signed out", anonymous)];
    for user in ["admin", "manager", "officer", "cm01"] {
        clients.push((user, app_as(pool.clone(), user).await));
    }
    let customer_code: String =
        sqlx::query_scalar("SELECT username FROM users WHERE role = 'customer'")
            .fetch_one(&pool)
            .await
            .unwrap();
    clients.push(("customer", app_as(pool.clone(), &customer_code).await));

    use StatusCode as S;
    let mine_page = format!("/customers/{}", mine[0]);
    let other_page = format!("/customers/{other}");
    let own_page = format!("/customers/{own_customer}");
    // (page, expected status for: signed out, admin, manager, officer, cm01, customer)
    let see_other = S::SEE_OTHER;
    let pages: Vec<(&str, [StatusCode; 6])> = vec![
        ("/", [see_other, S::OK, S::OK, S::OK, S::OK, see_other]),
        (
            "/customers",
            [see_other, S::OK, S::OK, S::OK, S::OK, S::FORBIDDEN],
        ),
        (
            &mine_page,
            [see_other, S::OK, S::OK, S::OK, S::OK, S::FORBIDDEN],
        ),
        (
            &other_page,
            [see_other, S::OK, S::OK, S::OK, S::NOT_FOUND, S::FORBIDDEN],
        ),
        (
            &own_page,
            [
                see_other,
                S::OK,
                S::OK,
                S::OK,
                if mine.contains(&own_customer) {
                    S::OK
                } else {
                    S::NOT_FOUND
                },
                S::FORBIDDEN,
            ],
        ),
        (
            "/lab",
            [
                see_other,
                S::OK,
                S::OK,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::FORBIDDEN,
            ],
        ),
        ("/account", [see_other, S::OK, S::OK, S::OK, S::OK, S::OK]),
        (
            "/requests",
            [see_other, S::OK, S::OK, S::OK, S::FORBIDDEN, S::FORBIDDEN],
        ),
        (
            "/import",
            [
                see_other,
                S::OK,
                S::OK,
                S::FORBIDDEN,
                S::FORBIDDEN,
                S::FORBIDDEN,
            ],
        ),
        ("/login", [S::OK; 6]),
    ];
    for (page, expected) in &pages {
        for ((who, client), want) in clients.iter().zip(expected) {
            let (status, _) = get(client, page, "en").await;
            assert_eq!(status, *want, "{who} opening {page}");
        }
    }
    // Signed-out browsers are sent to sign in, and come back afterwards.
    let resp = clients[0]
        .1
        .send(
            Request::get("/customers?band=2")
                .header(header::ACCEPT, "text/html")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(location(&resp), "/login?next=%2Fcustomers%3Fband%3D2");

    // The lab's snapshot: 401 signed out, 403 for roles without the lab.
    let snapshot = [
        S::UNAUTHORIZED,
        S::OK,
        S::OK,
        S::FORBIDDEN,
        S::FORBIDDEN,
        S::FORBIDDEN,
    ];
    for ((who, client), want) in clients.iter().zip(snapshot) {
        let resp = client
            .send(Request::get("/api/snapshot").body(Body::empty()).unwrap())
            .await;
        assert_eq!(resp.status(), want, "{who} fetching the snapshot");
    }

    // Server functions apply the same scope in their queries.
    for ((who, client), want) in clients.iter().zip([
        None,
        Some(300),
        Some(300),
        Some(300),
        Some(mine.len()),
        None,
    ]) {
        let resp = client
            .send(post_form(
                "/api/customers",
                "query[q]=&query[format]=&query[market]=&query[page]=1",
            ))
            .await;
        let status = resp.status();
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        match want {
            Some(n) => {
                assert_eq!(status, S::OK, "{who}: {}", String::from_utf8_lossy(&body));
                let page: app::model::CustomerPage = serde_json::from_slice(&body).unwrap();
                assert_eq!(page.total, n as u64, "{who} sees {n} customers");
            }
            None => assert!(
                status == S::UNAUTHORIZED || status == S::FORBIDDEN,
                "{who} listing customers: {status}"
            ),
        }
    }
    let cm01 = &clients[4].1;
    let resp = cm01
        .send(post_form("/api/customer", &format!("id={other}")))
        .await;
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(
        &body[..],
        b"null",
        "another route's customer does not exist for cm01"
    );
    let resp = cm01.send(post_form("/api/dashboard", "")).await;
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    let d: app::model::Dashboard = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        d.customers,
        mine.len() as u64,
        "cm01's dashboard counts their customers"
    );
    assert_eq!(d.band_counts.iter().sum::<u32>() as usize, mine.len());

    // Only lab users may preview or publish.
    let policy = urlencode(&serde_json::to_string(&kehu_engine::Policy::default()).unwrap());
    for (i, want) in [
        (3, S::FORBIDDEN),
        (4, S::FORBIDDEN),
        (5, S::FORBIDDEN),
        (0, S::UNAUTHORIZED),
    ] {
        let resp = clients[i]
            .1
            .send(post_form(
                "/api/publish_policy",
                &format!("policy_json={policy}"),
            ))
            .await;
        assert_eq!(resp.status(), want, "{} publishing", clients[i].0);
    }
    let versions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM policies")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(versions, 1, "nothing was published");
    let resp = clients[2]
        .1
        .send(post_form(
            "/api/publish_policy",
            &format!("policy_json={policy}"),
        ))
        .await;
    assert_eq!(resp.status(), S::OK, "the manager publishes");
    let by: Option<i64> = sqlx::query_scalar("SELECT created_by FROM policies WHERE version = 2")
        .fetch_one(&pool)
        .await
        .unwrap();
    let manager: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'manager'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(by, Some(manager), "the new version names who published it");
}

#[tokio::test]
async fn cross_site_posts_are_refused() {
    let (_dir, pool) = demo_db(30).await;
    let manager = app(pool.clone()).await;
    let policy = urlencode(&serde_json::to_string(&kehu_engine::Policy::default()).unwrap());
    let mut req = post_form("/api/publish_policy", &format!("policy_json={policy}"));
    req.headers_mut()
        .insert("sec-fetch-site", "cross-site".parse().unwrap());
    assert_eq!(manager.send(req).await.status(), StatusCode::FORBIDDEN);
    // Older browsers: the Origin header must name this host.
    let req = Request::post("/auth/logout")
        .header(header::HOST, "kehu.example")
        .header(header::ORIGIN, "https://evil.example")
        .body(Body::empty())
        .unwrap();
    assert_eq!(manager.send(req).await.status(), StatusCode::FORBIDDEN);
    let req = Request::post("/auth/logout")
        .header(header::HOST, "kehu.example")
        .header(header::ORIGIN, "https://kehu.example")
        .body(Body::empty())
        .unwrap();
    assert_eq!(manager.send(req).await.status(), StatusCode::SEE_OTHER);
    let versions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM policies")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(versions, 1);
}

#[tokio::test]
async fn sign_in_sign_out_and_rate_limiting() {
    let (_dir, pool) = demo_db(30).await;
    let mut c = Client::anonymous(pool.clone());
    let resp = c.sign_in("manager", "wrong-password").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(location(&resp).starts_with("/login?error=invalid&username=manager"));
    assert!(c.cookie.is_none());
    let resp = c.sign_in("nobody", "wrong-password").await;
    assert!(
        location(&resp).starts_with("/login?error=invalid"),
        "unknown users look the same"
    );

    let resp = c.sign_in("manager", server::demo::DEMO_PASSWORD).await;
    assert_eq!(location(&resp), "/");
    let set = resp.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    let stored: String = sqlx::query_scalar("SELECT token_hash FROM sessions")
        .fetch_one(&sessions_of(&pool))
        .await
        .unwrap();
    assert!(
        !c.cookie.as_ref().unwrap().contains(&stored),
        "only a hash of the token is stored"
    );
    assert_eq!(get(&c, "/", "en").await.0, StatusCode::OK);

    // Sign out: the old cookie no longer works.
    let resp = c.send(post_form("/auth/logout", "")).await;
    assert_eq!(location(&resp), "/login?signed_out=1");
    assert_eq!(get(&c, "/", "en").await.0, StatusCode::SEE_OTHER);

    // Five failures lock the name for a while, even for the right password.
    let mut d = Client::anonymous(pool.clone());
    for _ in 0..5 {
        d.sign_in("officer", "guess").await;
    }
    let resp = d.sign_in("officer", server::demo::DEMO_PASSWORD).await;
    assert!(
        location(&resp).starts_with("/login?error=too_many"),
        "{}",
        location(&resp)
    );
    assert!(d.cookie.is_none());
    // Other names are not affected.
    let resp = d.sign_in("manager", server::demo::DEMO_PASSWORD).await;
    assert_eq!(location(&resp), "/");
}

#[tokio::test]
async fn one_time_passwords_must_be_changed_and_changes_end_other_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let pool = open_db(&dir.path().join("kehu.db")).await;
    let sessions = sessions_of(&pool);
    // An empty installation gets an administrator with a one-time password, once.
    let password = server::auth::ensure_admin(&pool, &sessions)
        .await
        .unwrap()
        .unwrap();
    assert!(
        server::auth::ensure_admin(&pool, &sessions)
            .await
            .unwrap()
            .is_none()
    );

    let mut a = Client::anonymous(pool.clone());
    let resp = a.sign_in("admin", &password).await;
    assert_eq!(location(&resp), "/account", "first stop: choose a password");
    let resp = a
        .send(
            Request::get("/customers")
                .header(header::ACCEPT, "text/html")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(location(&resp), "/account", "nothing else before that");
    // A second browser on the same server, whose session the server has just seen.
    let mut b = Client::on(a.router.clone());
    b.sign_in("admin", &password).await;
    assert_eq!(get(&b, "/account", "en").await.0, StatusCode::OK);

    let change = |current: &str, new: &str, confirm: &str| {
        post_form(
            "/auth/password",
            &format!("current={current}&new={new}&confirm={confirm}"),
        )
    };
    let resp = a
        .send(change("wrong", "a-new-secret", "a-new-secret"))
        .await;
    assert_eq!(location(&resp), "/account?error=wrong_current");
    let resp = a.send(change(&password, "short", "short")).await;
    assert_eq!(location(&resp), "/account?error=too_short");
    let resp = a
        .send(change(&password, "a-new-secret", "a-new-secreT"))
        .await;
    assert_eq!(location(&resp), "/account?error=mismatch");
    let resp = a
        .send(change(&password, "a-new-secret", "a-new-secret"))
        .await;
    assert_eq!(location(&resp), "/account?changed=1");

    assert_eq!(
        get(&a, "/customers", "en").await.0,
        StatusCode::OK,
        "this browser stays in"
    );
    assert_eq!(
        get(&b, "/customers", "en").await.0,
        StatusCode::SEE_OTHER,
        "the other is out"
    );
    let mut c = Client::anonymous(pool.clone());
    assert_eq!(
        location(&c.sign_in("admin", &password).await),
        "/login?error=invalid&username=admin&next=%2F"
    );
    assert_eq!(location(&c.sign_in("admin", "a-new-secret").await), "/");
    let audit: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit WHERE action = 'user.password'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(audit, 1);
}

#[tokio::test]
async fn csv_export_holds_the_filtered_list_in_scope_and_opens_in_excel() {
    let (_dir, pool) = demo_db(300).await;
    let (mine, _) = cm01_scope(&pool).await;
    let export = |client: Client, uri: &'static str| async move {
        let resp = client
            .send(Request::get(uri).body(Body::empty()).unwrap())
            .await;
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        (status, headers, body)
    };
    let manager = app(pool.clone()).await;
    let (status, headers, body) = export(manager.clone(), "/export/customers.csv").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert!(
        headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert!(
        body.starts_with("\u{feff}".as_bytes()),
        "Excel needs the BOM for UTF-8"
    );
    let mut reader = csv::Reader::from_reader(&body[3..]);
    let header_row = reader.headers().unwrap().clone();
    assert_eq!(&header_row[0], "code");
    assert!(header_row.iter().any(|h| h == "shop_name"));
    assert_eq!(header_row.iter().next_back(), Some("monthly_volume_cases"));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 300);
    let name_at = header_row.iter().position(|h| h == "shop_name").unwrap();
    let first: String = sqlx::query_scalar("SELECT shop_name FROM customers ORDER BY id LIMIT 1")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(&rows[0][name_at], first, "Chinese names survive");

    // The list's filters apply.
    let band3: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM assignments WHERE band = 3")
        .fetch_one(&pool)
        .await
        .unwrap();
    let (_, _, body) = export(manager, "/export/customers.csv?band=3").await;
    let band_at = header_row.iter().position(|h| h == "band").unwrap();
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(&body[3..])
        .records()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len() as i64, band3);
    assert!(rows.iter().all(|r| &r[band_at] == "3"));

    // A customer manager exports only their own customers; others get nothing.
    let (_, _, body) = export(app_as(pool.clone(), "cm01").await, "/export/customers.csv").await;
    assert_eq!(
        csv::Reader::from_reader(&body[3..]).records().count(),
        mine.len()
    );
    let (status, _, _) = export(Client::anonymous(pool.clone()), "/export/customers.csv").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let code: String = sqlx::query_scalar("SELECT username FROM users WHERE role = 'customer'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let (status, _, _) = export(app_as(pool.clone(), &code).await, "/export/customers.csv").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// Calls the edit server function as a browser would; returns the status and the JSON answer.
async fn edit(
    client: &Client,
    id: i64,
    key: &str,
    value: &str,
    version: i64,
) -> (StatusCode, String) {
    let resp = client
        .send(post_form(
            "/api/edit_customer_field",
            &format!(
                "id={id}&key={key}&value={}&version={version}",
                urlencode(value)
            ),
        ))
        .await;
    let status = resp.status();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn owners_edit_fields_stale_edits_are_refused_and_every_change_is_audited() {
    let (_dir, pool) = demo_db(100).await;
    let (mine, other) = cm01_scope(&pool).await;
    let id = mine[0];
    let cm01 = app_as(pool.clone(), "cm01").await;
    let officer = app_as(pool.clone(), "officer").await;
    let version: i64 = sqlx::query_scalar("SELECT version FROM customers WHERE id = ?")
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();

    // The phone number belongs to the customer manager.
    let (status, body) = edit(&cm01, id, "phone", " 13800138000 ", version).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let saved: app::model::EditResult = serde_json::from_str(&body).unwrap();
    assert_eq!(
        saved,
        app::model::EditResult::Saved {
            version: version + 1,
            value: "13800138000".into()
        }
    );
    // Saving the same value again changes nothing: same version, no audit line.
    let (_, body) = edit(&cm01, id, "phone", "13800138000", version + 1).await;
    let same: app::model::EditResult = serde_json::from_str(&body).unwrap();
    assert_eq!(
        same,
        app::model::EditResult::Saved {
            version: version + 1,
            value: "13800138000".into()
        }
    );
    // A second editor still holding the old version is refused; nothing is overwritten.
    let (_, body) = edit(&cm01, id, "phone", "13900000000", version).await;
    let stale: app::model::EditResult = serde_json::from_str(&body).unwrap();
    assert_eq!(
        stale,
        app::model::EditResult::Stale {
            version: version + 1
        }
    );
    let phone: String = sqlx::query_scalar("SELECT phone FROM customers WHERE id = ?")
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(phone, "13800138000");

    // A bad value names its problem and changes nothing.
    let (_, body) = edit(&cm01, id, "business_area_m2", "lots", version + 1).await;
    let invalid: app::model::EditResult = serde_json::from_str(&body).unwrap();
    assert!(matches!(
        invalid,
        app::model::EditResult::Invalid(app::model::FieldProblem::NotANumber { .. })
    ));
    // Not the owner: refused (they file a change request instead).
    let (status, body) = edit(&officer, id, "phone", "1", version + 1).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("only its owner may change it"), "{body}");
    let (_, body) = edit(&cm01, id, "licence_no", "X", version + 1).await;
    assert!(body.contains("only its owner may change it"), "{body}");
    // Out of scope: the customer does not exist for cm01.
    let other_version: i64 = sqlx::query_scalar("SELECT version FROM customers WHERE id = ?")
        .bind(other)
        .fetch_one(&pool)
        .await
        .unwrap();
    let (status, body) = edit(&cm01, other, "phone", "1", other_version).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("no such customer"), "{body}");
    // The licence officer owns the licence number; a duplicate code is refused at the field.
    let (_, body) = edit(&officer, id, "licence_no", "NEW-LIC-1", version + 1).await;
    assert!(body.contains("Saved"), "{body}");
    let admin = app_as(pool.clone(), "admin").await;
    let taken: String = sqlx::query_scalar("SELECT code FROM customers WHERE id = ?")
        .bind(other)
        .fetch_one(&pool)
        .await
        .unwrap();
    let (_, body) = edit(&admin, id, "code", &taken, version + 2).await;
    let e: app::model::EditResult = serde_json::from_str(&body).unwrap();
    assert!(matches!(
        e,
        app::model::EditResult::Invalid(app::model::FieldProblem::Taken { .. })
    ));

    // The audit trail: who, which field, old and new, newest first.
    let resp = cm01
        .send(post_form("/api/customer_history", &format!("id={id}")))
        .await;
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    let trail: Vec<app::model::AuditEntry> = serde_json::from_slice(&body).unwrap();
    assert_eq!(trail.len(), 2, "{trail:?}");
    assert_eq!(trail[0].field.as_deref(), Some("licence_no"));
    assert_eq!(trail[1].field.as_deref(), Some("phone"));
    assert_eq!(trail[1].new_value.as_deref(), Some("13800138000"));
    assert_ne!(trail[1].old_value.as_deref(), Some("13800138000"));
    let cm01_name: String =
        sqlx::query_scalar("SELECT display_name FROM users WHERE username = 'cm01'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(trail[1].user, cm01_name);
    // A customer of theirs without changes has an empty trail; another's is not found.
    let history = |id: i64| {
        let cm01 = &cm01;
        async move {
            let resp = cm01
                .send(post_form("/api/customer_history", &format!("id={id}")))
                .await;
            let status = resp.status();
            let body = resp.into_body().collect().await.unwrap().to_bytes();
            (status, String::from_utf8_lossy(&body).into_owned())
        }
    };
    let untouched = mine[1];
    assert_eq!(history(untouched).await, (StatusCode::OK, "[]".to_string()));
    assert_eq!(history(other).await.0, StatusCode::NOT_FOUND);
    // The page tells each viewer what they may edit.
    let resp = cm01
        .send(post_form("/api/customer", &format!("id={id}")))
        .await;
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    let d: app::model::CustomerDetail = serde_json::from_slice(&body).unwrap();
    assert!(d.editable.contains(&"phone".to_string()));
    assert!(!d.editable.contains(&"licence_no".to_string()));
    assert_eq!(d.version, version + 2);
}

#[tokio::test]
async fn change_requests_are_filed_reviewed_and_applied_atomically() {
    use app::model::{ChangeRequest, RequestResult, RequestStatus, ReviewResult};
    let (_dir, pool) = demo_db(100).await;
    let (mine, _) = cm01_scope(&pool).await;
    let id = mine[0];
    let cm01 = app_as(pool.clone(), "cm01").await;
    let officer = app_as(pool.clone(), "officer").await;
    let manager = app(pool.clone()).await;
    let request = |key: &str, value: &str, reason: &str| {
        format!(
            "id={id}&key={key}&value={}&reason={}",
            urlencode(value),
            urlencode(reason)
        )
    };

    // cm01 does not own the licence number: a request, with a reason, for the licence officer.
    let (_, r) = json::<RequestResult>(
        &cm01,
        "/api/request_change",
        &request("licence_no", "LIC-NEW", " "),
    )
    .await;
    assert_eq!(r, Some(RequestResult::ReasonRequired));
    let (_, r) = json::<RequestResult>(
        &cm01,
        "/api/request_change",
        &request("registered_capital", "lots", "new capital"),
    )
    .await;
    assert!(matches!(r, Some(RequestResult::Invalid(_))), "{r:?}");
    let (_, r) = json::<RequestResult>(
        &cm01,
        "/api/request_change",
        &request("licence_no", "LIC-NEW", "renewed licence"),
    )
    .await;
    let Some(RequestResult::Filed { id: first }) = r else {
        panic!("{r:?}")
    };
    let (_, r) = json::<RequestResult>(
        &cm01,
        "/api/request_change",
        &request("market_type", "urban", "x"),
    )
    .await;
    let old_market: String = sqlx::query_scalar("SELECT market_type FROM customers WHERE id = ?")
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
    if old_market == "urban" {
        assert_eq!(r, Some(RequestResult::Unchanged));
    }
    let (_, r) = json::<RequestResult>(
        &cm01,
        "/api/request_change",
        &request("legal_rep", "新法人", "change of owner"),
    )
    .await;
    let Some(RequestResult::Filed { id: second }) = r else {
        panic!("{r:?}")
    };
    // A field cm01 owns is edited, not requested.
    let (status, _) =
        json::<RequestResult>(&cm01, "/api/request_change", &request("phone", "1", "x")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Nothing changed yet.
    let lic: String = sqlx::query_scalar("SELECT licence_no FROM customers WHERE id = ?")
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_ne!(lic, "LIC-NEW");

    // The queue: the licence officer sees the licence-officer fields; cm01 has no queue.
    let (_, q) = json::<Vec<ChangeRequest>>(&officer, "/api/change_requests", "").await;
    let q = q.unwrap();
    assert_eq!(
        q.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![first, second]
    );
    assert_eq!(q[0].old_value, lic);
    assert_eq!(q[0].new_value, "LIC-NEW");
    assert_eq!(q[0].reason, "renewed licence");
    let (status, _) = json::<Vec<ChangeRequest>>(&cm01, "/api/change_requests", "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Rejecting needs a reason; approving applies the value and bumps the version.
    let (_, r) = json::<ReviewResult>(
        &officer,
        "/api/review_request",
        &format!("id={second}&approve=false&reason="),
    )
    .await;
    assert_eq!(r, Some(ReviewResult::ReasonRequired));
    let (_, r) = json::<ReviewResult>(
        &officer,
        "/api/review_request",
        &format!("id={second}&approve=false&reason=no%20papers"),
    )
    .await;
    assert_eq!(r, Some(ReviewResult::Rejected));
    let version: i64 = sqlx::query_scalar("SELECT version FROM customers WHERE id = ?")
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
    let (_, r) = json::<ReviewResult>(
        &officer,
        "/api/review_request",
        &format!("id={first}&approve=true&reason="),
    )
    .await;
    assert_eq!(
        r,
        Some(ReviewResult::Approved {
            version: version + 1
        })
    );
    let lic: String = sqlx::query_scalar("SELECT licence_no FROM customers WHERE id = ?")
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(lic, "LIC-NEW");
    // A second decision on the same request is refused.
    let (_, r) = json::<ReviewResult>(
        &manager,
        "/api/review_request",
        &format!("id={first}&approve=false&reason=late"),
    )
    .await;
    assert_eq!(r, Some(ReviewResult::AlreadyDecided));

    // A request whose field changed meanwhile is not applied over the newer value.
    let (_, r) = json::<RequestResult>(
        &cm01,
        "/api/request_change",
        &request("legal_rep", "甲", "first try"),
    )
    .await;
    let Some(RequestResult::Filed { id: third }) = r else {
        panic!("{r:?}")
    };
    let v: i64 = sqlx::query_scalar("SELECT version FROM customers WHERE id = ?")
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
    let (_, e) = json::<app::model::EditResult>(
        &officer,
        "/api/edit_customer_field",
        &format!("id={id}&key=legal_rep&value=%E4%B9%99&version={v}"),
    )
    .await;
    assert!(
        matches!(e, Some(app::model::EditResult::Saved { .. })),
        "{e:?}"
    );
    let (_, r) = json::<ReviewResult>(
        &manager,
        "/api/review_request",
        &format!("id={third}&approve=true&reason="),
    )
    .await;
    assert_eq!(
        r,
        Some(ReviewResult::Changed {
            current: "乙".into()
        })
    );
    let rep: String = sqlx::query_scalar("SELECT legal_rep FROM customers WHERE id = ?")
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(rep, "乙");

    // The customer's own list and audit trail tell the story, each line naming its request.
    let (_, list) =
        json::<Vec<ChangeRequest>>(&cm01, "/api/change_requests", &format!("customer={id}")).await;
    let list = list.unwrap();
    let status_of = |rid: i64| list.iter().find(|r| r.id == rid).unwrap().status;
    assert_eq!(status_of(first), RequestStatus::Approved);
    assert_eq!(status_of(second), RequestStatus::Rejected);
    assert_eq!(status_of(third), RequestStatus::Pending);
    assert_eq!(
        list.iter()
            .find(|r| r.id == second)
            .unwrap()
            .review_reason
            .as_deref(),
        Some("no papers")
    );
    let through: Vec<(String, Option<i64>)> = sqlx::query_as(
        "SELECT action, request_id FROM audit WHERE customer_id = ? AND action LIKE 'request.%' ORDER BY id",
    )
    .bind(id)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(through.contains(&("request.approve".into(), Some(first))));
    assert!(through.contains(&("request.reject".into(), Some(second))));
}

async fn import(
    pool: &SqlitePool,
    kind: server::import::Kind,
    bytes: &[u8],
    dry_run: bool,
) -> app::model::ImportReport {
    let bytes = axum::body::Bytes::copy_from_slice(bytes);
    server::import::run(pool, kind, bytes, dry_run, None)
        .await
        .unwrap()
}

#[tokio::test]
async fn customer_import_checks_every_row_and_writes_all_or_nothing() {
    use server::import::Kind;
    let (_dir, pool) = demo_db(20).await;
    let count = |pool: SqlitePool| async move {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM customers")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    // Bad rows: each named by line and column; nothing is written.
    let bad = "code,shop_name,business_format,market_type,business_area_m2,route,band\n\
               NEW001,新店,grocery,urban,12,R001,9\n\
               NEW002,,grocery,urban,12,,\n\
               NEW003,三号店,kiosk,urban,x,R999,\n\
               NEW001,重复,grocery,rural,1,,\n";
    let r = import(&pool, Kind::Customers, bad.as_bytes(), false).await;
    assert!(!r.committed);
    let listed: Vec<(u64, &str)> = r
        .errors
        .iter()
        .map(|e| (e.line, e.column.as_str()))
        .collect();
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
    let resp = manager
        .send(
            Request::get("/export/customers.csv")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
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
    let rows = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM purchases")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let before = rows().await;
    let bad = "\u{feff}customer_code,month,cartons,amount_yuan\n\
               DEMO000001,2026-11,40,8000.50\n\
               NOPE,2026-11,1,1\n\
               DEMO000002,2026-13,1,1\n\
               DEMO000003,2026-11,-1,1\n\
               DEMO000004,2026-11,1,12元\n\
               DEMO000001,2026-11,2,2\n";
    let r = import(&pool, Kind::Purchases, bad.as_bytes(), false).await;
    let listed: Vec<(u64, &str)> = r
        .errors
        .iter()
        .map(|e| (e.line, e.column.as_str()))
        .collect();
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
            serde_json::from_slice::<app::model::ImportReport>(&bytes).ok(),
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
    let nov: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM purchases WHERE month = '2026-11'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(nov, 0);
}

#[tokio::test]
async fn the_audit_trail_lists_every_kind_of_change_for_managers_only() {
    use app::model::AuditPage;
    let (_dir, pool) = demo_db(30).await;
    let (mine, _) = cm01_scope(&pool).await;
    let cm01 = app_as(pool.clone(), "cm01").await;
    let version: i64 = sqlx::query_scalar("SELECT version FROM customers WHERE id = ?")
        .bind(mine[0])
        .fetch_one(&pool)
        .await
        .unwrap();
    edit(&cm01, mine[0], "phone", "13700000000", version).await;
    let manager = app(pool.clone()).await;
    let (status, page) =
        json::<AuditPage>(&manager, "/api/audit_log", "action=field.&page=1").await;
    assert_eq!(status, StatusCode::OK);
    let page = page.unwrap();
    assert_eq!(page.total, 1);
    let row = &page.rows[0];
    assert_eq!(row.action, "field.edit");
    assert_eq!(row.customer.as_ref().map(|c| c.id), Some(mine[0]));
    assert_eq!(row.new_value.as_deref(), Some("13700000000"));
    // Everything: the demo's publish, the sign-ins, the edit — newest first. A sign-in's line
    // is written just after it is answered (it never waits for the archive's write lock).
    let mut all = None;
    for _ in 0..50 {
        let (_, page) = json::<AuditPage>(&manager, "/api/audit_log", "action=&page=1").await;
        let page = page.unwrap();
        let logins = page
            .rows
            .iter()
            .filter(|r| r.action == "user.login")
            .count();
        all = Some(page);
        if logins >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let all = all.unwrap();
    assert!(all.rows.iter().any(|r| r.action == "policy.publish"));
    assert!(all.rows.iter().any(|r| r.action == "user.login"));
    assert_eq!(
        all.rows[0].action, "user.login",
        "the manager's own sign-in is the newest"
    );
    let (status, _) = json::<AuditPage>(&cm01, "/api/audit_log", "action=&page=1").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) =
        json::<AuditPage>(&manager, "/api/audit_log", "action=drop%20table&page=1").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_very_large_csv_is_checked_whole_and_its_errors_counted_not_all_listed() {
    use server::import::{Kind, MAX_LISTED_ERRORS};
    let (_dir, pool) = demo_db(250).await;
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM purchases")
        .fetch_one(&pool)
        .await
        .unwrap();
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
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM purchases")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(after, before, "nothing of the 60,000 good rows was written");
    // Without the bad tail the same file goes in whole.
    let good = &file[..file.find("DEMO000001,2026-01,lots").unwrap()];
    let r = import(&pool, Kind::Purchases, good.as_bytes(), false).await;
    assert!(r.committed, "{:?}", r.errors.first());
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM purchases")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(after, before + 60_000);
}

#[tokio::test]
async fn a_customers_file_of_many_batches_goes_in_whole_or_not_at_all() {
    use server::import::Kind;
    let (_dir, pool) = demo_db(20).await;
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM customers")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
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
    let route2: i64 = sqlx::query_scalar("SELECT id FROM routes WHERE code = 'R002'")
        .fetch_one(&pool)
        .await
        .unwrap();
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
    let enforced: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(enforced, 1, "the pool's connections keep their checks");
}
