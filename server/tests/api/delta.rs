//! The lab's snapshot kept current by writes (issue 19): after any sequence of writes — visits,
//! ratings, complaints and their deadlines, edits, imports, publishes — the kept facts equal a
//! load of everyone from scratch, and a browser's copy brought up to date with the deltas it is
//! sent equals the whole snapshot. The delta protocol answers a stale version with everything
//! and refuses one it cannot have sent.

use crate::common::*;
use app::api::ssr::ports::*;
use app::wire::{ComplaintAction, NewVisit, Scope, Snapshot, SnapshotDelta, field};
use axum::http::{StatusCode, header};
use http_body_util::BodyExt;
use rand::{Rng, SeedableRng};
use server::snapshot::{Answer, SnapshotCache};
use server::store::SqliteStore;

/// The kept population under the published policy equals one loaded from scratch.
async fn kept_equals_a_fresh_load(store: &SqliteStore, what: &str) {
    let policy = server::db::policy::published_or_default(&store.pool)
        .await
        .unwrap();
    let kept = store.facts.load(&store.pool, &policy).await.unwrap();
    equals_a_fresh_load(store, &kept, what).await;
}

/// `kept` equals the population loaded from scratch under the published policy.
async fn equals_a_fresh_load(
    store: &SqliteStore,
    kept: &server::facts::LoadedPopulation,
    what: &str,
) {
    let policy = server::db::policy::published_or_default(&store.pool)
        .await
        .unwrap();
    let fresh = server::facts::load(&store.pool, &policy).await.unwrap();
    assert!(kept.ids == fresh.ids, "{what}: ids");
    assert!(kept.managers == fresh.managers, "{what}: managers");
    assert!(kept.routes == fresh.routes, "{what}: routes");
    assert_eq!(
        kept.population.differing(&fresh.population),
        Vec::<u32>::new(),
        "{what}: customers whose facts differ"
    );
    let visits = (0..kept.ids.len()).filter(|&i| kept.visits[i] != fresh.visits[i]);
    assert_eq!(
        visits.collect::<Vec<_>>(),
        Vec::<usize>::new(),
        "{what}: visits"
    );
    assert!(kept.last_visit == fresh.last_visit, "{what}: last visits");
    assert!(
        kept.window_visits == fresh.window_visits,
        "{what}: visits in the window"
    );
    assert!(
        kept.assigned_volume == fresh.assigned_volume,
        "{what}: assigned volumes"
    );
    assert!(
        kept.by_manager == fresh.by_manager,
        "{what}: customers by manager"
    );
}

/// A browser's copy of the snapshot and its version.
struct Browser {
    version: String,
    snap: Snapshot,
    deltas: usize,
    wholes: usize,
    delta_bytes: usize,
}

impl Browser {
    async fn open(store: &SqliteStore, cache: &SnapshotCache) -> Self {
        let enc = cache.get(&store.pool, &store.facts).await.unwrap();
        Browser {
            version: enc.version.clone(),
            snap: Snapshot::from_bytes(&enc.bytes).unwrap(),
            deltas: 0,
            wholes: 0,
            delta_bytes: 0,
        }
    }

    /// Opens the lab again: asks for what changed since its version and applies it.
    async fn reopen(&mut self, store: &SqliteStore, cache: &SnapshotCache) -> Option<usize> {
        match cache
            .since(
                &store.pool,
                &store.facts,
                &self.version,
                Some(self.snap.names_digest()),
            )
            .await
            .unwrap()
        {
            Answer::Delta { bytes, version } => {
                let d = SnapshotDelta::from_bytes(&bytes).unwrap();
                let changed = d.at.len();
                self.snap.apply(d).unwrap();
                self.version = version;
                self.deltas += 1;
                self.delta_bytes += bytes.len();
                Some(changed)
            }
            Answer::Full(enc) => {
                self.snap = Snapshot::from_bytes(&enc.bytes).unwrap();
                self.version = enc.version;
                self.wholes += 1;
                None
            }
            Answer::Refused(why) => panic!("its own version refused: {why}"),
        }
    }
}

/// The whole snapshot now, as a browser decodes it.
async fn whole(store: &SqliteStore) -> Snapshot {
    let s = server::snapshot::build(&store.pool, &store.facts)
        .await
        .unwrap();
    Snapshot::from_bytes(&s.to_bytes()).unwrap()
}

#[derive(Debug, Clone, Copy)]
enum Write {
    Visit,
    Rate,
    Complain,
    CloseComplaint,
    DeadlinePasses,
    EditArea,
    EditPhone,
    ImportMonth,
    Publish,
    PublishStandard,
    AddCustomer,
    RouteManager,
}

const WRITES: [Write; 12] = [
    Write::Visit,
    Write::Rate,
    Write::Complain,
    Write::CloseComplaint,
    Write::DeadlinePasses,
    Write::EditArea,
    Write::EditPhone,
    Write::ImportMonth,
    Write::Publish,
    Write::PublishStandard,
    Write::AddCustomer,
    Write::RouteManager,
];

/// Random sequences of writes (seeded: a failure names its seed and step).
#[tokio::test]
async fn after_any_writes_the_kept_facts_and_a_browser_copy_brought_up_to_date_are_current() {
    for seed in 1..=6u64 {
        random_writes(seed, 16).await;
    }
}

async fn random_writes(seed: u64, steps: usize) {
    let (_dir, pool) = demo_db(150).await;
    let store = SqliteStore::new(pool.clone());
    let cache = SnapshotCache::default();
    let cm = user_id(&pool, "cm01").await;
    let admin = user_id(&pool, "admin").await;
    let scope = Scope::Routes { manager: cm };
    let (mine, _) = cm01_scope(&pool).await;
    let codes: Vec<(i64, String)> = sqlx::query_as("SELECT id, code FROM customers")
        .fetch_all(&pool)
        .await
        .unwrap();
    let latest: String = sqlx::query_scalar("SELECT MAX(month) FROM purchases")
        .fetch_one(&pool)
        .await
        .unwrap();
    let mut rng = rand::rngs::SmallRng::seed_from_u64(seed);
    let mut visits: Vec<(i64, i64)> = Vec::new();
    let mut open_complaints: Vec<(i64, i64)> = Vec::new();
    let mut published = 0;
    // The policy in force (a publication changes its bands, or its visit standard too).
    let mut policy = kehu_engine::Policy::default();
    let route_code: String = sqlx::query_scalar(
        "SELECT r.code FROM routes r JOIN users u ON u.id = r.manager_id WHERE u.username = 'cm01' LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let mut added = 0;
    // A route of three of cm15's customers, cm14's: it passes between the two (neither is left
    // without customers).
    for sql in [
        "INSERT INTO routes (code, name, manager_id)
         SELECT 'R999', 'split', id FROM users WHERE username = 'cm14'",
        "UPDATE customers SET route_id = (SELECT id FROM routes WHERE code = 'R999')
         WHERE id IN (SELECT c.id FROM customers c JOIN routes r ON r.id = c.route_id
                      JOIN users u ON u.id = r.manager_id WHERE u.username = 'cm15' LIMIT 3)",
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    let mut browser = Browser::open(&store, &cache).await;
    for step in 0..steps {
        let write = WRITES[rng.random_range(0..WRITES.len())];
        let x = mine[rng.random_range(0..mine.len())];
        let today = server::time::today().format("%Y-%m-%d").to_string();
        let what = format!("seed {seed}, step {step}: {write:?} of customer {x}");
        let mut whole_expected = false;
        match write {
            Write::Visit => {
                let v = visit_by(
                    &store,
                    scope,
                    cm,
                    NewVisit {
                        customer: x,
                        date: today,
                        purpose: "routine".into(),
                        findings: String::new(),
                        duration_min: 15,
                        promise: String::new(),
                        ..NewVisit::default()
                    },
                )
                .await;
                visits.push((v.id, x));
            }
            Write::Rate => {
                if let Some((visit, customer)) = visits.pop() {
                    let score = rng.random_range(1..=5);
                    store
                        .rate_visit(app::wire::CustomerId(customer), visit, score, "")
                        .await
                        .unwrap();
                }
            }
            Write::Complain => {
                let c = store
                    .file_complaint(
                        scope,
                        app::wire::UserId(cm),
                        &app::wire::NewComplaint {
                            customer: x,
                            subject: "short supply".into(),
                            major: rng.random_bool(0.3),
                            ..Default::default()
                        },
                    )
                    .await
                    .unwrap()
                    .unwrap();
                open_complaints.push((c.id, c.version));
            }
            Write::CloseComplaint => {
                if let Some((id, version)) = open_complaints.pop() {
                    store
                        .complaint_action(
                            scope,
                            app::wire::UserId(cm),
                            id,
                            version,
                            &ComplaintAction::Close {
                                resolution: "delivered".into(),
                            },
                        )
                        .await
                        .unwrap()
                        .unwrap();
                }
            }
            // Four days on: open complaints pass their deadline without any write.
            Write::DeadlinePasses => server::time::shift(chrono::TimeDelta::days(4)),
            Write::EditArea | Write::EditPhone => {
                let (key, value) = match write {
                    Write::EditArea => ("business_area_m2", rng.random_range(5..900).to_string()),
                    _ => (
                        "phone",
                        format!("139{:08}", rng.random_range(0..99_999_999)),
                    ),
                };
                let version: i64 = sqlx::query_scalar("SELECT version FROM customers WHERE id = ?")
                    .bind(x)
                    .fetch_one(&pool)
                    .await
                    .unwrap();
                store
                    .edit_field(
                        Scope::All,
                        app::wire::UserId(admin),
                        app::wire::CustomerId(x),
                        field(key).unwrap(),
                        &value,
                        version,
                    )
                    .await
                    .unwrap()
                    .unwrap();
            }
            Write::ImportMonth => {
                let code = &codes.iter().find(|(id, _)| *id == x).unwrap().1;
                let cartons = rng.random_range(0..4_000);
                purchases_imported(
                    &pool,
                    &format!(
                        "customer_code,month,cartons,amount_yuan\n{code},{latest},{cartons},{}\n",
                        cartons * 30
                    ),
                )
                .await;
            }
            Write::Publish | Write::PublishStandard => {
                published += 1;
                policy.name = format!("v{published}");
                policy.bands.lower_bounds[0] = kehu_engine::Cases::from_int(20 + published);
                // A new visit standard changes everyone's experience: everyone is reloaded.
                if matches!(write, Write::PublishStandard) {
                    policy.service.visits_per_month[0] += 1;
                    whole_expected = true;
                }
                store
                    .publish(&policy, app::wire::UserId(admin))
                    .await
                    .unwrap();
                // The publication took itself into the kept facts, without reading them again.
                let kept = store.facts.newest().unwrap();
                equals_a_fresh_load(&store, &kept, &format!("{what}, as published")).await;
            }
            Write::AddCustomer => {
                added += 1;
                let report = import(
                    &pool,
                    server::import::Kind::Customers,
                    format!(
                        "code,shop_name,business_format,market_type,business_area_m2,route\n\
                         NEW{seed}-{added},新店 {added},grocery,urban,{},{route_code}\n",
                        rng.random_range(5..400)
                    )
                    .as_bytes(),
                    false,
                )
                .await;
                assert!(report.committed, "{what}: {report:?}");
            }
            // The split route passes to the other customer manager (no page does this yet: the
            // database's triggers take it in, whoever writes it).
            Write::RouteManager => {
                let change = sqlx::query(
                    "UPDATE routes SET manager_id = (SELECT id FROM users WHERE username =
                         CASE WHEN manager_id = (SELECT id FROM users WHERE username = 'cm14')
                         THEN 'cm15' ELSE 'cm14' END)
                     WHERE code = 'R999'",
                );
                server::db::write_one(&pool, change).await.unwrap();
            }
        }
        kept_equals_a_fresh_load(&store, &what).await;
        let changed = browser.reopen(&store, &cache).await;
        let now = whole(&store).await;
        assert_eq!(
            browser.snap.population.differing(&now.population),
            Vec::<u32>::new(),
            "{what}: the browser's copy differs"
        );
        assert!(browser.snap == now, "{what}: the browser's copy differs");
        // A deadline passing may make several complaints late, or cross into a new month; an
        // area, an amount or a new customer moves everyone's ranks; a publication changes its
        // movers; a route's new manager all its customers.
        let many = matches!(
            write,
            Write::EditArea
                | Write::ImportMonth
                | Write::AddCustomer
                | Write::Publish
                | Write::RouteManager
        );
        if !whole_expected && !many && !matches!(write, Write::DeadlinePasses) {
            // One customer's records: at most that customer travels.
            let n = changed.unwrap_or_else(|| panic!("{what}: a whole snapshot"));
            assert!(n <= 1, "{what}: {n} customers in the delta");
        }
        if many {
            assert!(changed.is_some(), "{what}: a whole snapshot");
        }
    }
    server::time::shift(chrono::TimeDelta::zero());
    assert!(browser.deltas > 0, "seed {seed}: no delta at all");
}

/// The HTTP side: `since` gets a delta with its version; a version of another process or one
/// the history no longer reaches gets the whole snapshot; nonsense and the future are refused.
#[tokio::test]
async fn the_snapshot_answers_a_version_with_what_changed_since() {
    let (_dir, pool) = demo_db(120).await;
    // One server: what the customer manager logs, the manager's lab is told of.
    let server = router(pool.clone());
    let mut manager = Client::on(server.clone());
    manager
        .sign_in("manager", server::demo::DEMO_PASSWORD)
        .await;
    let mut cm01 = Client::on(server.clone());
    cm01.sign_in("cm01", server::demo::DEMO_PASSWORD).await;
    let get = |uri: String| {
        let manager = manager.clone();
        async move {
            let resp = fetch(&manager, &uri).await;
            let status = resp.status();
            let h = |name: &str| {
                resp.headers()
                    .get(name)
                    .map(|v| v.to_str().unwrap().to_string())
            };
            let (kind, version) = (h("x-kehu-snapshot"), h("x-kehu-version"));
            let encoding = h(header::CONTENT_ENCODING.as_str());
            let body = resp.into_body().collect().await.unwrap().to_bytes();
            assert_eq!(encoding, None, "asked without accept-encoding");
            (status, kind, version, body)
        }
    };
    let (status, kind, v1, body) = get("/api/snapshot".into()).await;
    assert_eq!((status, kind.as_deref()), (StatusCode::OK, Some("full")));
    let v1 = v1.expect("a version");
    let mut copy = Snapshot::from_bytes(&body).unwrap();

    // Nothing changed: an empty delta.
    let (status, kind, same, body) = get(format!("/api/snapshot?since={v1}")).await;
    assert_eq!((status, kind.as_deref()), (StatusCode::OK, Some("delta")));
    assert_eq!(same.as_deref(), Some(v1.as_str()));
    let empty = SnapshotDelta::from_bytes(&body).unwrap();
    assert!(empty.at.is_empty());
    assert!(
        empty.names.is_some(),
        "asked without the names' digest: they come along"
    );
    let names = copy.names_digest();

    // Visits (until one changes a customer's facts: a customer above the visit standard
    // already scores full marks): the delta carries exactly the customers whose facts changed,
    // visited ones, in a few hundred bytes.
    let (mine, _) = cm01_scope(&pool).await;
    let today = server::time::today().format("%Y-%m-%d").to_string();
    let mut visited = Vec::new();
    let (v2, body) = loop {
        let x = mine[visited.len()];
        let (status, logged) = json::<Result<app::wire::VisitEntry, app::wire::VisitProblem>>(
            &cm01,
            "/api/log_visit",
            &format!(
                "visit[customer]={x}&visit[date]={today}&visit[purpose]=Routine&visit[findings]=&visit[duration_min]=20&visit[promise]="
            ),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(matches!(logged, Some(Ok(_))), "{logged:?}");
        visited.push(copy.ids().binary_search(&x).unwrap() as u32);
        let (status, kind, v2, body) =
            get(format!("/api/snapshot?since={v1}&names={names:x}")).await;
        assert_eq!((status, kind.as_deref()), (StatusCode::OK, Some("delta")));
        let delta = SnapshotDelta::from_bytes(&body).unwrap();
        if !delta.at.is_empty() || visited.len() == 10 {
            break (v2.unwrap(), body);
        }
    };
    assert_ne!(v2, v1);
    let delta = SnapshotDelta::from_bytes(&body).unwrap();
    let (_, _, _, now) = get("/api/snapshot".into()).await;
    let now = Snapshot::from_bytes(&now).unwrap();
    assert!(!delta.at.is_empty(), "ten visits changed nobody's facts");
    assert_eq!(copy.population.differing(&now.population), delta.at);
    assert!(
        delta.at.iter().all(|i| visited.contains(i)),
        "{:?}",
        delta.at
    );
    assert_eq!(delta.names, None, "the browser's names are current");
    assert!(body.len() < 1_000, "{} bytes", body.len());
    copy.apply(delta).unwrap();
    let (_, _, _, body) = get("/api/snapshot".into()).await;
    assert_eq!(copy, Snapshot::from_bytes(&body).unwrap());

    // Another process's version (a restart): the whole snapshot.
    let other = format!("0123456789abcdef-{}", v1.split('-').nth(1).unwrap());
    let (status, kind, _, _) = get(format!("/api/snapshot?since={other}")).await;
    assert_eq!((status, kind.as_deref()), (StatusCode::OK, Some("full")));

    // A publication: the customers it moved and the new policy, not the whole snapshot.
    let mut p = kehu_engine::Policy::default();
    p.bands.lower_bounds[0] = kehu_engine::Cases::from_int(26);
    server::publish::publish(&pool, &Default::default(), &p, None)
        .await
        .unwrap();
    let (status, kind, v3, body) = get(format!("/api/snapshot?since={v2}&names={names:x}")).await;
    assert_eq!((status, kind.as_deref()), (StatusCode::OK, Some("delta")));
    let v3 = v3.unwrap();
    assert_ne!(v3, v2);
    let delta = SnapshotDelta::from_bytes(&body).unwrap();
    let sent = delta.names.as_ref().expect("the new policy comes along");
    assert_eq!(sent.policy.as_ref().unwrap().version, 2);
    assert!(delta.at.len() < copy.population.len(), "everyone was sent");
    copy.apply(delta).unwrap();
    let (_, _, _, body) = get("/api/snapshot".into()).await;
    let whole = Snapshot::from_bytes(&body).unwrap();
    assert_eq!(whole.policy.as_ref().unwrap().version, 2);
    assert_eq!(copy, whole);

    // Another process publishes with another visit standard, changing everyone's experience:
    // this one reloads everyone, and the browser gets the whole snapshot.
    p.service.visits_per_month[0] += 1;
    server::publish::publish(&pool, &Default::default(), &p, None)
        .await
        .unwrap();
    let (status, kind, _, body) = get(format!("/api/snapshot?since={v3}")).await;
    assert_eq!((status, kind.as_deref()), (StatusCode::OK, Some("full")));
    assert_eq!(
        Snapshot::from_bytes(&body).unwrap().policy.unwrap().version,
        3
    );

    // Not a version, or one from this process's future: refused.
    let epoch = v1.split('-').next().unwrap();
    for bad in [
        "abc".to_string(),
        format!("{epoch}-"),
        format!("{epoch}-99999999999"),
        format!("{epoch}-{}", u64::MAX),
        "%00%27--".to_string(),
    ] {
        let (status, _, _, _) = get(format!("/api/snapshot?since={bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    }
    // Only lab users.
    let resp = fetch(&cm01, &format!("/api/snapshot?since={v1}")).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
}
