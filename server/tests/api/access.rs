//! Who may open what: every role against every page and customer, cross-site posts, signing in
//! and out with its limits, one-time passwords.

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;

#[tokio::test]
async fn every_role_reaches_exactly_its_pages_and_customers() {
    let (_dir, pool) = demo_db(300).await;
    let (mine, other) = cm01_scope(&pool).await;
    assert!(!mine.is_empty() && !mine.contains(&other));
    let own_customer = number(
        &pool,
        "SELECT customer_id FROM users WHERE role = 'customer'",
    )
    .await;
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
    let resp = clients[0].1.send(html_page("/customers?band=2")).await;
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
        let resp = fetch(client, "/api/snapshot").await;
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
                let page: app::wire::CustomerPage = serde_json::from_slice(&body).unwrap();
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
    let d: app::wire::Dashboard = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        d.customers,
        mine.len() as u64,
        "cm01's dashboard counts their customers"
    );
    assert_eq!(d.band_counts.iter().sum::<u32>() as usize, mine.len());

    // Only lab users may preview or publish (a policy that changes a setting).
    let mut wider = kehu_engine::Policy::default();
    wider.service.manager_capacity_visits_per_month += 10;
    let policy = urlencode(&serde_json::to_string(&wider).unwrap());
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
    let versions = number(&pool, "SELECT COUNT(*) FROM policies").await;
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
    let manager = number(&pool, "SELECT id FROM users WHERE username = 'manager'").await;
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
    let sign_out_from = |origin: &str| {
        Request::post("/auth/logout")
            .header(header::HOST, "kehu.example")
            .header(header::ORIGIN, origin)
            .body(Body::empty())
            .unwrap()
    };
    let req = sign_out_from("https://evil.example");
    assert_eq!(manager.send(req).await.status(), StatusCode::FORBIDDEN);
    let req = sign_out_from("https://kehu.example");
    assert_eq!(manager.send(req).await.status(), StatusCode::SEE_OTHER);
    let versions = number(&pool, "SELECT COUNT(*) FROM policies").await;
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
    let password = server::accounts::ensure_admin(&pool, &sessions)
        .await
        .unwrap()
        .unwrap();
    assert!(
        server::accounts::ensure_admin(&pool, &sessions)
            .await
            .unwrap()
            .is_none()
    );

    let mut a = Client::anonymous(pool.clone());
    let resp = a.sign_in("admin", &password).await;
    assert_eq!(location(&resp), "/account", "first stop: choose a password");
    let resp = a.send(html_page("/customers")).await;
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
    let audit = number(
        &pool,
        "SELECT COUNT(*) FROM audit WHERE action = 'user.password'",
    )
    .await;
    assert_eq!(audit, 1);
}

#[tokio::test]
async fn each_role_lands_on_its_own_work_after_signing_in() {
    let (_dir, pool) = demo_db(50).await;
    let customer: String = sqlx::query_scalar("SELECT username FROM users WHERE role = 'customer'")
        .fetch_one(&pool)
        .await
        .unwrap();
    for (user, home) in [
        ("manager", "/"),
        ("officer", "/"),
        ("cm01", "/visits"),
        (customer.as_str(), "/my"),
    ] {
        let mut browser = Client::anonymous(pool.clone());
        let resp = browser.sign_in(user, server::demo::DEMO_PASSWORD).await;
        assert_eq!(location(&resp), home, "{user} lands on {home}");
    }
    // A page asked for before signing in wins over the role's own.
    let browser = Client::anonymous(pool.clone());
    let resp = browser
        .send(
            Request::post("/auth/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "username=cm01&password={}&next=%2Fcomplaints",
                    urlencode(server::demo::DEMO_PASSWORD)
                )))
                .unwrap(),
        )
        .await;
    assert_eq!(location(&resp), "/complaints");
}

#[tokio::test]
async fn a_customer_on_a_staff_page_is_refused_without_the_staff_bundle() {
    let (_dir, pool) = demo_db(50).await;
    let code: String = sqlx::query_scalar("SELECT username FROM users WHERE role = 'customer'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let customer = app_as(pool.clone(), &code).await;
    for page in ["/lab", "/visits", "/customers"] {
        let (status, html) = get(&customer, page, "zh").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
        assert!(
            !html.contains(".wasm")
                && !html.contains("/pkg/kehu.js")
                && !html.contains("modulepreload"),
            "{page} sends no bundle to a customer"
        );
    }
    // Staff get the bundle.
    let cm = app_as(pool.clone(), "cm01").await;
    let (status, html) = get(&cm, "/visits", "zh").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(".wasm"), "staff pages load the app");
}
