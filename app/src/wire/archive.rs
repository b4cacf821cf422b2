//! The archive on the wire: the customer list and its filters, a customer's page, edits and
//! change requests, imports' reports and the audit trail.

use super::*;

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

/// What the movers table shows of a customer beside the engine's numbers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerLabel {
    pub id: i64,
    pub code: String,
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

/// What a customer manager knows of a customer beyond the record: every tier with its reasons
/// and what would move it up (what the shop owner sees on `/my`, and the tiers kept internal),
/// purchases by month, the latest visits with their ratings, and complaints.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomerService {
    pub tiers: MyTiers,
    /// The cartons-per-month chart, one SVG per locale (in `Locale::get_all()` order).
    pub volume_charts: Vec<String>,
    /// The latest visits, newest first.
    pub visits: Vec<VisitEntry>,
    pub complaints: Vec<Complaint>,
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
    pub requested_at: Shown,
    pub reviewed_by: String,
    pub reviewed_at: Option<Shown>,
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
    /// The cell refused, as far as quoted (at most 40 characters; "" when the problem is the
    /// file, the header or a missing cell).
    #[serde(default)]
    pub value: String,
    pub problem: ImportProblem,
    /// The problem in English, for the command line, logs and API clients.
    pub reason: String,
}

impl RowError {
    pub fn new(line: u64, column: &str, value: &str, problem: ImportProblem) -> Self {
        RowError {
            line,
            column: column.to_string(),
            value: value.to_string(),
            reason: problem.to_string(),
            problem,
        }
    }
}

/// Why an import refused a line, a cell or the file; the page says it in the reader's language
/// with the value refused (`RowError::value`), `Display` in English.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ImportProblem {
    #[error("the file is empty")]
    Empty,
    #[error("the file is neither UTF-8 nor GB18030 text; save it from Excel as \"CSV UTF-8\"")]
    NotText,
    #[error("cannot read the header: {error}")]
    Header { error: String },
    #[error("this column appears twice (columns {first} and {second}): keep one")]
    ColumnTwice { first: u32, second: u32 },
    #[error("not a CSV row: {error}")]
    NotCsv { error: String },
    #[error("the file has a header but no rows")]
    NoRows,
    #[error("missing column: every row needs the customer code")]
    NoCodeColumn,
    #[error("missing column")]
    MissingColumn,
    #[error("required for a new customer")]
    RequiredForNew,
    #[error("required for a new customer (add the column)")]
    ColumnRequiredForNew,
    #[error("{value} appears again (first on line {first})")]
    CodeAgain { value: String, first: u64 },
    #[error("no route with the code or name \"{value}\"")]
    NoRoute { value: String },
    #[error("no customer with the code \"{value}\"")]
    NoCustomer { value: String },
    /// A customer field's value refused by the field registry.
    #[error("{}", field_reason(.field))]
    Field { field: FieldProblem },
    #[error("must be a month like 2026-10, not \"{value}\"")]
    NotAMonth { value: String },
    #[error("{month} is before {first}, the earliest month kehu keeps")]
    MonthTooEarly { month: String, first: String },
    #[error("{month} has not begun yet (this is {now})")]
    MonthNotBegun { month: String, now: String },
    #[error("must be a whole number from 0 to {max}, not \"{value}\"")]
    NotAWholeNumber { value: String, max: u64 },
    #[error("must be an amount from 0 to {max} yuan, not \"{value}\"")]
    NotAnAmount { value: String, max: u64 },
    #[error("give the deliveries when giving late deliveries")]
    LateWithoutDeliveries,
    #[error("{late} late of {deliveries} deliveries: cannot be more than the deliveries")]
    MoreLateThanDeliveries { late: u64, deliveries: u64 },
    #[error("{code} {month} appears again (first on line {first})")]
    MonthAgain {
        code: String,
        month: String,
        first: u64,
    },
}

/// A field problem without its field's name (the import names the column on its own).
fn field_reason(p: &FieldProblem) -> String {
    let text = p.to_string();
    match text.split_once(": ") {
        Some((_, reason)) => reason.to_string(),
        None => text,
    }
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

/// The columns of a purchases file: the four required, then the optional logistics ones.
pub const PURCHASE_COLUMNS: [&str; 7] = [
    "customer_code",
    "month",
    "cartons",
    "amount_yuan",
    "requested_cartons",
    "deliveries",
    "late_deliveries",
];

/// One line of the overall audit trail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub at: Shown,
    pub user: String,
    pub action: String,
    pub customer: Option<CustomerLabel>,
    pub field: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub detail: Option<AuditNote>,
    pub request_id: Option<i64>,
}

/// What an audit line says beyond its action, kept as data (JSON in `audit.detail`) so each
/// reader sees it in their own language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "note", rename_all = "snake_case")]
pub enum AuditNote {
    CustomersImported {
        rows: u64,
        new: u64,
        updated: u64,
    },
    PurchasesImported {
        rows: u64,
    },
    Published {
        name: String,
        version: u32,
        customers: u64,
        moved: u64,
    },
    Visit {
        visit: i64,
        date: String,
        purpose: String,
    },
    ComplaintFiled {
        complaint: i64,
        major: bool,
        subject: String,
    },
    ComplaintAttitude {
        complaint: i64,
        attitude: String,
    },
    ComplaintMadeMajor {
        complaint: i64,
    },
    ComplaintStep {
        complaint: i64,
        step: String,
        undone: bool,
    },
    ComplaintConfirmed {
        complaint: i64,
        substantiated: bool,
    },
    ComplaintClosed {
        complaint: i64,
    },
    /// The band, grade and class code disputed (none when nothing was published).
    DisputeFiled {
        dispute: i64,
        tiers: Option<(u8, u8, String)>,
    },
    DisputeAnswered {
        dispute: i64,
        answer: String,
    },
    /// A day or a range set to `kind` (`holiday`, `workday`, or `usual` for cleared).
    CalendarSet {
        from: String,
        to: String,
        kind: String,
        days: u64,
    },
    CalendarImported {
        lines: u64,
        days: u64,
    },
    ZoneChanged {
        from: String,
        to: String,
    },
    /// Someone's own words (a change request's reason), or a line written before notes were data.
    Text {
        text: String,
    },
}

impl AuditNote {
    /// A stored detail read back: a note, or — when it is not one — its text as written.
    pub fn read(stored: &str) -> AuditNote {
        serde_json::from_str(stored).unwrap_or_else(|_| AuditNote::Text {
            text: stored.to_string(),
        })
    }

    /// As `audit.detail` keeps it.
    pub fn stored(&self) -> String {
        serde_json::to_string(self).expect("a note is plain data")
    }
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
pub const AUDIT_ACTIONS: &[&str] = &[
    "field.",
    "request.",
    "policy.",
    "import.",
    "user.",
    "visit.",
    "complaint.",
    "dispute.",
    "calendar.",
    "settings.",
];

/// One line of a customer's audit trail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: Shown,
    /// Display name of who did it ("" for the system: demo data, the command line).
    pub user: String,
    pub action: String,
    pub field: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}
