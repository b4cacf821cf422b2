//! Server tests: a real SQLite file with demo data, the whole router called without a socket.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use leptos::prelude::LeptosOptions;
use server::demo::{DemoOptions, generate_into};
use server::store::SqliteStore;
use server::{db, web};
use sqlx::SqlitePool;
use tower::ServiceExt;

async fn demo_db(customers: usize) -> (tempfile::TempDir, SqlitePool) {
    let dir = tempfile::tempdir().unwrap();
    let pool = db::open(&dir.path().join("kehu.db")).await.unwrap();
    generate_into(
        &pool,
        &DemoOptions {
            customers,
            seed: 42,
            end_month: "2026-10".into(),
        },
    )
    .await
    .unwrap();
    (dir, pool)
}

fn app(pool: SqlitePool) -> axum::Router {
    let options = LeptosOptions::builder()
        .output_name("kehu")
        .site_root("target/site")
        .build();
    web::router(web::AppState {
        leptos_options: options,
        store: SqliteStore { pool },
        snapshot: Default::default(),
    })
}

/// The text content of the first element with this `data-testid` (hydration markers removed).
fn testid_text(html: &str, id: &str) -> String {
    let at = html
        .find(&format!("data-testid=\"{id}\""))
        .unwrap_or_else(|| panic!("no {id}"));
    let open_end = at + html[at..].find('>').unwrap() + 1;
    let close = open_end + html[open_end..].find("</").unwrap();
    html[open_end..close].replace("<!>", "")
}

/// The page without Leptos' hydration markers, for text searches.
fn text(html: &str) -> String {
    html.replace("<!>", "")
}

async fn get(app: &axum::Router, uri: &str, lang: &str) -> (StatusCode, String) {
    let req = Request::get(uri)
        .header(header::ACCEPT_LANGUAGE, lang)
        .body(Body::empty())
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn dashboard_renders_band_counts_in_the_requested_language() {
    let (_dir, pool) = demo_db(300).await;
    let app = app(pool);
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
    let app = app(pool);
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
    let app = app(pool);
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
    let app = app(pool);
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
    let published = server::publish::publish(&pool, &policy, None)
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
    let err = server::publish::publish(&pool, &policy, None)
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
            end_month: "2026-10".into(),
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
    let app = app(pool.clone());
    let resp = app
        .clone()
        .oneshot(Request::get("/api/snapshot").body(Body::empty()).unwrap())
        .await
        .unwrap();
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
    // Names and contacts never enter it.
    let name: String = sqlx::query_scalar("SELECT shop_name FROM customers LIMIT 1")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(!body.windows(name.len()).any(|w| w == name.as_bytes()));

    // Browsers get it gzip-compressed once, ahead of time: the same bytes.
    let gz = app
        .clone()
        .oneshot(
            Request::get("/api/snapshot")
                .header(header::ACCEPT_ENCODING, "gzip, deflate, br")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
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
        .clone()
        .oneshot(
            Request::get("/api/snapshot")
                .header(header::IF_NONE_MATCH, &etag)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    // A publish changes the data (previous bands), so the tag changes.
    let mut policy = kehu_engine::Policy::default();
    policy.bands.lower_bounds[0] = kehu_engine::Cases::from_int(25);
    server::publish::publish(&pool, &policy, None)
        .await
        .unwrap();
    let after = app
        .oneshot(
            Request::get("/api/snapshot")
                .header(header::IF_NONE_MATCH, &etag)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(after.status(), StatusCode::OK);
    assert_ne!(after.headers()[header::ETAG].to_str().unwrap(), etag);
}

#[tokio::test]
async fn preview_of_a_draft_equals_what_publishing_it_does() {
    use app::api::ssr::Store;
    let (_dir, pool) = demo_db(250).await;
    let store = SqliteStore { pool: pool.clone() };
    let mut policy = kehu_engine::Policy::default();
    policy.bands.lower_bounds[0] = kehu_engine::Cases::from_int(25);
    let preview = store.preview(&policy).await.unwrap();
    assert_eq!(preview.customers, 250);
    assert!(preview.movers > 0, "raising band 1's bound moves someone");
    let (published, movers) = store.publish(&policy).await.unwrap();
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
        .customer_labels(&[ids[0], 999_999, ids[2]])
        .await
        .unwrap();
    assert_eq!(
        labels.iter().map(|l| l.id).collect::<Vec<_>>(),
        vec![ids[0], ids[2]]
    );
}
