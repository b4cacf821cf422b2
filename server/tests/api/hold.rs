//! How kehu holds under a busy office and an attacker: writers at once, imports beside sign-ins,
//! hostile text and uploads, throttling that cannot be turned against a user, redirects,
//! exports opened in Excel, poisoned imports, and backups and upgrades that lose nothing.

use crate::common::*;
use app::api::ssr::Store;
use app::model::{
    DraftResult, EditResult, NewVisit, ReportKind, ReportSave, RequestResult, Role, Scope,
};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use server::store::SqliteStore;
use sqlx::SqlitePool;
use std::net::SocketAddr;

async fn body_text(resp: axum::response::Response) -> String {
    String::from_utf8_lossy(&resp.into_body().collect().await.unwrap().to_bytes()).into_owned()
}

async fn scalar(pool: &SqlitePool, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn exec(pool: &SqlitePool, sql: &str) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(pool)
        .await
        .unwrap();
}

async fn import(client: &Client, kind: &str, csv: &str, dry_run: bool) -> app::model::ImportReport {
    let resp = client
        .send(
            Request::post(format!("/import/{kind}?dry_run={dry_run}"))
                .header("sec-fetch-site", "same-origin")
                .body(Body::from(csv.to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    serde_json::from_str(&body_text(resp).await).unwrap()
}

/// Turns a hang into a failure (an answer that never comes is what the fixes are about); not a
/// speed target.
async fn soon<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(std::time::Duration::from_secs(5), f)
        .await
        .unwrap_or_else(|_| panic!("{what}: no answer within 5 s"))
}

// ---------------------------------------------------------------------------------------------
// A busy office.

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
    let policy = urlencode(&serde_json::to_string(&kehu_engine::Policy::default()).unwrap());
    let publishes: Vec<_> = [manager, admin]
        .into_iter()
        .map(|c| {
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

const PAYLOAD: &str = "</title><img src=x onerror=alert(1)>\"'><svg onload=alert(2)>";

/// Whether `html` carries the payload's markup as markup anywhere.
fn runs(html: &str) -> bool {
    let lower = html.to_ascii_lowercase();
    lower.contains("<img src=x") || lower.contains("<svg onload")
}

#[tokio::test]
async fn hostile_text_in_every_free_text_field_is_shown_as_text_on_every_page() {
    let (_dir, pool) = demo_db(60).await;
    let store = SqliteStore::new(pool.clone());
    let manager = app(pool.clone()).await;
    let manager_id = user_id(&pool, "manager").await;
    let (mine, _) = {
        let cm = user_id(&pool, "cm01").await;
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT c.id FROM customers c JOIN routes r ON r.id = c.route_id WHERE r.manager_id = ? ORDER BY c.id",
        )
        .bind(cm)
        .fetch_all(&pool)
        .await
        .unwrap();
        (ids, cm)
    };
    let target = 1i64; // the demo customer with a portal account
    let code: String = sqlx::query_scalar("SELECT code FROM customers WHERE id = 1")
        .fetch_one(&pool)
        .await
        .unwrap();

    // Every free-text field of the archive, through the import (as a file from anywhere would).
    let text_fields: Vec<&str> = app::model::FIELDS
        .iter()
        .filter(|f| {
            f.kind == app::model::FieldKind::Text
                && f.maintenance != app::model::Maintenance::Computed
                && !matches!(f.key, "code" | "route")
        })
        .map(|f| f.key)
        .collect();
    let cell = format!("\"{}\"", PAYLOAD.replace('"', "\"\""));
    let csv = format!(
        "code,{}\n{code},{}\n",
        text_fields.join(","),
        vec![cell.as_str(); text_fields.len()].join(",")
    );
    let report = import(&manager, "customers", &csv, false).await;
    assert_eq!(report.error_count, 0, "{:?}", report.errors);
    // The other records people type into.
    let scope = Scope::All;
    let complaint = store
        .file_complaint(scope, manager_id, target, PAYLOAD, PAYLOAD, false, None)
        .await
        .unwrap()
        .unwrap();
    store
        .complaint_action(
            scope,
            manager_id,
            complaint.id,
            complaint.version,
            &app::model::ComplaintAction::Step {
                key: "listen".into(),
                note: PAYLOAD.into(),
            },
        )
        .await
        .unwrap();
    let today = chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let visit = store
        .log_visit(
            scope,
            manager_id,
            &NewVisit {
                customer: target,
                date: today.clone(),
                purpose: PAYLOAD.into(),
                findings: PAYLOAD.into(),
                duration_min: 20,
                promise: PAYLOAD.into(),
            },
        )
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let customer_user = user_id(&pool, &code).await;
    store
        .rate_visit(target, visit.id, 4, PAYLOAD)
        .await
        .unwrap();
    let dispute = store
        .file_dispute(customer_user, target, PAYLOAD)
        .await
        .unwrap()
        .unwrap();
    let _ = dispute;
    let field = app::model::field("phone").unwrap();
    if let Some(RequestResult::Filed { id }) = store
        .file_request(
            Scope::All,
            customer_user,
            target,
            field,
            "13800000000",
            PAYLOAD,
        )
        .await
        .unwrap()
    {
        let _ = id;
    }
    store
        .save_report(
            manager_id,
            &ReportSave {
                kind: ReportKind::Daily,
                period: today.clone(),
                body: PAYLOAD.into(),
                version: 0,
            },
        )
        .await
        .unwrap();
    store
        .set_calendar_day(manager_id, &today, "holiday", &PAYLOAD[..40])
        .await
        .unwrap()
        .unwrap();
    let draft = kehu_engine::Policy {
        name: PAYLOAD.into(),
        ..Default::default()
    };
    assert!(matches!(
        store.save_draft(manager_id, None, 0, &draft).await.unwrap(),
        DraftResult::Saved { .. }
    ));
    exec(
        &pool,
        &format!(
            "UPDATE users SET display_name = '{}' WHERE username = 'cm01'",
            PAYLOAD.replace('\'', "''")
        ),
    )
    .await;
    let cm_customer = mine[0];

    // Every page that shows any of it, for the roles that see it.
    let pages = [
        "/".to_string(),
        "/customers".into(),
        format!("/customers?q={}", urlencode(&PAYLOAD[..30])),
        format!("/customers/{target}"),
        format!("/customers/{cm_customer}"),
        "/requests".into(),
        "/audit".into(),
        "/complaints".into(),
        "/visits".into(),
        "/reports".into(),
        "/performance".into(),
        "/gaps".into(),
        "/calendar".into(),
        "/lab".into(),
        "/import".into(),
    ];
    for lang in ["zh", "en"] {
        for page in &pages {
            let (status, html) = get(&manager, page, lang).await;
            assert_eq!(status, StatusCode::OK, "{page}");
            assert!(!runs(&html), "{page} ({lang}) runs planted markup");
        }
    }
    let customer_page = get(&manager, &format!("/customers/{target}"), "zh").await.1;
    assert!(
        customer_page.contains("&lt;/title&gt;&lt;img"),
        "the shop name stands in the title as text"
    );
    let cm01 = app_as(pool.clone(), "cm01").await;
    for page in ["/", "/customers", "/visits", "/performance", "/reports"] {
        let (_, html) = get(&cm01, page, "zh").await;
        assert!(!runs(&html), "{page} as cm01");
    }
    let customer = app_as(pool.clone(), &code).await;
    for page in ["/my", "/my/profile", "/my/service"] {
        let (status, html) = get(&customer, page, "zh").await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(!runs(&html), "{page} as the customer");
    }
}

#[tokio::test]
async fn every_response_carries_the_security_headers_and_pages_a_nonce_policy() {
    let (_dir, pool) = demo_db(20).await;
    let manager = app(pool.clone()).await;
    for uri in [
        "/healthz",
        "/login",
        "/",
        "/customers",
        "/nonexistent",
        "/pkg/none.js",
    ] {
        let resp = manager
            .send(
                Request::get(uri)
                    .header(header::ACCEPT, "text/html")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        let h = resp.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{uri}");
        assert_eq!(h["x-frame-options"], "DENY", "{uri}");
        assert_eq!(h["referrer-policy"], "same-origin", "{uri}");
        let csp = h["content-security-policy"].to_str().unwrap().to_string();
        assert!(csp.contains("frame-ancestors 'none'"), "{uri}: {csp}");
        assert!(csp.contains("object-src 'none'"), "{uri}: {csp}");
        assert!(
            !csp.contains("'unsafe-inline' 'self'") && !csp.contains("script-src 'unsafe-inline'")
        );
    }
    // A hydrated page: its inline scripts carry the nonce the policy names, and only those.
    let resp = manager
        .send(
            Request::get("/customers")
                .header(header::ACCEPT, "text/html")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let csp = resp.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let html = body_text(resp).await;
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|r| r.split('\'').next())
        .expect("the page's policy has a nonce")
        .to_string();
    assert!(nonce.len() >= 16);
    assert!(html.contains(&format!("<script type=\"module\" nonce=\"{nonce}\"")));
    // Every inline script with content carries it (leptos_i18n leaves an empty `<script>` as a
    // placeholder: browsers skip an empty inline script before they consult the policy).
    let without: Vec<&str> = html
        .split("<script")
        .skip(1)
        .filter(|tag| !tag.starts_with("></script>"))
        .filter(|tag| {
            !tag.split('>')
                .next()
                .unwrap_or("")
                .contains(&format!("nonce=\"{nonce}\""))
        })
        .map(|tag| &tag[..tag.len().min(120)])
        .collect();
    assert!(without.is_empty(), "scripts without the nonce: {without:?}");
}

// ---------------------------------------------------------------------------------------------
// Uploads and bodies.

#[tokio::test]
async fn an_upload_is_refused_before_its_body_is_read_unless_a_manager_sends_it() {
    let (_dir, pool) = demo_db(20).await;
    // A body that never ends: reading it would never finish.
    let endless = || {
        Body::from_stream(futures_util::stream::repeat_with(|| {
            Ok::<_, std::io::Error>(axum::body::Bytes::from(vec![b'x'; 64 * 1024]))
        }))
    };
    let anonymous = Client::anonymous(pool.clone());
    let resp = soon(
        "anonymous upload",
        anonymous.send(
            Request::post("/import/purchases")
                .header("sec-fetch-site", "same-origin")
                .body(endless())
                .unwrap(),
        ),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let cm01 = app_as(pool.clone(), "cm01").await;
    let resp = soon(
        "customer manager's upload",
        cm01.send(
            Request::post("/import/purchases")
                .header("sec-fetch-site", "same-origin")
                .body(endless())
                .unwrap(),
        ),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    // A manager's file that says it is larger than the limit is refused at once.
    let manager = app(pool.clone()).await;
    let resp = soon(
        "oversized upload",
        manager.send(
            Request::post("/import/purchases")
                .header("sec-fetch-site", "same-origin")
                .header(header::CONTENT_LENGTH, (300u64 << 20).to_string())
                .body(endless())
                .unwrap(),
        ),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // …and one that grows past it while streaming.
    let resp = soon(
        "endless upload",
        manager.send(
            Request::post("/import/purchases")
                .header("sec-fetch-site", "same-origin")
                .body(Body::from_stream(futures_util::StreamExt::take(
                    futures_util::stream::repeat_with(|| {
                        Ok::<_, std::io::Error>(axum::body::Bytes::from(vec![b'x'; 1 << 20]))
                    }),
                    server::web::MAX_IMPORT_BYTES / (1 << 20) + 2,
                )))
                .unwrap(),
        ),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Every other route takes small bodies only.
    let big = "x".repeat(server::web::MAX_BODY_BYTES + 1);
    for uri in [
        "/auth/login",
        "/api/save_draft",
        "/my/dispute",
        "/api/customers",
    ] {
        // As browsers send it, with its length.
        let body = format!("a={big}");
        let mut req = post_form(uri, &body);
        req.headers_mut().insert(
            header::CONTENT_LENGTH,
            body.len().to_string().parse().unwrap(),
        );
        let resp = manager.send(req).await;
        assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE, "{uri}");
        // Without a length, the body is cut off where the limit is: never read whole.
        let resp = manager.send(post_form(uri, &body)).await;
        assert!(resp.status().is_client_error(), "{uri}: {}", resp.status());
    }
}

// ---------------------------------------------------------------------------------------------
// Signing in: throttling that holds, and cannot be turned against a user.

fn from(pool: &SqlitePool, ip: &str) -> Client {
    let mut c = Client::anonymous(pool.clone());
    c.peer = Some(SocketAddr::new(ip.parse().unwrap(), 40000));
    c
}

#[tokio::test]
async fn failed_sign_ins_are_bounded_and_purged() {
    let (_dir, pool) = demo_db(10).await;
    let sessions = sessions_of(&pool);
    let mut c = from(&pool, "203.0.113.1");
    let long = "名".repeat(20_000);
    let resp = c.sign_in(&long, "whatever").await;
    assert!(location(&resp).starts_with("/login?error=invalid"));
    assert!(
        location(&resp).len() < 1_000,
        "the name comes back bounded: {} bytes",
        location(&resp).len()
    );
    let kept: i64 = sqlx::query_scalar("SELECT MAX(length(name)) FROM login_failures")
        .fetch_one(&sessions)
        .await
        .unwrap();
    assert_eq!(kept, 64, "at most 64 characters of a name are kept");
    exec(
        &sessions,
        "INSERT INTO login_failures (name, client, at) VALUES ('old', 'x', '2020-01-01T00:00:00Z')",
    )
    .await;
    c.sign_in("manager", "wrong").await;
    assert_eq!(
        scalar(
            &sessions,
            "SELECT COUNT(*) FROM login_failures WHERE name = 'old'"
        )
        .await,
        0,
        "failures older than a day are purged"
    );
}

#[tokio::test]
async fn forwarded_headers_are_believed_only_from_trusted_proxies() {
    let (_dir, pool) = demo_db(10).await;
    // Anyone can write X-Forwarded-For: without a trusted proxy it changes nothing.
    let mut c = from(&pool, "198.51.100.7");
    for n in 0..30 {
        let resp = c
            .send(
                Request::post("/auth/login")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .header(
                        "x-forwarded-for",
                        format!("10.0.{}.{}", n / 250, n % 250 + 1),
                    )
                    .body(Body::from(format!("username=user{n}&password=guess")))
                    .unwrap(),
            )
            .await;
        assert!(location(&resp).contains("error=invalid"), "{n}");
    }
    let resp = c.sign_in("manager", server::demo::DEMO_PASSWORD).await;
    assert!(
        location(&resp).contains("error=too_many"),
        "the 31st attempt from one address is held back, whatever it claims: {}",
        location(&resp)
    );
    // Behind a trusted proxy, the client is the address the proxy names.
    let router = router_with(pool.clone(), |s| {
        s.proxies = server::client::TrustedProxies::parse("198.51.100.7").unwrap();
    });
    let mut behind = Client::on(router);
    behind.peer = Some("198.51.100.7:443".parse().unwrap());
    let resp = behind
        .send(
            Request::post("/auth/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header("x-forwarded-for", "203.0.113.50")
                .header("x-forwarded-proto", "https")
                .body(Body::from(format!(
                    "username=manager&password={}",
                    server::demo::DEMO_PASSWORD
                )))
                .unwrap(),
        )
        .await;
    assert_eq!(
        location(&resp),
        "/",
        "another client of the proxy is not held back"
    );
    let cookie = resp.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(
        cookie.contains("Secure"),
        "https said by the trusted proxy: {cookie}"
    );
}

#[tokio::test]
async fn nobody_elsewhere_can_lock_a_user_out_of_their_own_device() {
    let (_dir, pool) = demo_db(10).await;
    // The manager signs in from their phone once; it is a known device from then on.
    let mut phone = from(&pool, "192.0.2.10");
    assert_eq!(
        location(&phone.sign_in("manager", server::demo::DEMO_PASSWORD).await),
        "/"
    );
    assert!(
        phone.device.is_some(),
        "the phone gets a known-device cookie"
    );
    phone.send(post_form("/auth/logout", "")).await;
    phone.cookie = None;
    // Someone tries their password from sixty addresses.
    for n in 0..60 {
        let mut attacker = from(&pool, &format!("203.0.113.{}", n + 1));
        attacker.sign_in("manager", &format!("guess{n}")).await;
    }
    // The phone still gets in with the right password…
    let resp = phone.sign_in("manager", server::demo::DEMO_PASSWORD).await;
    assert_eq!(
        location(&resp),
        "/",
        "the user's own device is not locked out"
    );
    // …while a browser the manager never used is held back until the storm passes.
    let mut fresh = from(&pool, "192.0.2.99");
    let resp = fresh.sign_in("manager", server::demo::DEMO_PASSWORD).await;
    assert!(
        location(&resp).contains("error=too_many"),
        "{}",
        location(&resp)
    );
    // One attacker address alone locks only itself out, not the user elsewhere.
    let mut one = from(&pool, "203.0.113.200");
    for _ in 0..5 {
        one.sign_in("officer", "guess").await;
    }
    assert!(
        location(&one.sign_in("officer", server::demo::DEMO_PASSWORD).await).contains("too_many")
    );
    let mut office = from(&pool, "192.0.2.20");
    assert_eq!(
        location(&office.sign_in("officer", server::demo::DEMO_PASSWORD).await),
        "/"
    );
}

#[tokio::test]
async fn wrong_invite_codes_from_elsewhere_do_not_block_the_customer() {
    let (_dir, pool) = demo_db(10).await;
    let store = SqliteStore::new(pool.clone());
    let manager_id = user_id(&pool, "manager").await;
    let (customer, code): (i64, String) =
        sqlx::query_as("SELECT id, code FROM customers WHERE id = 2")
            .fetch_one(&pool)
            .await
            .unwrap();
    let invite = store
        .create_invite(Scope::All, manager_id, customer)
        .await
        .unwrap()
        .unwrap();
    let redeem = |client: &Client, invite_code: &str| {
        let client = client.clone();
        let body = format!(
            "customer={code}&code={invite_code}&password=my-own-secret&confirm=my-own-secret"
        );
        async move { location(&client.send(post_form("/auth/invite", &body)).await) }
    };
    let attacker = from(&pool, "203.0.113.9");
    for n in 0..8 {
        redeem(&attacker, &format!("WRNG-CODE-{n:04}")).await;
    }
    assert!(redeem(&attacker, &invite.code).await.contains("too_many"));
    let shop = from(&pool, "192.0.2.30");
    assert_eq!(
        redeem(&shop, &invite.code).await,
        "/my",
        "the customer gets in"
    );
}

#[tokio::test]
async fn guessing_the_current_password_is_throttled_like_signing_in() {
    let (_dir, pool) = demo_db(10).await;
    let stolen = app(pool.clone()).await;
    let change = |current: &str| {
        post_form(
            "/auth/password",
            &format!("current={current}&new=taken-over-now&confirm=taken-over-now"),
        )
    };
    for n in 0..5 {
        let resp = stolen.send(change(&format!("guess{n}"))).await;
        assert_eq!(location(&resp), "/account?error=wrong_current");
    }
    let resp = stolen.send(change(server::demo::DEMO_PASSWORD)).await;
    assert_eq!(location(&resp), "/account?error=too_many");
    let hash_unchanged = scalar(
        &pool,
        "SELECT COUNT(*) FROM users WHERE username = 'manager' AND must_change_password = 0",
    )
    .await;
    assert_eq!(hash_unchanged, 1);
    let mut fresh = Client::anonymous(pool.clone());
    assert_eq!(
        location(&fresh.sign_in("manager", server::demo::DEMO_PASSWORD).await),
        "/"
    );
}

#[tokio::test]
async fn a_one_time_password_opens_nothing_but_the_account_page() {
    let (_dir, pool) = demo_db(20).await;
    let sessions = sessions_of(&pool);
    let password = server::auth::reset_password(&pool, &sessions, "manager")
        .await
        .unwrap();
    let mut m = Client::anonymous(pool.clone());
    assert_eq!(location(&m.sign_in("manager", &password).await), "/account");
    for (uri, body) in [
        ("/api/customers", "query[page]=1"),
        ("/api/dashboard", ""),
        ("/api/publish_policy", "policy_json=%7B%7D"),
    ] {
        let resp = m.send(post_form(uri, body)).await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{uri}");
    }
    for uri in ["/export/customers.csv", "/export/kpis.csv", "/api/snapshot"] {
        let resp = m.send(Request::get(uri).body(Body::empty()).unwrap()).await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{uri}");
    }
    let resp = m
        .send(
            Request::post("/import/customers?dry_run=true")
                .body(Body::from("code\n"))
                .unwrap(),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(get(&m, "/customers", "zh").await.0, StatusCode::SEE_OTHER);
    assert_eq!(get(&m, "/account", "zh").await.0, StatusCode::OK);
    let resp = m
        .send(post_form(
            "/auth/password",
            &format!("current={password}&new=my-own-secret&confirm=my-own-secret"),
        ))
        .await;
    assert_eq!(location(&resp), "/account?changed=1");
    let resp = m.send(post_form("/api/dashboard", "")).await;
    assert_eq!(
        resp.status(),
        StatusCode::OK,
        "open once the password is the user's own"
    );
}

#[tokio::test]
async fn only_same_site_paths_are_followed_and_no_redirect_breaks() {
    let (_dir, pool) = demo_db(10).await;
    let sign_in = |next: &str| {
        Request::post("/auth/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!(
                "username=manager&password={}&next={}",
                server::demo::DEMO_PASSWORD,
                urlencode(next)
            )))
            .unwrap()
    };
    let c = Client::anonymous(pool.clone());
    for evil in [
        "/\t/evil.example",
        "//evil.example",
        "/\\evil.example",
        "/\n",
        "https://evil.example",
    ] {
        let resp = c.send(sign_in(evil)).await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{evil:?}");
        assert_eq!(location(&resp), "/", "{evil:?}");
    }
    let resp = c.send(sign_in("/customers?q=王记")).await;
    assert_eq!(location(&resp), "/customers?q=%E7%8E%8B%E8%AE%B0");
    for query in [
        "to=en&next=%2F%09%2Fevil.example",
        "to=zh&next=%0a",
        "to=en&next=%2F%2Fevil.example",
    ] {
        let resp = c
            .send(
                Request::get(format!("/lang?{query}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{query}");
        assert_eq!(location(&resp), "/", "{query}");
    }
}

// ---------------------------------------------------------------------------------------------
// Exports and imports.

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

    let resp = manager
        .send(
            Request::get("/export/customers.csv")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
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
    let resp = manager
        .send(
            Request::get("/export/kpis.csv")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
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
    let resp = manager
        .send(Request::get("/api/snapshot").body(Body::empty()).unwrap())
        .await;
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
    let resp = manager
        .send(post_form(
            "/api/preview_policy",
            "policy_json=%7B%22format%22%3A1%7D",
        ))
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let resp = manager
        .send(
            Request::get(format!("/export/customers.csv?q={long}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
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
    let resp = anonymous
        .send(Request::get("/customers").body(Body::empty()).unwrap())
        .await;
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
