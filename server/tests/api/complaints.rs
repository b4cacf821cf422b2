//! Server tests of complaint handling (domain §9): deadlines from the policy in working hours,
//! the seven steps before closing, a major complaint's confirmation and escalation, overdue
//! flags, stale changes refused, scope, and what a customer sees of their own.

use crate::common::*;
use app::api::ssr::ports::*;
use app::wire::{
    COMPLAINT_PAGE_SIZE, COMPLAINT_STEPS, Complaint, ComplaintAction, ComplaintFilter,
    ComplaintRefusal, ComplaintResult, STEPS_BEFORE_CLOSING, Scope,
};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use server::calendar::WorkCalendar;
use server::store::SqliteStore;
use sqlx::SqlitePool;

/// cm01's scope and one of their customers; a customer of another customer manager.
async fn cm01(pool: &SqlitePool) -> (Scope, i64, i64) {
    let manager = user_id(pool, "cm01").await;
    let mine: i64 = sqlx::query_scalar(
        "SELECT c.id FROM customers c JOIN routes r ON r.id = c.route_id
         WHERE r.manager_id = ? ORDER BY c.id LIMIT 1",
    )
    .bind(manager)
    .fetch_one(pool)
    .await
    .unwrap();
    let other: i64 = sqlx::query_scalar(
        "SELECT c.id FROM customers c JOIN routes r ON r.id = c.route_id
         WHERE r.manager_id <> ? LIMIT 1",
    )
    .bind(manager)
    .fetch_one(pool)
    .await
    .unwrap();
    (Scope::Routes { manager }, mine, other)
}

/// A demo database of `customers` (its folder, pool and store), and customer manager cm01:
/// their scope, one of their customers, one of another route's, and cm01's user id.
type Desk = (
    tempfile::TempDir,
    SqlitePool,
    SqliteStore,
    Scope,
    i64,
    i64,
    i64,
);

async fn desk(customers: usize) -> Desk {
    let (dir, pool) = demo_db(customers).await;
    let (scope, mine, other) = cm01(&pool).await;
    let cm = user_id(&pool, "cm01").await;
    (
        dir,
        pool.clone(),
        SqliteStore::new(pool),
        scope,
        mine,
        other,
        cm,
    )
}

/// The stored timestamps of a complaint: filed, due, confirm due.
async fn stored(pool: &SqlitePool, id: i64) -> (DateTime<Utc>, String, Option<String>) {
    let (filed, due, confirm): (String, String, Option<String>) =
        sqlx::query_as("SELECT filed_at, due_at, confirm_due_at FROM complaints WHERE id = ?")
            .bind(id)
            .fetch_one(pool)
            .await
            .unwrap();
    (
        DateTime::parse_from_rfc3339(&filed)
            .unwrap()
            .with_timezone(&Utc),
        due,
        confirm,
    )
}

fn stamp(t: DateTime<Utc>) -> String {
    server::time::stamp(t)
}

async fn act(
    store: &SqliteStore,
    scope: Scope,
    by: i64,
    c: &Complaint,
    action: ComplaintAction,
) -> ComplaintResult {
    store
        .complaint_action(scope, app::wire::UserId(by), c.id, c.version, &action)
        .await
        .unwrap()
        .expect("in scope")
}

/// A complaint filed by `by` for `customer` in scope, with no description or attitude.
async fn file(
    store: &SqliteStore,
    scope: Scope,
    by: i64,
    customer: i64,
    subject: &str,
    major: bool,
) -> Complaint {
    store
        .file_complaint(
            scope,
            app::wire::UserId(by),
            &app::wire::NewComplaint {
                customer,
                subject: subject.to_string(),
                major,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .expect("in scope")
}

fn done(r: ComplaintResult) -> Complaint {
    match r {
        ComplaintResult::Done(c) => c,
        other => panic!("expected done, got {other:?}"),
    }
}

fn step(key: &str) -> ComplaintAction {
    ComplaintAction::Step {
        key: key.into(),
        note: format!("{key} done"),
        entry: String::new(),
    }
}

#[tokio::test]
async fn a_general_complaint_is_handled_in_the_seven_steps_and_closed() {
    let (_dir, pool, store, scope, mine, _, cm) = desk(120).await;
    let c = store
        .file_complaint(
            scope,
            app::wire::UserId(cm),
            &app::wire::NewComplaint {
                customer: mine,
                subject: "Short delivery".into(),
                description: "Two cartons missing".into(),
                attitude: Some("angry".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (c.severity.as_str(), c.status.as_str()),
        ("general", "open")
    );
    assert_eq!(c.attitude.as_deref(), Some("angry"));
    // Its deadline: the policy's 24 working hours from filing, on the service calendar.
    let (filed, due, confirm) = stored(&pool, c.id).await;
    assert_eq!(
        due,
        stamp(WorkCalendar::default().add_working_hours(filed, 24))
    );
    assert_eq!(confirm, None);

    // Closing needs the first six steps (the follow-up visit may come later) and a resolution.
    let r = act(
        &store,
        scope,
        cm,
        &c,
        ComplaintAction::Close {
            resolution: "Delivered".into(),
        },
    )
    .await;
    let ComplaintResult::Refused(ComplaintRefusal::StepsMissing(missing)) = r else {
        panic!("{r:?}")
    };
    assert_eq!(missing.len(), 6);
    let mut c = c;
    for key in &COMPLAINT_STEPS[..STEPS_BEFORE_CLOSING] {
        c = done(act(&store, scope, cm, &c, step(key)).await);
    }
    assert_eq!(c.steps.len(), 6);
    assert_eq!(c.steps[0].key, "listen");
    assert_eq!(c.steps[0].note, "listen done");
    assert!(!c.steps[0].by.is_empty());
    let r = act(
        &store,
        scope,
        cm,
        &c,
        ComplaintAction::Close {
            resolution: "  ".into(),
        },
    )
    .await;
    assert_eq!(r, ComplaintResult::Refused(ComplaintRefusal::NoResolution));
    c = done(
        act(
            &store,
            scope,
            cm,
            &c,
            ComplaintAction::Close {
                resolution: "Two cartons delivered the next morning".into(),
            },
        )
        .await,
    );
    assert_eq!(c.status, "closed");
    assert!(!c.overdue, "closed in time");
    // Closed: no more handling steps, but the follow-up visit is still recorded.
    let r = act(&store, scope, cm, &c, step("listen")).await;
    assert_eq!(r, ComplaintResult::Refused(ComplaintRefusal::Closed));
    c = done(act(&store, scope, cm, &c, step("follow_up")).await);
    assert_eq!(c.steps.len(), 7);

    // The customer sees their complaint, its steps and resolution, not the staff's notes.
    let theirs = store
        .complaints(Scope::Customer(mine), &ComplaintFilter::default())
        .await
        .unwrap()
        .rows;
    let seen = theirs.iter().find(|k| k.id == c.id).unwrap();
    assert_eq!(seen.resolution, "Two cartons delivered the next morning");
    assert_eq!(seen.steps.len(), 7);
    assert!(seen.attitude.is_none());
    assert!(
        seen.steps
            .iter()
            .all(|s| s.note.is_empty() && s.by.is_empty())
    );

    // Every change is in the customer's audit trail.
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit WHERE customer_id = ? AND action LIKE 'complaint.%'",
    )
    .bind(mine)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(audited, 1 + 6 + 1 + 1);
}

#[tokio::test]
async fn a_major_complaint_is_confirmed_in_time_and_goes_to_the_working_group() {
    let (_dir, pool, store, scope, mine, _, cm) = desk(120).await;
    let c = file(&store, scope, cm, mine, "Rude driver", false).await;
    let c = done(act(&store, scope, cm, &c, ComplaintAction::MakeMajor).await);
    assert_eq!(c.severity, "major");
    // Deadlines now the major ones, from the time it was filed: confirm in 2, close in 16.
    let (filed, due, confirm) = stored(&pool, c.id).await;
    let cal = WorkCalendar::default();
    assert_eq!(due, stamp(cal.add_working_hours(filed, 16)));
    assert_eq!(confirm, Some(stamp(cal.add_working_hours(filed, 2))));

    // Not closed before it is confirmed, even with every step done.
    let mut c = c;
    for key in &COMPLAINT_STEPS[..STEPS_BEFORE_CLOSING] {
        c = done(act(&store, scope, cm, &c, step(key)).await);
    }
    let close = ComplaintAction::Close {
        resolution: "Driver replaced on this route".into(),
    };
    assert_eq!(
        act(&store, scope, cm, &c, close.clone()).await,
        ComplaintResult::Refused(ComplaintRefusal::NotConfirmed)
    );
    c = done(
        act(
            &store,
            scope,
            cm,
            &c,
            ComplaintAction::Confirm {
                substantiated: true,
                note: "Two witnesses".into(),
            },
        )
        .await,
    );
    assert!(c.escalated());
    assert!(!c.confirm_overdue);
    assert_eq!(
        act(
            &store,
            scope,
            cm,
            &c,
            ComplaintAction::Confirm {
                substantiated: false,
                note: String::new()
            }
        )
        .await,
        ComplaintResult::Refused(ComplaintRefusal::NotToConfirm)
    );
    c = done(act(&store, scope, cm, &c, close).await);
    assert_eq!(c.status, "closed");
    let filter = ComplaintFilter {
        severity: "major".into(),
        ..ComplaintFilter::default()
    };
    let majors = store.complaints(scope, &filter).await.unwrap().rows;
    assert_eq!(majors.iter().map(|k| k.id).collect::<Vec<_>>(), vec![c.id]);
}

#[tokio::test]
async fn overdue_complaints_are_flagged_and_filtered() {
    let (_dir, pool, store, scope, mine, _, cm) = desk(120).await;
    let late = file(&store, scope, cm, mine, "Late", true).await;
    let fresh = file(&store, scope, cm, mine, "Fresh", false).await;
    assert!(!late.overdue && !late.confirm_overdue);
    // Filed three weeks ago: both its deadlines have passed.
    let filed = Utc::now() - chrono::TimeDelta::days(21);
    let cal = WorkCalendar::default();
    sqlx::query("UPDATE complaints SET filed_at = ?, due_at = ?, confirm_due_at = ? WHERE id = ?")
        .bind(stamp(filed))
        .bind(stamp(cal.add_working_hours(filed, 16)))
        .bind(stamp(cal.add_working_hours(filed, 2)))
        .bind(late.id)
        .execute(&pool)
        .await
        .unwrap();
    let filter = ComplaintFilter {
        overdue_only: true,
        ..ComplaintFilter::default()
    };
    let overdue = store.complaints(scope, &filter).await.unwrap().rows;
    assert_eq!(overdue.len(), 1);
    assert_eq!(overdue[0].id, late.id);
    assert!(overdue[0].overdue && overdue[0].confirm_overdue);
    // Steps done now are after the deadline.
    let c = done(act(&store, scope, cm, &overdue[0], step("listen")).await);
    assert!(c.steps[0].late);
    // Open ones first, the nearest deadline first.
    let all = store
        .complaints(scope, &ComplaintFilter::default())
        .await
        .unwrap()
        .rows;
    assert_eq!(
        all.iter().map(|k| k.id).collect::<Vec<_>>(),
        vec![late.id, fresh.id]
    );
}

#[tokio::test]
async fn stale_changes_are_refused_and_other_routes_are_out_of_reach() {
    let (_dir, pool, store, scope, mine, other, cm) = desk(120).await;
    let c = file(&store, scope, cm, mine, "Price", false).await;
    let newer = done(act(&store, scope, cm, &c, step("listen")).await);
    // Based on the version before that step: refused, and the current one comes back.
    match act(
        &store,
        scope,
        cm,
        &c,
        ComplaintAction::Attitude("friendly".into()),
    )
    .await
    {
        ComplaintResult::Stale(now) => assert_eq!(now, newer),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        act(
            &store,
            scope,
            cm,
            &newer,
            ComplaintAction::Attitude("rude".into())
        )
        .await,
        ComplaintResult::Refused(ComplaintRefusal::BadValue)
    );
    // A customer of another customer manager: cm01 can neither file for them nor act.
    assert!(
        store
            .file_complaint(
                scope,
                app::wire::UserId(cm),
                &app::wire::NewComplaint {
                    customer: other,
                    subject: "x".into(),
                    ..Default::default()
                }
            )
            .await
            .unwrap()
            .is_none()
    );
    let manager = user_id(&pool, "manager").await;
    let theirs = file(&store, Scope::All, manager, other, "Theirs", false).await;
    assert!(
        store
            .complaint_action(
                scope,
                app::wire::UserId(cm),
                theirs.id,
                theirs.version,
                &step("listen")
            )
            .await
            .unwrap()
            .is_none()
    );
    let listed = store
        .complaints(scope, &ComplaintFilter::default())
        .await
        .unwrap()
        .rows;
    assert!(listed.iter().all(|k| k.id != theirs.id));
}

#[tokio::test]
async fn a_long_list_of_complaints_comes_in_pages_with_its_count() {
    let (_dir, _, store, scope, mine, _, cm) = desk(60).await;
    let before = store
        .complaints(scope, &ComplaintFilter::default())
        .await
        .unwrap()
        .total;
    for n in 0..45 {
        file(&store, scope, cm, mine, &format!("Complaint {n}"), false).await;
    }
    let total = before + 45;
    let pages = total.div_ceil(u64::from(COMPLAINT_PAGE_SIZE)) as u32;
    let mut seen = Vec::new();
    for page in 1..=pages {
        let p = store
            .complaints(
                scope,
                &ComplaintFilter {
                    page,
                    ..ComplaintFilter::default()
                },
            )
            .await
            .unwrap();
        assert_eq!((p.total, p.page, p.pages), (total, page, pages));
        let expected = if page < pages {
            COMPLAINT_PAGE_SIZE as usize
        } else {
            total as usize - (pages as usize - 1) * COMPLAINT_PAGE_SIZE as usize
        };
        assert_eq!(p.rows.len(), expected, "page {page}");
        seen.extend(p.rows.into_iter().map(|k| (k.is_open(), k.due_at, k.id)));
    }
    // Every complaint once, in the list's order: open ones first, nearest deadline first.
    let mut ids: Vec<i64> = seen.iter().map(|s| s.2).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len() as u64, total);
    let open: Vec<_> = seen.iter().filter(|s| s.0).collect();
    assert!(open.windows(2).all(|w| w[0].1 <= w[1].1));
    assert!(seen.iter().skip(open.len()).all(|s| !s.0));
    // A page past the last is the last; the filter counts only what it matches.
    let past = store
        .complaints(
            scope,
            &ComplaintFilter {
                page: pages + 7,
                ..ComplaintFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(past.page, pages);
    let majors = store
        .complaints(
            scope,
            &ComplaintFilter {
                severity: "major".into(),
                ..ComplaintFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(majors.total as usize, majors.rows.len());
    assert!(majors.rows.iter().all(|k| k.severity == "major"));
}

#[tokio::test]
async fn the_complaint_api_is_for_staff_in_scope() {
    let (_dir, pool) = demo_db(60).await;
    // A customer has the portal, not the staff list.
    let customer: String =
        sqlx::query_scalar("SELECT username FROM users WHERE role = 'customer' LIMIT 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    let client = app_as(pool.clone(), &customer).await;
    let (status, _) = json::<Vec<Complaint>>(&client, "/api/complaints", "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Staff file by customer code; an unknown code is named.
    let cm = app_as(pool.clone(), "cm01").await;
    let (_, mine, _) = cm01(&pool).await;
    let code: String = sqlx::query_scalar("SELECT code FROM customers WHERE id = ?")
        .bind(mine)
        .fetch_one(&pool)
        .await
        .unwrap();
    let (status, filed) = json::<Complaint>(
        &cm,
        "/api/file_staff_complaint",
        &format!(
            "customer_code={}&subject=Late+delivery&description=&major=false&attitude=hesitant",
            code.to_lowercase()
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let filed = filed.unwrap();
    assert_eq!(filed.customer_id, mine);
    assert_eq!(filed.attitude.as_deref(), Some("hesitant"));
    let resp = cm
        .send(post_form(
            "/api/file_staff_complaint",
            "customer_code=NOPE&subject=x&description=&major=false&attitude=",
        ))
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let (status, list) = json::<app::wire::ComplaintPage>(&cm, "/api/complaints", "").await;
    assert_eq!(status, StatusCode::OK);
    let list = list.unwrap();
    assert_eq!((list.rows.len(), list.total), (1, 1));
}

#[tokio::test]
async fn a_mis_tapped_step_is_taken_back_by_whoever_ticked_it_soon_after() {
    let (_dir, pool, store, scope, mine, _other, cm) = desk(60).await;
    let manager = user_id(&pool, "manager").await;
    let c = file(&store, scope, cm, mine, "Late delivery", false).await;
    let key = COMPLAINT_STEPS[2];
    let undo = || ComplaintAction::Undo { key: key.into() };

    let c = done(act(&store, scope, cm, &c, step(key)).await);
    assert!(c.step(key).is_some());
    // Another user may not take it back.
    assert_eq!(
        act(&store, Scope::All, manager, &c, undo()).await,
        ComplaintResult::Refused(ComplaintRefusal::CannotUndo)
    );
    // Whoever ticked it may, and the step is open again (and can be ticked again).
    let c = done(act(&store, scope, cm, &c, undo()).await);
    assert!(c.step(key).is_none(), "the step is no longer done");
    let audit: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit WHERE detail = ?")
        .bind(
            app::wire::AuditNote::ComplaintStep {
                complaint: c.id,
                step: key.to_string(),
                undone: true,
            }
            .stored(),
        )
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(audit, 1, "the undo is in the audit trail");
    // A step not done cannot be undone.
    assert_eq!(
        act(&store, scope, cm, &c, undo()).await,
        ComplaintResult::Refused(ComplaintRefusal::CannotUndo)
    );
    // Ticked again, and a quarter of an hour later it stands.
    let c = done(act(&store, scope, cm, &c, step(key)).await);
    server::time::shift(chrono::TimeDelta::minutes(15));
    assert_eq!(
        act(&store, scope, cm, &c, undo()).await,
        ComplaintResult::Refused(ComplaintRefusal::CannotUndo)
    );
}

/// A tick kept on a phone without signal, sent later under its own key.
fn late_tick(key: &str, entry: &str) -> ComplaintAction {
    ComplaintAction::Step {
        key: key.into(),
        note: format!("{key} on the road"),
        entry: entry.into(),
    }
}

#[tokio::test]
async fn what_a_phone_kept_without_signal_is_stored_once_or_refused_with_its_reason() {
    let (_dir, pool, store, scope, mine, _, cm) = desk(120).await;
    let new = app::wire::NewComplaint {
        customer: mine,
        subject: "Short delivery".into(),
        key: "18f3a2b-0a1b2c3d4e5f6-0f1e2d3c4b5a6".into(),
        ..Default::default()
    };
    let complaints = number(&pool, "SELECT COUNT(*) FROM complaints").await;
    let audited = number(
        &pool,
        "SELECT COUNT(*) FROM audit WHERE action = 'complaint.file'",
    )
    .await;
    // Filed without signal, sent twice (the first answer was lost): one complaint, one line in
    // the audit trail.
    let file = || async {
        store
            .file_complaint(scope, app::wire::UserId(cm), &new)
            .await
            .unwrap()
            .expect("in scope")
    };
    let first = file().await;
    let again = file().await;
    assert_eq!(first.id, again.id);
    assert_eq!(
        number(&pool, "SELECT COUNT(*) FROM complaints").await,
        complaints + 1
    );
    assert_eq!(
        number(
            &pool,
            "SELECT COUNT(*) FROM audit WHERE action = 'complaint.file'"
        )
        .await,
        audited + 1
    );

    // A step ticked on the phone while someone else changed the complaint (its version moved
    // on): the late tick still goes in, once, however often it is sent.
    let changed = done(act(&store, scope, cm, &first, step("listen")).await);
    assert!(changed.version > first.version);
    let tick = late_tick("accept", "18f3a2b-1111111111111-2222222222222");
    let sent = done(act(&store, scope, cm, &first, tick.clone()).await);
    assert!(sent.step("accept").is_some());
    let resent = done(act(&store, scope, cm, &first, tick).await);
    assert_eq!(resent.version, sent.version, "sent again, nothing changes");
    assert_eq!(
        resent.step("accept").map(|s| s.note.as_str()),
        Some("accept on the road")
    );

    // The step was recorded by someone else meanwhile: refused, their note kept.
    let late = late_tick("listen", "18f3a2b-3333333333333-4444444444444");
    assert_eq!(
        act(&store, scope, cm, &first, late).await,
        ComplaintResult::Refused(ComplaintRefusal::AlreadyDone)
    );
    // The complaint was closed meanwhile: refused as closed, nothing stored.
    let mut c = resent;
    for k in &COMPLAINT_STEPS[..STEPS_BEFORE_CLOSING] {
        if c.step(k).is_none() {
            c = done(act(&store, scope, cm, &c, step(k)).await);
        }
    }
    let closed = done(
        act(
            &store,
            scope,
            cm,
            &c,
            ComplaintAction::Close {
                resolution: "Delivered the missing cartons".into(),
            },
        )
        .await,
    );
    assert_eq!(
        act(
            &store,
            scope,
            cm,
            &first,
            late_tick("listen", "18f3a2b-7777777777777-8888888888888")
        )
        .await,
        ComplaintResult::Refused(ComplaintRefusal::Closed)
    );
    // After closing the follow-up visit may still come in late.
    let follow = done(
        act(
            &store,
            scope,
            cm,
            &first,
            late_tick("follow_up", "18f3a2b-9999999999999-aaaaaaaaaaaaa"),
        )
        .await,
    );
    assert!(follow.step("follow_up").is_some());
    assert_eq!(follow.status, closed.status);
    // A key no page makes is refused.
    assert_eq!(
        act(
            &store,
            scope,
            cm,
            &first,
            late_tick("follow_up", "<script>")
        )
        .await,
        ComplaintResult::Refused(ComplaintRefusal::BadValue)
    );
}
