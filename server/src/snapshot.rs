//! The what-if lab's snapshot: every customer's engine facts, column-wise, as postcard bytes
//! with an ETag, so a browser that has the current data revalidates in one round trip.

use crate::facts;
use crate::store::current_policy;
use app::model::Snapshot;
use kehu_engine::Policy;
use sqlx::SqlitePool;
use std::hash::{Hash, Hasher};

/// The encoded snapshot and its entity tag.
pub struct Encoded {
    pub bytes: Vec<u8>,
    pub etag: String,
}

/// Builds the snapshot of the stored data under the published policy (the default policy when
/// none is published yet).
pub async fn build(pool: &SqlitePool) -> anyhow::Result<Snapshot> {
    let (policy_ref, policy) = match current_policy(pool).await.map_err(|e| anyhow::anyhow!(e))? {
        Some((r, p)) => (Some(r), p),
        None => (None, Policy::default()),
    };
    let loaded = facts::load(pool, &policy).await?;
    let routes: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, code || ' ' || name FROM routes ORDER BY code")
            .fetch_all(pool)
            .await?;
    let positions: std::collections::HashMap<i64, u16> = routes
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (*id, i.min(usize::from(Snapshot::NO_ROUTE) - 1) as u16))
        .collect();
    let route_index = |id: Option<i64>| {
        id.and_then(|id| positions.get(&id).copied())
            .unwrap_or(Snapshot::NO_ROUTE)
    };
    let names: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, display_name FROM users WHERE role = 'customer_manager'")
            .fetch_all(pool)
            .await?;
    let managers = loaded
        .managers
        .iter()
        .map(|id| {
            names
                .iter()
                .find(|(u, _)| u == id)
                .map_or_else(|| format!("#{id}"), |(_, n)| n.clone())
        })
        .collect();
    let mut prev = 0i64;
    let id_deltas = loaded
        .ids
        .iter()
        .map(|&id| {
            let d = (id - prev).clamp(0, i64::from(u32::MAX)) as u32;
            prev = id;
            d
        })
        .collect();
    Ok(Snapshot {
        policy_json: serde_json::to_string(&policy)?,
        policy: policy_ref,
        latest_month: loaded.latest_month,
        id_deltas,
        route: loaded.routes.iter().map(|&r| route_index(r)).collect(),
        routes: routes.into_iter().map(|(_, n)| n).collect(),
        managers,
        population: loaded.population,
    })
}

/// Encodes a snapshot; the ETag is a hash of the bytes, so it changes exactly when they do.
pub fn encode(s: &Snapshot) -> Encoded {
    let bytes = s.to_bytes();
    let mut h = std::hash::DefaultHasher::new();
    bytes.hash(&mut h);
    Encoded {
        etag: format!("\"{:016x}-{}\"", h.finish(), bytes.len()),
        bytes,
    }
}
