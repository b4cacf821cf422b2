//! Wire types shared by the server and the browser, and the customer field registry.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// Who a user is (domain §1).
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

    /// Bulk imports change many records at once: managers and admins.
    pub const fn can_import(self) -> bool {
        matches!(self, Role::Admin | Role::Manager)
    }

    /// Who works the change-request queue: managers and admins every field, licence officers the
    /// fields they own.
    pub const fn reviews_requests(self) -> bool {
        matches!(self, Role::Admin | Role::Manager | Role::LicenceOfficer)
    }

    /// Whether this role may approve or reject a request on `field`.
    pub fn can_review(self, field: &FieldDef) -> bool {
        match self {
            Role::Admin | Role::Manager => true,
            Role::LicenceOfficer => field.owner == Some(Role::LicenceOfficer),
            _ => false,
        }
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

/// The five information groups of the archive (domain §2).
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

/// How a field is maintained (domain §2): set once, changes with the business, or derived.
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

/// Every archive field, once: group, maintenance class and owner role (domain §2, seed
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

/// Why a value cannot go into a field (localised by the UI, English in `Display` for logs, the
/// command line and API clients).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum FieldProblem {
    #[error("{field}: must not be empty")]
    Required { field: String },
    #[error("{field}: at most {max} characters")]
    TooLong { field: String, max: u32 },
    #[error("{field}: must be a whole number of 0 or more")]
    NotAWholeNumber { field: String },
    #[error("{field}: must be a number of 0 or more (up to {max})")]
    NotANumber { field: String, max: u32 },
    #[error("{field}: must be a date like 2026-11-23")]
    NotADate { field: String },
    #[error("{field}: must be yes (1) or no (0)")]
    NotAFlag { field: String },
    #[error("{field}: must be one of {choices}")]
    NotAChoice { field: String, choices: String },
    #[error("{field}: is derived by kehu and cannot be set")]
    Computed { field: String },
    #[error("{field}: already used by another customer")]
    Taken { field: String },
}

/// The longest text a field takes.
pub const MAX_TEXT_CHARS: u32 = 200;
/// The largest business area (m²) or registered capital accepted as plausible.
pub const MAX_AREA_M2: u32 = 100_000;

fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|t| t.parse::<u32>().ok());
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1900..=2200).contains(&y) && (1..=days).contains(&d)
}

impl FieldDef {
    /// Whether this role may change the field directly (its owner; admins for every stored field).
    /// Others file a change request. The route is reassigned through its own form, not as text.
    pub fn editable_by(&self, role: Role) -> bool {
        self.maintenance != Maintenance::Computed
            && self.key != "route"
            && (self.owner == Some(role) || (role == Role::Admin && self.owner.is_some()))
    }

    /// Whether a customer sees this field of their own record. Internal assessments (integrity,
    /// monitoring, cooperation) and the classification (shown on its own, as far as the policy
    /// lets customers see tiers) are staff-only.
    pub fn customer_sees(&self) -> bool {
        !matches!(
            self.key,
            "integrity_level"
                | "monitored"
                | "cooperation"
                | "classification"
                | "compliance_record"
        )
    }

    /// Whether this role files a change request for the field: staff who do not own it, and a
    /// customer for the fields of their own record they see.
    pub fn requestable_by(&self, role: Role) -> bool {
        (role.is_staff() || (self.customer_sees() && self.key != "code"))
            && self.maintenance != Maintenance::Computed
            && self.key != "route"
            && self.owner.is_some()
            && !self.editable_by(role)
    }

    /// Checks and normalises a value typed for this field: trimmed text, numbers in plain form,
    /// flags as 0/1, choices as their keys. The same rules serve forms, requests and imports.
    /// A value already in its normal form is handed back as it is (imports check millions).
    pub fn parse<'a>(&self, raw: &'a str) -> Result<Cow<'a, str>, FieldProblem> {
        // The field's name only for a problem: imports parse millions of good cells.
        let field = || self.key.to_string();
        let v = raw.trim();
        if self.maintenance == Maintenance::Computed {
            return Err(FieldProblem::Computed { field: field() });
        }
        match self.kind {
            FieldKind::Text => {
                if v.is_empty() && matches!(self.key, "code" | "shop_name") {
                    Err(FieldProblem::Required { field: field() })
                } else if v.chars().count() > MAX_TEXT_CHARS as usize {
                    Err(FieldProblem::TooLong {
                        field: field(),
                        max: MAX_TEXT_CHARS,
                    })
                } else {
                    Ok(Cow::Borrowed(v))
                }
            }
            FieldKind::Integer => {
                let plain =
                    v.bytes().all(|b| b.is_ascii_digit()) && (v.len() == 1 || !v.starts_with('0'));
                if plain && v.len() < 19 {
                    return Ok(Cow::Borrowed(v));
                }
                // As a spreadsheet may write it: "+5", "007", "5E+4", "50000.0".
                kehu_engine::Fixed::<0>::parse_spreadsheet(v, kehu_engine::Rounding::Exact)
                    .ok()
                    .filter(|n| n.raw() >= 0)
                    .map(|n| Cow::Owned(n.raw().to_string()))
                    .ok_or_else(|| FieldProblem::NotAWholeNumber { field: field() })
            }
            // Areas are compared "at least" (the scale of a shop): more decimals than the
            // hundredths kept round down.
            FieldKind::Decimal => {
                kehu_engine::Cents::parse_spreadsheet(v, kehu_engine::Rounding::Down)
                    .ok()
                    .filter(|x| (0..=i64::from(MAX_AREA_M2) * 100).contains(&x.raw()))
                    .map(|x| Cow::Owned(x.to_string()))
                    .ok_or_else(|| FieldProblem::NotANumber {
                        field: field(),
                        max: MAX_AREA_M2,
                    })
            }
            FieldKind::Date => {
                if v.is_empty() || valid_date(v) {
                    Ok(Cow::Borrowed(v))
                } else {
                    Err(FieldProblem::NotADate { field: field() })
                }
            }
            FieldKind::Flag => match v {
                "1" | "true" | "yes" | "是" => Ok(Cow::Borrowed("1")),
                "0" | "false" | "no" | "否" => Ok(Cow::Borrowed("0")),
                _ => Err(FieldProblem::NotAFlag { field: field() }),
            },
            FieldKind::Format => kehu_engine::BusinessFormat::from_key(v)
                .map(|f| Cow::Borrowed(f.key()))
                .ok_or_else(|| FieldProblem::NotAChoice {
                    field: field(),
                    choices: kehu_engine::BusinessFormat::ALL
                        .iter()
                        .map(|f| f.key())
                        .collect::<Vec<_>>()
                        .join(", "),
                }),
            FieldKind::Market => kehu_engine::MarketType::from_key(v)
                .map(|m| Cow::Borrowed(m.key()))
                .ok_or_else(|| FieldProblem::NotAChoice {
                    field: field(),
                    choices: kehu_engine::MarketType::ALL
                        .iter()
                        .map(|m| m.key())
                        .collect::<Vec<_>>()
                        .join(", "),
                }),
        }
    }
}

/// Filters and page of the customer list; every field is optional so the URL query maps onto it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
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

/// The longest search text of the customer list.
pub const MAX_SEARCH_CHARS: usize = 100;

impl CustomerQuery {
    /// What is wrong with a query, naming the field (the list and its export share it).
    pub fn check(&self) -> Result<(), String> {
        if self.q.chars().count() > MAX_SEARCH_CHARS {
            return Err(format!(
                "q: search text is longer than {MAX_SEARCH_CHARS} characters"
            ));
        }
        if let Some(b) = self.band
            && !(1..=8).contains(&b)
        {
            return Err(format!("band: must be 1 to 8, not {b}"));
        }
        if !self.format.is_empty() && kehu_engine::BusinessFormat::from_key(&self.format).is_none()
        {
            return Err("format: not a business format".into());
        }
        if !self.market.is_empty() && kehu_engine::MarketType::from_key(&self.market).is_none() {
            return Err("market: urban or rural".into());
        }
        Ok(())
    }
}

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
    /// The customer manager of each route (index into `managers`, or `NO_MANAGER`): a packed
    /// snapshot sends the manager column as zeros and the receiver derives it from the route.
    pub route_manager: Vec<u32>,
    pub population: kehu_engine::Population,
}

impl Snapshot {
    pub const NO_ROUTE: u16 = u16::MAX;
    /// In a packed snapshot, a previous band or tier equal to what the published policy gives
    /// the customer's facts now (most customers): the receiver recomputes it.
    pub const SAME_AS_PUBLISHED: u8 = u8::MAX;

    /// Makes the snapshot smaller on the wire without losing anything: the manager column
    /// becomes zeros when every customer's manager is their route's (it always is: managers come
    /// from routes), and previous bands and tiers equal to the published policy's own result on
    /// today's facts become [`Self::SAME_AS_PUBLISHED`]. [`Self::unpack`] restores both.
    pub fn pack(&mut self) {
        let n = self.population.len();
        if let Ok(policy) = serde_json::from_str::<kehu_engine::Policy>(&self.policy_json)
            && policy.validate().is_empty()
        {
            let mut out = kehu_engine::batch::Outcomes::default();
            kehu_engine::batch::classify_all(
                &policy,
                &self.population,
                self.managers.len(),
                &mut out,
            );
            for i in 0..n {
                if self.population.prev_band[i] == out.band[i] {
                    self.population.prev_band[i] = Self::SAME_AS_PUBLISHED;
                }
                if self.population.prev_tier[i] == out.tier[i] + 1 {
                    self.population.prev_tier[i] = Self::SAME_AS_PUBLISHED;
                }
            }
        }
        let derivable = self.routes.len() < usize::from(Self::NO_ROUTE)
            && (0..n).all(|i| self.manager_of_route(self.route[i]) == self.population.manager[i]);
        if derivable {
            self.population.manager = vec![0; n];
        } else {
            self.route_manager.clear();
        }
    }

    fn manager_of_route(&self, route: u16) -> u32 {
        self.route_manager
            .get(usize::from(route))
            .copied()
            .unwrap_or(kehu_engine::batch::NO_MANAGER)
    }

    /// Undoes [`Self::pack`].
    pub fn unpack(&mut self) {
        let n = self.population.len();
        if !self.route_manager.is_empty() {
            self.population.manager = (0..n)
                .map(|i| self.manager_of_route(self.route[i]))
                .collect();
        }
        let packed = |v: &[u8]| v.contains(&Self::SAME_AS_PUBLISHED);
        if !packed(&self.population.prev_band) && !packed(&self.population.prev_tier) {
            return;
        }
        // The engine takes valid policies only (a snapshot from elsewhere may carry anything).
        let Ok(policy) = serde_json::from_str::<kehu_engine::Policy>(&self.policy_json) else {
            return;
        };
        if !policy.validate().is_empty() {
            return;
        }
        let mut out = kehu_engine::batch::Outcomes::default();
        kehu_engine::batch::classify_all(&policy, &self.population, self.managers.len(), &mut out);
        for i in 0..n {
            if self.population.prev_band[i] == Self::SAME_AS_PUBLISHED {
                self.population.prev_band[i] = out.band[i];
            }
            if self.population.prev_tier[i] == Self::SAME_AS_PUBLISHED {
                self.population.prev_tier[i] = out.tier[i] + 1;
            }
        }
    }

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
        let mut s: Self = postcard::from_bytes(bytes).map_err(|e| e.to_string())?;
        s.population.check()?;
        let n = s.population.len();
        if s.id_deltas.len() != n || s.route.len() != n {
            return Err(format!(
                "snapshot has {n} customers but {} ids and {} routes",
                s.id_deltas.len(),
                s.route.len()
            ));
        }
        s.unpack();
        Ok(s)
    }
}

/// What the movers table shows of a customer beside the engine's numbers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
    /// The band chart as SVG, drawn by the server in each language (in `Locale::get_all()`
    /// order), so the chart library stays out of the pages' first-load wasm.
    #[serde(default)]
    pub band_charts: Vec<String>,
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
    /// The field keys the viewer may change directly (filled in by the server for the caller).
    pub editable: Vec<String>,
    /// The field keys the viewer may request a change of.
    pub requestable: Vec<String>,
}

/// What became of an edit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EditResult {
    /// Stored: the record's new version and the value as stored (normalised).
    Saved { version: i64, value: String },
    /// The value was refused; nothing changed.
    Invalid(FieldProblem),
    /// Someone changed the record since the editor loaded it (now at `version`); nothing changed.
    Stale { version: i64 },
}

/// The longest reason a request or a rejection takes.
pub const MAX_REASON_CHARS: usize = 500;

/// Where a change request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    Pending,
    Approved,
    Rejected,
}

impl RequestStatus {
    pub const fn key(self) -> &'static str {
        match self {
            RequestStatus::Pending => "pending",
            RequestStatus::Approved => "approved",
            RequestStatus::Rejected => "rejected",
        }
    }

    pub fn from_key(k: &str) -> Option<Self> {
        [Self::Pending, Self::Approved, Self::Rejected]
            .into_iter()
            .find(|s| s.key() == k)
    }
}

/// A request to change one field of one customer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeRequest {
    pub id: i64,
    pub customer_id: i64,
    pub customer_code: String,
    pub customer_name: String,
    pub field: String,
    /// The value when the request was filed.
    pub old_value: String,
    pub new_value: String,
    pub reason: String,
    pub status: RequestStatus,
    pub requested_by: String,
    pub requested_at: String,
    pub reviewed_by: String,
    pub reviewed_at: Option<String>,
    pub review_reason: Option<String>,
}

/// What became of filing a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RequestResult {
    Filed {
        id: i64,
    },
    Invalid(FieldProblem),
    /// A reason (1 to 500 characters) is required.
    ReasonRequired,
    /// The field already holds this value.
    Unchanged,
}

/// What became of a review.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReviewResult {
    /// Applied: the customer's new record version.
    Approved {
        version: i64,
    },
    Rejected,
    /// Rejecting needs a reason.
    ReasonRequired,
    /// The field changed since the request was filed (now `current`); nothing was applied.
    Changed {
        current: String,
    },
    /// Someone else decided it first.
    AlreadyDecided,
}

/// One bad row of an imported file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// 1-based line in the file (the header is line 1).
    pub line: u64,
    pub column: String,
    pub reason: String,
}

/// What an import found and did. Nothing is written unless `error_count` is 0.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub kind: String,
    pub rows: u64,
    pub inserted: u64,
    pub updated: u64,
    /// Columns that are not stored fields (computed ones, the export's classification, others).
    pub ignored_columns: Vec<String>,
    /// The first bad rows (at most 1,000 listed).
    pub errors: Vec<RowError>,
    pub error_count: u64,
    pub committed: bool,
}

/// One line of the overall audit trail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub at: String,
    pub user: String,
    pub action: String,
    pub customer: Option<CustomerLabel>,
    pub field: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub detail: Option<String>,
    pub request_id: Option<i64>,
}

/// A page of the overall audit trail, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    pub total: u64,
    pub page: u32,
    pub pages: u32,
}

/// Lines of the audit page.
pub const AUDIT_PAGE_SIZE: u32 = 50;

/// The kinds of audit line the audit page filters by (prefixes of `audit.action`).
pub const AUDIT_ACTIONS: &[&str] = &["field.", "request.", "policy.", "import.", "user."];

/// One line of a customer's audit trail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: String,
    /// Display name of who did it ("" for the system: demo data, the command line).
    pub user: String,
    pub action: String,
    pub field: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

/// A saved policy: a draft (editable, by revision) or a published version (locked).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyInfo {
    pub id: i64,
    pub name: String,
    /// Set for a published policy.
    pub version: Option<i64>,
    /// Drafts: the revision the next change must name.
    pub revision: i64,
    pub updated_at: String,
    pub author: String,
}

impl PolicyInfo {
    pub fn is_draft(&self) -> bool {
        self.version.is_none()
    }
}

/// What became of saving, renaming or deleting a draft.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DraftResult {
    /// Stored (or deleted): the draft and its new revision.
    Saved { id: i64, revision: i64 },
    /// Someone changed the draft since it was opened (now at `revision`); nothing was stored.
    Stale { revision: i64 },
    /// The policy is not valid (every problem, in English for the log; the lab shows its own).
    Invalid(String),
    /// No such draft (deleted, or a published policy, which is locked).
    Gone,
}

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
    pub requested_at: String,
    pub reviewed_at: Option<String>,
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
    pub published_at: String,
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
    pub filed_at: String,
    pub status: DisputeStatus,
    pub answer: Option<String>,
    pub answered_at: Option<String>,
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

/// The seven handling steps of a complaint (domain §9), in order.
pub const COMPLAINT_STEPS: [&str; 7] = [
    "listen",
    "accept",
    "apologise",
    "learn_need",
    "find_solution",
    "explain",
    "follow_up",
];

/// The customer's attitude when complaining (domain §9, seed): each has its handling guidance.
pub const COMPLAINT_ATTITUDES: [&str; 4] = ["insistent", "hesitant", "friendly", "angry"];

/// The steps up to "explain" are done before a complaint is closed; the follow-up visit may
/// come after.
pub const STEPS_BEFORE_CLOSING: usize = 6;

/// One handling step done: when (local time), by whom, with a note (staff only), and whether
/// it was done after the complaint's deadline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintStep {
    pub key: String,
    pub at: String,
    #[serde(default)]
    pub by: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub late: bool,
}

/// A complaint and how far its handling has come. Customers see their own without the staff's
/// fields (attitude, notes, who did what).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Complaint {
    pub id: i64,
    pub customer_id: i64,
    pub customer_code: String,
    pub customer_name: String,
    pub subject: String,
    pub description: String,
    /// `general` or `major`.
    pub severity: String,
    /// `open` or `closed`.
    pub status: String,
    /// Local time of the service desk (`2026-11-23 16:00`), as deadlines are counted.
    pub filed_at: String,
    pub due_at: String,
    pub closed_at: Option<String>,
    /// Open past its deadline, or closed after it.
    pub overdue: bool,
    /// Steps done, in the seed's order.
    pub steps: Vec<ComplaintStep>,
    /// Staff only: one of [`COMPLAINT_ATTITUDES`].
    #[serde(default)]
    pub attitude: Option<String>,
    /// A major complaint is confirmed by then (local time).
    #[serde(default)]
    pub confirm_due_at: Option<String>,
    /// When it was confirmed, and whether it was found substantiated (then it went to the
    /// working group).
    #[serde(default)]
    pub confirmed: Option<(String, bool)>,
    /// A major complaint not confirmed by its confirmation deadline (or confirmed after it).
    #[serde(default)]
    pub confirm_overdue: bool,
    #[serde(default)]
    pub resolution: String,
    /// The customer's customer manager (staff view).
    #[serde(default)]
    pub handler: String,
    /// Record version: a change based on an older one is refused.
    #[serde(default)]
    pub version: i64,
}

impl Complaint {
    pub fn is_open(&self) -> bool {
        self.status == "open"
    }

    pub fn escalated(&self) -> bool {
        matches!(self.confirmed, Some((_, true)))
    }

    pub fn step(&self, key: &str) -> Option<&ComplaintStep> {
        self.steps.iter().find(|s| s.key == key)
    }
}

/// Which complaints a staff list shows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintFilter {
    /// `open`, `closed`, or empty for both.
    #[serde(default)]
    pub status: String,
    /// `general`, `major`, or empty for both.
    #[serde(default)]
    pub severity: String,
    #[serde(default)]
    pub overdue_only: bool,
    /// 1-based page of [`COMPLAINT_PAGE_SIZE`] (0 is the first).
    #[serde(default)]
    pub page: u32,
}

/// Complaints a page of the staff list shows.
pub const COMPLAINT_PAGE_SIZE: u32 = 20;

/// A page of complaints and how many match the filter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintPage {
    pub rows: Vec<Complaint>,
    pub total: u64,
    pub page: u32,
    pub pages: u32,
}

/// What a member of staff does to a complaint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ComplaintAction {
    /// Records the customer's attitude (one of [`COMPLAINT_ATTITUDES`]).
    Attitude(String),
    /// Makes a general complaint major: its deadlines become the major ones, counted from
    /// when it was filed.
    MakeMajor,
    /// Marks a handling step done, with a note.
    Step { key: String, note: String },
    /// Confirms a major complaint: substantiated ones go to the working group.
    Confirm { substantiated: bool, note: String },
    /// Closes it with the resolution told to the customer.
    Close { resolution: String },
}

/// The outcome of a complaint action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ComplaintResult {
    Done(Complaint),
    /// Someone changed it since `version`: here it is as it stands.
    Stale(Complaint),
    /// Refused: the action does not fit the complaint as it stands.
    Refused(ComplaintRefusal),
}

/// Why a complaint action was refused (each shown as a sentence in the user's language).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ComplaintRefusal {
    /// It is closed already.
    Closed,
    /// Closing needs these steps done first.
    StepsMissing(Vec<String>),
    /// A resolution is needed to close it.
    NoResolution,
    /// Only a major complaint is confirmed; this one is confirmed already or general.
    NotToConfirm,
    /// A major complaint is confirmed before it is closed.
    NotConfirmed,
    /// Unknown step or attitude, or a text over its length.
    BadValue,
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
    pub expires_at: String,
}

/// The longest complaint text, subject and rating comment.
pub const MAX_COMPLAINT_CHARS: usize = 2_000;
pub const MAX_SUBJECT_CHARS: usize = 100;
pub const MAX_COMMENT_CHARS: usize = 500;

#[cfg(test)]
mod tests {
    #[test]
    fn the_performance_table_pages_the_weakest_first() {
        use super::{Kpis, ManagerKpi};
        let line = |id: i64, name: &str, made: u64, overdue: u64| ManagerKpi {
            manager_id: id,
            name: name.into(),
            visits_required: if made == 99 { 0 } else { 10 },
            visits_made: if made == 99 { 0 } else { made },
            open_overdue: overdue,
            ..ManagerKpi::default()
        };
        let all = Kpis {
            rows: vec![
                line(1, "Wang", 9, 0),
                line(2, "Li", 99, 3),
                line(3, "Zhao", 2, 1),
                line(4, "Chen", 5, 3),
                line(5, "An", 2, 0),
            ],
            ..Kpis::default()
        };
        fn names(k: &Kpis) -> Vec<&str> {
            k.rows.iter().map(|r| r.name.as_str()).collect()
        }
        // Lowest share first, ties by name, no figure (nothing asked) last.
        let k = all.clone().page_in_order("visits", 1, 10);
        assert_eq!(names(&k), ["An", "Zhao", "Chen", "Wang", "Li"]);
        assert_eq!((k.total, k.page, k.pages), (5, 1, 1));
        let k = all.clone().page_in_order("overdue", 1, 10);
        assert_eq!(names(&k), ["Chen", "Li", "Zhao", "An", "Wang"]);
        // Pages of two; past the last is the last; an unknown order is by name.
        let k = all.clone().page_in_order("name", 2, 2);
        assert_eq!(names(&k), ["Li", "Wang"]);
        assert_eq!((k.total, k.page, k.pages), (5, 2, 3));
        let k = all.clone().page_in_order("<script>", 9, 2);
        assert_eq!(names(&k), ["Zhao"]);
        assert_eq!(k.page, 3);
    }

    #[test]
    fn field_values_are_checked_and_normalised_by_kind() {
        let f = |k| field(k).unwrap();
        assert_eq!(
            f("shop_name").parse("  老王便利店 "),
            Ok("老王便利店".into())
        );
        assert!(matches!(
            f("shop_name").parse(" "),
            Err(FieldProblem::Required { .. })
        ));
        assert!(matches!(
            f("phone").parse(&"9".repeat(201)),
            Err(FieldProblem::TooLong { max: 200, .. })
        ));
        assert_eq!(f("registered_capital").parse("50000"), Ok("50000".into()));
        assert_eq!(f("registered_capital").parse(" 007"), Ok("7".into()));
        assert_eq!(f("registered_capital").parse("+5"), Ok("5".into()));
        assert_eq!(f("registered_capital").parse("0"), Ok("0".into()));
        assert!(matches!(
            f("registered_capital").parse("-5"),
            Err(FieldProblem::NotAWholeNumber { .. })
        ));
        assert!(matches!(
            f("registered_capital").parse("1.5"),
            Err(FieldProblem::NotAWholeNumber { .. })
        ));
        assert_eq!(f("business_area_m2").parse("35.50"), Ok("35.5".into()));
        assert_eq!(
            f("business_area_m2").parse("35.5099999999"),
            Ok("35.5".into()),
            "as a spreadsheet writes it"
        );
        assert_eq!(f("business_area_m2").parse("1.2E+2"), Ok("120".into()));
        assert_eq!(f("registered_capital").parse("5E+4"), Ok("50000".into()));
        assert_eq!(f("registered_capital").parse("50000.0"), Ok("50000".into()));
        assert!(matches!(
            f("business_area_m2").parse("100000.01"),
            Err(FieldProblem::NotANumber { .. })
        ));
        assert!(matches!(
            f("business_area_m2").parse("NaN"),
            Err(FieldProblem::NotANumber { .. })
        ));
        assert_eq!(
            f("licence_expiry_date").parse("2028-02-29"),
            Ok("2028-02-29".into())
        );
        assert!(matches!(
            f("licence_expiry_date").parse("2027-02-29"),
            Err(FieldProblem::NotADate { .. })
        ));
        assert!(matches!(
            f("licence_expiry_date").parse("2027/01/01"),
            Err(FieldProblem::NotADate { .. })
        ));
        assert_eq!(
            f("licence_expiry_date").parse(""),
            Ok("".into()),
            "dates may be unknown"
        );
        assert_eq!(f("monitored").parse("是"), Ok("1".into()));
        assert!(matches!(
            f("monitored").parse("maybe"),
            Err(FieldProblem::NotAFlag { .. })
        ));
        assert_eq!(
            f("business_format").parse("supermarket"),
            Ok("supermarket".into())
        );
        let e = f("market_type").parse("suburban").unwrap_err();
        assert_eq!(e.to_string(), "market_type: must be one of urban, rural");
        assert!(matches!(
            f("classification").parse("1/1"),
            Err(FieldProblem::Computed { .. })
        ));
    }

    #[test]
    fn owners_edit_their_fields_and_admins_every_stored_field() {
        let f = |k| field(k).unwrap();
        assert!(f("phone").editable_by(Role::CustomerManager));
        assert!(!f("phone").editable_by(Role::LicenceOfficer));
        assert!(f("licence_no").editable_by(Role::LicenceOfficer));
        assert!(!f("licence_no").editable_by(Role::CustomerManager));
        assert!(f("licence_no").editable_by(Role::Admin));
        assert!(!f("classification").editable_by(Role::Admin), "computed");
        assert!(!f("phone").editable_by(Role::Customer));
    }

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

/// A visit to log (domain §10): which customer, when, why, what was found, how long.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewVisit {
    pub customer: i64,
    /// `YYYY-MM-DD`, not in the future, within the last year.
    pub date: String,
    pub purpose: String,
    /// Staff only: never shown to the customer.
    pub findings: String,
    pub duration_min: i64,
    /// A promise or promotion made to the customer (raises their expectation, domain §5).
    #[serde(default)]
    pub promise: String,
}

/// Which field of a visit is wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum VisitProblem {
    Date,
    Purpose,
    Findings,
    Duration,
    Promise,
}

/// A logged visit, for staff.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitEntry {
    pub id: i64,
    pub customer_id: i64,
    pub customer_code: String,
    pub customer_name: String,
    pub date: String,
    pub purpose: String,
    pub findings: String,
    pub duration_min: i64,
    pub promise: String,
    pub manager: String,
    /// The customer's rating of it, 1–5, once given.
    pub rating: Option<u8>,
}

/// One customer still to visit this month.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanRow {
    pub customer_id: i64,
    pub code: String,
    pub name: String,
    /// Published tier key (`core`, `general`, `problem`).
    pub tier: String,
    /// Visits a month the tier asks for, and made this month.
    pub required: u32,
    pub done: u32,
    pub last_visit: Option<String>,
    /// Longer since the last visit than the tier's interval (or never visited).
    pub overdue: bool,
}

/// The month's visit plan for the customers in scope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitPlan {
    /// `YYYY-MM`, and today (`YYYY-MM-DD`) at the service desk.
    pub month: String,
    pub today: String,
    pub customers: u64,
    /// Visits the tiers ask for this month, and those made (at most the asked number a
    /// customer).
    pub required: u64,
    pub done: u64,
    /// Visits one customer manager can make in a month (policy).
    pub capacity: u64,
    /// Customers with visits still missing this month, and those overdue.
    pub due: u64,
    pub overdue: u64,
    /// One page of the customers to visit: overdue first, then the longest since the last
    /// visit.
    pub rows: Vec<PlanRow>,
    /// Customers to visit (due or overdue), the page shown (1-based) and how many there are.
    #[serde(default)]
    pub listed: u64,
    #[serde(default)]
    pub page: u32,
    #[serde(default)]
    pub pages: u32,
}

/// Customers a page of the visit plan lists.
pub const PLAN_PAGE_SIZE: u32 = 25;

/// One customer manager's figures over the KPI period.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManagerKpi {
    pub manager_id: i64,
    pub name: String,
    pub customers: u64,
    /// Visits their customers' tiers ask for over the period, and those made (at most the
    /// asked number a customer).
    pub visits_required: u64,
    pub visits_made: u64,
    /// Complaints of their customers closed in the period, of those on time, and open ones
    /// past their deadline now.
    pub complaints_closed: u64,
    pub closed_on_time: u64,
    pub open_overdue: u64,
    /// Ratings of their visits in the period and the average, hundredths of a star.
    pub ratings: u64,
    pub avg_rating_centi: Option<i64>,
    /// Their customers with a satisfaction gap under the published policy, the average gap
    /// (experience − expectation, hundredths of a point) and how many are under-served.
    #[serde(default)]
    pub gap_customers: u64,
    #[serde(default)]
    pub avg_gap_centi: Option<i64>,
    #[serde(default)]
    pub under_served: u64,
}

impl ManagerKpi {
    /// Visits made against the standard, per cent (none asked: no figure).
    pub fn visits_pct(&self) -> Option<u64> {
        (self.visits_made * 100).checked_div(self.visits_required)
    }

    /// Complaints closed on time, per cent of those closed.
    pub fn on_time_pct(&self) -> Option<u64> {
        (self.closed_on_time * 100).checked_div(self.complaints_closed)
    }
}

/// A day the service calendar treats unlike the Monday–Friday rule: `kind` is `holiday` (a
/// weekday off) or `workday` (a weekend day worked, 调休).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarDay {
    pub day: String,
    pub kind: String,
    pub note: String,
}

/// Why a calendar day was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CalendarProblem {
    Day,
    Kind,
    HolidayOnWeekend,
    WorkdayOnWeekday,
    Note,
}

/// One customer on the satisfaction-gap lists: scores in hundredths of a point; the inputs in
/// whole points, `None` when not recorded (in the policy's order: `EXPECTATION_DRIVERS`,
/// `EXPERIENCE_MEASURES`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GapRow {
    pub customer_id: i64,
    pub code: String,
    pub shop_name: String,
    pub manager: String,
    pub tier: String,
    pub expectation_centi: i64,
    pub experience_centi: i64,
    pub expectation: [Option<u8>; 6],
    pub experience: [Option<u8>; 5],
}

impl GapRow {
    pub fn gap_centi(&self) -> i64 {
        self.experience_centi - self.expectation_centi
    }
}

/// Customers of one tier by satisfaction-gap class.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GapTierCount {
    pub tier: String,
    pub under: u64,
    pub balanced: u64,
    pub over: u64,
    /// Nothing recorded to measure experience by.
    pub unknown: u64,
}

/// Under- and over-served customers under the published policy (domain §5).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GapReport {
    /// False before the first publication (nothing to measure against).
    pub published: bool,
    pub window_months: u8,
    /// The policy's thresholds, hundredths of a point.
    pub under_below_centi: i64,
    pub over_above_centi: i64,
    pub tiers: Vec<GapTierCount>,
    /// Widest gaps first, at most 200 each; the totals count them all.
    pub under: Vec<GapRow>,
    pub over: Vec<GapRow>,
    pub under_total: u64,
    pub over_total: u64,
}

/// Customer managers' performance over a period (`YYYY-MM-DD`, both days included): every
/// customer manager in scope, or (from the server function) one page of them in an order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kpis {
    pub since: String,
    pub until: String,
    pub rows: Vec<ManagerKpi>,
    /// Customer managers in scope, the page shown (1-based) and how many pages there are.
    #[serde(default)]
    pub total: u64,
    #[serde(default)]
    pub page: u32,
    #[serde(default)]
    pub pages: u32,
}

/// Customer managers a page of the performance table shows.
pub const KPI_PAGE_SIZE: u32 = 25;

/// The orders of the performance table: by name, or the weakest first on one figure.
pub const KPI_ORDERS: [&str; 6] = ["name", "visits", "on_time", "overdue", "rating", "gap"];

impl Kpis {
    /// Puts the rows in the order `key` (one of [`KPI_ORDERS`]; anything else is by name): the
    /// weakest first — lowest share of visits made, of complaints closed on time, rating or
    /// satisfaction gap, most complaints open past their deadline — those without a figure
    /// last, ties by name. Then keeps page `page` of `per_page` rows (past the last: the last).
    pub fn page_in_order(mut self, key: &str, page: u32, per_page: u32) -> Kpis {
        fn low<T: Ord>(v: Option<T>) -> (bool, Option<T>) {
            (v.is_none(), v)
        }
        let by_name = |a: &ManagerKpi, b: &ManagerKpi| {
            a.name.cmp(&b.name).then(a.manager_id.cmp(&b.manager_id))
        };
        match key {
            "visits" => self.rows.sort_by(|a, b| {
                low(a.visits_pct())
                    .cmp(&low(b.visits_pct()))
                    .then(by_name(a, b))
            }),
            "on_time" => self.rows.sort_by(|a, b| {
                low(a.on_time_pct())
                    .cmp(&low(b.on_time_pct()))
                    .then(by_name(a, b))
            }),
            "overdue" => self
                .rows
                .sort_by(|a, b| b.open_overdue.cmp(&a.open_overdue).then(by_name(a, b))),
            "rating" => self.rows.sort_by(|a, b| {
                low(a.avg_rating_centi)
                    .cmp(&low(b.avg_rating_centi))
                    .then(by_name(a, b))
            }),
            "gap" => self.rows.sort_by(|a, b| {
                low(a.avg_gap_centi)
                    .cmp(&low(b.avg_gap_centi))
                    .then(by_name(a, b))
            }),
            _ => self.rows.sort_by(by_name),
        }
        let per_page = per_page.max(1) as usize;
        let total = self.rows.len();
        let pages = total.div_ceil(per_page).max(1);
        let page = (page.max(1) as usize).min(pages);
        self.rows = self
            .rows
            .drain(..)
            .skip((page - 1) * per_page)
            .take(per_page)
            .collect();
        Kpis {
            total: total as u64,
            page: page as u32,
            pages: pages as u32,
            ..self
        }
    }
}

/// The longest report or review, characters.
pub const MAX_REPORT_CHARS: usize = 5_000;

/// A customer manager's written report (domain §10).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReportKind {
    /// 工作日志: a day (`2026-11-23`).
    Daily,
    /// 周小结: an ISO week (`2026-W48`).
    Weekly,
    /// 月度市场报告: a month (`2026-11`).
    Monthly,
}

impl ReportKind {
    pub const ALL: [ReportKind; 3] = [ReportKind::Daily, ReportKind::Weekly, ReportKind::Monthly];

    pub fn key(self) -> &'static str {
        match self {
            ReportKind::Daily => "daily",
            ReportKind::Weekly => "weekly",
            ReportKind::Monthly => "monthly",
        }
    }

    pub fn from_key(k: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.key() == k)
    }
}

/// What the records of a report's period show for its author.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportPeriod {
    /// First and last day, `YYYY-MM-DD`.
    pub from: String,
    pub to: String,
    pub visits: u64,
    pub customers_visited: u64,
    pub visit_minutes: u64,
    pub complaint_steps: u64,
    pub complaints_closed: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub id: i64,
    pub author_id: i64,
    pub author: String,
    pub kind: ReportKind,
    pub period: String,
    pub body: String,
    /// Local time.
    pub updated_at: String,
    pub review: Option<String>,
    pub reviewer: Option<String>,
    pub reviewed_at: Option<String>,
    pub version: i64,
    pub records: ReportPeriod,
}

/// A report to save: `version` 0 for a new one, else the version it was based on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportSave {
    pub kind: ReportKind,
    pub period: String,
    pub body: String,
    pub version: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReportSaved {
    Saved(Report),
    /// Someone (the author elsewhere) saved it since: here it is as it stands.
    Stale(Report),
    /// Reviewed reports are kept as reviewed.
    Reviewed,
    /// Not a period of that kind, or one in the future.
    BadPeriod,
    /// Empty, or over [`MAX_REPORT_CHARS`].
    BadBody,
}

/// Reports a user may read, and whether they may review them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportList {
    pub rows: Vec<Report>,
    pub can_review: bool,
}

/// The report of a period being written: its key, what the records show, and the saved one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportDraft {
    pub period: String,
    pub records: ReportPeriod,
    pub existing: Option<Report>,
}
