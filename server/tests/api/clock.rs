//! What runs out with time, seen by moving the server's clock (`server::time::shift`): a
//! sign-in lasts a fortnight, an invite code two weeks, and a throttled name is free again once
//! its failures are a quarter of an hour old. Every stamp the server writes or compares comes
//! from that one clock, none from SQLite's own `'now'`.

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::TimeDelta;

#[tokio::test]
async fn a_sign_in_lasts_a_fortnight_and_no_longer() {
    let (_dir, pool) = demo_db(50).await;
    let signed_in = app(pool.clone()).await;
    // A fresh router each time: who a session belongs to is remembered for a few seconds.
    let browser = |c: &Client| Client {
        router: router(pool.clone()),
        ..c.clone()
    };
    server::time::shift(TimeDelta::days(13));
    let resp = browser(&signed_in).send(html_page("/customers")).await;
    assert_eq!(
        resp.status(),
        StatusCode::OK,
        "13 days later: still signed in"
    );
    server::time::shift(TimeDelta::days(2));
    let resp = browser(&signed_in).send(html_page("/customers")).await;
    assert_eq!(
        location(&resp),
        "/login?next=%2Fcustomers",
        "15 days later: asked to sign in again"
    );
}

#[tokio::test]
async fn an_invite_code_runs_out_after_two_weeks() {
    let (_dir, pool) = demo_db(50).await;
    let manager = app(pool.clone()).await;
    let redeem = |invite: &app::wire::Invite| {
        let body = format!(
            "customer={}&code={}&password=good-password&confirm=good-password",
            invite.customer_code,
            urlencode(&invite.code)
        );
        Request::post("/auth/invite")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin")
            .body(Body::from(body))
            .unwrap()
    };
    let (_, late) = json::<app::wire::Invite>(&manager, "/api/create_invite", "customer=5").await;
    let (_, timely) = json::<app::wire::Invite>(&manager, "/api/create_invite", "customer=6").await;
    let (late, timely) = (late.unwrap(), timely.unwrap());

    server::time::shift(TimeDelta::days(13));
    let resp = Client::anonymous(pool.clone()).send(redeem(&timely)).await;
    assert_eq!(
        location(&resp),
        "/my",
        "13 days on, the code still opens the account"
    );
    server::time::shift(TimeDelta::days(2));
    let resp = Client::anonymous(pool.clone()).send(redeem(&late)).await;
    assert!(
        location(&resp).starts_with("/invite?error=invalid"),
        "15 days on, refused: {}",
        location(&resp)
    );
}

#[tokio::test]
async fn a_throttled_name_is_free_again_a_quarter_of_an_hour_later() {
    let (_dir, pool) = demo_db(50).await;
    let mut browser = Client::anonymous(pool.clone());
    for _ in 0..5 {
        let resp = browser.sign_in("manager", "wrong-password").await;
        assert!(location(&resp).starts_with("/login?error=invalid"));
    }
    let resp = browser
        .sign_in("manager", server::demo::DEMO_PASSWORD)
        .await;
    assert!(
        location(&resp).starts_with("/login?error=too_many"),
        "the right password waits too: {}",
        location(&resp)
    );
    server::time::shift(TimeDelta::minutes(16));
    let resp = browser
        .sign_in("manager", server::demo::DEMO_PASSWORD)
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/", "signed in");
}
