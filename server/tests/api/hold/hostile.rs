//! Hostile input: markup in every free-text field, the security headers, uploads refused early.

use super::*;
use chrono::Datelike;

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
    let text_fields: Vec<&str> = app::wire::FIELDS
        .iter()
        .filter(|f| {
            f.kind == app::wire::FieldKind::Text
                && f.maintenance != app::wire::Maintenance::Computed
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
        .file_complaint(
            scope,
            app::wire::UserId(manager_id),
            &app::wire::NewComplaint {
                customer: target,
                subject: PAYLOAD.into(),
                description: PAYLOAD.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
    store
        .complaint_action(
            scope,
            app::wire::UserId(manager_id),
            complaint.id,
            complaint.version,
            &app::wire::ComplaintAction::Step {
                key: "listen".into(),
                note: PAYLOAD.into(),
                entry: String::new(),
            },
        )
        .await
        .unwrap();
    let today = chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let visit = visit_by(
        &store,
        scope,
        manager_id,
        NewVisit {
            customer: target,
            date: today.clone(),
            purpose: PAYLOAD.into(),
            findings: PAYLOAD.into(),
            duration_min: 20,
            promise: PAYLOAD.into(),
            ..NewVisit::default()
        },
    )
    .await;
    let customer_user = user_id(&pool, &code).await;
    store
        .rate_visit(app::wire::CustomerId(target), visit.id, 4, PAYLOAD)
        .await
        .unwrap();
    let dispute = store
        .file_dispute(
            app::wire::UserId(customer_user),
            app::wire::CustomerId(target),
            PAYLOAD,
        )
        .await
        .unwrap()
        .unwrap();
    let _ = dispute;
    let field = app::wire::field("phone").unwrap();
    if let Some(RequestResult::Filed { id }) = store
        .file_request(
            Scope::All,
            app::wire::UserId(customer_user),
            app::wire::CustomerId(target),
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
            app::wire::UserId(manager_id),
            &ReportSave {
                kind: ReportKind::Daily,
                period: today.clone(),
                body: PAYLOAD.into(),
                version: 0,
            },
        )
        .await
        .unwrap();
    // A holiday falls on a weekday (one on a weekend is refused: it would change nothing).
    let weekday = (0..7)
        .map(|k| server::time::today() + chrono::TimeDelta::days(k))
        .find(|d| d.weekday().number_from_monday() <= 5)
        .unwrap()
        .format("%Y-%m-%d")
        .to_string();
    store
        .set_calendar_days(
            app::wire::UserId(manager_id),
            (&weekday, ""),
            "holiday",
            &PAYLOAD[..40],
        )
        .await
        .unwrap()
        .unwrap();
    let draft = kehu_engine::Policy {
        name: PAYLOAD.into(),
        ..Default::default()
    };
    assert!(matches!(
        store
            .save_draft(app::wire::UserId(manager_id), None, 0, &draft)
            .await
            .unwrap(),
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
        let resp = manager.send(html_page(uri)).await;
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
    let resp = manager.send(html_page("/customers")).await;
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
                    server::http::web::MAX_IMPORT_BYTES / (1 << 20) + 2,
                )))
                .unwrap(),
        ),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Every other route takes small bodies only.
    let big = "x".repeat(server::http::web::MAX_BODY_BYTES + 1);
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
