//! The server side of the server functions: the storage port (`Store`), provided by the server
//! through Leptos context, and who is asking (`me`, `staff`, `customer`, `lab_user`), refusals and
//! the generic internal error.

use crate::wire::{
    ApiError, AuditEntry, AuditPage, CalendarChange, CalendarProblem, ChangeRequest, Complaint,
    ComplaintAction, ComplaintFilter, ComplaintPage, ComplaintResult, CustomerDetail, CustomerId,
    CustomerLabel, CustomerPage, CustomerQuery, CustomerService, Dashboard, Dispute, DisputeStatus,
    DraftResult, EditResult, FieldDef, FilterOptions, GapReport, Invite, Kpis, Me, MyService,
    MyTiers, NewComplaint, NewVisit, Once, PolicyId, PolicyInfo, PolicyPreview, Publication,
    Report, ReportDraft, ReportKind, ReportSave, ReportSaved, RequestResult, ReviewResult, Role,
    Scope, ServiceCalendar, UserId, VisitEntry, VisitLogged, VisitPlan,
};
use kehu_engine::Policy;
use leptos::prelude::*;
use std::sync::Arc;

/// A storage failure; the detail goes to the server log, never to the client.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StoreError(pub String);

/// What the UI needs from storage, by area: one trait each, all four implemented by the server's
/// SQLite store. Every read takes the caller's [`Scope`] and applies it in its query: a customer
/// out of scope does not exist for that caller. Bring the traits into scope with
/// `use app::api::ssr::ports::*`.
pub trait Store: ArchivePort + PolicyPort + PortalPort + WorkPort {}

impl<T: ArchivePort + PolicyPort + PortalPort + WorkPort> Store for T {}

/// The storage port's traits, to call its methods.
pub mod ports {
    pub use super::{ArchivePort, PolicyPort, PortalPort, Store, WorkPort};
}

/// The archive: the dashboard, the customer list, a customer's page, edits, change requests
/// and the audit trail.
#[async_trait::async_trait]
pub trait ArchivePort: Send + Sync + 'static {
    async fn dashboard(&self, scope: Scope) -> Result<Dashboard, StoreError>;
    async fn customers(
        &self,
        scope: Scope,
        query: &CustomerQuery,
    ) -> Result<CustomerPage, StoreError>;
    async fn customer(
        &self,
        scope: Scope,
        id: CustomerId,
    ) -> Result<Option<CustomerDetail>, StoreError>;
    async fn filter_options(&self, scope: Scope) -> Result<FilterOptions, StoreError>;
    /// Code and name of each id that exists in scope, in the order asked.
    async fn customer_labels(
        &self,
        scope: Scope,
        ids: &[i64],
    ) -> Result<Vec<CustomerLabel>, StoreError>;
    /// Sets one stored field of a customer in scope, if the record is still at `version`,
    /// and writes the audit trail; `None` when the customer is not in scope.
    async fn edit_field(
        &self,
        scope: Scope,
        user: UserId,
        customer: CustomerId,
        field: &'static FieldDef,
        value: &str,
        version: i64,
    ) -> Result<Option<EditResult>, StoreError>;
    /// Files a request to set a field of a customer in scope (`None` when not in scope).
    async fn file_request(
        &self,
        scope: Scope,
        user: UserId,
        customer: CustomerId,
        field: &'static FieldDef,
        value: &str,
        reason: &str,
    ) -> Result<Option<RequestResult>, StoreError>;
    /// Change requests on customers in scope — of one customer, or (for a reviewer) the
    /// fields that reviewer decides — pending first.
    async fn change_requests(
        &self,
        scope: Scope,
        customer: Option<CustomerId>,
        reviewer: Option<Role>,
    ) -> Result<Vec<ChangeRequest>, StoreError>;
    /// Approves (applies atomically) or rejects a request; `None` if there is no such request
    /// this role may decide.
    async fn review_request(
        &self,
        user: UserId,
        role: Role,
        request: i64,
        approve: bool,
        reason: &str,
    ) -> Result<Option<ReviewResult>, StoreError>;
    /// The overall audit trail, newest first, optionally only actions starting with `action`.
    async fn audit_log(&self, action: &str, page: u32) -> Result<AuditPage, StoreError>;
    /// A customer's audit trail, newest first (`None` when not in scope).
    async fn customer_history(
        &self,
        scope: Scope,
        customer: CustomerId,
    ) -> Result<Option<Vec<AuditEntry>>, StoreError>;
    /// A customer's tiers with their reasons, purchases, visits and complaints, for staff
    /// (`None` when not in scope); the chart not yet drawn.
    async fn customer_service(
        &self,
        scope: Scope,
        customer: CustomerId,
    ) -> Result<Option<CustomerService>, StoreError>;
}

/// Policies: the server's preview of a draft, publishing, and the lab's saved drafts.
#[async_trait::async_trait]
pub trait PolicyPort: Send + Sync + 'static {
    /// The engine over all stored data under a (valid) draft policy (lab users only).
    async fn preview(&self, policy: &Policy) -> Result<PolicyPreview, StoreError>;
    /// Publishes a (valid) policy as the next version, by `user`; returns it and how many
    /// moved (lab users only).
    async fn publish(&self, policy: &Policy, user: UserId) -> Result<Publication, StoreError>;
    /// Saved policies: drafts, then published versions (lab users only).
    async fn policies(&self) -> Result<Vec<PolicyInfo>, StoreError>;
    /// One saved policy and its JSON.
    async fn policy(&self, id: PolicyId) -> Result<Option<(PolicyInfo, String)>, StoreError>;
    /// Saves a draft: new (`id` None) or over `id` if still at `revision`.
    async fn save_draft(
        &self,
        user: UserId,
        id: Option<PolicyId>,
        revision: i64,
        policy: &Policy,
    ) -> Result<DraftResult, StoreError>;
    async fn rename_draft(
        &self,
        user: UserId,
        id: PolicyId,
        revision: i64,
        name: &str,
    ) -> Result<DraftResult, StoreError>;
    async fn delete_draft(&self, id: PolicyId, revision: i64) -> Result<DraftResult, StoreError>;
    /// A new draft named `name` with the settings of policy `id`.
    async fn duplicate_policy(
        &self,
        user: UserId,
        id: PolicyId,
        name: &str,
    ) -> Result<DraftResult, StoreError>;
}

/// The customers' self-service: my tiers and service, disputes, ratings, invites.
#[async_trait::async_trait]
pub trait PortalPort: Send + Sync + 'static {
    // Self-service and service records. The customer-facing reads take the customer id of
    // the signed-in customer and return only what a customer may see.

    /// A customer's published tiers (only those the policy shows customers), the engine's
    /// reasons for them and what would move them up, their history and disputes.
    async fn my_tiers(&self, customer: CustomerId) -> Result<Option<MyTiers>, StoreError>;
    /// Who serves a customer, their visits (without internal findings) and complaints.
    async fn my_service(&self, customer: CustomerId) -> Result<Option<MyService>, StoreError>;
    /// Files a dispute of the customer's current classification; its id.
    async fn file_dispute(
        &self,
        user: UserId,
        customer: CustomerId,
        reason: &str,
    ) -> Result<Option<i64>, StoreError>;
    /// Disputes of customers in scope, open first.
    async fn disputes(&self, scope: Scope) -> Result<Vec<Dispute>, StoreError>;
    /// Answers an open dispute, once.
    async fn answer_dispute(
        &self,
        user: UserId,
        id: i64,
        status: DisputeStatus,
        answer: &str,
    ) -> Result<Once, StoreError>;
    /// Rates one of the customer's own visits, once.
    async fn rate_visit(
        &self,
        customer: CustomerId,
        visit: i64,
        score: u8,
        comment: &str,
    ) -> Result<Once, StoreError>;
    /// A new one-time invite for a customer in scope (earlier unused ones stop working).
    async fn create_invite(
        &self,
        scope: Scope,
        user: UserId,
        customer: CustomerId,
    ) -> Result<Option<Invite>, StoreError>;
}

/// Service work: complaints, visits, performance, the service calendar, the satisfaction gap
/// and written reports.
#[async_trait::async_trait]
pub trait WorkPort: Send + Sync + 'static {
    /// Files a complaint for a customer in scope with its deadlines from the published
    /// policy (`None` when not in scope); with a key sent before, the complaint filed then.
    async fn file_complaint(
        &self,
        scope: Scope,
        user: UserId,
        new: &NewComplaint,
    ) -> Result<Option<Complaint>, StoreError>;
    /// Complaints of customers in scope, open first, nearest deadline first.
    async fn complaints(
        &self,
        scope: Scope,
        filter: &ComplaintFilter,
    ) -> Result<ComplaintPage, StoreError>;
    /// A staff action on a complaint in scope, if it is still at `version`.
    async fn complaint_action(
        &self,
        scope: Scope,
        user: UserId,
        id: i64,
        version: i64,
        action: &ComplaintAction,
    ) -> Result<Option<ComplaintResult>, StoreError>;
    /// Logs a visit to a customer in scope, or says the field at fault.
    async fn log_visit(
        &self,
        scope: Scope,
        user: UserId,
        visit: &NewVisit,
    ) -> Result<VisitLogged, StoreError>;
    /// The latest visits to customers in scope.
    async fn recent_visits(&self, scope: Scope) -> Result<Vec<VisitEntry>, StoreError>;
    /// This month's visit plan for customers in scope, from their published tiers.
    /// The month's visit plan in scope, one page, narrowed to a route if given.
    async fn visit_plan(
        &self,
        scope: Scope,
        page: u32,
        route: Option<i64>,
    ) -> Result<VisitPlan, StoreError>;
    /// Customer managers' figures over the KPI period, for those in scope.
    async fn kpis(&self, scope: Scope) -> Result<Kpis, StoreError>;
    /// The service calendar: the desk's time zone, its holidays and make-up working days.
    async fn calendar(&self) -> Result<ServiceCalendar, StoreError>;
    /// Sets the days `from`..=`to` of the service calendar (`to` empty: one day; `kind`
    /// holiday, workday, or empty for usual): all or none.
    async fn set_calendar_days(
        &self,
        user: UserId,
        range: (&str, &str),
        kind: &str,
        note: &str,
    ) -> Result<Result<CalendarChange, CalendarProblem>, StoreError>;
    /// Imports a list of holidays and make-up working days (CSV): all or none, every bad line
    /// named.
    async fn import_calendar(
        &self,
        user: UserId,
        csv: &str,
    ) -> Result<Result<CalendarChange, Vec<CalendarProblem>>, StoreError>;
    /// Sets the service desk's time zone (an IANA name).
    async fn set_desk_zone(
        &self,
        user: UserId,
        zone: &str,
    ) -> Result<Result<(), CalendarProblem>, StoreError>;
    /// Under- and over-served customers in scope under the published policy, optionally
    /// of one tier.
    async fn service_gaps(
        &self,
        scope: Scope,
        tier: Option<kehu_engine::Tier>,
        manager: Option<UserId>,
    ) -> Result<GapReport, StoreError>;
    /// The report of `kind` for the period containing `day` (empty: today) by `author`;
    /// `None` when `day` is not a date.
    async fn report_draft(
        &self,
        author: UserId,
        kind: ReportKind,
        day: &str,
    ) -> Result<Option<ReportDraft>, StoreError>;
    async fn save_report(
        &self,
        author: UserId,
        save: &ReportSave,
    ) -> Result<ReportSaved, StoreError>;
    async fn reports(
        &self,
        user: UserId,
        role: Role,
        unreviewed: bool,
    ) -> Result<Vec<Report>, StoreError>;
    async fn review_report(
        &self,
        reviewer: UserId,
        id: i64,
        comment: &str,
    ) -> Result<Option<ReportSaved>, StoreError>;
}

/// The store handle that server functions find in context.
#[derive(Clone)]
pub struct StoreHandle(pub Arc<dyn Store>);

pub fn store() -> Result<Arc<dyn Store>, ApiError> {
    use_context::<StoreHandle>().map(|h| h.0).ok_or_else(|| {
        leptos::logging::error!("storage is not configured");
        fail(ApiError::Internal)
    })
}

/// The signed-in user of this request (the server's session middleware resolved it).
pub fn me() -> Option<Me> {
    use_context::<http::request::Parts>().and_then(|p| p.extensions.get::<Me>().cloned())
}

/// `e`, with the response's HTTP status set from it.
pub fn fail(e: ApiError) -> ApiError {
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>()
        && let Ok(status) = http::StatusCode::from_u16(e.status())
    {
        resp.set_status(status);
    }
    e
}

/// An error answer with its HTTP status (400, 401, 403, 404).
pub fn refuse(status: http::StatusCode, message: &str) -> ApiError {
    let message = message.to_string();
    fail(match status {
        http::StatusCode::UNAUTHORIZED => ApiError::SignedOut,
        http::StatusCode::FORBIDDEN => ApiError::Forbidden(message),
        http::StatusCode::NOT_FOUND => ApiError::NotFound(message),
        http::StatusCode::UNPROCESSABLE_ENTITY => ApiError::Invalid(message),
        _ => ApiError::BadRequest(message),
    })
}

/// A request that does not check out: 422 with what is wrong, naming the field.
pub fn invalid(problem: &str) -> ApiError {
    fail(ApiError::Invalid(problem.to_string()))
}

/// The caller, or 401.
pub fn signed_in() -> Result<Me, ApiError> {
    me().ok_or_else(|| fail(ApiError::SignedOut))
}

/// A staff member (not a customer), or 401/403.
pub fn staff() -> Result<Me, ApiError> {
    let me = signed_in()?;
    if me.role.is_staff() {
        Ok(me)
    } else {
        Err(refuse(http::StatusCode::FORBIDDEN, "this is for staff"))
    }
}

/// A lab user (manager or admin), or 401/403.
pub fn lab_user() -> Result<Me, ApiError> {
    let me = signed_in()?;
    if me.role.can_use_lab() {
        Ok(me)
    } else {
        Err(refuse(
            http::StatusCode::FORBIDDEN,
            "only managers may use the what-if lab",
        ))
    }
}

/// Why a change request is not filed.
pub enum RequestRefused {
    NoField,
    /// This role may not request this field (it may edit it, or kehu derives it).
    NotRequestable,
    /// A bad value or reason: the answer to give.
    Answer(RequestResult),
}

/// Checks a change request as the requester typed it: the field exists and the role may
/// request it, the value fits the field (normalised) and a reason is given (trimmed).
pub fn check_request(
    role: Role,
    key: &str,
    value: &str,
    reason: &str,
) -> Result<(&'static FieldDef, String, String), RequestRefused> {
    let field = crate::wire::field(key).ok_or(RequestRefused::NoField)?;
    if !field.requestable_by(role) {
        return Err(RequestRefused::NotRequestable);
    }
    let value = field
        .parse(value)
        .map_err(|p| RequestRefused::Answer(RequestResult::Invalid(p)))?
        .into_owned();
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > crate::wire::MAX_REASON_CHARS {
        return Err(RequestRefused::Answer(RequestResult::ReasonRequired));
    }
    Ok((field, value, reason.to_string()))
}

/// A signed-in customer and their customer id, or 401/403.
pub fn customer() -> Result<(Me, CustomerId), ApiError> {
    let me = signed_in()?;
    match (me.role, me.customer_id) {
        (Role::Customer, Some(id)) => Ok((me, id)),
        _ => Err(refuse(
            http::StatusCode::FORBIDDEN,
            "this is the customers' self-service",
        )),
    }
}

/// Logs the detail and gives the client a generic message.
pub fn internal(e: StoreError) -> ApiError {
    leptos::logging::error!("storage error: {e}");
    fail(ApiError::Internal)
}
