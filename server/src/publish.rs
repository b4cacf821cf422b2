//! Publishing a policy: re-validate, recompute every customer with the engine, and store the
//! assignments under the new version in one transaction, with an audit entry.

use crate::db::policy::Assignment;
use crate::facts;
use app::wire::PolicyRef;
use kehu_engine::{
    CharacteristicClass, GapClass, KeyAccountTier, Outcomes, Policy, Rules, Score, Tier,
    ValueClass, classify_all,
};
use sqlx::SqlitePool;

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("the policy is invalid: {0}")]
    Invalid(String),
    /// The settings are those of the version in force and nobody would move: publishing would
    /// store an identical version.
    #[error("nothing to publish: the settings are those of version {0} and nobody moves")]
    Unchanged(i64),
    #[error(transparent)]
    Storage(#[from] crate::error::AppError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<sqlx::Error> for PublishError {
    fn from(e: sqlx::Error) -> Self {
        PublishError::Storage(e.into())
    }
}

/// What a publish did.
#[derive(Debug)]
pub struct Published {
    pub policy: PolicyRef,
    pub customers: usize,
    pub movers: u32,
}

/// Publishes `policy` as the next version, by `user_id` (None for the command line / demo).
/// The facts come from `facts`: from memory when nothing changed since the lab loaded them.
pub async fn publish(
    pool: &SqlitePool,
    facts: &facts::KeptFacts,
    policy: &Policy,
    user_id: Option<i64>,
) -> Result<Published, PublishError> {
    let issues = policy.validate();
    if !issues.is_empty() {
        let text: Vec<String> = issues.iter().map(ToString::to_string).collect();
        return Err(PublishError::Invalid(text.join("; ")));
    }
    let started = std::time::Instant::now();
    let loaded = facts.load(pool, policy).await?;
    let facts_done = started.elapsed();
    let mut out = Outcomes::default();
    let summary = classify_all(policy, &loaded.population, loaded.managers.len(), &mut out);
    let engine_done = started.elapsed();
    if summary.movers == 0
        && let Some(version) = same_as_published(pool, policy).await?
    {
        return Err(PublishError::Unchanged(version));
    }
    let body = serde_json::to_string(policy).map_err(anyhow::Error::from)?;

    let pop = &loaded.population;
    let columns = pop.columns();
    let rules = Rules::new(policy, None);
    let centi = |s: Option<Score>| s.map(|s| (s.raw() + 5_000).div_euclid(10_000));
    let scores: Vec<(Option<i64>, Option<i64>)> = (0..loaded.ids.len())
        .map(|i| {
            let (expectation, experience) = rules.service_scores(columns.facts(i).service.as_ref());
            (centi(expectation), centi(experience))
        })
        .collect();
    let (policy_id, version, changes) = crate::db::policy::publish(
        pool,
        &policy.name,
        &body,
        user_id,
        loaded.ids.len(),
        |i| {
            let (expectation, experience) = scores[i];
            Assignment {
                customer_id: loaded.ids[i],
                monthly_volume_milli: i64::from(pop.volume[i]),
                band: i64::from(out.band[i]),
                grade: i64::from(out.grade[i]),
                class_number: i64::from(out.class[i]),
                value_score_micro: out.value_score[i],
                value_class: ValueClass::ALL[usize::from(out.value_class[i])].key(),
                tier: Tier::ALL[usize::from(out.tier[i])].key(),
                key_account: KeyAccountTier::ALL[usize::from(out.key_account[i])].key(),
                expectation_centi: expectation,
                experience_centi: experience,
                gap_class: GapClass::ALL[usize::from(out.gap_class[i])].key(),
            }
        },
        |version| app::wire::AuditNote::Published {
            name: policy.name.clone(),
            version: u32::try_from(version).unwrap_or(0),
            customers: loaded.ids.len() as u64,
            moved: summary.movers as u64,
        },
        facts::most_patched(loaded.ids.len()),
    )
    .await?;
    let stored = started.elapsed();
    let experience: Vec<Option<i64>> = scores.iter().map(|s| s.1).collect();
    facts
        .publication(pool, policy, &loaded, &out, &experience, changes)
        .await?;
    tracing::info!(
        "published version {version}: {} customers; facts {:.2} s, engine {:.3} s, stored {:.2} s, \
         kept facts brought up to date {:.2} s",
        loaded.ids.len(),
        facts_done.as_secs_f64(),
        (engine_done - facts_done).as_secs_f64(),
        (stored - engine_done).as_secs_f64(),
        (started.elapsed() - stored).as_secs_f64()
    );
    Ok(Published {
        policy: PolicyRef {
            id: policy_id,
            version,
            name: policy.name.clone(),
        },
        customers: loaded.ids.len(),
        movers: summary.movers,
    })
}

/// The published version in force if `policy` repeats its settings (the name aside).
pub async fn same_as_published(
    pool: &SqlitePool,
    policy: &Policy,
) -> Result<Option<i64>, crate::error::AppError> {
    Ok(crate::db::policy::current_policy(pool)
        .await?
        .filter(|(_, p)| p.same_settings(policy))
        .map(|(r, _)| r.version))
}

/// The characteristic class code for a stored class number ("GRO-U-L").
pub fn class_code(number: i64) -> String {
    u8::try_from(number)
        .ok()
        .and_then(CharacteristicClass::from_number)
        .map(|c| c.code())
        .unwrap_or_default()
}
