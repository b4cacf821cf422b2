//! The self-service portal's records: a customer's assignments under each published version,
//! their monthly purchases, disputes, the visits they can rate, who serves them, and invites.
//! What a customer may see of them is `self_service`'s business.

use super::audit::Line;
use super::scope::push_scope;
use app::wire::{AuditNote, Once, Scope};
use sqlx::SqlitePool;

#[derive(sqlx::FromRow)]
pub struct TierRow {
    pub version: i64,
    pub published_at: Option<String>,
    pub band: i64,
    pub grade: i64,
    pub class_number: i64,
    pub value_class: String,
    pub tier: String,
    pub key_account: String,
}

/// Published versions first, then each one's assignment by primary key: `CROSS JOIN` keeps
/// SQLite from scanning every assignment for one customer's (policies are few, assignments are
/// customers × versions).
const TIER_SELECT: &str = "SELECT p.version, p.published_at, a.band, a.grade, a.class_number,
        a.value_class, a.tier, a.key_account
    FROM policies p CROSS JOIN assignments a ON a.policy_id = p.id";

/// Customer `customer`'s shop name, if the customer exists.
pub async fn shop_name(pool: &SqlitePool, customer: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT shop_name FROM customers WHERE id = ?")
        .bind(customer)
        .fetch_optional(pool)
        .await
}

/// The customer's assignment under every published version, newest first.
pub async fn tiers(pool: &SqlitePool, customer: i64) -> sqlx::Result<Vec<TierRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{TIER_SELECT} WHERE a.customer_id = ? ORDER BY p.version DESC"
    )))
    .bind(customer)
    .fetch_all(pool)
    .await
}

/// The customer's assignment under policy `policy`.
pub async fn tier(pool: &SqlitePool, policy: i64, customer: i64) -> sqlx::Result<Option<TierRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{TIER_SELECT} WHERE a.policy_id = ? AND a.customer_id = ?"
    )))
    .bind(policy)
    .bind(customer)
    .fetch_optional(pool)
    .await
}

/// The customer's cartons of the last 12 months with purchases up to `month` (`YYYY-MM`),
/// newest first.
pub async fn monthly_cartons(
    pool: &SqlitePool,
    customer: i64,
    month: &str,
) -> sqlx::Result<Vec<(String, i64)>> {
    sqlx::query_as(
        "SELECT month, cartons FROM purchases WHERE customer_id = ? AND month <= ?
         ORDER BY month DESC LIMIT 12",
    )
    .bind(customer)
    .bind(month)
    .fetch_all(pool)
    .await
}

#[derive(sqlx::FromRow)]
pub struct DisputeRow {
    pub id: i64,
    pub customer_id: i64,
    pub code: String,
    pub shop_name: String,
    pub policy_id: Option<i64>,
    pub reason: String,
    pub filed_at: String,
    pub status: String,
    pub answer: Option<String>,
    pub answered_at: Option<String>,
    pub applied_in: Option<i64>,
}

/// The disputes of customers in scope, open ones first, newest first, at most 500.
pub async fn disputes(pool: &SqlitePool, scope: Scope) -> sqlx::Result<Vec<DisputeRow>> {
    let mut qb = sqlx::QueryBuilder::new(
        "SELECT d.id, d.customer_id, c.code, c.shop_name, d.policy_id, d.reason, d.filed_at,
                d.status, d.answer, d.answered_at,
                (SELECT MIN(p.version) FROM policies p
                 WHERE p.status = 'published' AND CASE
                     WHEN d.answered_under IS NOT NULL THEN p.version > d.answered_under
                     ELSE p.published_at > d.answered_at END) AS applied_in
         FROM disputes d JOIN customers c ON c.id = d.customer_id WHERE 1 = 1",
    );
    push_scope(&mut qb, scope);
    qb.push(" ORDER BY d.status <> 'open', d.id DESC LIMIT 500");
    qb.build_query_as().fetch_all(pool).await
}

/// A dispute by `user` of customer `customer`'s assignment under `policy` (its band, grade
/// and class code), audited; its id.
pub async fn file_dispute(
    pool: &SqlitePool,
    user: i64,
    customer: i64,
    policy: Option<i64>,
    disputed: Option<(u8, u8, String)>,
    reason: &str,
) -> sqlx::Result<i64> {
    let text = disputed
        .as_ref()
        .map(|(band, grade, class)| format!("band {band} grade {grade} class {class}"))
        .unwrap_or_default();
    let mut tx = super::write(pool).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO disputes (customer_id, policy_id, disputed, reason, filed_by, filed_at)
         VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(customer)
    .bind(policy)
    .bind(text)
    .bind(reason)
    .bind(user)
    .bind(crate::time::now_stamp())
    .fetch_one(&mut *tx)
    .await?;
    Line::new(user, "dispute.file")
        .customer(customer)
        .note(AuditNote::DisputeFiled {
            dispute: id,
            tiers: disputed,
        })
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// `user`'s answer to open dispute `id`: its new status (key) and the answer, audited.
pub async fn answer_dispute(
    pool: &SqlitePool,
    user: i64,
    id: i64,
    status: &str,
    answer: &str,
) -> sqlx::Result<Once> {
    let mut tx = super::write(pool).await?;
    let found: Option<(i64, String)> =
        sqlx::query_as("SELECT customer_id, status FROM disputes WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((customer, current)) = found else {
        return Ok(Once::NotFound);
    };
    if current != "open" {
        return Ok(Once::AlreadyDone);
    }
    let changed = sqlx::query(
        "UPDATE disputes SET status = ?, answer = ?, answered_by = ?, answered_at = ?,
                answered_under = (SELECT COALESCE(MAX(version), 0) FROM policies)
         WHERE id = ? AND status = 'open'",
    )
    .bind(status)
    .bind(answer)
    .bind(user)
    .bind(crate::time::now_stamp())
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Ok(Once::AlreadyDone);
    }
    Line::new(user, "dispute.answer")
        .customer(customer)
        .new_value(status)
        .note(AuditNote::DisputeAnswered {
            dispute: id,
            answer: answer.to_string(),
        })
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Once::Done)
}

/// Who serves customer `customer`: their route's customer manager, that manager's phone, the
/// route; `None` if the customer does not exist.
pub async fn served_by(
    pool: &SqlitePool,
    customer: i64,
) -> sqlx::Result<Option<(Option<String>, Option<String>, Option<String>)>> {
    sqlx::query_as(
        "SELECT u.display_name, u.phone, r.name FROM customers c
         LEFT JOIN routes r ON r.id = c.route_id LEFT JOIN users u ON u.id = r.manager_id
         WHERE c.id = ?",
    )
    .bind(customer)
    .fetch_optional(pool)
    .await
}

#[derive(sqlx::FromRow)]
pub struct VisitRow {
    pub id: i64,
    pub visited_on: String,
    pub purpose: String,
    pub duration_min: i64,
    pub manager: Option<String>,
    pub score: Option<i64>,
    pub comment: Option<String>,
}

/// The customer's latest 60 visits with their ratings, newest first.
pub async fn visits(pool: &SqlitePool, customer: i64) -> sqlx::Result<Vec<VisitRow>> {
    sqlx::query_as(
        "SELECT v.id, v.visited_on, v.purpose, v.duration_min, u.display_name AS manager,
                vr.score, vr.comment
         FROM visits v LEFT JOIN users u ON u.id = v.manager_id
         LEFT JOIN visit_ratings vr ON vr.visit_id = v.id
         WHERE v.customer_id = ? ORDER BY v.visited_on DESC, v.id DESC LIMIT 60",
    )
    .bind(customer)
    .fetch_all(pool)
    .await
}

/// Customer `customer`'s rating of their visit `visit` (once).
pub async fn rate_visit(
    pool: &SqlitePool,
    customer: i64,
    visit: i64,
    score: i64,
    comment: &str,
) -> sqlx::Result<Once> {
    let mine: Option<i64> =
        sqlx::query_scalar("SELECT id FROM visits WHERE id = ? AND customer_id = ?")
            .bind(visit)
            .bind(customer)
            .fetch_optional(pool)
            .await?;
    if mine.is_none() {
        return Ok(Once::NotFound);
    }
    let rate = sqlx::query(
        "INSERT INTO visit_ratings (visit_id, score, comment, rated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (visit_id) DO NOTHING",
    )
    .bind(visit)
    .bind(score)
    .bind(comment)
    .bind(crate::time::now_stamp());
    Ok(if super::write_one(pool, rate).await? == 1 {
        Once::Done
    } else {
        Once::AlreadyDone
    })
}

/// Customer `customer`'s code and shop name, if in scope.
pub async fn code_and_name(
    pool: &SqlitePool,
    scope: Scope,
    customer: i64,
) -> sqlx::Result<Option<(String, String)>> {
    let mut qb =
        sqlx::QueryBuilder::new("SELECT c.code, c.shop_name FROM customers c WHERE c.id = ");
    qb.push_bind(customer);
    push_scope(&mut qb, scope);
    qb.build_query_as().fetch_optional(pool).await
}

/// A new invite by `user` for customer `customer` (its code's hash), valid until `expires_at`,
/// replacing any unused one (a reprint replaces a lost one); audited.
pub async fn replace_invite(
    pool: &SqlitePool,
    user: i64,
    customer: i64,
    code_hash: &str,
    expires_at: &str,
) -> sqlx::Result<()> {
    let mut tx = super::write(pool).await?;
    sqlx::query("DELETE FROM invites WHERE customer_id = ? AND used_at IS NULL")
        .bind(customer)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO invites (customer_id, code_hash, created_by, expires_at) VALUES (?, ?, ?, ?)",
    )
    .bind(customer)
    .bind(code_hash)
    .bind(user)
    .bind(expires_at)
    .execute(&mut *tx)
    .await?;
    Line::new(user, "user.invite")
        .customer(customer)
        .record(&mut tx)
        .await?;
    tx.commit().await
}
