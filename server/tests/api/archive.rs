//! The archive through the router: the dashboard, the customer list, a customer's page, CSV
//! export, field edits and their audit, change requests, the audit trail.

use crate::common::*;
use axum::http::{StatusCode, header};
use http_body_util::BodyExt;

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
    let expected = number(&pool, "SELECT COUNT(*) FROM assignments WHERE band = 6").await;
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
        "Policy 初始分类标准, version 1"
    );
    let (status, html) = get(&app, "/customers/999999", "en").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("does not exist"));
    let (status, _) = get(&app, "/no-such-page", "en").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn csv_export_holds_the_filtered_list_in_scope_and_opens_in_excel() {
    let (_dir, pool) = demo_db(300).await;
    let (mine, _) = cm01_scope(&pool).await;
    let export = |client: Client, uri: &'static str| async move {
        let resp = fetch(&client, uri).await;
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
    let band3 = number(&pool, "SELECT COUNT(*) FROM assignments WHERE band = 3").await;
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

#[tokio::test]
async fn an_export_in_chinese_reads_in_words_and_imports_back_unchanged() {
    let (_dir, pool) = demo_db(120).await;
    let manager = app(pool.clone()).await;
    let body = |uri: &'static str| {
        let manager = manager.clone();
        async move {
            let resp = fetch(&manager, uri).await;
            assert_eq!(resp.status(), StatusCode::OK, "{uri}");
            resp.into_body().collect().await.unwrap().to_bytes()
        }
    };
    let codes_before = body("/export/customers.csv").await;
    let words = body("/export/customers.csv?words=zh").await;
    let text = std::str::from_utf8(&words[3..]).unwrap();
    let header_row = text.lines().next().unwrap();
    assert!(header_row.starts_with("客户编码,"), "{header_row}");
    assert!(
        header_row.contains("业态") && header_row.contains("服务层级"),
        "{header_row}"
    );
    for code in [
        ",tobacco_liquor,",
        ",convenience,",
        ",urban,",
        ",rural,",
        ",medium,",
    ] {
        assert!(!text.contains(code), "{code} in the export in words");
    }
    assert!(
        text.contains("便利店") || text.contains("食杂店"),
        "formats in words"
    );
    assert!(
        text.contains(",城镇,") || text.contains(",乡村,"),
        "markets in words"
    );

    // The import reads it back: every row, nothing changed.
    let report = import(&pool, server::import::Kind::Customers, &words, false).await;
    assert!(
        report.committed && report.error_count == 0,
        "{:?}",
        report.errors
    );
    assert_eq!(report.updated, 120);
    assert_eq!(body("/export/customers.csv").await, codes_before);
    // An unknown language is refused, not guessed.
    let resp = fetch(&manager, "/export/customers.csv?words=fr").await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
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
    let saved: app::wire::EditResult = serde_json::from_str(&body).unwrap();
    assert_eq!(
        saved,
        app::wire::EditResult::Saved {
            version: version + 1,
            value: "13800138000".into()
        }
    );
    // Saving the same value again changes nothing: same version, no audit line.
    let (_, body) = edit(&cm01, id, "phone", "13800138000", version + 1).await;
    let same: app::wire::EditResult = serde_json::from_str(&body).unwrap();
    assert_eq!(
        same,
        app::wire::EditResult::Saved {
            version: version + 1,
            value: "13800138000".into()
        }
    );
    // A second editor still holding the old version is refused; nothing is overwritten.
    let (_, body) = edit(&cm01, id, "phone", "13900000000", version).await;
    let stale: app::wire::EditResult = serde_json::from_str(&body).unwrap();
    assert_eq!(
        stale,
        app::wire::EditResult::Stale {
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
    let invalid: app::wire::EditResult = serde_json::from_str(&body).unwrap();
    assert!(matches!(
        invalid,
        app::wire::EditResult::Invalid(app::wire::FieldProblem::NotANumber { .. })
    ));
    // Not the owner: refused (they file a change request instead).
    let (status, body) = edit(&officer, id, "phone", "1", version + 1).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        matches!(serde_json::from_str(&body), Ok(app::wire::ApiError::Forbidden(m)) if m.contains("only its owner may change it")),
        "{body}"
    );
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
    // The page matches on what kind of refusal it is, not on its words.
    assert_eq!(
        serde_json::from_str::<app::wire::ApiError>(&body).unwrap(),
        app::wire::ApiError::NotFound("no such customer".into()),
        "{body}"
    );
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
    let e: app::wire::EditResult = serde_json::from_str(&body).unwrap();
    assert!(matches!(
        e,
        app::wire::EditResult::Invalid(app::wire::FieldProblem::Taken { .. })
    ));

    // The audit trail: who, which field, old and new, newest first.
    let resp = cm01
        .send(post_form("/api/customer_history", &format!("id={id}")))
        .await;
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    let trail: Vec<app::wire::AuditEntry> = serde_json::from_slice(&body).unwrap();
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
    let d: app::wire::CustomerDetail = serde_json::from_slice(&body).unwrap();
    assert!(d.editable.contains(&"phone".to_string()));
    assert!(!d.editable.contains(&"licence_no".to_string()));
    assert_eq!(d.version, version + 2);
}

#[tokio::test]
async fn change_requests_are_filed_reviewed_and_applied_atomically() {
    use app::wire::{ChangeRequest, RequestResult, RequestStatus, ReviewResult};
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
    let (_, e) = json::<app::wire::EditResult>(
        &officer,
        "/api/edit_customer_field",
        &format!("id={id}&key=legal_rep&value=%E4%B9%99&version={v}"),
    )
    .await;
    assert!(
        matches!(e, Some(app::wire::EditResult::Saved { .. })),
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

#[tokio::test]
async fn the_audit_trail_lists_every_kind_of_change_for_managers_only() {
    use app::wire::AuditPage;
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
    // What a line says beyond its action is data, for each reader's language.
    let publish = all
        .rows
        .iter()
        .find(|r| r.action == "policy.publish")
        .unwrap();
    assert!(
        matches!(
            publish.detail,
            Some(app::wire::AuditNote::Published { version: 1, .. })
        ),
        "{:?}",
        publish.detail
    );
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
async fn a_customer_manager_sees_why_their_customer_is_classified_and_how_they_are_served() {
    let (_dir, pool) = demo_db(200).await;
    let (mine, other) = cm01_scope(&pool).await;
    let cm01 = app_as(pool.clone(), "cm01").await;
    let customer = mine[0];
    let (status, found) = json::<Option<app::wire::CustomerService>>(
        &cm01,
        "/api/customer_service",
        &format!("id={customer}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let s = found.flatten().expect("their own customer");
    // Every tier with its reasons — the internal ones too, which the shop owner does not see.
    assert!(s.tiers.band.is_some() && s.tiers.grade.is_some());
    assert!(s.tiers.tier.is_some() && s.tiers.value.is_some());
    assert_eq!(s.tiers.monthly_cartons.len(), 12);
    assert_eq!(s.volume_charts.len(), 2, "the chart in both languages");
    assert!(s.volume_charts.iter().all(|c| c.starts_with("<svg")));
    let visits: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM visits WHERE customer_id = ?")
        .bind(customer)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(s.visits.len() as i64, visits.min(50));
    assert!(s.visits.iter().all(|v| v.customer_id == customer));
    assert!(
        s.visits.windows(2).all(|w| w[0].date >= w[1].date),
        "newest first"
    );
    // Not another manager's customer.
    let (_, found) = json::<Option<app::wire::CustomerService>>(
        &cm01,
        "/api/customer_service",
        &format!("id={other}"),
    )
    .await;
    assert_eq!(found, Some(None));
    // And the page says it in words, in Chinese.
    let (_, html) = get(&cm01, &format!("/customers/{customer}"), "zh").await;
    assert!(html.contains("data-testid=\"customer-why\""), "{html}");
    assert!(text(&html).contains("平均每月进货"), "{}", text(&html));
}
