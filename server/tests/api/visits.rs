//! Server tests of visits (domain §10): the plan from each published tier's visits per month,
//! logging a visit with clear refusals, scope.

use crate::common::*;
use app::api::ssr::ports::*;
use app::wire::{NewVisit, Scope, VisitProblem};
use server::store::SqliteStore;
use sqlx::SqlitePool;

async fn cm01(pool: &SqlitePool) -> (i64, Scope) {
    let id = number(pool, "SELECT id FROM users WHERE username = 'cm01'").await;
    (id, Scope::Routes { manager: id })
}

fn visit(customer: i64, date: &str) -> NewVisit {
    NewVisit {
        customer,
        date: date.into(),
        purpose: "Stock check".into(),
        findings: "Shelf half empty".into(),
        duration_min: 25,
        promise: String::new(),
        key: String::new(),
    }
}

#[tokio::test]
async fn the_plan_asks_each_tiers_visits_and_follows_what_was_logged() {
    let (_dir, pool) = demo_db(150).await;
    let store = SqliteStore::new(pool.clone());
    let (cm, scope) = cm01(&pool).await;
    // A clean month: no visits at all.
    sqlx::query("DELETE FROM visit_ratings")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM visits")
        .execute(&pool)
        .await
        .unwrap();
    // What the published policy asks: core 4, general 2, problem 2 a month (defaults).
    let tiers = tiers_of(&pool, cm).await;
    let per = |t: &str| match t {
        "core" => 4u64,
        _ => 2,
    };
    let plan = store.visit_plan(scope, 1, None).await.unwrap();
    assert_eq!(plan.customers, tiers.len() as u64);
    assert_eq!(
        plan.required,
        tiers.iter().map(|(_, t)| per(t)).sum::<u64>()
    );
    assert_eq!(plan.done, 0);
    // Never visited: everyone is due and overdue.
    assert_eq!(plan.due, tiers.len() as u64);
    assert_eq!(plan.overdue, tiers.len() as u64);

    // Two visits today to a general-tier customer complete their month.
    let (general, _) = tiers.iter().find(|(_, t)| t == "general").unwrap();
    let today = server::time::today().format("%Y-%m-%d").to_string();
    for _ in 0..2 {
        let logged = logged(
            store
                .log_visit(scope, app::wire::UserId(cm), &visit(*general, &today))
                .await
                .unwrap(),
        );
        assert_eq!(logged.customer_id, *general);
        assert_eq!(logged.findings, "Shelf half empty");
    }
    let after = store.visit_plan(scope, 1, None).await.unwrap();
    assert_eq!(after.done, 2);
    assert_eq!(after.due, plan.due - 1);
    assert!(after.rows.iter().all(|r| r.customer_id != *general));
    let recent = store.recent_visits(scope).await.unwrap();
    assert_eq!(recent.len(), 2);
    // A policy asking more of general customers makes them due again.
    let mut policy = kehu_engine::Policy::default();
    policy.service.visits_per_month = vec![4, 3, 2];
    store.publish(&policy, app::wire::UserId(1)).await.unwrap();
    let stricter = store.visit_plan(scope, 1, None).await.unwrap();
    let mut rows = stricter.rows.clone();
    for page in 2..=stricter.pages {
        rows.extend(store.visit_plan(scope, page, None).await.unwrap().rows);
    }
    assert_eq!(rows.len() as u64, stricter.listed);
    let row = rows
        .iter()
        .find(|r| r.customer_id == *general)
        .expect("due again");
    assert_eq!((row.done, row.required), (2, 3));
    assert!(!row.overdue, "visited today");
}

#[tokio::test]
async fn a_visit_is_checked_field_by_field_and_stays_in_scope() {
    let (_dir, pool) = demo_db(80).await;
    let store = SqliteStore::new(pool.clone());
    let (cm, scope) = cm01(&pool).await;
    let mine: i64 = sqlx::query_scalar(
        "SELECT c.id FROM customers c JOIN routes r ON r.id = c.route_id WHERE r.manager_id = ? LIMIT 1",
    )
    .bind(cm)
    .fetch_one(&pool)
    .await
    .unwrap();
    let other: i64 = sqlx::query_scalar(
        "SELECT c.id FROM customers c JOIN routes r ON r.id = c.route_id WHERE r.manager_id <> ? LIMIT 1",
    )
    .bind(cm)
    .fetch_one(&pool)
    .await
    .unwrap();
    let today = server::time::today();
    let tomorrow = (today + chrono::TimeDelta::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let today = today.format("%Y-%m-%d").to_string();
    let cases = [
        (visit(mine, &tomorrow), VisitProblem::Date),
        (visit(mine, "2026-13-01"), VisitProblem::Date),
        (
            NewVisit {
                purpose: "  ".into(),
                ..visit(mine, &today)
            },
            VisitProblem::Purpose,
        ),
        (
            NewVisit {
                duration_min: 0,
                ..visit(mine, &today)
            },
            VisitProblem::Duration,
        ),
        (
            NewVisit {
                findings: "x".repeat(2_001),
                ..visit(mine, &today)
            },
            VisitProblem::Findings,
        ),
        (
            NewVisit {
                promise: "承".repeat(101),
                ..visit(mine, &today)
            },
            VisitProblem::Promise,
        ),
    ];
    let before = number(&pool, "SELECT COUNT(*) FROM visits").await;
    for (v, want) in cases {
        let got = store
            .log_visit(scope, app::wire::UserId(cm), &v)
            .await
            .unwrap();
        assert_eq!(got, app::wire::VisitLogged::Refused(want), "{v:?}");
    }
    // Someone else's customer does not exist for cm01.
    assert_eq!(
        store
            .log_visit(scope, app::wire::UserId(cm), &visit(other, &today))
            .await
            .unwrap(),
        app::wire::VisitLogged::NotFound
    );
    let after = number(&pool, "SELECT COUNT(*) FROM visits").await;
    assert_eq!(after, before, "nothing stored");
    // The customer's portal shows the visit without the findings.
    let client = app_as(pool.clone(), "cm01").await;
    let body = format!(
        "visit[customer]={mine}&visit[date]={today}&visit[purpose]=Promotion+briefing&visit[findings]=Competitor+poster&visit[duration_min]=15"
    );
    let (status, logged) =
        json::<Result<app::wire::VisitEntry, VisitProblem>>(&client, "/api/log_visit", &body).await;
    assert_eq!(status, axum::http::StatusCode::OK);
    assert_eq!(logged.unwrap().unwrap().purpose, "Promotion briefing");
    let service = server::self_service::my_service(&pool, mine)
        .await
        .unwrap()
        .unwrap();
    assert!(
        service
            .visits
            .iter()
            .any(|v| v.purpose == "Promotion briefing")
    );
    let raw = serde_json::to_string(&service).unwrap();
    assert!(!raw.contains("Competitor poster"));
}

#[tokio::test]
async fn the_plan_comes_in_pages_overdue_first() {
    let (_dir, pool) = demo_db(150).await;
    let store = SqliteStore::new(pool.clone());
    let first = store.visit_plan(Scope::All, 1, None).await.unwrap();
    assert!(
        first.listed > u64::from(app::wire::PLAN_PAGE_SIZE),
        "{} to visit: too few for a second page",
        first.listed
    );
    assert_eq!(first.rows.len(), app::wire::PLAN_PAGE_SIZE as usize);
    let mut rows = first.rows.clone();
    for page in 2..=first.pages {
        let p = store.visit_plan(Scope::All, page, None).await.unwrap();
        assert_eq!(
            (p.page, p.pages, p.listed),
            (page, first.pages, first.listed)
        );
        rows.extend(p.rows);
    }
    // Everyone to visit once, in the plan's order: overdue first, then the longest since the
    // last visit (never visited first).
    assert_eq!(rows.len() as u64, first.listed);
    let mut ids: Vec<i64> = rows.iter().map(|r| r.customer_id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), rows.len());
    assert!(rows.windows(2).all(|w| w[0].overdue >= w[1].overdue));
    assert!(
        rows.windows(2)
            .filter(|w| w[0].overdue == w[1].overdue)
            .all(|w| w[0].last_visit <= w[1].last_visit)
    );
    // A page past the last is the last.
    let past = store
        .visit_plan(Scope::All, first.pages + 3, None)
        .await
        .unwrap();
    assert_eq!(past.page, first.pages);
    assert_eq!(past.rows.last(), rows.last());
}

#[tokio::test]
async fn the_demo_gives_a_customer_manager_a_realistic_plan_on_any_day() {
    // Not everyone overdue, not no one: the demo's visits run up to today, wherever today is.
    let (_dir, pool) = demo_db(400).await;
    let store = SqliteStore::new(pool.clone());
    let plan = store.visit_plan(Scope::All, 1, None).await.unwrap();
    let share = plan.overdue as f64 / plan.customers as f64;
    assert!(
        (0.1..0.6).contains(&share),
        "{} of {} overdue",
        plan.overdue,
        plan.customers
    );
    let today = chrono::Utc::now().date_naive() + chrono::TimeDelta::days(1);
    let future: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM visits WHERE visited_on > ?")
        .bind(today.format("%Y-%m-%d").to_string())
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(future, 0, "no visit after today");
}

#[tokio::test]
async fn a_managers_plan_narrows_to_one_route() {
    let (_dir, pool) = demo_db(300).await;
    let store = SqliteStore::new(pool.clone());
    let everyone = store.visit_plan(Scope::All, 1, None).await.unwrap();
    let (route, on_route): (i64, i64) = sqlx::query_as(
        "SELECT route_id, COUNT(*) FROM customers WHERE route_id IS NOT NULL
         GROUP BY route_id ORDER BY route_id LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let one = store.visit_plan(Scope::All, 1, Some(route)).await.unwrap();
    assert_eq!(one.route, Some(route));
    assert_eq!(one.customers as i64, on_route);
    assert!(one.customers < everyone.customers);
    for row in &one.rows {
        let r: Option<i64> = sqlx::query_scalar("SELECT route_id FROM customers WHERE id = ?")
            .bind(row.customer_id)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(r, Some(route), "{} is on another route", row.code);
    }
}

#[tokio::test]
async fn a_visit_sent_twice_under_its_key_is_logged_once() {
    let (_dir, pool) = demo_db(150).await;
    let store = SqliteStore::new(pool.clone());
    let (cm, scope) = cm01(&pool).await;
    let mine: i64 = sqlx::query_scalar(
        "SELECT c.id FROM customers c JOIN routes r ON r.id = c.route_id WHERE r.manager_id = ? LIMIT 1",
    )
    .bind(cm)
    .fetch_one(&pool)
    .await
    .unwrap();
    let today = server::time::today().format("%Y-%m-%d").to_string();
    let keyed = NewVisit {
        key: "18f3a2b-0a1b2c3d4e5f6-0f1e2d3c4b5a6".into(),
        ..visit(mine, &today)
    };
    let log = |v: NewVisit, user: i64, scope: Scope| {
        let store = store.clone();
        async move {
            match store
                .log_visit(scope, app::wire::UserId(user), &v)
                .await
                .unwrap()
            {
                app::wire::VisitLogged::Logged(e) => e,
                other => panic!("{other:?}"),
            }
        }
    };
    let visits = number(&pool, "SELECT COUNT(*) FROM visits").await;
    let lines = number(
        &pool,
        "SELECT COUNT(*) FROM audit WHERE action = 'visit.log'",
    )
    .await;
    // The phone's outbox sends it again (the first answer was lost on the way): the same visit,
    // one line in the audit trail.
    let first = log(keyed.clone(), cm, scope).await;
    let again = log(keyed.clone(), cm, scope).await;
    assert_eq!(first, again);
    assert_eq!(
        number(&pool, "SELECT COUNT(*) FROM visits").await,
        visits + 1
    );
    assert_eq!(
        number(
            &pool,
            "SELECT COUNT(*) FROM audit WHERE action = 'visit.log'"
        )
        .await,
        lines + 1
    );
    // Another key is another visit.
    let other = log(
        NewVisit {
            key: "18f3a2b-ffffffffffff0-000000000001".into(),
            ..keyed.clone()
        },
        cm,
        scope,
    )
    .await;
    assert_ne!(other.id, first.id);
    // A key is its sender's: someone else sending the same key logs their own visit.
    let admin = number(&pool, "SELECT id FROM users WHERE username = 'admin'").await;
    let theirs = log(keyed.clone(), admin, Scope::All).await;
    assert_ne!(theirs.id, first.id);
    // A key no page makes is refused, nothing stored.
    let count = number(&pool, "SELECT COUNT(*) FROM visits").await;
    let long = "k".repeat(65);
    for bad in [
        "short",
        "has spaces in it",
        "<script>alert(1)</script>",
        &long,
    ] {
        let got = store
            .log_visit(
                scope,
                app::wire::UserId(cm),
                &NewVisit {
                    key: bad.into(),
                    ..visit(mine, &today)
                },
            )
            .await
            .unwrap();
        assert_eq!(
            got,
            app::wire::VisitLogged::Refused(VisitProblem::Key),
            "{bad}"
        );
    }
    assert_eq!(number(&pool, "SELECT COUNT(*) FROM visits").await, count);
}
