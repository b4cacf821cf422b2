//! The measured experience (domain §5, issue 7): the experience and expectation scores computed
//! from a known set of service records, the under- and over-served lists, the customer
//! managers' satisfaction gap, the logistics columns of the purchases import and the service
//! calendar.

use crate::common::*;
use app::api::ssr::ports::*;
use app::wire::{CalendarProblem, NewVisit, Scope};
use kehu_engine::classify::classify_with_policy;
use kehu_engine::{Cents, GapClass, Policy};
use server::store::SqliteStore;
use sqlx::SqlitePool;

async fn exec(pool: &SqlitePool, sql: String) {
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(pool)
        .await
        .unwrap();
}

fn points(v: &[Option<Cents>]) -> Vec<Option<i64>> {
    v.iter().map(|c| c.map(|c| c.raw() / 100)).collect()
}

/// One general-tier customer of cm01 with exactly these records over the window (Aug–Oct 2026,
/// the demo's last purchase month October): 3 visits of the 6 the tier promises, one with a
/// promise, rated 5 and 3; two complaints, one closed in time and one open past its deadline;
/// 90 of 100 requested cartons supplied; 6 of 8 deliveries on time; nothing bought in the window
/// before (a new customer); 80 points of experience at the last publication.
#[tokio::test]
async fn the_experience_score_from_a_known_set_of_records() {
    let (_dir, pool) = demo_db(150).await;
    let store = SqliteStore::new(pool.clone());
    let cm = user_id(&pool, "cm01").await;
    let scope = Scope::Routes { manager: cm };
    let (x, _) = tiers_of(&pool, cm)
        .await
        .into_iter()
        .find(|(_, t)| t == "general")
        .unwrap();
    for sql in [
        format!("DELETE FROM visits WHERE customer_id = {x}"),
        format!("DELETE FROM complaints WHERE customer_id = {x}"),
        format!(
            "UPDATE purchases SET requested_cartons = NULL, deliveries = NULL, late_deliveries = NULL
             WHERE customer_id = {x}"
        ),
        format!(
            "UPDATE purchases SET cartons = 90, requested_cartons = 100 WHERE customer_id = {x} AND month = '2026-10'"
        ),
        format!(
            "UPDATE purchases SET deliveries = 8, late_deliveries = 2 WHERE customer_id = {x} AND month = '2026-09'"
        ),
        format!(
            "UPDATE purchases SET cartons = 0 WHERE customer_id = {x} AND month BETWEEN '2026-05' AND '2026-07'"
        ),
        format!("UPDATE assignments SET experience_centi = 8000 WHERE customer_id = {x}"),
        format!(
            "INSERT INTO complaints (customer_id, filed_by, filed_at, subject, severity, status, due_at, closed_at)
             VALUES ({x}, {cm}, '2026-10-01T02:00:00Z', 'late delivery', 'general', 'closed',
                     '2026-10-02T02:00:00Z', '2026-10-01T08:00:00Z'),
                    ({x}, {cm}, '2026-10-05T02:00:00Z', 'short supply', 'general', 'open',
                     '2026-10-06T02:00:00Z', NULL)"
        ),
    ] {
        exec(&pool, sql).await;
    }
    let mut visits = Vec::new();
    for (day, promise) in [
        ("2026-09-03", ""),
        ("2026-10-08", "more of the scarce brands next month"),
        ("2026-10-20", ""),
    ] {
        let v = visit_by(
            &store,
            scope,
            cm,
            NewVisit {
                customer: x,
                date: day.into(),
                purpose: "routine".into(),
                findings: String::new(),
                duration_min: 20,
                promise: promise.into(),
            },
        )
        .await;
        visits.push(v.id);
    }
    assert_eq!(visits.len(), 3);
    for (visit, score) in [(visits[0], 5), (visits[1], 3)] {
        assert_eq!(
            store
                .rate_visit(app::wire::CustomerId(x), visit, score, "")
                .await
                .unwrap(),
            app::wire::Once::Done
        );
    }

    let policy = Policy::default();
    let (facts, _) = server::facts::load_one(&pool, &Default::default(), &policy, x, true)
        .await
        .unwrap()
        .unwrap();
    let s = facts.service.expect("records give a service score");
    // Visits 3/6, complaints 1/2, supply 90/100, deliveries 6/8, ratings avg 4 → (4 − 1) × 25.
    assert_eq!(
        points(&s.experience),
        vec![Some(50), Some(50), Some(90), Some(75), Some(75)]
    );
    // Word of mouth and experience elsewhere have no record; one promise (40 + 20); value and
    // background from the two indicators; a new customer (80); past experience 80.
    let value = (facts.indicators.contribution.raw() + facts.indicators.influence.raw()) / 2;
    let value = (value + 500) / 1_000 * 10;
    assert_eq!(
        points(&s.expectation),
        vec![None, Some(60), Some(value), Some(80), Some(80), None]
    );
    // The same facts from the whole population's load.
    let all = server::facts::load(&pool, &policy).await.unwrap();
    let i = all.ids.binary_search(&x).unwrap();
    assert_eq!(all.population.facts(i).service, Some(s));

    // The scores: experience (50·25 + 50·20 + 90·20 + 75·15 + 75·20) / 100 = 66.75; expectation
    // over the four recorded drivers (weights 20, 20, 10, 20 of the default policy).
    let c = classify_with_policy(&policy, &facts);
    assert_eq!(c.experience.unwrap().to_string(), "66.75");
    let expectation = (60 * 2_000 + value * 2_000 + 80 * 1_000 + 80 * 2_000) * 100 / 7_000;
    assert_eq!(
        c.expectation.unwrap().rescale::<2>().raw(),
        expectation,
        "{:?}",
        c.expectation
    );

    // The gap report lists the customer on the side its class says, with the same inputs.
    let report = store.service_gaps(scope, None, None).await.unwrap();
    assert!(report.published);
    let listed = report
        .under
        .iter()
        .chain(&report.over)
        .find(|r| r.customer_id == x);
    match c.gap_class {
        GapClass::UnderServed => assert!(report.under.iter().any(|r| r.customer_id == x)),
        GapClass::OverServed => assert!(report.over.iter().any(|r| r.customer_id == x)),
        _ => assert!(listed.is_none()),
    }
    if let Some(r) = listed {
        assert_eq!(
            r.experience,
            [Some(50), Some(50), Some(90), Some(75), Some(75)]
        );
        assert_eq!(r.experience_centi, 6_675);
    }
    // Every customer of cm01 is counted once, in their tier.
    let counted: u64 = report
        .tiers
        .iter()
        .map(|t| t.under + t.balanced + t.over + t.unknown)
        .sum();
    assert_eq!(counted, tiers_of(&pool, cm).await.len() as u64);
}

/// A manager's performance line carries their customers' average gap and the under-served
/// count, and the gap lists follow a new visit at once.
#[tokio::test]
async fn managers_see_their_customers_gap_and_it_follows_the_records() {
    let (_dir, pool) = demo_db(300).await;
    let store = SqliteStore::new(pool.clone());
    let cm = user_id(&pool, "cm01").await;
    let scope = Scope::Routes { manager: cm };
    let report = store.service_gaps(scope, None, None).await.unwrap();
    let kpis = store.kpis(Scope::All).await.unwrap();
    let line = kpis.rows.iter().find(|r| r.manager_id == cm).unwrap();
    assert_eq!(line.under_served, report.under_total);
    let measured: u64 = report
        .tiers
        .iter()
        .map(|t| t.under + t.balanced + t.over)
        .sum();
    assert_eq!(line.gap_customers, measured);
    assert!(line.avg_gap_centi.is_some());
    // The demo has under-served customers somewhere (some routes miss half their visits).
    let everyone = store.service_gaps(Scope::All, None, None).await.unwrap();
    assert!(everyone.under_total > 0, "{:?}", everyone.tiers);
    // One tier only.
    let core = store
        .service_gaps(Scope::All, Some(kehu_engine::Tier::Core), None)
        .await
        .unwrap();
    assert!(
        core.under
            .iter()
            .chain(&core.over)
            .all(|r| r.tier == "core")
    );

    // Visits to the most under-served customer of cm01 raise their experience at once.
    if let Some(worst) = report.under.first() {
        let before = worst.experience_centi;
        let today = server::time::today().format("%Y-%m-%d").to_string();
        for _ in 0..6 {
            visit_by(
                &store,
                scope,
                cm,
                NewVisit {
                    customer: worst.customer_id,
                    date: today.clone(),
                    purpose: "catch up".into(),
                    findings: String::new(),
                    duration_min: 15,
                    promise: String::new(),
                },
            )
            .await;
        }
        let after = store.service_gaps(scope, None, None).await.unwrap();
        let now = after
            .under
            .iter()
            .chain(&after.over)
            .find(|r| r.customer_id == worst.customer_id)
            .map(|r| r.experience_centi);
        assert!(
            now.is_none_or(|x| x > before),
            "experience {before} → {now:?}"
        );
    }
}

#[tokio::test]
async fn the_purchases_import_takes_the_logistics_columns() {
    let (_dir, pool) = demo_db(30).await;
    let code: String = sqlx::query_scalar("SELECT code FROM customers WHERE id = 2")
        .fetch_one(&pool)
        .await
        .unwrap();
    let bad = format!(
        "customer_code,month,cartons,amount_yuan,requested_cartons,deliveries,late_deliveries\n\
         {code},2026-10,10,1500,12,4,5\n\
         {code},2026-09,10,1500,x,4,1\n\
         {code},2026-08,10,1500,10,,1\n"
    );
    let r = import(
        &pool,
        server::import::Kind::Purchases,
        bad.as_bytes(),
        false,
    )
    .await;
    assert!(!r.committed);
    let errs: Vec<(u64, &str)> = r
        .errors
        .iter()
        .map(|e| (e.line, e.column.as_str()))
        .collect();
    assert_eq!(
        errs,
        vec![
            (2, "late_deliveries"),
            (3, "requested_cartons"),
            (4, "deliveries")
        ]
    );
    let good = format!(
        "customer_code,month,cartons,amount_yuan,requested_cartons,deliveries,late_deliveries\n\
         {code},2026-10,10,1500,12,4,1\n\
         {code},2026-09,11,1650,,,\n"
    );
    let before: (Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT requested_cartons, deliveries FROM purchases WHERE customer_id = 2 AND month = '2026-09'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let r = import(
        &pool,
        server::import::Kind::Purchases,
        good.as_bytes(),
        false,
    )
    .await;
    assert!(r.committed, "{:?}", r.errors);
    let row: (i64, Option<i64>, Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT cartons, requested_cartons, deliveries, late_deliveries FROM purchases
         WHERE customer_id = 2 AND month = '2026-10'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(row, (10, Some(12), Some(4), Some(1)));
    // Empty cells keep what was stored.
    let after: (i64, Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT cartons, requested_cartons, deliveries FROM purchases WHERE customer_id = 2 AND month = '2026-09'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(after, (11, before.0, before.1));
}

#[tokio::test]
async fn holidays_set_in_the_app_move_complaint_deadlines() {
    let (_dir, pool) = demo_db(30).await;
    let store = SqliteStore::new(pool.clone());
    let manager = user_id(&pool, "manager").await;
    // Refusals name what is wrong and change nothing.
    for (day, kind, want) in [
        ("2026-13-01", "holiday", CalendarProblem::Day),
        ("2026-11-28", "holiday", CalendarProblem::HolidayOnWeekend),
        ("2026-11-30", "workday", CalendarProblem::WorkdayOnWeekday),
        ("2026-11-30", "party", CalendarProblem::Kind),
    ] {
        assert_eq!(
            store
                .set_calendar_day(app::wire::UserId(manager), day, kind, "")
                .await
                .unwrap(),
            Err(want)
        );
    }
    assert!(store.calendar_days().await.unwrap().is_empty());
    // Monday 30 Nov a holiday, Saturday 28 Nov worked instead.
    store
        .set_calendar_day(
            app::wire::UserId(manager),
            "2026-11-30",
            "holiday",
            "test holiday",
        )
        .await
        .unwrap()
        .unwrap();
    store
        .set_calendar_day(app::wire::UserId(manager), "2026-11-28", "workday", "")
        .await
        .unwrap()
        .unwrap();
    let days = store.calendar_days().await.unwrap();
    assert_eq!(
        days.iter()
            .map(|d| (d.day.as_str(), d.kind.as_str()))
            .collect::<Vec<_>>(),
        vec![("2026-11-28", "workday"), ("2026-11-30", "holiday")]
    );
    let cal = server::calendar::load(&pool).await.unwrap();
    let friday_4pm = chrono::DateTime::parse_from_rfc3339("2026-11-27T08:00:00Z")
        .unwrap()
        .to_utc();
    // Friday 16:00 + 2 working hours → Saturday 10:00 (the make-up day).
    assert_eq!(
        server::time::stamp(cal.add_working_hours(friday_4pm, 2)),
        "2026-11-28T02:00:00Z"
    );
    // Back to usual: the Saturday is off again, the Monday a holiday → Tuesday 10:00.
    store
        .set_calendar_day(app::wire::UserId(manager), "2026-11-28", "", "")
        .await
        .unwrap()
        .unwrap();
    let cal = server::calendar::load(&pool).await.unwrap();
    assert_eq!(
        server::time::stamp(cal.add_working_hours(friday_4pm, 2)),
        "2026-12-01T02:00:00Z"
    );
    let audited = number(
        &pool,
        "SELECT COUNT(*) FROM audit WHERE action = 'calendar.set'",
    )
    .await;
    assert_eq!(audited, 3);
}
