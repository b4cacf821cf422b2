//! The customers' portal: my profile, my tiers and why, disputes, my service, invites.

use super::*;

/// What a customer sees of their own record (the portal's profile page).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MyProfile {
    pub code: String,
    pub shop_name: String,
    /// Only the fields a customer sees, already formatted.
    pub fields: Vec<FieldValue>,
    /// The field keys they may request a change of.
    pub requestable: Vec<String>,
    pub requests: Vec<MyRequest>,
}

/// A customer's own change request, without staff names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyRequest {
    pub id: i64,
    pub field: String,
    pub old_value: String,
    pub new_value: String,
    pub reason: String,
    pub status: RequestStatus,
    pub requested_at: Shown,
    pub reviewed_at: Option<Shown>,
    pub review_reason: Option<String>,
}

impl From<ChangeRequest> for MyRequest {
    fn from(r: ChangeRequest) -> Self {
        MyRequest {
            id: r.id,
            field: r.field,
            old_value: r.old_value,
            new_value: r.new_value,
            reason: r.reason,
            status: r.status,
            requested_at: r.requested_at,
            reviewed_at: r.reviewed_at,
            review_reason: r.review_reason,
        }
    }
}

/// One published classification of a customer, with only the tiers customers may see.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyTierRow {
    pub version: u32,
    pub published_at: Shown,
    pub band: Option<u8>,
    pub grade: Option<u8>,
    pub class_code: Option<String>,
    pub value_class: Option<String>,
    pub tier: Option<String>,
    pub key_account: Option<String>,
}

/// A customer's classification under the published policy, and why — only what the policy lets
/// customers see (`CustomerVisibility`); hidden tiers and their reasons are never sent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MyTiers {
    pub shop_name: String,
    /// The latest publication, as stored.
    pub current: Option<MyTierRow>,
    /// Every publication, newest first.
    pub history: Vec<MyTierRow>,
    /// The engine's reasons on today's figures under the published policy.
    pub band: Option<kehu_engine::classify::BandWhy>,
    pub grade: Option<kehu_engine::classify::GradeWhy>,
    pub class: Option<kehu_engine::classify::ClassWhy>,
    pub value: Option<kehu_engine::classify::ValueWhy>,
    pub tier: Option<kehu_engine::classify::TierWhy>,
    pub key_account: Option<kehu_engine::classify::KeyAccountWhy>,
    /// Whether today's figures give other tiers than the publication (they apply at the next).
    pub changed_since: bool,
    pub window_months: u8,
    pub cartons_per_case: u16,
    /// Cartons bought per month, the last 12 months, oldest first (`YYYY-MM`).
    pub monthly_cartons: Vec<(String, i64)>,
    pub disputes: Vec<Dispute>,
}

/// Where a dispute stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisputeStatus {
    Open,
    /// The classification stands; the answer says why.
    Upheld,
    /// The data behind it was corrected.
    Corrected,
}

impl DisputeStatus {
    pub const ALL: [DisputeStatus; 3] = [Self::Open, Self::Upheld, Self::Corrected];

    pub const fn key(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Upheld => "upheld",
            Self::Corrected => "corrected",
        }
    }

    pub fn from_key(k: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == k)
    }
}

/// A customer's dispute of their classification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dispute {
    pub id: i64,
    pub customer_id: i64,
    pub customer_code: String,
    pub customer_name: String,
    /// The classification disputed (the publication in force when filed). A customer sees only
    /// the tiers the policy shows them; staff see all.
    pub disputed: Option<MyTierRow>,
    pub reason: String,
    pub filed_at: Shown,
    pub status: DisputeStatus,
    pub answer: Option<String>,
    pub answered_at: Option<Shown>,
    /// For a corrected dispute: the first version published after the correction (the one the
    /// corrected classification is in); `None` until then.
    #[serde(default)]
    pub applied_in: Option<u32>,
}

/// A visit as the customer sees it (the customer manager's findings stay internal).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyVisit {
    pub id: i64,
    pub date: String,
    pub purpose: String,
    pub duration_min: i64,
    pub manager: String,
    pub rating: Option<(u8, String)>,
}

/// The portal's service page: who serves me, my visits, my complaints.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyService {
    pub manager: Option<String>,
    /// The customer manager's phone ("" when unknown).
    pub manager_phone: String,
    pub route: Option<String>,
    pub visits: Vec<MyVisit>,
    pub complaints: Vec<Complaint>,
}

/// A printable one-time invite for a customer to set their portal password.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    pub customer_code: String,
    pub shop_name: String,
    pub code: String,
    pub expires_at: Shown,
}

/// What became of a write that is made once: an answer to a dispute, a rating of a visit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Once {
    Done,
    /// It was made before (answered, rated): nothing changed.
    AlreadyDone,
    /// No such record, or not one of the caller's.
    NotFound,
}
