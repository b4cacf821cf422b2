//! The self-service portal and the service records it shows: a customer's tiers and why, visits
//! and ratings, disputes, complaints and invites (their rows: `db::self_service`). The
//! customer-facing reads return only what a customer may see: the tiers the published policy
//! shows customers, no findings, nothing of other customers.

use crate::db::policy::current_policy;
use crate::db::self_service::{self as stored, TierRow};
use crate::error::AppError;
use crate::facts;
use crate::publish::class_code;
use crate::time::shown;
use app::wire::{
    CustomerService, Dispute, DisputeStatus, Invite, MyService, MyTierRow, MyTiers, MyVisit, Once,
    Scope,
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

/// A stored assignment with the tiers `show` lets through (everything for staff).
fn tier_row(r: TierRow, show: &CustomerVisibility) -> MyTierRow {
    MyTierRow {
        version: r.version as u32,
        published_at: shown(&r.published_at.unwrap_or_default()),
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

/// A customer's tiers and why, as the customer may see them (what the policy shows customers).
pub async fn my_tiers(
    pool: &SqlitePool,
    facts: &facts::KeptFacts,
    customer: i64,
) -> Result<Option<MyTiers>, AppError> {
    tiers_and_why(pool, facts, customer, false).await
}

/// What staff in `scope` know of a customer beyond the record: every tier and why, the latest
/// visits with their ratings, complaints (`None` when the customer is not in scope).
pub async fn customer_service(
    pool: &SqlitePool,
    facts: &facts::KeptFacts,
    scope: Scope,
    customer: i64,
) -> Result<Option<CustomerService>, AppError> {
    if !crate::db::scope::in_scope(pool, scope, customer).await? {
        return Ok(None);
    }
    let Some(tiers) = tiers_and_why(pool, facts, customer, true).await? else {
        return Ok(None);
    };
    let visits = crate::visits::recent(pool, Scope::Customer(customer), None).await?;
    let complaints = crate::complaints::list(
        pool,
        Scope::Customer(customer),
        &app::wire::ComplaintFilter::default(),
        STAFF_COMPLAINTS,
    )
    .await?
    .rows;
    Ok(Some(CustomerService {
        tiers,
        volume_charts: Vec::new(),
        visits,
        complaints,
    }))
}

/// The most complaints the customer page lists (open ones first); the complaints page has all.
const STAFF_COMPLAINTS: u32 = 20;

/// A customer's tiers, their reasons and history: every tier for staff, else what the policy
/// shows customers.
async fn tiers_and_why(
    pool: &SqlitePool,
    facts: &facts::KeptFacts,
    customer: i64,
    staff: bool,
) -> Result<Option<MyTiers>, AppError> {
    let Some(shop_name) = stored::shop_name(pool, customer).await? else {
        return Ok(None);
    };
    let current = current_policy(pool).await?;
    let policy = current.as_ref().map(|(_, p)| p.clone()).unwrap_or_default();
    let show = if staff {
        ALL_VISIBLE
    } else {
        policy.customer_visibility
    };
    let rows = stored::tiers(pool, customer).await?;
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

    let mut monthly = stored::monthly_cartons(pool, customer, &crate::time::this_month()).await?;
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

async fn disputes_where(
    pool: &SqlitePool,
    scope: Scope,
    show: &CustomerVisibility,
) -> Result<Vec<Dispute>, AppError> {
    let rows = stored::disputes(pool, scope).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let disputed = match r.policy_id {
            Some(p) => stored::tier(pool, p, r.customer_id).await?,
            None => None,
        };
        out.push(Dispute {
            id: r.id,
            customer_id: r.customer_id,
            customer_code: r.code,
            customer_name: r.shop_name,
            disputed: disputed.map(|t| tier_row(t, show)),
            reason: r.reason,
            filed_at: shown(&r.filed_at),
            status: DisputeStatus::from_key(&r.status).unwrap_or(DisputeStatus::Open),
            answer: r.answer,
            answered_at: r.answered_at.as_deref().map(shown),
            applied_in: r.applied_in.and_then(|v| u32::try_from(v).ok()),
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
    if stored::shop_name(pool, customer).await?.is_none() {
        return Ok(None);
    }
    let policy = current_policy(pool).await?.map(|(r, _)| r.id);
    let disputed = match policy {
        Some(p) => {
            let row = stored::tier(pool, p, customer).await?;
            row.map(|t| {
                (
                    u8::try_from(t.band).unwrap_or(0),
                    u8::try_from(t.grade).unwrap_or(0),
                    class_code(t.class_number),
                )
            })
        }
        None => None,
    };
    let id = stored::file_dispute(pool, user, customer, policy, disputed, reason).await?;
    Ok(Some(id))
}

pub async fn answer_dispute(
    pool: &SqlitePool,
    user: i64,
    id: i64,
    status: DisputeStatus,
    answer: &str,
) -> Result<Once, AppError> {
    Ok(stored::answer_dispute(pool, user, id, status.key(), answer).await?)
}

pub async fn my_service(pool: &SqlitePool, customer: i64) -> Result<Option<MyService>, AppError> {
    let who = stored::served_by(pool, customer).await?;
    let Some((manager, phone, route)) = who else {
        return Ok(None);
    };
    let visits = stored::visits(pool, customer).await?;
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
    Ok(stored::rate_visit(pool, customer, visit, i64::from(score), comment).await?)
}

pub async fn create_invite(
    pool: &SqlitePool,
    scope: Scope,
    user: i64,
    customer: i64,
) -> Result<Option<Invite>, AppError> {
    let found = stored::code_and_name(pool, scope, customer).await?;
    let Some((customer_code, shop_name)) = found else {
        return Ok(None);
    };
    let code = new_invite_code()?;
    let expires_at = crate::time::stamp_from_now(chrono::TimeDelta::days(INVITE_DAYS));
    stored::replace_invite(pool, user, customer, &invite_hash(&code), &expires_at).await?;
    Ok(Some(Invite {
        customer_code,
        shop_name,
        code,
        expires_at: shown(&expires_at),
    }))
}
