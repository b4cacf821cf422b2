//! Policies and their results: stored assignments equal the engine, republishing keeps history,
//! the demo, the lab's snapshot and its ETag, preview equals publish, the kept facts.

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use server::demo::{DemoOptions, generate_into};
use server::store::SqliteStore;

/// The lab's snapshot, for a browser that holds the one tagged `etag`.
async fn snapshot_since(app: &Client, etag: &str) -> axum::response::Response {
    let req = Request::get("/api/snapshot")
        .header(header::IF_NONE_MATCH, etag)
        .body(Body::empty())
        .unwrap();
    app.send(req).await
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
    let band1_before = number(&pool, "SELECT COUNT(*) FROM assignments WHERE band = 1").await;
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
    let versions = number(&pool, "SELECT COUNT(DISTINCT policy_id) FROM assignments").await;
    assert_eq!(versions, 2, "the first version's assignments are kept");
    let audit = number(
        &pool,
        "SELECT COUNT(*) FROM audit WHERE action = 'policy.publish'",
    )
    .await;
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
    let n = number(&pool, "SELECT COUNT(*) FROM policies").await;
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
    let n = number(&a, "SELECT COUNT(*) FROM customers").await;
    assert_eq!(n, 30);
}

#[tokio::test]
async fn snapshot_is_compact_column_wise_and_revalidates_with_its_etag() {
    let (_dir, pool) = demo_db(300).await;
    let app = app(pool.clone()).await;
    let resp = fetch(&app, "/api/snapshot").await;
    assert_eq!(resp.status(), StatusCode::OK);
    let etag = resp.headers()[header::ETAG].to_str().unwrap().to_owned();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    let snap = app::wire::Snapshot::from_bytes(&body).unwrap();
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
    let again = snapshot_since(&app, &etag).await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    // A publish changes the data (previous bands), so the tag changes.
    let mut policy = kehu_engine::Policy::default();
    policy.bands.lower_bounds[0] = kehu_engine::Cases::from_int(25);
    server::publish::publish(&pool, &Default::default(), &policy, None)
        .await
        .unwrap();
    let after = snapshot_since(&app, &etag).await;
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
    purchases_imported(&pool, &csv).await;
    let resp = fetch(&app, "/api/snapshot").await;
    let changed = resp.into_body().collect().await.unwrap().to_bytes();
    let changed = app::wire::Snapshot::from_bytes(&changed).unwrap();
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
    use app::api::ssr::ports::*;
    let (_dir, pool) = demo_db(250).await;
    let store = SqliteStore::new(pool.clone());
    let mut policy = kehu_engine::Policy::default();
    policy.bands.lower_bounds[0] = kehu_engine::Cases::from_int(25);
    let preview = store.preview(&policy).await.unwrap();
    assert_eq!(preview.customers, 250);
    assert!(preview.movers > 0, "raising band 1's bound moves someone");
    let app::wire::Publication::Published {
        policy: published,
        movers,
    } = store.publish(&policy, app::wire::UserId(1)).await.unwrap()
    else {
        panic!("the policy changes a setting")
    };
    assert_eq!(published.version, 2);
    assert_eq!(movers, preview.movers);
    assert_eq!(preview.same_as, None);
    // The same settings again, under another name: nothing to publish, and nothing stored.
    policy.name = "Band 1 from 25, again".into();
    let again = store.preview(&policy).await.unwrap();
    assert_eq!((again.same_as, again.movers), (Some(2), 0));
    assert_eq!(
        store.publish(&policy, app::wire::UserId(1)).await.unwrap(),
        app::wire::Publication::Unchanged { version: 2 }
    );
    let versions = number(
        &pool,
        "SELECT COUNT(*) FROM policies WHERE status = 'published'",
    )
    .await;
    assert_eq!(versions, 2);
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
        .customer_labels(app::wire::Scope::All, &[ids[0], 999_999, ids[2]])
        .await
        .unwrap();
    assert_eq!(
        labels.iter().map(|l| l.id).collect::<Vec<_>>(),
        vec![ids[0], ids[2]]
    );
}

#[tokio::test]
async fn kept_facts_follow_every_change_of_the_data() {
    use app::api::ssr::ports::*;
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
    let field = app::wire::FIELDS
        .iter()
        .find(|f| f.key == "integrity_level")
        .unwrap();
    let edited = store
        .edit_field(
            app::wire::Scope::All,
            app::wire::UserId(1),
            app::wire::CustomerId(id),
            field,
            "D",
            version,
        )
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
    purchases_imported(&pool, csv).await;
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
    store.publish(&wider, app::wire::UserId(1)).await.unwrap();
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
