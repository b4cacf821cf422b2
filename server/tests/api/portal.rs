//! Server tests of the customers' self-service: invites, what a customer sees (and never sees),
//! the portal's forms, and the staff side of disputes.

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;

/// A plain HTML form post from a portal page (no script: the browser follows the redirect).
fn form(uri: &str, body: &str) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html")
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(body.to_string()))
        .unwrap()
}

async fn body_text(resp: axum::response::Response) -> String {
    String::from_utf8_lossy(&resp.into_body().collect().await.unwrap().to_bytes()).into_owned()
}

#[tokio::test]
async fn one_customers_facts_equal_the_population_load() {
    let (_dir, pool) = demo_db(300).await;
    let policy = kehu_engine::Policy::default();
    let all = server::facts::load(&pool, &policy).await.unwrap();
    for (i, id) in all.ids.iter().enumerate().step_by(7) {
        let (facts, _) = server::facts::load_one(&pool, &Default::default(), &policy, *id, true)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(facts, all.population.facts(i), "customer {id}");
        // Without the ranks, everything but the two percentile indicators is the same.
        let (mut quick, _) =
            server::facts::load_one(&pool, &Default::default(), &policy, *id, false)
                .await
                .unwrap()
                .unwrap();
        quick.indicators.contribution = facts.indicators.contribution;
        quick.indicators.influence = facts.indicators.influence;
        // …and the expectation driver "value and background", made of those two.
        if let (Some(q), Some(f)) = (quick.service.as_mut(), facts.service.as_ref()) {
            q.expectation[2] = f.expectation[2];
        }
        assert_eq!(quick, facts, "customer {id}");
    }
    assert!(
        server::facts::load_one(&pool, &Default::default(), &policy, 999_999, true)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_customer_sees_their_tiers_with_reasons_and_nothing_internal() {
    let (_dir, pool) = demo_db(200).await;
    let me = app_as(pool.clone(), "DEMO000001").await;
    let stored: (i64, i64, String) =
        sqlx::query_as("SELECT band, grade, tier FROM assignments WHERE customer_id = 1")
            .fetch_one(&pool)
            .await
            .unwrap();

    let (status, tiers) = json::<app::wire::MyTiers>(&me, "/api/my_tiers", "").await;
    assert_eq!(status, StatusCode::OK);
    let tiers = tiers.unwrap();
    let current = tiers.current.clone().unwrap();
    assert_eq!(current.band, Some(stored.0 as u8));
    assert_eq!(current.grade, Some(stored.1 as u8));
    // Value and service tiers are internal by default: neither the tier nor its reason is sent.
    assert_eq!(current.tier, None);
    assert_eq!(current.value_class, None);
    assert!(tiers.value.is_none() && tiers.tier.is_none());
    // The band's reason is the engine's, and its step really moves the customer up.
    let band = tiers.band.unwrap();
    assert_eq!(band.band as i64, stored.0);
    assert!(
        !tiers.changed_since,
        "nothing changed since the demo was published"
    );
    if let Some(step) = band.next {
        assert_eq!(step.to, band.band - 1);
        assert!(band.volume + step.needed == step.boundary);
    }
    assert_eq!(tiers.monthly_cartons.len(), 12);

    // The raw answer carries none of the internal fields either.
    let raw = me.send(post_form("/api/my_profile", "")).await;
    assert_eq!(raw.status(), StatusCode::OK);
    let raw = body_text(raw).await;
    for internal in [
        "integrity_level",
        "monitored",
        "cooperation",
        "compliance_record",
        "value_score",
    ] {
        assert!(!raw.contains(internal), "{internal} leaked: {raw}");
    }
    assert!(raw.contains("shop_name"));

    // The page renders the reasons in words, without the wasm bundle.
    let (status, html) = get(&me, "/my", "en").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("data-testid=\"why-band\""), "{html}");
    assert!(text(&html).contains("cases a month"));
    assert!(!html.contains("/pkg/kehu.js"), "the portal loads no wasm");

    // In Chinese: a grade and a band with their scale, a range that reads as a sentence, and no
    // advice to build a bigger shop.
    let (_, html) = get(&me, "/my", "zh").await;
    let words = text(&html);
    assert!(words.contains("共 10 级，1 级最高"), "{words}");
    assert!(words.contains("共 8 档，第 1 档最高"), "{words}");
    assert!(!words.contains(" 及以下 件"), "{words}");
    assert!(!words.contains("即可算作"), "{words}");
}

#[tokio::test]
async fn customers_reach_only_their_own_portal_and_staff_not_the_portal() {
    let (_dir, pool) = demo_db(200).await;
    let me = app_as(pool.clone(), "DEMO000001").await;
    for page in [
        "/",
        "/customers",
        "/customers/2",
        "/customers/1",
        "/lab",
        "/requests",
    ] {
        let (status, _) = get(&me, page, "en").await;
        assert!(
            status == StatusCode::FORBIDDEN || status.is_redirection(),
            "{page}: {status}"
        );
    }
    for (api, body) in [
        ("/api/customer", "id=2"),
        ("/api/customer", "id=1"),
        ("/api/customers", "query[q]="),
        ("/api/change_requests", ""),
        ("/api/disputes", ""),
        ("/api/create_invite", "customer=1"),
        ("/api/customer_history", "id=1"),
    ] {
        let resp = me.send(post_form(api, body)).await;
        assert!(
            resp.status() == StatusCode::FORBIDDEN || resp.status() == StatusCode::BAD_REQUEST,
            "{api}: {}",
            resp.status()
        );
    }
    for uri in ["/api/snapshot", "/export/customers.csv"] {
        let resp = fetch(&me, uri).await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{uri}");
    }
    // Another customer's visit cannot be rated.
    let other_visit = number(
        &pool,
        "SELECT id FROM visits WHERE customer_id <> 1 LIMIT 1",
    )
    .await;
    let ratings = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM visit_ratings")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let before = ratings().await;
    let resp = me
        .send(form("/my/rate", &format!("visit={other_visit}&score=5")))
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(ratings().await, before);

    // Staff do not use the portal; its API is for customers.
    let manager = app(pool.clone()).await;
    let (status, _) = get(&manager, "/my", "en").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let resp = manager.send(post_form("/api/my_tiers", "")).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let resp = manager.send(form("/my/dispute", "reason=x")).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_invite_opens_the_account_once_and_wrong_codes_do_not() {
    let (_dir, pool) = demo_db(100).await;
    let manager = app(pool.clone()).await;
    let (status, invite) =
        json::<app::wire::Invite>(&manager, "/api/create_invite", "customer=5").await;
    assert_eq!(status, StatusCode::OK);
    let invite = invite.unwrap();
    assert_eq!(invite.code.len(), 14, "XXXX-XXXX-XXXX: {}", invite.code);

    let anon = Client::anonymous(pool.clone());
    let post = |code: &str, password: &str, confirm: &str| {
        form(
            "/auth/invite",
            &format!(
                "customer={}&code={}&password={password}&confirm={confirm}",
                invite.customer_code,
                urlencode(code)
            ),
        )
    };
    let resp = anon
        .send(post("AAAA-AAAA-AAAA", "good-password", "good-password"))
        .await;
    assert!(
        location(&resp).starts_with("/invite?error=invalid"),
        "{}",
        location(&resp)
    );
    let resp = anon
        .send(post(&invite.code, "good-password", "other-password"))
        .await;
    assert!(location(&resp).starts_with("/invite?error=mismatch"));
    let resp = anon.send(post(&invite.code, "short", "short")).await;
    assert!(location(&resp).starts_with("/invite?error=too_short"));

    // Lower case and without dashes is the same code.
    let typed = invite.code.replace('-', "").to_lowercase();
    let resp = anon
        .send(post(&typed, "good-password", "good-password"))
        .await;
    assert_eq!(location(&resp), "/my");
    let cookie = resp
        .headers()
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap();
    let mut customer = Client::anonymous(pool.clone());
    customer.cookie = Some(cookie.split(';').next().unwrap().to_string());
    let (status, html) = get(&customer, "/my", "zh").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&invite.shop_name));

    // Used once: the same code does not work again, and signing in with the password does.
    let resp = anon
        .send(post(&invite.code, "another-pass", "another-pass"))
        .await;
    assert!(location(&resp).starts_with("/invite?error=invalid"));
    let mut again = Client::anonymous(pool.clone());
    let resp = again.sign_in(&invite.customer_code, "good-password").await;
    assert_eq!(location(&resp), "/my");

    // A customer manager may invite only their own customers.
    let cm01 = app_as(pool.clone(), "cm01").await;
    let other: i64 = sqlx::query_scalar(
        "SELECT c.id FROM customers c JOIN routes r ON r.id = c.route_id
         JOIN users u ON u.id = r.manager_id WHERE u.username <> 'cm01' LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let resp = cm01
        .send(post_form(
            "/api/create_invite",
            &format!("customer={other}"),
        ))
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn portal_forms_file_requests_disputes_ratings_and_complaints() {
    let (_dir, pool) = demo_db(100).await;
    let me = app_as(pool.clone(), "DEMO000001").await;

    // A bad value comes back with the problem and what was typed; nothing is filed.
    let resp = me
        .send(form(
            "/my/request",
            "field=business_area_m2&value=lots&reason=bigger",
        ))
        .await;
    let to = location(&resp);
    assert!(to.starts_with("/my/profile?error=value&problem="), "{to}");
    assert!(to.contains("value=lots"));
    // Internal fields, and what the licence or the company's service organisation fixes, are
    // not the customer's to ask about.
    for internal in [
        "monitored",
        "licence_no",
        "licence_officer",
        "demonstration",
        "order_batch",
        "visit_batch",
        "phone_clerk",
    ] {
        let resp = me
            .send(form(
                "/my/request",
                &format!("field={internal}&value=1&reason=please"),
            ))
            .await;
        assert!(
            location(&resp).starts_with("/my/profile?error=field"),
            "{internal} is not requestable"
        );
    }
    let resp = me
        .send(form("/my/request", "field=phone&value=13900001111&reason="))
        .await;
    assert!(location(&resp).starts_with("/my/profile?error=reason"));
    let filed = number(&pool, "SELECT COUNT(*) FROM change_requests").await;
    assert_eq!(filed, 0);

    let resp = me
        .send(form(
            "/my/request",
            "field=phone&value=13900001111&reason=new+number",
        ))
        .await;
    assert_eq!(location(&resp), "/my/profile?done=request#requests");
    // The manager approves it in the review queue; the customer's profile shows it.
    let manager = app(pool.clone()).await;
    let (_, queue) =
        json::<Vec<app::wire::ChangeRequest>>(&manager, "/api/change_requests", "").await;
    let request = queue
        .unwrap()
        .into_iter()
        .find(|r| r.customer_id == 1)
        .unwrap();
    let (status, _) = json::<app::wire::ReviewResult>(
        &manager,
        "/api/review_request",
        &format!("id={}&approve=true&reason=", request.id),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, profile) = json::<app::wire::MyProfile>(&me, "/api/my_profile", "").await;
    let profile = profile.unwrap();
    assert_eq!(
        profile
            .fields
            .iter()
            .find(|f| f.key == "phone")
            .unwrap()
            .value,
        "13900001111"
    );
    assert_eq!(
        profile.requests[0].status,
        app::wire::RequestStatus::Approved
    );

    // Dispute → the managers' queue → answer → the customer reads it.
    let resp = me.send(form("/my/dispute", "reason=+")).await;
    assert!(location(&resp).starts_with("/my?error=reason"));
    let resp = me
        .send(form("/my/dispute", "reason=My+shop+sells+more+than+that"))
        .await;
    assert_eq!(location(&resp), "/my?done=dispute#disputes");
    let (_, disputes) =
        json::<Option<Vec<app::wire::Dispute>>>(&manager, "/api/disputes", "").await;
    let dispute = disputes.flatten().unwrap().into_iter().next().unwrap();
    let officer = app_as(pool.clone(), "officer").await;
    let (status, none) =
        json::<Option<Vec<app::wire::Dispute>>>(&officer, "/api/disputes", "").await;
    assert_eq!(
        (status, none),
        (StatusCode::OK, Some(None)),
        "officers do not answer disputes"
    );
    assert_eq!(dispute.customer_id, 1);
    assert!(
        dispute.disputed.as_ref().unwrap().tier.is_some(),
        "staff see every tier"
    );
    let (status, answered) = json::<app::wire::Once>(
        &manager,
        "/api/answer_dispute",
        &format!(
            "id={}&status=upheld&answer=Your+average+is+below+the+line",
            dispute.id
        ),
    )
    .await;
    assert_eq!(
        (status, answered),
        (StatusCode::OK, Some(app::wire::Once::Done))
    );
    let (_, again) = json::<app::wire::Once>(
        &manager,
        "/api/answer_dispute",
        &format!("id={}&status=corrected&answer=twice", dispute.id),
    )
    .await;
    assert_eq!(
        again,
        Some(app::wire::Once::AlreadyDone),
        "a dispute is answered once"
    );
    let (_, tiers) = json::<app::wire::MyTiers>(&me, "/api/my_tiers", "").await;
    let mine = &tiers.unwrap().disputes[0];
    assert_eq!(mine.status, app::wire::DisputeStatus::Upheld);
    assert_eq!(
        mine.answer.as_deref(),
        Some("Your average is below the line")
    );
    assert!(
        mine.disputed.as_ref().unwrap().tier.is_none(),
        "the customer sees no internal tier"
    );

    // Rate one of my visits once.
    let visit: i64 = sqlx::query_scalar(
        "SELECT v.id FROM visits v LEFT JOIN visit_ratings r ON r.visit_id = v.id
         WHERE v.customer_id = 1 AND r.visit_id IS NULL LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let resp = me
        .send(form("/my/rate", &format!("visit={visit}&score=9")))
        .await;
    assert!(location(&resp).starts_with("/my/service?error=score"));
    let resp = me
        .send(form(
            "/my/rate",
            &format!("visit={visit}&score=4&comment=on+time"),
        ))
        .await;
    assert!(location(&resp).starts_with("/my/service?done=rated"));
    let resp = me
        .send(form("/my/rate", &format!("visit={visit}&score=1")))
        .await;
    assert!(location(&resp).starts_with("/my/service?error=rated"));
    let stored: (i64, String) =
        sqlx::query_as("SELECT score, comment FROM visit_ratings WHERE visit_id = ?")
            .bind(visit)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(stored, (4, "on time".to_string()));

    // A complaint gets its deadline in working hours from the policy.
    let resp = me
        .send(form("/my/complaint", "subject=&description=x"))
        .await;
    assert!(location(&resp).starts_with("/my/service?error=subject"));
    let resp = me
        .send(form(
            "/my/complaint",
            "subject=Late+delivery&description=Twice+this+month",
        ))
        .await;
    assert!(location(&resp).starts_with("/my/service?done=complaint"));
    let (_, service) = json::<app::wire::MyService>(&me, "/api/my_service", "").await;
    let service = service.unwrap();
    let c = &service.complaints[0];
    assert_eq!(c.subject, "Late delivery");
    assert!(c.due_at > c.filed_at && !c.overdue);
    assert!(service.manager.is_some() && !service.manager_phone.is_empty());
    assert!(
        service
            .visits
            .iter()
            .any(|v| v.id == visit && v.rating == Some((4, "on time".into())))
    );
}

#[tokio::test]
async fn a_corrected_dispute_waits_for_the_next_publication_and_then_names_it() {
    let (_dir, pool) = demo_db(30).await;
    let me = app_as(pool.clone(), "DEMO000001").await;
    let manager = app(pool.clone()).await;
    me.send(form("/my/dispute", "reason=My+area+is+wrong"))
        .await;
    let (_, disputes) =
        json::<Option<Vec<app::wire::Dispute>>>(&manager, "/api/disputes", "").await;
    let id = disputes.flatten().unwrap()[0].id;
    let (_, answered) = json::<app::wire::Once>(
        &manager,
        "/api/answer_dispute",
        &format!("id={id}&status=corrected&answer=Area+corrected+to+40+m2"),
    )
    .await;
    assert_eq!(answered, Some(app::wire::Once::Done));
    let mine = |me: &Client| {
        let me = me.clone();
        async move {
            let (_, tiers) = json::<app::wire::MyTiers>(&me, "/api/my_tiers", "").await;
            tiers
                .unwrap()
                .disputes
                .into_iter()
                .find(|d| d.id == id)
                .unwrap()
        }
    };
    let before = mine(&me).await;
    assert_eq!(before.status, app::wire::DisputeStatus::Corrected);
    assert_eq!(
        before.applied_in, None,
        "the classification shown is still the old one until a publication"
    );

    let mut next = kehu_engine::Policy::default();
    next.service.manager_capacity_visits_per_month += 10;
    let policy = urlencode(&serde_json::to_string(&next).unwrap());
    let resp = manager
        .send(post_form(
            "/api/publish_policy",
            &format!("policy_json={policy}"),
        ))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let latest = number(&pool, "SELECT MAX(version) FROM policies").await;
    assert_eq!(
        mine(&me).await.applied_in,
        Some(u32::try_from(latest).unwrap()),
        "the first version published after the correction carries it"
    );
}
