//! Server functions: thin wrappers that validate, call the storage port and map errors.
//! Storage itself lives in the `server` crate behind the [`ssr::Store`] trait, provided through
//! Leptos context, so this crate never depends on sqlx.

use crate::model::{
    AuditEntry, AuditPage, CalendarDay, CalendarProblem, ChangeRequest, Complaint, ComplaintAction,
    ComplaintFilter, ComplaintPage, ComplaintResult, CustomerDetail, CustomerLabel, CustomerPage,
    CustomerQuery, Dashboard, Dispute, DraftResult, EditResult, FilterOptions, GapReport, Invite,
    Kpis, Me, MyProfile, MyService, MyTiers, NewVisit, PolicyInfo, PolicyPreview, PolicyRef,
    ReportDraft, ReportKind, ReportList, ReportSave, ReportSaved, RequestResult, ReviewResult,
    VisitEntry, VisitPlan, VisitProblem,
};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub mod ssr {
    use crate::model::{
        AuditEntry, AuditPage, CalendarDay, CalendarProblem, ChangeRequest, Complaint,
        ComplaintAction, ComplaintFilter, ComplaintPage, ComplaintResult, CustomerDetail,
        CustomerLabel, CustomerPage, CustomerQuery, Dashboard, Dispute, DisputeStatus, DraftResult,
        EditResult, FieldDef, FilterOptions, GapReport, Invite, Kpis, Me, MyService, MyTiers,
        NewVisit, PolicyInfo, PolicyPreview, PolicyRef, Report, ReportDraft, ReportKind,
        ReportSave, ReportSaved, RequestResult, ReviewResult, Role, Scope, VisitEntry, VisitPlan,
        VisitProblem,
    };
    use kehu_engine::Policy;
    use leptos::prelude::*;
    use std::sync::Arc;

    /// A storage failure; the detail goes to the server log, never to the client.
    #[derive(Debug, thiserror::Error)]
    #[error("{0}")]
    pub struct StoreError(pub String);

    /// What the UI needs from storage. Implemented by the server's SQLite store. Every read
    /// takes the caller's [`Scope`] and applies it in its query: a customer out of scope does not
    /// exist for that caller.
    #[async_trait::async_trait]
    pub trait Store: Send + Sync + 'static {
        async fn dashboard(&self, scope: Scope) -> Result<Dashboard, StoreError>;
        async fn customers(
            &self,
            scope: Scope,
            query: &CustomerQuery,
        ) -> Result<CustomerPage, StoreError>;
        async fn customer(
            &self,
            scope: Scope,
            id: i64,
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
            user: i64,
            customer: i64,
            field: &'static FieldDef,
            value: &str,
            version: i64,
        ) -> Result<Option<EditResult>, StoreError>;
        /// Files a request to set a field of a customer in scope (`None` when not in scope).
        async fn file_request(
            &self,
            scope: Scope,
            user: i64,
            customer: i64,
            field: &'static FieldDef,
            value: &str,
            reason: &str,
        ) -> Result<Option<RequestResult>, StoreError>;
        /// Change requests on customers in scope — of one customer, or (for a reviewer) the
        /// fields that reviewer decides — pending first.
        async fn change_requests(
            &self,
            scope: Scope,
            customer: Option<i64>,
            reviewer: Option<Role>,
        ) -> Result<Vec<ChangeRequest>, StoreError>;
        /// Approves (applies atomically) or rejects a request; `None` if there is no such request
        /// this role may decide.
        async fn review_request(
            &self,
            user: i64,
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
            customer: i64,
        ) -> Result<Option<Vec<AuditEntry>>, StoreError>;
        /// The engine over all stored data under a (valid) draft policy (lab users only).
        async fn preview(&self, policy: &Policy) -> Result<PolicyPreview, StoreError>;
        /// Publishes a (valid) policy as the next version, by `user`; returns it and how many
        /// moved (lab users only).
        async fn publish(&self, policy: &Policy, user: i64)
        -> Result<(PolicyRef, u32), StoreError>;

        // Self-service and service records. The customer-facing reads take the customer id of
        // the signed-in customer and return only what a customer may see.

        /// A customer's published tiers (only those the policy shows customers), the engine's
        /// reasons for them and what would move them up, their history and disputes.
        async fn my_tiers(&self, customer: i64) -> Result<Option<MyTiers>, StoreError>;
        /// Who serves a customer, their visits (without internal findings) and complaints.
        async fn my_service(&self, customer: i64) -> Result<Option<MyService>, StoreError>;
        /// Files a dispute of the customer's current classification; its id.
        async fn file_dispute(
            &self,
            user: i64,
            customer: i64,
            reason: &str,
        ) -> Result<Option<i64>, StoreError>;
        /// Disputes of customers in scope, open first.
        async fn disputes(&self, scope: Scope) -> Result<Vec<Dispute>, StoreError>;
        /// Answers an open dispute; `Some(false)` if it was already answered.
        async fn answer_dispute(
            &self,
            user: i64,
            id: i64,
            status: DisputeStatus,
            answer: &str,
        ) -> Result<Option<bool>, StoreError>;
        /// Rates one of the customer's own visits, once; `Some(false)` if already rated.
        async fn rate_visit(
            &self,
            customer: i64,
            visit: i64,
            score: u8,
            comment: &str,
        ) -> Result<Option<bool>, StoreError>;
        /// Files a complaint for a customer in scope with its deadlines from the published
        /// policy (`None` when not in scope).
        #[allow(clippy::too_many_arguments)]
        async fn file_complaint(
            &self,
            scope: Scope,
            user: i64,
            customer: i64,
            subject: &str,
            description: &str,
            major: bool,
            attitude: Option<&str>,
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
            user: i64,
            id: i64,
            version: i64,
            action: &ComplaintAction,
        ) -> Result<Option<ComplaintResult>, StoreError>;
        /// Logs a visit to a customer in scope; `None` when not in scope, the field at fault
        /// when the visit does not check out.
        async fn log_visit(
            &self,
            scope: Scope,
            user: i64,
            visit: &NewVisit,
        ) -> Result<Option<Result<VisitEntry, VisitProblem>>, StoreError>;
        /// The latest visits to customers in scope.
        async fn recent_visits(&self, scope: Scope) -> Result<Vec<VisitEntry>, StoreError>;
        /// This month's visit plan for customers in scope, from their published tiers.
        async fn visit_plan(&self, scope: Scope, page: u32) -> Result<VisitPlan, StoreError>;
        /// Customer managers' figures over the KPI period, for those in scope.
        async fn kpis(&self, scope: Scope) -> Result<Kpis, StoreError>;
        /// The service calendar's holidays and make-up working days.
        async fn calendar_days(&self) -> Result<Vec<CalendarDay>, StoreError>;
        /// Sets a day of the service calendar (`kind` holiday, workday, or empty for usual).
        async fn set_calendar_day(
            &self,
            user: i64,
            day: &str,
            kind: &str,
            note: &str,
        ) -> Result<Result<(), CalendarProblem>, StoreError>;
        /// Under- and over-served customers in scope under the published policy, optionally
        /// of one tier.
        async fn service_gaps(
            &self,
            scope: Scope,
            tier: Option<kehu_engine::Tier>,
            manager: Option<i64>,
        ) -> Result<GapReport, StoreError>;
        /// The report of `kind` for the period containing `day` (empty: today) by `author`;
        /// `None` when `day` is not a date.
        async fn report_draft(
            &self,
            author: i64,
            kind: ReportKind,
            day: &str,
        ) -> Result<Option<ReportDraft>, StoreError>;
        async fn save_report(
            &self,
            author: i64,
            save: &ReportSave,
        ) -> Result<ReportSaved, StoreError>;
        async fn reports(
            &self,
            user: i64,
            role: Role,
            unreviewed: bool,
        ) -> Result<Vec<Report>, StoreError>;
        async fn review_report(
            &self,
            reviewer: i64,
            id: i64,
            comment: &str,
        ) -> Result<Option<ReportSaved>, StoreError>;
        /// Saved policies: drafts, then published versions (lab users only).
        async fn policies(&self) -> Result<Vec<PolicyInfo>, StoreError>;
        /// One saved policy and its JSON.
        async fn policy(&self, id: i64) -> Result<Option<(PolicyInfo, String)>, StoreError>;
        /// Saves a draft: new (`id` None) or over `id` if still at `revision`.
        async fn save_draft(
            &self,
            user: i64,
            id: Option<i64>,
            revision: i64,
            policy: &Policy,
        ) -> Result<DraftResult, StoreError>;
        async fn rename_draft(
            &self,
            user: i64,
            id: i64,
            revision: i64,
            name: &str,
        ) -> Result<DraftResult, StoreError>;
        async fn delete_draft(&self, id: i64, revision: i64) -> Result<DraftResult, StoreError>;
        /// A new draft named `name` with the settings of policy `id`.
        async fn duplicate_policy(
            &self,
            user: i64,
            id: i64,
            name: &str,
        ) -> Result<DraftResult, StoreError>;
        /// A new one-time invite for a customer in scope (earlier unused ones stop working).
        async fn create_invite(
            &self,
            scope: Scope,
            user: i64,
            customer: i64,
        ) -> Result<Option<Invite>, StoreError>;
    }

    /// The store handle that server functions find in context.
    #[derive(Clone)]
    pub struct StoreHandle(pub Arc<dyn Store>);

    pub fn store() -> Result<Arc<dyn Store>, ServerFnError> {
        use_context::<StoreHandle>()
            .map(|h| h.0)
            .ok_or_else(|| ServerFnError::new("storage is not configured"))
    }

    /// The signed-in user of this request (the server's session middleware resolved it).
    pub fn me() -> Option<Me> {
        use_context::<http::request::Parts>().and_then(|p| p.extensions.get::<Me>().cloned())
    }

    /// An error answer with its HTTP status (400, 401, 403, 404).
    pub fn refuse(status: http::StatusCode, message: &str) -> ServerFnError {
        if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
            resp.set_status(status);
        }
        ServerFnError::new(message)
    }

    /// A request that does not check out: 422 with what is wrong, naming the field.
    pub fn invalid(problem: &str) -> ServerFnError {
        refuse(http::StatusCode::UNPROCESSABLE_ENTITY, problem)
    }

    /// The caller, or 401.
    pub fn signed_in() -> Result<Me, ServerFnError> {
        me().ok_or_else(|| refuse(http::StatusCode::UNAUTHORIZED, "sign in first"))
    }

    /// A staff member (not a customer), or 401/403.
    pub fn staff() -> Result<Me, ServerFnError> {
        let me = signed_in()?;
        if me.role.is_staff() {
            Ok(me)
        } else {
            Err(refuse(http::StatusCode::FORBIDDEN, "this is for staff"))
        }
    }

    /// A lab user (manager or admin), or 401/403.
    pub fn lab_user() -> Result<Me, ServerFnError> {
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
        let field = crate::model::field(key).ok_or(RequestRefused::NoField)?;
        if !field.requestable_by(role) {
            return Err(RequestRefused::NotRequestable);
        }
        let value = field
            .parse(value)
            .map_err(|p| RequestRefused::Answer(RequestResult::Invalid(p)))?
            .into_owned();
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > crate::model::MAX_REASON_CHARS {
            return Err(RequestRefused::Answer(RequestResult::ReasonRequired));
        }
        Ok((field, value, reason.to_string()))
    }

    /// A signed-in customer and their customer id, or 401/403.
    pub fn customer() -> Result<(Me, i64), ServerFnError> {
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
    pub fn internal(e: StoreError) -> ServerFnError {
        leptos::logging::error!("storage error: {e}");
        ServerFnError::new("internal error, see the server log")
    }
}

/// Who is signed in (None when signed out).
#[server(endpoint = "me")]
pub async fn get_me() -> Result<Option<Me>, ServerFnError> {
    Ok(ssr::me())
}

#[server(endpoint = "dashboard")]
pub async fn get_dashboard() -> Result<Dashboard, ServerFnError> {
    use crate::i18n::Locale;
    use leptos_i18n::{Locale as _, td_string};
    let me = ssr::staff()?;
    let mut d = ssr::store()?
        .dashboard(me.scope())
        .await
        .map_err(ssr::internal)?;
    let labels: Vec<String> = (1..=d.band_counts.len()).map(|b| b.to_string()).collect();
    d.band_charts = Locale::get_all()
        .iter()
        .map(|&l| {
            crate::chart::bar_chart_svg(
                &labels,
                &d.band_counts,
                td_string!(l, dashboard.band_axis),
                td_string!(l, dashboard.count_axis),
                (560, 280),
            )
        })
        .collect();
    Ok(d)
}

#[server(endpoint = "customers")]
pub async fn list_customers(query: CustomerQuery) -> Result<CustomerPage, ServerFnError> {
    let me = ssr::staff()?;
    query.check().map_err(|problem| ssr::invalid(&problem))?;
    ssr::store()?
        .customers(me.scope(), &query)
        .await
        .map_err(ssr::internal)
}

#[server(endpoint = "customer")]
pub async fn get_customer(id: i64) -> Result<Option<CustomerDetail>, ServerFnError> {
    let me = ssr::staff()?;
    let detail = ssr::store()?
        .customer(me.scope(), id)
        .await
        .map_err(ssr::internal)?;
    Ok(detail.map(|mut d| {
        let keys = |allowed: fn(&crate::model::FieldDef, crate::model::Role) -> bool| {
            crate::model::FIELDS
                .iter()
                .filter(|f| allowed(f, me.role))
                .map(|f| f.key.to_string())
                .collect()
        };
        d.editable = keys(crate::model::FieldDef::editable_by);
        d.requestable = keys(crate::model::FieldDef::requestable_by);
        d
    }))
}

#[server(endpoint = "filter_options")]
pub async fn get_filter_options() -> Result<FilterOptions, ServerFnError> {
    let me = ssr::staff()?;
    ssr::store()?
        .filter_options(me.scope())
        .await
        .map_err(ssr::internal)
}

/// Labels for up to 200 customers (the movers table asks for the rows it shows).
#[server(endpoint = "customer_labels")]
pub async fn customer_labels(ids: Vec<i64>) -> Result<Vec<CustomerLabel>, ServerFnError> {
    let me = ssr::staff()?;
    if ids.len() > 200 {
        return Err(ssr::invalid("ids: at most 200 customers at a time"));
    }
    ssr::store()?
        .customer_labels(me.scope(), &ids)
        .await
        .map_err(ssr::internal)
}

/// Parses and validates a draft policy sent by the lab; every problem, with its field path.
#[cfg(feature = "ssr")]
fn checked_policy(policy_json: &str) -> Result<kehu_engine::Policy, ServerFnError> {
    kehu_engine::Policy::from_json(policy_json).map_err(|issues| {
        let text: Vec<String> = issues.iter().map(ToString::to_string).collect();
        ssr::invalid(&format!("the policy is invalid: {}", text.join("; ")))
    })
}

/// What publishing `policy_json` would do, computed by the server over the stored data.
#[server(endpoint = "preview_policy")]
pub async fn preview_policy(policy_json: String) -> Result<PolicyPreview, ServerFnError> {
    ssr::lab_user()?;
    let policy = checked_policy(&policy_json)?;
    ssr::store()?.preview(&policy).await.map_err(ssr::internal)
}

/// Publishes a draft: the server validates it again, recomputes every customer with the same
/// engine and stores the assignments under the new version in one transaction.
#[server(endpoint = "publish_policy")]
pub async fn publish_policy(policy_json: String) -> Result<(PolicyRef, u32), ServerFnError> {
    let me = ssr::lab_user()?;
    let policy = checked_policy(&policy_json)?;
    ssr::store()?
        .publish(&policy, me.id)
        .await
        .map_err(ssr::internal)
}

/// Changes one field of a customer, as its owner. `version` is the record version the editor
/// loaded: if someone changed the customer since, nothing is saved and the answer says so.
#[server(endpoint = "edit_customer_field")]
pub async fn edit_customer_field(
    id: i64,
    key: String,
    value: String,
    version: i64,
) -> Result<EditResult, ServerFnError> {
    let me = ssr::staff()?;
    use http::StatusCode;
    let Some(field) = crate::model::field(&key) else {
        return Err(ssr::refuse(
            StatusCode::BAD_REQUEST,
            &format!("{key}: no such field"),
        ));
    };
    if !field.editable_by(me.role) {
        return Err(ssr::refuse(
            StatusCode::FORBIDDEN,
            &format!("{key}: only its owner may change it directly; file a change request"),
        ));
    }
    let value = match field.parse(&value) {
        Ok(v) => v,
        Err(problem) => return Ok(EditResult::Invalid(problem)),
    };
    ssr::store()?
        .edit_field(me.scope(), me.id, id, field, &value, version)
        .await
        .map_err(ssr::internal)?
        .ok_or_else(|| ssr::refuse(StatusCode::NOT_FOUND, "no such customer"))
}

/// Who changed what on a customer, newest first.
#[server(endpoint = "customer_history")]
pub async fn customer_history(id: i64) -> Result<Vec<AuditEntry>, ServerFnError> {
    let me = ssr::staff()?;
    ssr::store()?
        .customer_history(me.scope(), id)
        .await
        .map_err(ssr::internal)?
        .ok_or_else(|| ssr::refuse(http::StatusCode::NOT_FOUND, "no such customer"))
}

/// Asks for a field of a customer to be changed, with a reason; a reviewer decides.
#[server(endpoint = "request_change")]
pub async fn request_change(
    id: i64,
    key: String,
    value: String,
    reason: String,
) -> Result<RequestResult, ServerFnError> {
    use http::StatusCode;
    let me = ssr::staff()?;
    let (field, value, reason) = match ssr::check_request(me.role, &key, &value, &reason) {
        Ok(checked) => checked,
        Err(ssr::RequestRefused::NoField) => {
            return Err(ssr::refuse(
                StatusCode::BAD_REQUEST,
                &format!("{key}: no such field"),
            ));
        }
        Err(ssr::RequestRefused::NotRequestable) => {
            return Err(ssr::refuse(
                StatusCode::FORBIDDEN,
                &format!("{key}: cannot be requested (you may edit it, or kehu derives it)"),
            ));
        }
        Err(ssr::RequestRefused::Answer(result)) => return Ok(result),
    };
    ssr::store()?
        .file_request(me.scope(), me.id, id, field, &value, &reason)
        .await
        .map_err(ssr::internal)?
        .ok_or_else(|| ssr::refuse(StatusCode::NOT_FOUND, "no such customer"))
}

/// The change requests of one customer (any staff in scope), or without `customer` the review
/// queue of the caller (managers, admins, licence officers).
#[server(endpoint = "change_requests")]
pub async fn change_requests(customer: Option<i64>) -> Result<Vec<ChangeRequest>, ServerFnError> {
    let me = ssr::staff()?;
    let reviewer = match customer {
        Some(_) => None,
        None if me.role.reviews_requests() => Some(me.role),
        None => {
            return Err(ssr::refuse(
                http::StatusCode::FORBIDDEN,
                "the review queue is for managers and licence officers",
            ));
        }
    };
    ssr::store()?
        .change_requests(me.scope(), customer, reviewer)
        .await
        .map_err(ssr::internal)
}

/// Approves or rejects a request (a rejection needs a reason).
#[server(endpoint = "review_request")]
pub async fn review_request(
    id: i64,
    approve: bool,
    reason: String,
) -> Result<ReviewResult, ServerFnError> {
    let me = ssr::staff()?;
    if !me.role.reviews_requests() {
        return Err(ssr::refuse(
            http::StatusCode::FORBIDDEN,
            "only managers and licence officers review requests",
        ));
    }
    if reason.chars().count() > crate::model::MAX_REASON_CHARS {
        return Ok(ReviewResult::ReasonRequired);
    }
    ssr::store()?
        .review_request(me.id, me.role, id, approve, &reason)
        .await
        .map_err(ssr::internal)?
        .ok_or_else(|| ssr::refuse(http::StatusCode::NOT_FOUND, "no such request"))
}

/// The overall audit trail (managers and admins): who did what, when, through which request.
#[server(endpoint = "audit_log")]
pub async fn audit_log(action: String, page: u32) -> Result<AuditPage, ServerFnError> {
    let me = ssr::signed_in()?;
    if !me.role.can_use_lab() {
        return Err(ssr::refuse(
            http::StatusCode::FORBIDDEN,
            "the audit trail is for managers",
        ));
    }
    if !action.is_empty() && !crate::model::AUDIT_ACTIONS.contains(&action.as_str()) {
        return Err(ssr::refuse(
            http::StatusCode::BAD_REQUEST,
            "action: not a kind of audit line",
        ));
    }
    ssr::store()?
        .audit_log(&action, page.max(1))
        .await
        .map_err(ssr::internal)
}

// Self-service (customers).

/// My tiers and why, under the published policy (customers only).
#[server(endpoint = "my_tiers")]
pub async fn get_my_tiers() -> Result<MyTiers, ServerFnError> {
    let (_, id) = ssr::customer()?;
    ssr::store()?
        .my_tiers(id)
        .await
        .map_err(ssr::internal)?
        .ok_or_else(|| ssr::refuse(http::StatusCode::NOT_FOUND, "no such customer"))
}

/// My record as a customer may see it, what I may request, and my requests.
#[server(endpoint = "my_profile")]
pub async fn get_my_profile() -> Result<MyProfile, ServerFnError> {
    let (me, id) = ssr::customer()?;
    let store = ssr::store()?;
    let detail = store
        .customer(me.scope(), id)
        .await
        .map_err(ssr::internal)?
        .ok_or_else(|| ssr::refuse(http::StatusCode::NOT_FOUND, "no such customer"))?;
    let sees = |key: &str| crate::model::field(key).is_some_and(|f| f.customer_sees());
    let requests = store
        .change_requests(me.scope(), Some(id), None)
        .await
        .map_err(ssr::internal)?;
    Ok(MyProfile {
        code: detail.code,
        shop_name: detail.shop_name,
        fields: detail.fields.into_iter().filter(|f| sees(&f.key)).collect(),
        requestable: crate::model::FIELDS
            .iter()
            .filter(|f| f.requestable_by(me.role))
            .map(|f| f.key.to_string())
            .collect(),
        requests: requests.into_iter().map(Into::into).collect(),
    })
}

/// My customer manager, visits and complaints.
#[server(endpoint = "my_service")]
pub async fn get_my_service() -> Result<MyService, ServerFnError> {
    let (_, id) = ssr::customer()?;
    ssr::store()?
        .my_service(id)
        .await
        .map_err(ssr::internal)?
        .ok_or_else(|| ssr::refuse(http::StatusCode::NOT_FOUND, "no such customer"))
}

// Disputes and invites (staff).

/// Customers' disputes of their classification, for managers and admins who answer them;
/// `None` for other staff (the review page then shows no dispute section).
#[server(endpoint = "disputes")]
pub async fn list_disputes() -> Result<Option<Vec<Dispute>>, ServerFnError> {
    let me = ssr::staff()?;
    if !me.role.can_use_lab() {
        return Ok(None);
    }
    ssr::store()?
        .disputes(me.scope())
        .await
        .map(Some)
        .map_err(ssr::internal)
}

/// Answers a dispute: the classification stands (upheld) or the data was corrected; the answer
/// is what the customer reads.
#[server(endpoint = "answer_dispute")]
pub async fn answer_dispute(
    id: i64,
    status: String,
    answer: String,
) -> Result<bool, ServerFnError> {
    use http::StatusCode;
    let me = ssr::lab_user()?;
    use crate::model::DisputeStatus;
    let status = DisputeStatus::from_key(&status)
        .filter(|s| *s != DisputeStatus::Open)
        .ok_or_else(|| ssr::refuse(StatusCode::BAD_REQUEST, "status: upheld or corrected"))?;
    let answer = answer.trim();
    if answer.is_empty() || answer.chars().count() > crate::model::MAX_REASON_CHARS {
        return Err(ssr::refuse(
            StatusCode::BAD_REQUEST,
            "answer: 1 to 500 characters",
        ));
    }
    ssr::store()?
        .answer_dispute(me.id, id, status, answer)
        .await
        .map_err(ssr::internal)?
        .ok_or_else(|| ssr::refuse(StatusCode::NOT_FOUND, "no such dispute"))
}

/// A printable one-time invite for a customer to set their portal password (managers, admins,
/// and customer managers for their own customers).
#[server(endpoint = "create_invite")]
pub async fn create_invite(customer: i64) -> Result<Invite, ServerFnError> {
    use http::StatusCode;
    let me = ssr::staff()?;
    if !matches!(
        me.role,
        crate::model::Role::Admin
            | crate::model::Role::Manager
            | crate::model::Role::CustomerManager
    ) {
        return Err(ssr::refuse(
            StatusCode::FORBIDDEN,
            "invites are made by managers and customer managers",
        ));
    }
    ssr::store()?
        .create_invite(me.scope(), me.id, customer)
        .await
        .map_err(ssr::internal)?
        .ok_or_else(|| ssr::refuse(StatusCode::NOT_FOUND, "no such customer"))
}

// Saved policies (the lab's drafts).

/// Drafts and published versions (managers and admins).
#[server(endpoint = "policies")]
pub async fn list_policies() -> Result<Vec<PolicyInfo>, ServerFnError> {
    ssr::lab_user()?;
    ssr::store()?.policies().await.map_err(ssr::internal)
}

/// One saved policy's JSON.
#[server(endpoint = "policy")]
pub async fn load_policy(id: i64) -> Result<(PolicyInfo, String), ServerFnError> {
    ssr::lab_user()?;
    ssr::store()?
        .policy(id)
        .await
        .map_err(ssr::internal)?
        .ok_or_else(|| ssr::refuse(http::StatusCode::NOT_FOUND, "no such policy"))
}

/// Saves the lab's draft: a new one (`id` None), or over draft `id` if nobody changed it since
/// `revision`. Invalid or unnamed policies are refused.
#[server(endpoint = "save_draft")]
pub async fn save_draft(
    id: Option<i64>,
    revision: i64,
    policy_json: String,
) -> Result<DraftResult, ServerFnError> {
    let me = ssr::lab_user()?;
    let policy = match kehu_engine::Policy::from_json(&policy_json) {
        Ok(p) => p,
        Err(issues) => {
            let text: Vec<String> = issues.iter().map(ToString::to_string).collect();
            return Ok(DraftResult::Invalid(text.join("; ")));
        }
    };
    ssr::store()?
        .save_draft(me.id, id, revision, &policy)
        .await
        .map_err(ssr::internal)
}

#[server(endpoint = "rename_draft")]
pub async fn rename_draft(
    id: i64,
    revision: i64,
    name: String,
) -> Result<DraftResult, ServerFnError> {
    let me = ssr::lab_user()?;
    ssr::store()?
        .rename_draft(me.id, id, revision, &name)
        .await
        .map_err(ssr::internal)
}

#[server(endpoint = "delete_draft")]
pub async fn delete_draft(id: i64, revision: i64) -> Result<DraftResult, ServerFnError> {
    ssr::lab_user()?;
    ssr::store()?
        .delete_draft(id, revision)
        .await
        .map_err(ssr::internal)
}

/// A new draft named `name` with the settings of a saved policy (draft or published).
#[server(endpoint = "duplicate_policy")]
pub async fn duplicate_policy(id: i64, name: String) -> Result<DraftResult, ServerFnError> {
    let me = ssr::lab_user()?;
    ssr::store()?
        .duplicate_policy(me.id, id, &name)
        .await
        .map_err(ssr::internal)
}

/// Complaints of the customers in my scope (staff).
#[server(endpoint = "complaints")]
pub async fn list_complaints(
    #[server(default)] filter: ComplaintFilter,
) -> Result<ComplaintPage, ServerFnError> {
    let me = ssr::staff()?;
    ssr::store()?
        .complaints(me.scope(), &filter)
        .await
        .map_err(ssr::internal)
}

/// Files a complaint on a customer's behalf (a call, a visit), by customer code, for a customer
/// in my scope; its deadlines come from the published policy.
#[server(endpoint = "file_staff_complaint")]
pub async fn file_staff_complaint(
    customer_code: String,
    subject: String,
    description: String,
    major: bool,
    attitude: String,
) -> Result<Complaint, ServerFnError> {
    use crate::model::{COMPLAINT_ATTITUDES, MAX_COMPLAINT_CHARS, MAX_SUBJECT_CHARS};
    use http::StatusCode;
    let me = ssr::staff()?;
    let subject = subject.trim();
    if subject.is_empty() || subject.chars().count() > MAX_SUBJECT_CHARS {
        return Err(ssr::refuse(
            StatusCode::BAD_REQUEST,
            "subject: 1 to 100 characters",
        ));
    }
    let description = description.trim();
    if description.chars().count() > MAX_COMPLAINT_CHARS {
        return Err(ssr::refuse(
            StatusCode::BAD_REQUEST,
            "description: at most 2,000 characters",
        ));
    }
    let attitude = Some(attitude.as_str()).filter(|a| COMPLAINT_ATTITUDES.contains(a));
    let store = ssr::store()?;
    let code = customer_code.trim().to_uppercase();
    let query = CustomerQuery {
        q: code.clone(),
        ..CustomerQuery::default()
    };
    let found = store
        .customers(me.scope(), &query)
        .await
        .map_err(ssr::internal)?;
    let customer = found
        .rows
        .iter()
        .find(|r| r.code.eq_ignore_ascii_case(&code))
        .ok_or_else(|| ssr::refuse(StatusCode::NOT_FOUND, "customer_code: no such customer"))?;
    store
        .file_complaint(
            me.scope(),
            me.id,
            customer.id,
            subject,
            description,
            major,
            attitude,
        )
        .await
        .map_err(ssr::internal)?
        .ok_or_else(|| ssr::refuse(StatusCode::NOT_FOUND, "customer_code: no such customer"))
}

/// One step of handling a complaint (staff): attitude, severity, a step done, confirmation of
/// a major one, closing. Refused when the complaint changed since `version`. JSON: the action
/// is an enum.
#[server(endpoint = "act_on_complaint", input = leptos::server_fn::codec::Json)]
pub async fn act_on_complaint(
    id: i64,
    version: i64,
    action: ComplaintAction,
) -> Result<ComplaintResult, ServerFnError> {
    let me = ssr::staff()?;
    ssr::store()?
        .complaint_action(me.scope(), me.id, id, version, &action)
        .await
        .map_err(ssr::internal)?
        .ok_or_else(|| ssr::refuse(http::StatusCode::NOT_FOUND, "no such complaint"))
}

/// This month's visit plan for the customers in my scope (staff), the customers to visit in
/// pages of [`crate::model::PLAN_PAGE_SIZE`].
#[server(endpoint = "visit_plan")]
pub async fn get_visit_plan(#[server(default)] page: u32) -> Result<VisitPlan, ServerFnError> {
    let me = ssr::staff()?;
    ssr::store()?
        .visit_plan(me.scope(), page)
        .await
        .map_err(ssr::internal)
}

/// The latest visits to customers in my scope (staff).
#[server(endpoint = "recent_visits")]
pub async fn recent_visits() -> Result<Vec<VisitEntry>, ServerFnError> {
    let me = ssr::staff()?;
    ssr::store()?
        .recent_visits(me.scope())
        .await
        .map_err(ssr::internal)
}

/// Logs a visit I made to a customer in my scope; the field at fault when it does not check
/// out.
#[server(endpoint = "log_visit")]
pub async fn log_visit(visit: NewVisit) -> Result<Result<VisitEntry, VisitProblem>, ServerFnError> {
    let me = ssr::staff()?;
    ssr::store()?
        .log_visit(me.scope(), me.id, &visit)
        .await
        .map_err(ssr::internal)?
        .ok_or_else(|| ssr::refuse(http::StatusCode::NOT_FOUND, "no such customer"))
}

/// The service calendar's exceptions to Monday–Friday (staff).
#[server(endpoint = "calendar")]
pub async fn get_calendar() -> Result<Vec<CalendarDay>, ServerFnError> {
    ssr::staff()?;
    ssr::store()?.calendar_days().await.map_err(ssr::internal)
}

/// Makes a day a holiday, a make-up working day, or usual again (`kind` empty); managers and
/// admins. Deadlines of complaints filed from then on count working hours over it.
#[server(endpoint = "set_calendar_day")]
pub async fn set_calendar_day(
    day: String,
    kind: String,
    note: String,
) -> Result<Result<(), CalendarProblem>, ServerFnError> {
    let me = ssr::lab_user()?;
    ssr::store()?
        .set_calendar_day(me.id, &day, &kind, &note)
        .await
        .map_err(ssr::internal)
}

/// Under- and over-served customers under the published policy (staff, in their scope);
/// `tier` empty for every tier; `manager` narrows to one customer manager's customers.
#[server(endpoint = "service_gaps")]
pub async fn get_service_gaps(
    tier: String,
    manager: Option<i64>,
) -> Result<GapReport, ServerFnError> {
    let me = ssr::staff()?;
    let tier = match tier.trim() {
        "" => None,
        t => Some(kehu_engine::Tier::from_key(t).ok_or_else(|| {
            ssr::refuse(
                http::StatusCode::BAD_REQUEST,
                "tier: core, general or problem",
            )
        })?),
    };
    ssr::store()?
        .service_gaps(me.scope(), tier, manager)
        .await
        .map_err(ssr::internal)
}

/// Customer managers' performance over the last 90 days: my own line (customer managers) or
/// every customer manager's (managers, admins), a page of [`crate::model::KPI_PAGE_SIZE`] in
/// `order` (one of [`crate::model::KPI_ORDERS`]).
#[server(endpoint = "kpis")]
pub async fn get_kpis(
    #[server(default)] order: String,
    #[server(default)] page: u32,
) -> Result<Kpis, ServerFnError> {
    let me = ssr::staff()?;
    Ok(ssr::store()?
        .kpis(me.scope())
        .await
        .map_err(ssr::internal)?
        .page_in_order(&order, page, crate::model::KPI_PAGE_SIZE))
}

/// The report of `kind` for the period containing `day` (`YYYY-MM-DD`, empty = today): its
/// period, what my records show for it, and what I saved.
#[server(endpoint = "report_draft", input = leptos::server_fn::codec::Json)]
pub async fn get_report_draft(kind: ReportKind, day: String) -> Result<ReportDraft, ServerFnError> {
    let me = ssr::staff()?;
    ssr::store()?
        .report_draft(me.id, kind, &day)
        .await
        .map_err(ssr::internal)?
        .ok_or_else(|| ssr::refuse(http::StatusCode::BAD_REQUEST, "day: a date like 2026-11-23"))
}

/// Saves my report of a period (refused when it changed since, or was reviewed).
#[server(endpoint = "save_report", input = leptos::server_fn::codec::Json)]
pub async fn save_report(save: ReportSave) -> Result<ReportSaved, ServerFnError> {
    let me = ssr::staff()?;
    ssr::store()?
        .save_report(me.id, &save)
        .await
        .map_err(ssr::internal)
}

/// Reports I may read: my own, or everyone's for managers and admins.
#[server(endpoint = "reports")]
pub async fn list_reports(unreviewed: bool) -> Result<ReportList, ServerFnError> {
    let me = ssr::staff()?;
    let rows = ssr::store()?
        .reports(me.id, me.role, unreviewed)
        .await
        .map_err(ssr::internal)?;
    Ok(ReportList {
        rows,
        can_review: me.role.can_use_lab(),
    })
}

/// A manager's review comment on a report (managers and admins).
#[server(endpoint = "review_report")]
pub async fn review_report(id: i64, comment: String) -> Result<ReportSaved, ServerFnError> {
    let me = ssr::lab_user()?;
    ssr::store()?
        .review_report(me.id, id, &comment)
        .await
        .map_err(ssr::internal)?
        .ok_or_else(|| ssr::refuse(http::StatusCode::NOT_FOUND, "no such report"))
}
