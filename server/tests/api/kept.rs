//! The kept facts (issue 17): after a visit, a rating, complaints and edits — each of which
//! reloads only the customers it concerns — the population kept in memory is the one a load of
//! everyone from scratch gives, and pages built on it (the service gaps) follow.

use crate::common::*;
use app::api::ssr::ports::*;
use app::wire::{ComplaintAction, EditResult, NewVisit, Scope, field};
use server::facts::LoadedPopulation;
use server::store::SqliteStore;

/// The kept population under the published policy, and one loaded from scratch: the same.
async fn kept_is_fresh(store: &SqliteStore) -> std::sync::Arc<LoadedPopulation> {
    let (_, policy) = server::db::policy::current_policy(&store.pool)
        .await
        .unwrap()
        .unwrap();
    let kept = store.facts.load(&store.pool, &policy).await.unwrap();
    let fresh = server::facts::load(&store.pool, &policy).await.unwrap();
    assert_eq!(kept.ids, fresh.ids);
    assert_eq!(kept.managers, fresh.managers);
    assert_eq!(kept.routes, fresh.routes);
    assert_eq!(kept.latest_month, fresh.latest_month);
    assert_eq!(kept.population, fresh.population);
    assert_eq!(kept.visits, fresh.visits);
    assert_eq!(kept.last_visit, fresh.last_visit);
    assert_eq!(kept.assigned_volume, fresh.assigned_volume);
    assert_eq!(kept.by_manager, fresh.by_manager);
    let texts = |p: &LoadedPopulation| {
        (0..p.search.len())
            .map(|i| p.search.get(i).to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(texts(&kept), texts(&fresh));
    kept
}

/// `by`'s edit of one field of customer `x`, at the record's current version.
async fn edit(
    store: &SqliteStore,
    by: i64,
    x: i64,
    field: &'static app::wire::FieldDef,
    value: &str,
) -> EditResult {
    store
        .edit_field(
            Scope::All,
            app::wire::UserId(by),
            app::wire::CustomerId(x),
            field,
            value,
            version_of(store, x).await,
        )
        .await
        .unwrap()
        .expect("in scope")
}

/// A request that wrote is answered once the kept facts have taken its write in: the pages
/// asked for after the answer show it, though no reader brought the facts up to date.
#[tokio::test]
async fn a_write_is_in_the_kept_facts_by_the_time_it_is_answered() {
    let (_dir, pool) = demo_db(300).await;
    let mut facts = None;
    let router = router_with(pool.clone(), |s| facts = Some(s.store.facts.clone()));
    let facts = facts.unwrap();
    let mut cm = Client::on(router);
    cm.sign_in("cm01", server::demo::DEMO_PASSWORD).await;
    let (x, _) = tiers_of(&pool, user_id(&pool, "cm01").await).await[0].clone();
    let (_, policy) = server::db::policy::current_policy(&pool)
        .await
        .unwrap()
        .unwrap();
    let before = facts.load(&pool, &policy).await.unwrap();
    let i = before.ids.binary_search(&x).unwrap();
    let today = (chrono::Utc::now() + chrono::Duration::hours(8))
        .format("%Y-%m-%d")
        .to_string();
    let (status, logged) = json::<Result<app::wire::VisitEntry, app::wire::VisitProblem>>(
        &cm,
        "/api/log_visit",
        &format!(
            "visit[customer]={x}&visit[date]={today}&visit[purpose]=Routine&visit[findings]=&visit[duration_min]=20&visit[promise]="
        ),
    )
    .await;
    assert_eq!(status, axum::http::StatusCode::OK);
    assert!(matches!(logged, Some(Ok(_))), "{logged:?}");
    let kept = facts.newest().unwrap();
    assert_ne!(kept.generation, before.generation, "brought up to date");
    assert_eq!(kept.visits[i].len(), before.visits[i].len() + 1);
    // A request that only reads leaves them as they are.
    let (status, _) = json::<serde_json::Value>(&cm, "/api/customers", "query[page]=1").await;
    assert_eq!(status, axum::http::StatusCode::OK);
    assert_eq!(facts.newest().unwrap().generation, kept.generation);
}

async fn version_of(store: &SqliteStore, customer: i64) -> i64 {
    sqlx::query_scalar("SELECT version FROM customers WHERE id = ?")
        .bind(customer)
        .fetch_one(&store.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn kept_facts_follow_each_change_as_loading_everyone_would() {
    let (_dir, pool) = demo_db(300).await;
    let store = SqliteStore::new(pool.clone());
    let cm = user_id(&pool, "cm01").await;
    let admin = user_id(&pool, "admin").await;
    let scope = Scope::Routes { manager: cm };
    let (x, _) = tiers_of(&pool, cm).await[0].clone();
    let i = {
        let first = kept_is_fresh(&store).await;
        first.ids.binary_search(&x).unwrap()
    };
    let before = kept_is_fresh(&store).await;
    assert_eq!(
        before.generation,
        kept_is_fresh(&store).await.generation,
        "nothing changed: the same population"
    );

    // A visit with a promise: the customer's service records move, nobody else's.
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let visit = visit_by(
        &store,
        scope,
        cm,
        NewVisit {
            customer: x,
            date: today,
            purpose: "routine".into(),
            findings: String::new(),
            duration_min: 20,
            promise: "a display stand next week".into(),
            ..NewVisit::default()
        },
    )
    .await;
    let after_visit = kept_is_fresh(&store).await;
    assert_ne!(after_visit.generation, before.generation);
    assert_ne!(
        after_visit.population.service[i], before.population.service[i],
        "the visit counts"
    );

    // The customer rates it.
    assert_eq!(
        store
            .rate_visit(app::wire::CustomerId(x), visit.id, 2, "")
            .await
            .unwrap(),
        app::wire::Once::Done
    );
    kept_is_fresh(&store).await;

    // A complaint filed, then closed.
    let complaint = store
        .file_complaint(
            scope,
            app::wire::UserId(cm),
            &app::wire::NewComplaint {
                customer: x,
                subject: "short supply".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
    kept_is_fresh(&store).await;
    store
        .complaint_action(
            scope,
            app::wire::UserId(cm),
            complaint.id,
            complaint.version,
            &ComplaintAction::Close {
                resolution: "delivered the rest".into(),
            },
        )
        .await
        .unwrap()
        .unwrap();
    kept_is_fresh(&store).await;

    // An open complaint whose deadline passes: it counts (late) from then on, without any write.
    sqlx::query(
        "INSERT INTO complaints (customer_id, filed_by, subject, due_at)
         VALUES (?, ?, 'no call back', strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '+1 seconds'))",
    )
    .bind(x)
    .bind(cm)
    .execute(&pool)
    .await
    .unwrap();
    let open = kept_is_fresh(&store).await;
    tokio::time::sleep(std::time::Duration::from_millis(2_200)).await;
    let late = kept_is_fresh(&store).await;
    assert_ne!(late.population.service[i], open.population.service[i]);

    // An edit of the area moves the customer's influence rank, and so everyone else's.
    let area = field("business_area_m2").unwrap();
    let edited = edit(&store, admin, x, area, "900").await;
    assert!(matches!(edited, EditResult::Saved { .. }), "{edited:?}");
    let after_edit = kept_is_fresh(&store).await;
    assert_ne!(
        after_edit.population.indicators, late.population.indicators,
        "ranks re-derived"
    );

    // An edit of the phone changes no fact: the population stays equal (if a new generation).
    let phone = field("phone").unwrap();
    edit(&store, admin, x, phone, "13900000000").await;
    let after_phone = kept_is_fresh(&store).await;
    assert_eq!(after_phone.population, after_edit.population);
}

/// The ids SQL gives for a list query (the oracle the kept list must agree with): `LIKE` over
/// the four searched columns, equality for the rest, the published band.
async fn sql_ids(pool: &sqlx::SqlitePool, scope: Scope, q: &app::wire::CustomerQuery) -> Vec<i64> {
    server::db::customer_list::ids(pool, scope, q)
        .await
        .unwrap()
}

/// Page `page` of the list `q` in `scope`.
async fn page_of(
    store: &SqliteStore,
    scope: Scope,
    q: &app::wire::CustomerQuery,
    page: u32,
) -> app::wire::CustomerPage {
    let q = app::wire::CustomerQuery { page, ..q.clone() };
    store.customers(scope, &q).await.unwrap()
}

#[tokio::test]
async fn the_kept_list_filters_counts_and_pages_as_sql_would() {
    let (_dir, pool) = demo_db(600).await;
    let store = SqliteStore::new(pool.clone());
    let cm = user_id(&pool, "cm02").await;
    let admin = user_id(&pool, "admin").await;
    // A shop whose name a search must find after an edit, with LIKE's wildcards in it.
    let x: i64 = 17;
    let name = field("shop_name").unwrap();
    let saved = edit(&store, admin, x, name, "Wang's 50%_Shop 王记").await;
    assert!(matches!(saved, EditResult::Saved { .. }), "{saved:?}");
    let q = |text: &str, format: &str, market: &str, route: Option<i64>, band: Option<u8>| {
        app::wire::CustomerQuery {
            q: text.into(),
            format: format.into(),
            market: market.into(),
            route,
            band,
            page: 1,
        }
    };
    let cases = [
        q("", "", "", None, None),
        q("wang's 50%", "", "", None, None),
        q("50%_s", "", "", None, None),
        q("%", "", "", None, None),
        q("_", "", "", None, None),
        q("王", "", "", None, None),
        q("demo0001", "", "", None, None),
        q("DeMo00002", "", "", None, None),
        q("139", "grocery", "", None, None),
        q("", "", "rural", None, Some(3)),
        q("", "convenience", "urban", Some(2), None),
        q("", "", "", None, Some(8)),
        q("", "no-such-format", "", None, None),
        q("nobody has this", "", "", None, None),
    ];
    // The cases find something where they should (codes in any case, the rural band 3, …).
    for at in [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11] {
        assert!(
            !sql_ids(&pool, Scope::All, &cases[at]).await.is_empty(),
            "{:?}",
            cases[at]
        );
    }
    for scope in [Scope::All, Scope::Routes { manager: cm }] {
        for case in &cases {
            let want = sql_ids(&pool, scope, case).await;
            let mut got = Vec::new();
            let mut page = 1;
            loop {
                let p = store
                    .customers(
                        scope,
                        &app::wire::CustomerQuery {
                            page,
                            ..case.clone()
                        },
                    )
                    .await
                    .unwrap();
                assert_eq!(p.total, want.len() as u64, "{scope:?} {case:?}");
                got.extend(p.rows.iter().map(|r| r.id));
                if page >= p.pages {
                    break;
                }
                page += 1;
            }
            assert_eq!(got, want, "{scope:?} {case:?}");
        }
    }
    // A page past the last shows the last.
    let all = sql_ids(&pool, Scope::All, &cases[0]).await;
    let last = page_of(&store, Scope::All, &cases[0], 999).await;
    assert_eq!(last.page, last.pages);
    assert_eq!(last.rows.last().map(|r| r.id), all.last().copied());
    // The same past the last page of a filtered list, and of one that matches nothing.
    let theirs = sql_ids(&pool, Scope::Routes { manager: cm }, &cases[0]).await;
    assert!(theirs.len() > 25, "more than a page: {}", theirs.len());
    let last = page_of(&store, Scope::Routes { manager: cm }, &cases[0], 999).await;
    assert_eq!(last.page, last.pages);
    let tail = &theirs[(theirs.len() - 1) / 25 * 25..];
    assert_eq!(last.rows.iter().map(|r| r.id).collect::<Vec<_>>(), tail);
    let none = page_of(&store, Scope::All, &cases[13], 3).await;
    assert!(none.rows.is_empty() && none.total == 0 && none.pages == 1);
    // The edited shop is found by its new name.
    let found = store.customers(Scope::All, &cases[1]).await.unwrap();
    assert_eq!(found.rows.iter().map(|r| r.id).collect::<Vec<_>>(), vec![x]);
}
