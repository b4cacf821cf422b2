//! The customer field registry: every archive field once, with its group, maintenance class,
//! owner and the rules its values are checked by (domain §2).

use super::*;

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
    /// `high`, `medium` or `low` (高, 中, 低 taken too), or nothing.
    Level,
}

/// The values of a [`FieldKind::Level`] field, highest first.
pub const LEVELS: [&str; 3] = ["high", "medium", "low"];

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
    f("cooperation", G::Business, M::Dynamic, CM, K::Level),
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

/// The fields a customer may ask to change on their own record.
pub const CUSTOMER_REQUESTABLE: &[&str] = &[
    "shop_name",
    "settlement_method",
    "display_form",
    "business_area_m2",
    "business_format",
    "operating_status",
    "business_characteristics",
    "trade_area",
    "contact_person",
    "phone",
    "address",
    "mailing_address",
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

    /// Whether a customer may ask to change the field on their own record: what the shop owner
    /// knows and decides (name, contact, area, how the shop trades), not what the licence fixes
    /// (licence numbers, dates, bureau) nor how the company serves them (officer, clerk, batches,
    /// route, model shop).
    pub fn customer_may_request(&self) -> bool {
        CUSTOMER_REQUESTABLE.contains(&self.key)
    }

    /// Whether this role files a change request for the field: staff who do not own it, and a
    /// customer for the fields of their own record they may ask about
    /// ([`Self::customer_may_request`]).
    pub fn requestable_by(&self, role: Role) -> bool {
        (role.is_staff() || (role == Role::Customer && self.customer_may_request()))
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
            FieldKind::Level => match v {
                "" => Ok(Cow::Borrowed("")),
                "high" | "High" | "HIGH" | "高" => Ok(Cow::Borrowed("high")),
                "medium" | "Medium" | "MEDIUM" | "中" => Ok(Cow::Borrowed("medium")),
                "low" | "Low" | "LOW" | "低" => Ok(Cow::Borrowed("low")),
                _ => Err(FieldProblem::NotAChoice {
                    field: field(),
                    choices: "high, medium, low (高, 中, 低)".into(),
                }),
            },
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
