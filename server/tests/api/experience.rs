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
                ..NewVisit::default()
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
                    ..NewVisit::default()
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
    let manager = app::wire::UserId(user_id(&pool, "manager").await);
    // Refusals name the value at fault and change nothing.
    for (day, kind, want) in [
        (
            "2026-13-01",
            "holiday",
            CalendarProblem::Day("2026-13-01".into()),
        ),
        (
            "2026-11-28",
            "holiday",
            CalendarProblem::HolidayOnWeekend("2026-11-28".into()),
        ),
        (
            "2026-11-30",
            "workday",
            CalendarProblem::WorkdayOnWeekday("2026-11-30".into()),
        ),
        ("2026-11-30", "party", CalendarProblem::Kind("party".into())),
    ] {
        assert_eq!(
            store
                .set_calendar_days(manager, (day, ""), kind, "")
                .await
                .unwrap(),
            Err(want)
        );
    }
    assert!(store.calendar().await.unwrap().days.is_empty());
    // Monday 30 Nov a holiday, Saturday 28 Nov worked instead.
    store
        .set_calendar_days(manager, ("2026-11-30", ""), "holiday", "test holiday")
        .await
        .unwrap()
        .unwrap();
    store
        .set_calendar_days(manager, ("2026-11-28", ""), "workday", "")
        .await
        .unwrap()
        .unwrap();
    let days = store.calendar().await.unwrap().days;
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
        .set_calendar_days(manager, ("2026-11-28", ""), "", "")
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

#[tokio::test]
async fn a_holiday_week_is_set_in_one_go_and_its_weekend_left_alone() {
    let (_dir, pool) = demo_db(10).await;
    let store = SqliteStore::new(pool.clone());
    let manager = app::wire::UserId(user_id(&pool, "manager").await);
    // National Day 2027: Friday 1 to Thursday 7 October; the 2nd and 3rd are a weekend.
    let done = store
        .set_calendar_days(manager, ("2027-10-01", "2027-10-07"), "holiday", "国庆节")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((done.changed, done.skipped), (5, 2));
    let days = store.calendar().await.unwrap().days;
    assert_eq!(
        days.iter().map(|d| d.day.as_str()).collect::<Vec<_>>(),
        [
            "2027-10-01",
            "2027-10-04",
            "2027-10-05",
            "2027-10-06",
            "2027-10-07"
        ]
    );
    assert!(
        days.iter()
            .all(|d| d.kind == "holiday" && d.note == "国庆节")
    );
    // A backward range or one over a year is refused, naming both ends; nothing changes.
    for (from, to) in [("2027-10-07", "2027-10-01"), ("2027-01-01", "2028-01-02")] {
        assert_eq!(
            store
                .set_calendar_days(manager, (from, to), "holiday", "")
                .await
                .unwrap(),
            Err(CalendarProblem::Range {
                from: from.into(),
                to: to.into()
            })
        );
    }
    // Back to usual over the range: every day of it cleared, one audit line.
    let cleared = store
        .set_calendar_days(manager, ("2027-10-01", "2027-10-07"), "", "")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cleared.changed, 7);
    assert!(store.calendar().await.unwrap().days.is_empty());
    let detail: String = sqlx::query_scalar(
        "SELECT detail FROM audit WHERE action = 'calendar.set' ORDER BY id LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        app::wire::AuditNote::read(&detail),
        app::wire::AuditNote::CalendarSet {
            from: "2027-10-01".into(),
            to: "2027-10-07".into(),
            kind: "holiday".into(),
            days: 5
        }
    );
}

#[tokio::test]
async fn a_years_published_list_is_imported_whole_or_not_at_all() {
    let (_dir, pool) = demo_db(10).await;
    let store = SqliteStore::new(pool.clone());
    let manager = app::wire::UserId(user_id(&pool, "manager").await);
    // A bad line anywhere: nothing kept, every bad line named with its value.
    let bad = "\u{feff}开始,结束,类型,备注\n\
               2027-10-01,2027-10-07,休,国庆节\n\
               2027-09-31,,班,国庆节调休\n\
               2027-09-26,,上学,\n\
               2027-10-01,,班,\n";
    let refused = store
        .import_calendar(manager, bad)
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(
        refused,
        vec![
            CalendarProblem::Line {
                line: 3,
                problem: Box::new(CalendarProblem::Day("2027-09-31".into()))
            },
            CalendarProblem::Line {
                line: 4,
                problem: Box::new(CalendarProblem::Kind("上学".into()))
            },
            CalendarProblem::Line {
                line: 5,
                problem: Box::new(CalendarProblem::WorkdayOnWeekday("2027-10-01".into()))
            },
        ]
    );
    assert!(store.calendar().await.unwrap().days.is_empty());
    // Without a header, ranges and single days, Chinese and English kinds, slashes in dates.
    let good = "2027-10-01,2027-10-07,休,国庆节\n\
                2027/9/26,,班,国庆节调休\n\
                2027-10-09,workday,National Day make-up\n";
    let done = store.import_calendar(manager, good).await.unwrap().unwrap();
    assert_eq!((done.changed, done.skipped), (7, 2));
    let days = store.calendar().await.unwrap().days;
    let kinds: Vec<(&str, &str)> = days
        .iter()
        .map(|d| (d.day.as_str(), d.kind.as_str()))
        .collect();
    assert_eq!(kinds[0], ("2027-09-26", "workday"));
    assert_eq!(kinds[6], ("2027-10-09", "workday"));
    assert_eq!(
        number(
            &pool,
            "SELECT COUNT(*) FROM audit WHERE action = 'calendar.import'"
        )
        .await,
        1
    );
    // An empty list, a list of one cell a line: refused with what is wrong.
    assert_eq!(
        store.import_calendar(manager, "\n\n").await.unwrap(),
        Err(vec![CalendarProblem::Empty])
    );
    assert_eq!(
        store
            .import_calendar(manager, "2027-10-01\n")
            .await
            .unwrap(),
        Err(vec![CalendarProblem::Cells(1)])
    );
}

#[tokio::test]
async fn every_time_is_shown_on_the_desks_clock_which_a_manager_sets() {
    let (_dir, pool) = demo_db(10).await;
    let store = SqliteStore::new(pool.clone());
    let manager = app::wire::UserId(user_id(&pool, "manager").await);
    assert_eq!(store.calendar().await.unwrap().zone, "Asia/Shanghai");
    assert_eq!(
        store.set_desk_zone(manager, "Beijing").await.unwrap(),
        Err(CalendarProblem::Zone("Beijing".into()))
    );
    // An audit line written at a known moment, read through the store as people see it.
    sqlx::query(
        "INSERT INTO audit (at, user_id, action, detail) VALUES ('2026-11-23T18:30:00Z', ?, 'probe', 'x')",
    )
    .bind(manager.0)
    .execute(&pool)
    .await
    .unwrap();
    let shown = |page: app::wire::AuditPage| {
        page.rows
            .into_iter()
            .find(|r| r.action == "probe")
            .map(|r| r.at.to_string())
    };
    let page = store.audit_log("", 1).await.unwrap();
    assert_eq!(
        shown(page).as_deref(),
        Some("2026-11-24 02:30"),
        "Beijing time"
    );
    store
        .set_desk_zone(manager, "Asia/Urumqi")
        .await
        .unwrap()
        .unwrap();
    let page = store.audit_log("", 1).await.unwrap();
    assert_eq!(
        shown(page).as_deref(),
        Some("2026-11-24 00:30"),
        "Ürümqi time"
    );
    assert_eq!(store.calendar().await.unwrap().zone, "Asia/Urumqi");
    // Kept: a server started later reads it back.
    server::time::set_desk_zone(server::time::DEFAULT_DESK_ZONE);
    server::db::calendar::load_zone(&pool).await.unwrap();
    assert_eq!(server::time::desk_zone().name(), "Asia/Urumqi");
}
