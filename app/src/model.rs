//! Wire types shared by the server and the browser, and the customer field registry.

use serde::{Deserialize, Serialize};

/// Who a user is (SPEC §1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Manager,
    CustomerManager,
    LicenceOfficer,
    Customer,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Manager,
        Role::CustomerManager,
        Role::LicenceOfficer,
        Role::Customer,
    ];

    pub const fn key(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::CustomerManager => "customer_manager",
            Role::LicenceOfficer => "licence_officer",
            Role::Customer => "customer",
        }
    }

    pub fn from_key(k: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.key() == k)
    }

    /// Staff work in the archive; customers only see themselves (the portal).
    pub const fn is_staff(self) -> bool {
        !matches!(self, Role::Customer)
    }

    /// The what-if lab and publishing are for managers (and admins).
    pub const fn can_use_lab(self) -> bool {
        matches!(self, Role::Admin | Role::Manager)
    }
}

/// The signed-in user, as the server resolved it from the session cookie.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// For customers: their own customer record.
    pub customer_id: Option<i64>,
    /// Set for a first (one-time) password: the user must choose their own before anything else.
    pub must_change_password: bool,
}

impl Me {
    /// Which customers this user may reach. Every storage query applies it.
    pub fn scope(&self) -> Scope {
        match self.role {
            Role::Admin | Role::Manager | Role::LicenceOfficer => Scope::All,
            Role::CustomerManager => Scope::Routes { manager: self.id },
            Role::Customer => match self.customer_id {
                Some(id) => Scope::Customer(id),
                None => Scope::Nothing,
            },
        }
    }
}

/// The customers a query may touch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    All,
    /// Customers on the routes this customer manager serves.
    Routes {
        manager: i64,
    },
    /// One customer: themself.
    Customer(i64),
    Nothing,
}

/// The five information groups of the archive (SPEC §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldGroup {
    Basic,
    Network,
    Management,
    Business,
    Personal,
}

impl FieldGroup {
    pub const ALL: [FieldGroup; 5] = [
        FieldGroup::Basic,
        FieldGroup::Network,
        FieldGroup::Management,
        FieldGroup::Business,
        FieldGroup::Personal,
    ];
}

/// How a field is maintained (SPEC §2): set once, changes with the business, or derived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Maintenance {
    Static,
    Dynamic,
    Computed,
}

/// What kind of value a field holds (drives formatting now, input widgets and validation later).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Integer,
    Decimal,
    Date,
    Flag,
    /// A business format key (`kehu_engine::BusinessFormat`).
    Format,
    /// A market type key.
    Market,
}

/// One field of the customer archive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldDef {
    /// Stable key: database column (for stored fields), CSV header, UI message id.
    pub key: &'static str,
    pub group: FieldGroup,
    pub maintenance: Maintenance,
    /// The role allowed to change it directly; `None` for computed fields.
    pub owner: Option<Role>,
    pub kind: FieldKind,
}

const fn f(
    key: &'static str,
    group: FieldGroup,
    m: Maintenance,
    owner: Option<Role>,
    kind: FieldKind,
) -> FieldDef {
    FieldDef {
        key,
        group,
        maintenance: m,
        owner,
        kind,
    }
}

use FieldGroup as G;
use FieldKind as K;
use Maintenance as M;
const LO: Option<Role> = Some(Role::LicenceOfficer);
const CM: Option<Role> = Some(Role::CustomerManager);
const MG: Option<Role> = Some(Role::Manager);
const AD: Option<Role> = Some(Role::Admin);

/// Every archive field, once: group, maintenance class and owner role (SPEC §2, seed
/// "明确各个信息字段的维护与变更的权限归属"). Stored fields are columns of `customers` by the same name.
pub const FIELDS: &[FieldDef] = &[
    // Basic
    f("code", G::Basic, M::Static, AD, K::Text),
    f("shop_name", G::Basic, M::Static, LO, K::Text),
    f("licence_no", G::Basic, M::Static, LO, K::Text),
    f("legal_rep", G::Basic, M::Static, LO, K::Text),
    f("settlement_method", G::Basic, M::Dynamic, CM, K::Text),
    f("order_cycle", G::Basic, M::Dynamic, CM, K::Text),
    f("delivery_cycle", G::Basic, M::Dynamic, CM, K::Text),
    // Network
    f("business_nature", G::Network, M::Static, LO, K::Text),
    f("registered_capital", G::Network, M::Static, LO, K::Integer),
    f("display_form", G::Network, M::Dynamic, CM, K::Text),
    f("district", G::Network, M::Static, AD, K::Text),
    f("business_area_m2", G::Network, M::Dynamic, CM, K::Decimal),
    f("business_format", G::Network, M::Static, LO, K::Format),
    f("market_type", G::Network, M::Static, MG, K::Market),
    f("route", G::Network, M::Dynamic, MG, K::Text),
    f("customer_manager", G::Network, M::Computed, None, K::Text),
    f("phone_clerk", G::Network, M::Dynamic, MG, K::Text),
    f("delivery_person", G::Network, M::Dynamic, MG, K::Text),
    f("delivery_segment", G::Network, M::Dynamic, MG, K::Text),
    f("order_batch", G::Network, M::Dynamic, MG, K::Text),
    f("visit_batch", G::Network, M::Dynamic, MG, K::Text),
    f("order_frequency", G::Network, M::Dynamic, CM, K::Text),
    f("outlet_scale", G::Network, M::Computed, None, K::Text),
    // Management
    f("monopoly_licence_no", G::Management, M::Static, LO, K::Text),
    f("licence_type", G::Management, M::Static, LO, K::Text),
    f(
        "compliance_record",
        G::Management,
        M::Computed,
        None,
        K::Integer,
    ),
    f("issuing_bureau", G::Management, M::Static, LO, K::Text),
    f("licence_officer", G::Management, M::Dynamic, MG, K::Text),
    f("classification", G::Management, M::Computed, None, K::Text),
    f("integrity_level", G::Management, M::Dynamic, LO, K::Text),
    f("monitored", G::Management, M::Dynamic, LO, K::Flag),
    f("demonstration", G::Management, M::Dynamic, MG, K::Flag),
    f("licence_issue_date", G::Management, M::Static, LO, K::Date),
    f(
        "licence_expiry_date",
        G::Management,
        M::Dynamic,
        LO,
        K::Date,
    ),
    f("annual_review_date", G::Management, M::Dynamic, LO, K::Date),
    // Business
    f("operating_status", G::Business, M::Dynamic, CM, K::Text),
    f("cooperation", G::Business, M::Dynamic, CM, K::Text),
    f(
        "business_characteristics",
        G::Business,
        M::Dynamic,
        CM,
        K::Text,
    ),
    f("trade_area", G::Business, M::Dynamic, CM, K::Text),
    // Personal
    f("contact_person", G::Personal, M::Dynamic, CM, K::Text),
    f("phone", G::Personal, M::Dynamic, CM, K::Text),
    f("address", G::Personal, M::Static, LO, K::Text),
    f("mailing_address", G::Personal, M::Dynamic, CM, K::Text),
];

pub fn field(key: &str) -> Option<&'static FieldDef> {
    FIELDS.iter().find(|f| f.key == key)
}

/// Filters and page of the customer list; every field is optional so the URL query maps onto it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerQuery {
    pub q: String,
    pub format: String,
    pub market: String,
    pub route: Option<i64>,
    pub band: Option<u8>,
    /// 1-based.
    pub page: u32,
}

pub const PAGE_SIZE: u32 = 25;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomerRow {
    pub id: i64,
    pub code: String,
    pub shop_name: String,
    pub business_format: String,
    pub market_type: String,
    pub district: String,
    pub route: String,
    pub manager: String,
    pub band: Option<u8>,
    pub grade: Option<u8>,
    pub tier: Option<String>,
    pub monthly_volume: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomerPage {
    pub rows: Vec<CustomerRow>,
    pub total: u64,
    pub page: u32,
    pub pages: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RouteOption {
    pub id: i64,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FilterOptions {
    pub routes: Vec<RouteOption>,
}

/// What the what-if lab needs of every customer in scope: the engine's facts column-wise, as the
/// published policy derived them, plus the route of each customer and the names behind the
/// manager and route indices. Sent as postcard (binary), compressed, with an ETag. Names,
/// contacts and other archive fields never enter it; the movers table asks for the labels of
/// the rows it shows ([`CustomerLabel`]).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The published policy (JSON) whose window and carton size the facts were derived under.
    pub policy_json: String,
    pub policy: Option<PolicyRef>,
    /// Latest purchase month in the data (`YYYY-MM`).
    pub latest_month: Option<String>,
    /// Customer ids in ascending order, as differences from the previous id (they compress to
    /// almost nothing).
    pub id_deltas: Vec<u32>,
    /// Route of each customer: index into `routes`, or `u16::MAX` for none.
    pub route: Vec<u16>,
    pub routes: Vec<String>,
    /// Customer-manager names; `population.manager` indexes this list.
    pub managers: Vec<String>,
    pub population: kehu_engine::Population,
}

impl Snapshot {
    pub const NO_ROUTE: u16 = u16::MAX;

    /// The customer ids, rebuilt from their differences.
    pub fn ids(&self) -> Vec<i64> {
        let mut id = 0i64;
        self.id_deltas
            .iter()
            .map(|&d| {
                id += i64::from(d);
                id
            })
            .collect()
    }

    /// Encodes for the wire.
    pub fn to_bytes(&self) -> Vec<u8> {
        postcard::to_allocvec(self).unwrap_or_default()
    }

    /// Decodes from the wire and checks that every column has one entry per customer.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        let s: Self = postcard::from_bytes(bytes).map_err(|e| e.to_string())?;
        s.population.check()?;
        let n = s.population.len();
        if s.id_deltas.len() != n || s.route.len() != n {
            return Err(format!(
                "snapshot has {n} customers but {} ids and {} routes",
                s.id_deltas.len(),
                s.route.len()
            ));
        }
        Ok(s)
    }
}

/// What the movers table shows of a customer beside the engine's numbers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomerLabel {
    pub id: i64,
    pub code: String,
    pub name: String,
}

/// The server's own classification of a draft policy over the stored data (the same engine as
/// the browser): what publishing it would do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyPreview {
    pub customers: u32,
    pub band_counts: Vec<u32>,
    pub tier_counts: Vec<u32>,
    pub movers: u32,
}

/// A published policy's identity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyRef {
    pub id: i64,
    pub version: i64,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub customers: u64,
    pub routes: u64,
    pub managers: u64,
    pub avg_volume: String,
    pub quota_total: String,
    pub policy: Option<PolicyRef>,
    pub band_counts: Vec<u32>,
    pub tier_counts: Vec<u32>,
}

/// One field's value on the customer page, already formatted by the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldValue {
    pub key: String,
    pub value: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    pub policy: PolicyRef,
    pub band: u8,
    pub grade: u8,
    pub class_code: String,
    pub value_score: String,
    pub value_class: String,
    pub tier: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomerDetail {
    pub id: i64,
    pub code: String,
    pub shop_name: String,
    /// Optimistic-concurrency version of the record.
    pub version: i64,
    pub fields: Vec<FieldValue>,
    pub assignment: Option<Assignment>,
    pub monthly_volume: String,
    pub avg_price: Option<String>,
    pub monthly_amount: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_has_unique_keys_and_computed_fields_have_no_owner() {
        let mut keys: Vec<_> = FIELDS.iter().map(|f| f.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), FIELDS.len());
        for f in FIELDS {
            assert_eq!(
                f.maintenance == Maintenance::Computed,
                f.owner.is_none(),
                "{}",
                f.key
            );
        }
        for g in FieldGroup::ALL {
            assert!(FIELDS.iter().any(|f| f.group == g), "{g:?} has fields");
        }
    }
}
