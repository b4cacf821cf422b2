//! Customer managers' work (domain §10): visits and the visit plan, performance figures, the
//! service calendar, the satisfaction gap lists and written reports.

use super::*;

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
    /// The phone's own key for this visit ([`entry_key_ok`]), empty for none: sent again (a
    /// retry, the outbox of visits logged without signal), it finds the visit logged the first
    /// time instead of logging a second.
    #[serde(default)]
    pub key: String,
}

/// A key a phone gives an entry it sends: 8 to 64 ASCII letters, digits and `-`.
pub fn entry_key_ok(key: &str) -> bool {
    (8..=64).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Which field of a visit is wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum VisitProblem {
    Date,
    Purpose,
    Findings,
    Duration,
    Promise,
    /// The entry's key is not one a page makes ([`entry_key_ok`]).
    Key,
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
    /// The route the plan is narrowed to, if any (a manager's plan covers every route).
    #[serde(default)]
    pub route: Option<i64>,
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

/// The service calendar: the desk's time zone (an IANA name) and its exceptions by day.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceCalendar {
    pub zone: String,
    pub days: Vec<CalendarDay>,
}

/// What a change of the calendar did: days set (or set back to usual), and days of a range
/// left alone because they already were what was asked (a weekend in a holiday range).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarChange {
    pub changed: u32,
    pub skipped: u32,
}

/// Why a change of the calendar was refused, with the value refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CalendarProblem {
    /// Not a date (`YYYY-MM-DD`).
    Day(String),
    /// The range ends before it starts, or is longer than [`CALENDAR_MAX_RANGE_DAYS`].
    Range {
        from: String,
        to: String,
    },
    Kind(String),
    /// Every day asked to be a holiday is a Saturday or Sunday (the first named).
    HolidayOnWeekend(String),
    /// Every day asked to be a make-up working day is a weekday (the first named).
    WorkdayOnWeekday(String),
    /// Longer than [`CALENDAR_NOTE_MAX`] characters.
    Note(String),
    /// Not a time zone of the IANA database.
    Zone(String),
    /// An imported list: nothing in it.
    Empty,
    /// An imported list: more than [`CALENDAR_IMPORT_MAX_LINES`] lines.
    TooManyLines(u32),
    /// An imported list: a line's problem (lines counted from 1, the header too).
    Line {
        line: u32,
        problem: Box<CalendarProblem>,
    },
    /// An imported list: a line that is not CSV or has too few cells.
    Cells(u32),
    /// An imported list: the same day on two lines, each with another kind.
    Twice {
        day: String,
        line: u32,
    },
}

/// The longest range set in one go (a year).
pub const CALENDAR_MAX_RANGE_DAYS: i64 = 366;
/// The longest note of a day.
pub const CALENDAR_NOTE_MAX: usize = 100;
/// The most lines an imported list may have (a year's holidays are a few dozen).
pub const CALENDAR_IMPORT_MAX_LINES: u32 = 1_000;

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
    pub updated_at: Shown,
    pub review: Option<String>,
    pub reviewer: Option<String>,
    pub reviewed_at: Option<Shown>,
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

/// What became of a visit logged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum VisitLogged {
    Logged(VisitEntry),
    /// The field at fault.
    Refused(VisitProblem),
    /// The customer is not in the caller's scope.
    NotFound,
}
