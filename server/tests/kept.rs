//! The kept facts (issue 17): after a visit, a rating, complaints and edits — each of which
//! reloads only the customers it concerns — the population kept in memory is the one a load of
//! everyone from scratch gives, and pages built on it (the service gaps) follow.

mod common;

use app::api::ssr::Store;
use app::model::{ComplaintAction, EditResult, NewVisit, Scope, field};
use common::*;
use server::facts::LoadedPopulation;
use server::store::SqliteStore;

/// The kept population under the published policy, and one loaded from scratch: the same.
async fn kept_is_fresh(store: &SqliteStore) -> std::sync::Arc<LoadedPopulation> {
    let (_, policy) = server::store::current_policy(&store.pool)
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
    kept
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
    let visit = store
        .log_visit(
            scope,
            cm,
            &NewVisit {
                customer: x,
                date: today,
                purpose: "routine".into(),
                findings: String::new(),
                duration_min: 20,
                promise: "a display stand next week".into(),
            },
        )
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let after_visit = kept_is_fresh(&store).await;
    assert_ne!(after_visit.generation, before.generation);
    assert_ne!(
        after_visit.population.service[i], before.population.service[i],
        "the visit counts"
    );

    // The customer rates it.
    assert_eq!(
        store.rate_visit(x, visit.id, 2, "").await.unwrap(),
        Some(true)
    );
    kept_is_fresh(&store).await;

    // A complaint filed, then closed.
    let complaint = store
        .file_complaint(scope, cm, x, "short supply", "", false, None)
        .await
        .unwrap()
        .unwrap();
    kept_is_fresh(&store).await;
    store
        .complaint_action(
            scope,
            cm,
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
    let edited = store
        .edit_field(Scope::All, admin, x, area, "900", version_of(&store, x).await)
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(edited, EditResult::Saved { .. }), "{edited:?}");
    let after_edit = kept_is_fresh(&store).await;
    assert_ne!(
        after_edit.population.indicators, late.population.indicators,
        "ranks re-derived"
    );

    // An edit of the phone changes no fact: the population stays equal (if a new generation).
    let phone = field("phone").unwrap();
    store
        .edit_field(
            Scope::All,
            admin,
            x,
            phone,
            "13900000000",
            version_of(&store, x).await,
        )
        .await
        .unwrap()
        .unwrap();
    let after_phone = kept_is_fresh(&store).await;
    assert_eq!(after_phone.population, after_edit.population);
}
