//! Storage of the self-service portal and the service records it shows: a customer's tiers and
//! why, visits and ratings, disputes, complaints and invites. The customer-facing reads return
//! only what a customer may see: the tiers the published policy shows customers, no findings,
//! nothing of other customers.

use crate::db::policy::current_policy;
use crate::error::AppError;
use crate::facts;
use crate::publish::class_code;
use app::wire::{
    Dispute, DisputeStatus, Invite, MyService, MyTierRow, MyTiers, MyVisit, Once, Scope,
};
use kehu_engine::classify::classify;
use kehu_engine::policy::CustomerVisibility;
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;

/// Days an invite code stays valid.
pub const INVITE_DAYS: i64 = 14;

/// The most complaints the portal's service page lists (open ones first, the newest closed
/// ones after them).
const MY_COMPLAINTS: u32 = 500;

/// The stored form of an invite code: SHA-256 of its letters and digits, upper-cased (so
/// `abcd-efgh` and `ABCDEFGH` are the same code).
pub fn invite_hash(code: &str) -> String {
    let norm: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    hex::encode(Sha256::digest(norm.as_bytes()))
}

/// A new invite code: 12 characters without look-alikes (about 60 bits), as `XXXX-XXXX-XXXX`.
fn new_invite_code() -> Result<String, AppError> {
    const ALPHABET: &[u8] = b"ACDEFGHJKLMNPQRTUVWXY34679";
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).map_err(AppError::msg)?;
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    Ok(chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-"))
}

#[derive(sqlx::FromRow)]
struct TierRow {
    version: i64,
    published_at: Option<String>,
    band: i64,
    grade: i64,
    class_number: i64,
    value_class: String,
    tier: String,
    key_account: String,
}

/// A stored assignment with the tiers `show` lets through (everything for staff).
fn tier_row(r: TierRow, show: &CustomerVisibility) -> MyTierRow {
    MyTierRow {
        version: r.version as u32,
        published_at: r.published_at.unwrap_or_default(),
        band: show.band.then_some(r.band as u8),
        grade: show.grade.then_some(r.grade as u8),
        class_code: show
            .characteristic_class
            .then(|| class_code(r.class_number)),
        value_class: show.value.then_some(r.value_class),
        tier: show.tier.then_some(r.tier),
        key_account: show.key_account.then_some(r.key_account),
    }
}

const ALL_VISIBLE: CustomerVisibility = CustomerVisibility {
    band: true,
    grade: true,
    characteristic_class: true,
    value: true,
    tier: true,
    key_account: true,
};

/// Published versions first, then each one's assignment by primary key: `CROSS JOIN` keeps
/// SQLite from scanning every assignment for one customer's (policies are few, assignments are
/// customers × versions).
const TIER_SELECT: &str = "SELECT p.version, p.published_at, a.band, a.grade, a.class_number,
        a.value_class, a.tier, a.key_account
    FROM policies p CROSS JOIN assignments a ON a.policy_id = p.id";

pub async fn my_tiers(
    pool: &SqlitePool,
    facts: &facts::KeptFacts,
    customer: i64,
) -> Result<Option<MyTiers>, AppError> {
    let Some(shop_name): Option<String> =
        sqlx::query_scalar("SELECT shop_name FROM customers WHERE id = ?")
            .bind(customer)
            .fetch_optional(pool)
            .await?
    else {
        return Ok(None);
    };
    let current = current_policy(pool).await?;
    let policy = current.as_ref().map(|(_, p)| p.clone()).unwrap_or_default();
    let show = policy.customer_visibility;
    let rows: Vec<TierRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{TIER_SELECT} WHERE a.customer_id = ? ORDER BY p.version DESC"
    )))
    .bind(customer)
    .fetch_all(pool)
    .await?;
    let history: Vec<MyTierRow> = rows.into_iter().map(|r| tier_row(r, &show)).collect();
    let latest = current.as_ref().map(|(r, _)| r.version as u32);
    let current_row = history
        .first()
        .filter(|r| Some(r.version) == latest)
        .cloned();

    let now = match &current {
        // The percentile indicators only matter for the value and service tiers.
        Some(_) => facts::load_one(pool, facts, &policy, customer, show.value || show.tier)
            .await?
            .map(|(f, rules)| classify(&rules, &f)),
        None => None,
    };
    let e = now.as_ref().map(|c| c.explanation);
    let changed_since = match (&now, &current_row) {
        (Some(c), Some(r)) => {
            r.band.is_some_and(|b| b != c.band)
                || r.grade.is_some_and(|g| g != c.grade)
                || r.class_code
                    .as_ref()
                    .is_some_and(|k| *k != c.characteristic_class.code())
                || r.value_class
                    .as_ref()
                    .is_some_and(|k| k != c.value_class.key())
                || r.tier.as_ref().is_some_and(|k| k != c.tier.key())
                || r.key_account
                    .as_ref()
                    .is_some_and(|k| k != c.key_account.key())
        }
        _ => false,
    };

    let mut monthly: Vec<(String, i64)> = sqlx::query_as(
        "SELECT month, cartons FROM purchases WHERE customer_id = ? AND month <= ?
         ORDER BY month DESC LIMIT 12",
    )
    .bind(customer)
    .bind(crate::time::this_month())
    .fetch_all(pool)
    .await?;
    monthly.reverse();

    let disputes = disputes_where(pool, Scope::Customer(customer), &show).await?;
    Ok(Some(MyTiers {
        shop_name,
        current: current_row,
        history,
        band: e.filter(|_| show.band).map(|e| e.band),
        grade: e.filter(|_| show.grade).map(|e| e.grade),
        class: e.filter(|_| show.characteristic_class).map(|e| e.class),
        value: e.filter(|_| show.value).map(|e| e.value),
        tier: e.filter(|_| show.tier).map(|e| e.tier),
        key_account: e.filter(|_| show.key_account).map(|e| e.key_account),
        changed_since,
        window_months: policy.assessment_window_months,
        cartons_per_case: policy.cartons_per_case,
        monthly_cartons: monthly,
        disputes,
    }))
}

#[derive(sqlx::FromRow)]
struct DisputeRow {
    id: i64,
    customer_id: i64,
    code: String,
    shop_name: String,
    policy_id: Option<i64>,
    reason: String,
    filed_at: String,
    status: String,
    answer: Option<String>,
    answered_at: Option<String>,
}

async fn disputes_where(
    pool: &SqlitePool,
    scope: Scope,
    show: &CustomerVisibility,
) -> Result<Vec<Dispute>, AppError> {
    let mut qb = sqlx::QueryBuilder::new(
        "SELECT d.id, d.customer_id, c.code, c.shop_name, d.policy_id, d.reason, d.filed_at,
                d.status, d.answer, d.answered_at
         FROM disputes d JOIN customers c ON c.id = d.customer_id WHERE 1 = 1",
    );
    crate::db::scope::push_scope(&mut qb, scope);
    qb.push(" ORDER BY d.status <> 'open', d.id DESC LIMIT 500");
    let rows: Vec<DisputeRow> = qb.build_query_as().fetch_all(pool).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let disputed: Option<TierRow> = match r.policy_id {
            Some(p) => {
                sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "{TIER_SELECT} WHERE a.policy_id = ? AND a.customer_id = ?"
                )))
                .bind(p)
                .bind(r.customer_id)
                .fetch_optional(pool)
                .await?
            }
            None => None,
        };
        out.push(Dispute {
            id: r.id,
            customer_id: r.customer_id,
            customer_code: r.code,
            customer_name: r.shop_name,
            disputed: disputed.map(|t| tier_row(t, show)),
            reason: r.reason,
            filed_at: r.filed_at,
            status: DisputeStatus::from_key(&r.status).unwrap_or(DisputeStatus::Open),
            answer: r.answer,
            answered_at: r.answered_at,
        });
    }
    Ok(out)
}

/// Disputes for staff (every tier shown).
pub async fn disputes(pool: &SqlitePool, scope: Scope) -> Result<Vec<Dispute>, AppError> {
    disputes_where(pool, scope, &ALL_VISIBLE).await
}

pub async fn file_dispute(
    pool: &SqlitePool,
    user: i64,
    customer: i64,
    reason: &str,
) -> Result<Option<i64>, AppError> {
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM customers WHERE id = ?")
        .bind(customer)
        .fetch_optional(pool)
        .await?;
    if exists.is_none() {
        return Ok(None);
    }
    let policy = current_policy(pool).await?.map(|(r, _)| r.id);
    let disputed = match policy {
        Some(p) => {
            let row: Option<(i64, i64, i64)> = sqlx::query_as(
                "SELECT band, grade, class_number FROM assignments WHERE policy_id = ? AND customer_id = ?",
            )
            .bind(p)
            .bind(customer)
            .fetch_optional(pool)
            .await
            ?;
            row.map(|(b, g, c)| format!("band {b} grade {g} class {}", class_code(c)))
                .unwrap_or_default()
        }
        None => String::new(),
    };
    let mut tx = crate::db::write(pool).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO disputes (customer_id, policy_id, disputed, reason, filed_by)
         VALUES (?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(customer)
    .bind(policy)
    .bind(&disputed)
    .bind(reason)
    .bind(user)
    .fetch_one(&mut *tx)
    .await?;
    crate::db::audit::Line::new(user, "dispute.file")
        .customer(customer)
        .detail(format!("dispute {id}: {disputed}"))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Some(id))
}

pub async fn answer_dispute(
    pool: &SqlitePool,
    user: i64,
    id: i64,
    status: DisputeStatus,
    answer: &str,
) -> Result<Once, AppError> {
    let mut tx = crate::db::write(pool).await?;
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
        "UPDATE disputes SET status = ?, answer = ?, answered_by = ?,
                answered_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
         WHERE id = ? AND status = 'open'",
    )
    .bind(status.key())
    .bind(answer)
    .bind(user)
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Ok(Once::AlreadyDone);
    }
    crate::db::audit::Line::new(user, "dispute.answer")
        .customer(customer)
        .new_value(status.key())
        .detail(format!("dispute {id}: {answer}"))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Once::Done)
}

#[derive(sqlx::FromRow)]
struct VisitRow {
    id: i64,
    visited_on: String,
    purpose: String,
    duration_min: i64,
    manager: Option<String>,
    score: Option<i64>,
    comment: Option<String>,
}

pub async fn my_service(pool: &SqlitePool, customer: i64) -> Result<Option<MyService>, AppError> {
    let who: Option<(Option<String>, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT u.display_name, u.phone, r.name FROM customers c
         LEFT JOIN routes r ON r.id = c.route_id LEFT JOIN users u ON u.id = r.manager_id
         WHERE c.id = ?",
    )
    .bind(customer)
    .fetch_optional(pool)
    .await?;
    let Some((manager, phone, route)) = who else {
        return Ok(None);
    };
    let visits: Vec<VisitRow> = sqlx::query_as(
        "SELECT v.id, v.visited_on, v.purpose, v.duration_min, u.display_name AS manager,
                vr.score, vr.comment
         FROM visits v LEFT JOIN users u ON u.id = v.manager_id
         LEFT JOIN visit_ratings vr ON vr.visit_id = v.id
         WHERE v.customer_id = ? ORDER BY v.visited_on DESC, v.id DESC LIMIT 60",
    )
    .bind(customer)
    .fetch_all(pool)
    .await?;
    Ok(Some(MyService {
        manager,
        manager_phone: phone.unwrap_or_default(),
        route,
        visits: visits
            .into_iter()
            .map(|v| MyVisit {
                id: v.id,
                date: v.visited_on,
                purpose: v.purpose,
                duration_min: v.duration_min,
                manager: v.manager.unwrap_or_default(),
                rating: v
                    .score
                    .map(|s| (s.clamp(1, 5) as u8, v.comment.unwrap_or_default())),
            })
            .collect(),
        complaints: crate::complaints::list(
            pool,
            Scope::Customer(customer),
            &app::wire::ComplaintFilter::default(),
            MY_COMPLAINTS,
        )
        .await?
        .rows,
    }))
}

pub async fn rate_visit(
    pool: &SqlitePool,
    customer: i64,
    visit: i64,
    score: u8,
    comment: &str,
) -> Result<Once, AppError> {
    let mine: Option<i64> =
        sqlx::query_scalar("SELECT id FROM visits WHERE id = ? AND customer_id = ?")
            .bind(visit)
            .bind(customer)
            .fetch_optional(pool)
            .await?;
    if mine.is_none() {
        return Ok(Once::NotFound);
    }
    let mut tx = crate::db::write(pool).await?;
    let added = sqlx::query(
        "INSERT INTO visit_ratings (visit_id, score, comment) VALUES (?, ?, ?)
         ON CONFLICT (visit_id) DO NOTHING",
    )
    .bind(visit)
    .bind(i64::from(score))
    .bind(comment)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(if added == 1 {
        Once::Done
    } else {
        Once::AlreadyDone
    })
}

pub async fn create_invite(
    pool: &SqlitePool,
    scope: Scope,
    user: i64,
    customer: i64,
) -> Result<Option<Invite>, AppError> {
    let mut qb =
        sqlx::QueryBuilder::new("SELECT c.code, c.shop_name FROM customers c WHERE c.id = ");
    qb.push_bind(customer);
    crate::db::scope::push_scope(&mut qb, scope);
    let found: Option<(String, String)> = qb.build_query_as().fetch_optional(pool).await?;
    let Some((customer_code, shop_name)) = found else {
        return Ok(None);
    };
    let code = new_invite_code()?;
    let mut tx = crate::db::write(pool).await?;
    // Only the newest invite works: a reprint replaces a lost one.
    sqlx::query("DELETE FROM invites WHERE customer_id = ? AND used_at IS NULL")
        .bind(customer)
        .execute(&mut *tx)
        .await?;
    let expires_at: String = sqlx::query_scalar(
        "INSERT INTO invites (customer_id, code_hash, created_by, expires_at)
         VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?)) RETURNING expires_at",
    )
    .bind(customer)
    .bind(invite_hash(&code))
    .bind(user)
    .bind(format!("+{INVITE_DAYS} days"))
    .fetch_one(&mut *tx)
    .await?;
    crate::db::audit::Line::new(user, "user.invite")
        .customer(customer)
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Some(Invite {
        customer_code,
        shop_name,
        code,
        expires_at,
    }))
}
