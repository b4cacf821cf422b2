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

/// One customer's classification under a policy being published, as `assignments` keeps it.
pub struct Assignment {
    pub customer_id: i64,
    pub monthly_volume_milli: i64,
    pub band: i64,
    pub grade: i64,
    pub class_number: i64,
    pub value_score_micro: i64,
    pub value_class: &'static str,
    pub tier: &'static str,
    pub key_account: &'static str,
    /// Scores in hundredths of a point, as kept for the next "past experience".
    pub expectation_centi: Option<i64>,
    pub experience_centi: Option<i64>,
    pub gap_class: &'static str,
}

/// Stores policy `name` (JSON `body`) as the next published version by `user_id` (None for the
/// command line and the demo), with the assignments `assignment(0..customers)` and the audit
/// line `note(version)`, in one transaction; its id and version. The customers whose facts
/// it changes are marked for the kept facts (see [`super::facts::published`]; more than
/// `most`, and everyone is): with the newest change in `fact_changes` before and after it.
#[allow(clippy::too_many_arguments)]
pub async fn publish(
    pool: &SqlitePool,
    name: &str,
    body: &str,
    user_id: Option<i64>,
    customers: usize,
    assignment: impl Fn(usize) -> Assignment,
    note: impl FnOnce(i64) -> app::wire::AuditNote,
    most: usize,
) -> Result<(i64, i64, (i64, i64)), AppError> {
    let mut tx = super::write(pool).await?;
    let previous: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM policies WHERE status = 'published' ORDER BY version DESC LIMIT 1",
    )
    .fetch_optional(&mut *tx)
    .await?;
    let version: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) + 1 FROM policies")
        .fetch_one(&mut *tx)
        .await?;
    let policy_id: i64 = sqlx::query_scalar(
        "INSERT INTO policies (name, status, version, body, created_by, published_at)
         VALUES (?, 'published', ?, ?, ?, ?) RETURNING id",
    )
    .bind(name)
    .bind(version)
    .bind(body)
    .bind(user_id)
    .bind(crate::time::now_stamp())
    .fetch_one(&mut *tx)
    .await?;
    // 13 columns a row; 2,000 rows stay under SQLite's 32,766 bound parameters.
    for chunk in (0..customers).collect::<Vec<_>>().chunks(2_000) {
        let mut qb = sqlx::QueryBuilder::new(
            "INSERT INTO assignments (policy_id, customer_id, monthly_volume_milli, band, grade, class_number,
             value_score_micro, value_class, tier, key_account, expectation_centi, experience_centi, gap_class) ",
        );
        qb.push_values(chunk, |mut b, &i| {
            let a = assignment(i);
            b.push_bind(policy_id)
                .push_bind(a.customer_id)
                .push_bind(a.monthly_volume_milli)
                .push_bind(a.band)
                .push_bind(a.grade)
                .push_bind(a.class_number)
                .push_bind(a.value_score_micro)
                .push_bind(a.value_class)
                .push_bind(a.tier)
                .push_bind(a.key_account)
                .push_bind(a.expectation_centi)
                .push_bind(a.experience_centi)
                .push_bind(a.gap_class);
        });
        qb.build().execute(&mut *tx).await?;
    }
    let changes = super::facts::published(&mut tx, previous, policy_id, most).await?;
    super::audit::Line::new(user_id, "policy.publish")
        .note(note(version))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    published_changed();
    Ok((policy_id, version, changes))
}
