//! Server tests of customer managers' performance figures and written reports (domain §10).

use crate::common::*;
use app::api::ssr::ports::*;
use app::wire::{ReportKind, ReportSave, ReportSaved, Role, Scope};
use axum::http::StatusCode;
use server::store::SqliteStore;

#[tokio::test]
async fn kpis_count_visits_against_the_standard_complaints_on_time_and_ratings() {
    let (_dir, pool) = demo_db(150).await;
    let store = SqliteStore::new(pool.clone());
    let cm = user_id(&pool, "cm01").await;
    for t in ["visit_ratings", "visits", "complaint_steps", "complaints"] {
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {t}")))
            .execute(&pool)
            .await
            .unwrap();
    }
    let k = store.kpis(Scope::All).await.unwrap();
    let cms = number(
        &pool,
        "SELECT COUNT(*) FROM users WHERE role = 'customer_manager'",
    )
    .await;
    assert_eq!(k.rows.len() as i64, cms);
    let mine = k.rows.iter().find(|r| r.manager_id == cm).unwrap().clone();
    // Three months of each customer's tier standard (core 4, general and problem 2 a month).
    let tiers = tiers_of(&pool, cm).await;
    let required: u64 = tiers
        .iter()
        .map(|(_, t)| if t == "core" { 12 } else { 6 })
        .sum();
    assert_eq!(mine.customers, tiers.len() as u64);
    assert_eq!(mine.visits_required, required);
    assert_eq!(mine.visits_made, 0);
    assert_eq!(mine.avg_rating_centi, None);

    // Visits: eight to one customer today, two rated (5 and 4); one complaint closed on time,
    // one closed late, one open past its deadline.
    let (first, tier) = tiers[0].clone();
    let today = server::time::today().format("%Y-%m-%d").to_string();
    let scores = [Some(5), Some(4), None, None, None, None, None, None];
    // Written as kehu writes (in a writer's turn), so the kept facts know to look again.
    let mut tx = server::db::write(&pool).await.unwrap();
    for score in scores {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO visits (customer_id, manager_id, visited_on, purpose, duration_min)
             VALUES (?, ?, ?, 'check', 20) RETURNING id",
        )
        .bind(first)
        .bind(cm)
        .bind(&today)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        if let Some(s) = score {
            sqlx::query("INSERT INTO visit_ratings (visit_id, score) VALUES (?, ?)")
                .bind(id)
                .bind(s)
                .execute(&mut *tx)
                .await
                .unwrap();
        }
    }
    let now = chrono::Utc::now();
    let s = |d: i64| server::time::stamp(now + chrono::TimeDelta::hours(d));
    for (due, closed) in [(s(5), Some(s(-1))), (s(-5), Some(s(-1))), (s(-2), None)] {
        sqlx::query(
            "INSERT INTO complaints (customer_id, filed_by, filed_at, subject, due_at, status, closed_at)
             VALUES (?, ?, ?, 'x', ?, ?, ?)",
        )
        .bind(first)
        .bind(cm)
        .bind(s(-30))
        .bind(due)
        .bind(if closed.is_some() { "closed" } else { "open" })
        .bind(closed)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let k = store.kpis(Scope::Routes { manager: cm }).await.unwrap();
    assert_eq!(k.rows.len(), 1, "a customer manager sees their own line");
    let mine = &k.rows[0];
    // Extra visits to one shop do not make up for others: a general customer's eight count as
    // the six its tier asks for in three months, a core customer's as all eight (of twelve).
    let counted = if tier == "core" { 8 } else { 6 };
    assert_eq!(mine.visits_made, counted);
    assert_eq!(
        (
            mine.complaints_closed,
            mine.closed_on_time,
            mine.open_overdue
        ),
        (2, 1, 1)
    );
    assert_eq!(mine.on_time_pct(), Some(50));
    assert_eq!((mine.ratings, mine.avg_rating_centi), (2, Some(450)));

    // The CSV: a header and a line per customer manager, for Excel (BOM).
    let client = app_as(pool.clone(), "manager").await;
    let resp = client
        .send(
            axum::http::Request::get("/export/kpis.csv")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = http_body_util::BodyExt::collect(resp.into_body())
        .await
        .unwrap()
        .to_bytes();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    assert!(text.starts_with('\u{feff}'));
    assert_eq!(text.lines().count() as i64, cms + 1);
    assert!(text.contains(",2,1,1,2,4.50"), "{text}");
    // Customers have no staff figures.
    let customer = app_as(pool.clone(), "DEMO000001").await;
    let resp = customer
        .send(
            axum::http::Request::get("/export/kpis.csv")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn reports_are_written_per_period_never_overwritten_and_reviewed_once() {
    let (_dir, pool) = demo_db(60).await;
    let store = SqliteStore::new(pool.clone());
    let cm = user_id(&pool, "cm01").await;
    let manager = user_id(&pool, "manager").await;
    let today = server::time::today();
    // Periods: a day, its ISO week, its month.
    assert_eq!(
        server::reports::period_of(
            ReportKind::Weekly,
            chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
        ),
        "2026-W48"
    );
    assert_eq!(
        server::reports::days(ReportKind::Weekly, "2026-W48"),
        Some((
            chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            chrono::NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
        ))
    );
    assert_eq!(
        server::reports::days(ReportKind::Monthly, "2026-02").map(|d| d.1),
        chrono::NaiveDate::from_ymd_opt(2026, 2, 28)
    );
    let draft = store
        .report_draft(app::wire::UserId(cm), ReportKind::Daily, "")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(draft.period, today.format("%Y-%m-%d").to_string());
    assert!(draft.existing.is_none());
    let save = |body: &str, version: i64| ReportSave {
        kind: ReportKind::Daily,
        period: draft.period.clone(),
        body: body.into(),
        version,
    };
    let ReportSaved::Saved(first) = store
        .save_report(app::wire::UserId(cm), &save("Visited R001", 0))
        .await
        .unwrap()
    else {
        panic!()
    };
    let ReportSaved::Saved(second) = store
        .save_report(
            app::wire::UserId(cm),
            &save("Visited R001; two shops closed", first.version),
        )
        .await
        .unwrap()
    else {
        panic!()
    };
    // Based on the first version again: refused, the saved text comes back.
    match store
        .save_report(app::wire::UserId(cm), &save("older text", first.version))
        .await
        .unwrap()
    {
        ReportSaved::Stale(now) => assert_eq!(now.body, "Visited R001; two shops closed"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        store
            .save_report(app::wire::UserId(cm), &save("  ", second.version))
            .await
            .unwrap(),
        ReportSaved::BadBody
    );
    let tomorrow = ReportSave {
        period: (today + chrono::TimeDelta::days(1))
            .format("%Y-%m-%d")
            .to_string(),
        ..save("x", 0)
    };
    assert_eq!(
        store
            .save_report(app::wire::UserId(cm), &tomorrow)
            .await
            .unwrap(),
        ReportSaved::BadPeriod
    );
    // A customer manager reads their own; a manager reads all and reviews once.
    let other = user_id(&pool, "cm02").await;
    assert!(
        store
            .reports(app::wire::UserId(other), Role::CustomerManager, false)
            .await
            .unwrap()
            .is_empty()
    );
    let all = store
        .reports(app::wire::UserId(manager), Role::Manager, true)
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
    let ReportSaved::Saved(reviewed) = store
        .review_report(
            app::wire::UserId(manager),
            all[0].id,
            "Follow up on the closed shops",
        )
        .await
        .unwrap()
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(
        reviewed.review.as_deref(),
        Some("Follow up on the closed shops")
    );
    assert_eq!(
        store
            .review_report(app::wire::UserId(manager), all[0].id, "again")
            .await
            .unwrap(),
        Some(ReportSaved::Reviewed)
    );
    assert_eq!(
        store
            .save_report(app::wire::UserId(cm), &save("changed", reviewed.version))
            .await
            .unwrap(),
        ReportSaved::Reviewed
    );
    assert!(
        store
            .reports(app::wire::UserId(manager), Role::Manager, true)
            .await
            .unwrap()
            .is_empty()
    );
    // Only managers review.
    let client = app_as(pool.clone(), "cm01").await;
    let resp = client
        .send(post_form(
            "/api/review_report",
            &format!("id={}&comment=ok", all[0].id),
        ))
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
}
