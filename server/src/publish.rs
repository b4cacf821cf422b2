//! Publishing a policy: re-validate, recompute every customer with the engine, and store the
//! assignments under the new version in one transaction, with an audit entry.

use crate::facts;
use app::wire::PolicyRef;
use kehu_engine::{
    CharacteristicClass, GapClass, KeyAccountTier, Outcomes, Policy, Rules, Score, Tier,
    ValueClass, classify_all,
};
use sqlx::{QueryBuilder, SqlitePool};

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("the policy is invalid: {0}")]
    Invalid(String),
    #[error(transparent)]
    Storage(#[from] sqlx::Error),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
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
    let body = serde_json::to_string(policy).map_err(anyhow::Error::from)?;

    let mut tx = crate::db::write(pool).await?;
    let version: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) + 1 FROM policies")
        .fetch_one(&mut *tx)
        .await?;
    let policy_id: i64 = sqlx::query_scalar(
        "INSERT INTO policies (name, status, version, body, created_by, published_at)
         VALUES (?, 'published', ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')) RETURNING id",
    )
    .bind(&policy.name)
    .bind(version)
    .bind(&body)
    .bind(user_id)
    .fetch_one(&mut *tx)
    .await?;

    // 13 columns a row; 2,000 rows stay under SQLite's 32,766 bound parameters.
    let pop = &loaded.population;
    let columns = pop.columns();
    let rules = Rules::new(policy, None);
    // Scores in hundredths of a point, as kept for the next "past experience".
    let centi = |s: Option<Score>| s.map(|s| (s.raw() + 5_000).div_euclid(10_000));
    for chunk in (0..loaded.ids.len()).collect::<Vec<_>>().chunks(2_000) {
        let mut qb = QueryBuilder::new(
            "INSERT INTO assignments (policy_id, customer_id, monthly_volume_milli, band, grade, class_number,
             value_score_micro, value_class, tier, key_account, expectation_centi, experience_centi, gap_class) ",
        );
        qb.push_values(chunk, |mut b, &i| {
            let (expectation, experience) = rules.service_scores(columns.facts(i).service.as_ref());
            b.push_bind(policy_id)
                .push_bind(loaded.ids[i])
                .push_bind(i64::from(pop.volume[i]))
                .push_bind(i64::from(out.band[i]))
                .push_bind(i64::from(out.grade[i]))
                .push_bind(i64::from(out.class[i]))
                .push_bind(out.value_score[i])
                .push_bind(ValueClass::ALL[usize::from(out.value_class[i])].key())
                .push_bind(Tier::ALL[usize::from(out.tier[i])].key())
                .push_bind(KeyAccountTier::ALL[usize::from(out.key_account[i])].key())
                .push_bind(centi(expectation))
                .push_bind(centi(experience))
                .push_bind(GapClass::ALL[usize::from(out.gap_class[i])].key());
        });
        qb.build().execute(&mut *tx).await?;
    }
    crate::db::audit::Line::new(user_id, "policy.publish")
        .detail(format!(
            "published \"{}\" as version {version}: {} customers, {} moved",
            policy.name,
            loaded.ids.len(),
            summary.movers
        ))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    crate::db::policy::published_changed();
    tracing::info!(
        "published version {version}: {} customers; facts {:.2} s, engine {:.3} s, stored {:.2} s",
        loaded.ids.len(),
        facts_done.as_secs_f64(),
        (engine_done - facts_done).as_secs_f64(),
        (started.elapsed() - engine_done).as_secs_f64()
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

/// The characteristic class code for a stored class number ("GRO-U-L").
pub fn class_code(number: i64) -> String {
    u8::try_from(number)
        .ok()
        .and_then(CharacteristicClass::from_number)
        .map(|c| c.code())
        .unwrap_or_default()
}
