//! Which policy is published: asked on nearly every page, so the answer is remembered for a
//! moment and the policy's body parsed once.

use crate::error::AppError;
use app::wire::PolicyRef;
use kehu_engine::Policy;
use sqlx::SqlitePool;

/// A published policy, by what identifies it in its database: id, version, publication time
/// and the length of its body (a published policy's body never changes).
type PublishedKey = (i64, i64, Option<String>, i64);

/// Each database file's published policy as last read: under its key, with when it was asked
/// and [`PUBLISHES`] then.
type PublishedMemo = std::collections::HashMap<std::path::PathBuf, Published>;

struct Published {
    key: PublishedKey,
    policy: std::sync::Arc<(PolicyRef, Policy)>,
    asked: std::time::Instant,
    publishes: u64,
}

/// The published policy last read from each database file, parsed: nearly every page asks for
/// it, and its body is kilobytes of JSON.
static PUBLISHED: std::sync::LazyLock<std::sync::Mutex<PublishedMemo>> =
    std::sync::LazyLock::new(Default::default);

/// Rises whenever this process changes which policy is published (a publish, new demo data):
/// what was remembered before is asked again.
static PUBLISHES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How long the answer to "which policy is published" holds while this process publishes
/// nothing: another process's publish (`kehu` on the same file) is seen within this, as the
/// kept facts see its other writes. Every page asks, most pages twice or more.
pub const POLICY_RECHECK: std::time::Duration = std::time::Duration::from_secs(1);

/// Says that the published policy may have changed: the next [`current_policy`] asks the
/// database. Called after the change is committed.
pub fn published_changed() {
    PUBLISHES.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
}

/// The published policy's rules, or the default policy where none is published yet.
pub async fn published_or_default(pool: &SqlitePool) -> Result<Policy, AppError> {
    Ok(current_policy(pool)
        .await?
        .map_or_else(Policy::default, |(_, p)| p))
}

/// The published policy in force (highest version), with its body: remembered for
/// [`POLICY_RECHECK`] while this process publishes nothing, else read (the body only when the
/// policy is another than the one remembered).
pub async fn current_policy(pool: &SqlitePool) -> Result<Option<(PolicyRef, Policy)>, AppError> {
    let file = pool.connect_options().get_filename().to_path_buf();
    // Read before asking: a publish that ends while this asks is asked again next time.
    let publishes = PUBLISHES.load(std::sync::atomic::Ordering::SeqCst);
    let now = std::time::Instant::now();
    {
        let memo = PUBLISHED.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = memo.get(&file)
            && p.publishes == publishes
            && now.duration_since(p.asked) < POLICY_RECHECK
        {
            return Ok(Some((p.policy.0.clone(), p.policy.1.clone())));
        }
    }
    let row: Option<(i64, i64, String, Option<String>, i64)> = sqlx::query_as(
        "SELECT id, version, name, published_at, length(body) FROM policies
         WHERE status = 'published' ORDER BY version DESC LIMIT 1",
    )
    .fetch_optional(pool)
    .await?;
    let Some((id, version, name, published_at, length)) = row else {
        PUBLISHED
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&file);
        return Ok(None);
    };
    let key = (id, version, published_at, length);
    let known = PUBLISHED
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&file)
        .filter(|p| p.key == key && p.policy.0.name == name)
        .map(|p| p.policy.clone());
    let published = match known {
        Some(p) => p,
        None => {
            let body: String = sqlx::query_scalar("SELECT body FROM policies WHERE id = ?")
                .bind(id)
                .fetch_one(pool)
                .await?;
            let policy: Policy = serde_json::from_str(&body)?;
            std::sync::Arc::new((PolicyRef { id, version, name }, policy))
        }
    };
    let mut memo = PUBLISHED.lock().unwrap_or_else(|p| p.into_inner());
    // A later answer than this one's is not replaced by it.
    if memo.get(&file).is_none_or(|p| p.asked <= now) {
        memo.insert(
            file,
            Published {
                key,
                policy: published.clone(),
                asked: now,
                publishes,
            },
        );
    }
    Ok(Some((published.0.clone(), published.1.clone())))
}
