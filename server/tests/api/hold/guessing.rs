//! Guessing and its limits: failed sign-ins, forwarded headers, known devices, invite codes, the
//! current password, one-time passwords and redirects.

use super::*;

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
    let kept = number(&sessions, "SELECT MAX(length(name)) FROM login_failures").await;
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
        .create_invite(
            Scope::All,
            app::wire::UserId(manager_id),
            app::wire::CustomerId(customer),
        )
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
    let password = server::accounts::reset_password(&pool, &sessions, "manager")
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
        let resp = fetch(&m, uri).await;
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
        let resp = fetch(&c, &format!("/lang?{query}")).await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{query}");
        assert_eq!(location(&resp), "/", "{query}");
    }
}

// ---------------------------------------------------------------------------------------------
// Exports and imports.
