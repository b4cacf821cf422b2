//! The SQLite implementation of the UI's storage port (`app::api::ssr::Store`, one trait an
//! area): one forward a method, to the archive's list and customer page (`list`, `customer`)
//! and the use cases of each area; the typed ids of the port become the rows' numbers here.

use crate::db::policy::current_policy;
use crate::drafts;
use crate::error::{AppError, store_err};
use crate::facts::shift_month;
use crate::publish::class_code;
use crate::self_service;
use app::api::ssr::StoreError;
use app::api::ssr::ports::*;
use app::wire::{
    AUDIT_PAGE_SIZE, Assignment, AuditEntry, AuditPage, AuditRow, COMPLAINT_PAGE_SIZE,
    CalendarChange, CalendarProblem, ChangeRequest, Complaint, ComplaintAction, ComplaintFilter,
    ComplaintPage, ComplaintResult, CustomerDetail, CustomerId, CustomerLabel, CustomerPage,
    CustomerQuery, CustomerRow, CustomerService, Dashboard, Dispute, DisputeStatus, DraftResult,
    EditResult, FIELDS, FieldDef, FieldProblem, FieldValue, FilterOptions, GapReport, Invite, Kpis,
    MyService, MyTiers, NewComplaint, NewVisit, Once, PAGE_SIZE, PolicyId, PolicyInfo,
    PolicyPreview, Publication, Report, ReportDraft, ReportKind, ReportSave, ReportSaved,
    RequestResult, RequestStatus, ReviewResult, Role, RouteOption, Scope, ServiceCalendar, UserId,
    VisitEntry, VisitLogged, VisitPlan,
};
use kehu_engine::{Cases, Cents, Policy, Score, derive};
use sqlx::{Row, SqlitePool};

#[derive(Clone)]
pub struct SqliteStore {
    pub pool: SqlitePool,
    /// Every customer's facts, kept while the data is unchanged (snapshot, preview, publish).
    pub facts: crate::facts::KeptFacts,
    /// Everyone classified under the published policy, while the facts are unchanged.
    pub gaps: crate::gaps::Memo,
    /// The lab's snapshot, rebuilt only when the data it depends on changes.
    pub snapshot: crate::snapshot::SnapshotCache,
}

impl SqliteStore {
    /// Brings the kept facts under the published policy up to date with this process's writes
    /// (see `facts::KeptFacts::refresh`).
    pub async fn refresh_facts(&self) -> anyhow::Result<()> {
        let policy = crate::db::policy::published_or_default(&self.pool).await?;
        self.facts.refresh(&self.pool, &policy).await
    }

    pub fn new(pool: SqlitePool) -> Self {
        SqliteStore {
            pool,
            facts: Default::default(),
            gaps: Default::default(),
            snapshot: Default::default(),
        }
    }
}

mod customer;
mod list;

use list::*;

#[async_trait::async_trait]
impl ArchivePort for SqliteStore {
    async fn dashboard(&self, scope: Scope) -> Result<Dashboard, StoreError> {
        Ok(list::dashboard(self, scope).await?)
    }

    async fn customers(&self, scope: Scope, q: &CustomerQuery) -> Result<CustomerPage, StoreError> {
        Ok(list::customers(self, scope, q).await?)
    }

    async fn customer(
        &self,
        scope: Scope,
        id: CustomerId,
    ) -> Result<Option<CustomerDetail>, StoreError> {
        Ok(customer::customer(self, scope, id.0).await?)
    }

    async fn filter_options(&self, scope: Scope) -> Result<FilterOptions, StoreError> {
        Ok(list::filter_options(self, scope).await?)
    }

    async fn customer_labels(
        &self,
        scope: Scope,
        ids: &[i64],
    ) -> Result<Vec<CustomerLabel>, StoreError> {
        Ok(list::customer_labels(self, scope, ids).await?)
    }

    async fn edit_field(
        &self,
        scope: Scope,
        user: UserId,
        customer: CustomerId,
        field: &'static FieldDef,
        value: &str,
        version: i64,
    ) -> Result<Option<EditResult>, StoreError> {
        Ok(customer::edit_field(self, scope, user.0, customer.0, field, value, version).await?)
    }

    async fn file_request(
        &self,
        scope: Scope,
        user: UserId,
        customer: CustomerId,
        field: &'static FieldDef,
        value: &str,
        reason: &str,
    ) -> Result<Option<RequestResult>, StoreError> {
        Ok(customer::file_request(self, scope, user.0, customer.0, field, value, reason).await?)
    }

    async fn change_requests(
        &self,
        scope: Scope,
        customer: Option<CustomerId>,
        reviewer: Option<Role>,
    ) -> Result<Vec<ChangeRequest>, StoreError> {
        Ok(customer::change_requests(self, scope, customer.map(|v| v.0), reviewer).await?)
    }

    async fn review_request(
        &self,
        user: UserId,
        role: Role,
        request: i64,
        approve: bool,
        reason: &str,
    ) -> Result<Option<ReviewResult>, StoreError> {
        Ok(customer::review_request(self, user.0, role, request, approve, reason).await?)
    }

    async fn audit_log(&self, action: &str, page: u32) -> Result<AuditPage, StoreError> {
        Ok(customer::audit_log(self, action, page).await?)
    }

    async fn customer_history(
        &self,
        scope: Scope,
        customer: CustomerId,
    ) -> Result<Option<Vec<AuditEntry>>, StoreError> {
        Ok(customer::customer_history(self, scope, customer.0).await?)
    }

    async fn customer_service(
        &self,
        scope: Scope,
        customer: CustomerId,
    ) -> Result<Option<CustomerService>, StoreError> {
        Ok(self_service::customer_service(&self.pool, &self.facts, scope, customer.0).await?)
    }
}

#[async_trait::async_trait]
impl PolicyPort for SqliteStore {
    async fn preview(&self, policy: &Policy) -> Result<PolicyPreview, StoreError> {
        let loaded = self
            .facts
            .load(&self.pool, policy)
            .await
            .map_err(store_err)?;
        let mut out = kehu_engine::Outcomes::default();
        let s =
            kehu_engine::classify_all(policy, &loaded.population, loaded.managers.len(), &mut out);
        Ok(PolicyPreview {
            customers: s.customers,
            band_counts: s.band_counts,
            tier_counts: s.tier_counts,
            movers: s.movers,
            same_as: crate::publish::same_as_published(&self.pool, policy).await?,
        })
    }

    async fn publish(&self, policy: &Policy, user: UserId) -> Result<Publication, StoreError> {
        use crate::publish::PublishError;
        match crate::publish::publish(&self.pool, &self.facts, policy, Some(user.0)).await {
            Ok(p) => {
                // The lab that published asks for the new snapshot next (and so does every
                // other lab open): build it now, while the answer travels.
                let store = self.clone();
                tokio::spawn(async move {
                    if let Err(e) = store.snapshot.get(&store.pool, &store.facts).await {
                        tracing::warn!("snapshot after publishing: {e:#}");
                    }
                });
                Ok(Publication::Published {
                    policy: p.policy,
                    movers: p.movers,
                })
            }
            Err(PublishError::Unchanged(version)) => Ok(Publication::Unchanged { version }),
            Err(e) => Err(store_err(e)),
        }
    }

    async fn policies(&self) -> Result<Vec<PolicyInfo>, StoreError> {
        Ok(drafts::list(&self.pool).await?)
    }

    async fn policy(&self, id: PolicyId) -> Result<Option<(PolicyInfo, String)>, StoreError> {
        Ok(drafts::load(&self.pool, id.0).await?)
    }

    async fn save_draft(
        &self,
        user: UserId,
        id: Option<PolicyId>,
        revision: i64,
        policy: &Policy,
    ) -> Result<DraftResult, StoreError> {
        Ok(drafts::save(&self.pool, user.0, id.map(|v| v.0), revision, policy).await?)
    }

    async fn rename_draft(
        &self,
        user: UserId,
        id: PolicyId,
        revision: i64,
        name: &str,
    ) -> Result<DraftResult, StoreError> {
        Ok(drafts::rename(&self.pool, user.0, id.0, revision, name).await?)
    }

    async fn delete_draft(&self, id: PolicyId, revision: i64) -> Result<DraftResult, StoreError> {
        Ok(drafts::delete(&self.pool, id.0, revision).await?)
    }

    async fn duplicate_policy(
        &self,
        user: UserId,
        id: PolicyId,
        name: &str,
    ) -> Result<DraftResult, StoreError> {
        Ok(drafts::duplicate(&self.pool, user.0, id.0, name).await?)
    }
}

#[async_trait::async_trait]
impl PortalPort for SqliteStore {
    async fn my_tiers(&self, customer: CustomerId) -> Result<Option<MyTiers>, StoreError> {
        Ok(self_service::my_tiers(&self.pool, &self.facts, customer.0).await?)
    }

    async fn my_service(&self, customer: CustomerId) -> Result<Option<MyService>, StoreError> {
        Ok(self_service::my_service(&self.pool, customer.0).await?)
    }

    async fn file_dispute(
        &self,
        user: UserId,
        customer: CustomerId,
        reason: &str,
    ) -> Result<Option<i64>, StoreError> {
        Ok(self_service::file_dispute(&self.pool, user.0, customer.0, reason).await?)
    }

    async fn disputes(&self, scope: Scope) -> Result<Vec<Dispute>, StoreError> {
        Ok(self_service::disputes(&self.pool, scope).await?)
    }

    async fn answer_dispute(
        &self,
        user: UserId,
        id: i64,
        status: DisputeStatus,
        answer: &str,
    ) -> Result<Once, StoreError> {
        Ok(self_service::answer_dispute(&self.pool, user.0, id, status, answer).await?)
    }

    async fn rate_visit(
        &self,
        customer: CustomerId,
        visit: i64,
        score: u8,
        comment: &str,
    ) -> Result<Once, StoreError> {
        Ok(self_service::rate_visit(&self.pool, customer.0, visit, score, comment).await?)
    }

    async fn create_invite(
        &self,
        scope: Scope,
        user: UserId,
        customer: CustomerId,
    ) -> Result<Option<Invite>, StoreError> {
        Ok(self_service::create_invite(&self.pool, scope, user.0, customer.0).await?)
    }
}

#[async_trait::async_trait]
impl WorkPort for SqliteStore {
    async fn file_complaint(
        &self,
        scope: Scope,
        user: UserId,
        new: &NewComplaint,
    ) -> Result<Option<Complaint>, StoreError> {
        Ok(crate::complaints::file(&self.pool, scope, user.0, new).await?)
    }

    async fn complaints(
        &self,
        scope: Scope,
        filter: &ComplaintFilter,
    ) -> Result<ComplaintPage, StoreError> {
        Ok(crate::complaints::list(&self.pool, scope, filter, COMPLAINT_PAGE_SIZE).await?)
    }

    async fn complaint_action(
        &self,
        scope: Scope,
        user: UserId,
        id: i64,
        version: i64,
        action: &ComplaintAction,
    ) -> Result<Option<ComplaintResult>, StoreError> {
        Ok(crate::complaints::act(&self.pool, scope, user.0, id, version, action).await?)
    }

    async fn log_visit(
        &self,
        scope: Scope,
        user: UserId,
        visit: &NewVisit,
    ) -> Result<VisitLogged, StoreError> {
        Ok(crate::visits::log(&self.pool, scope, user.0, visit).await?)
    }

    async fn recent_visits(&self, scope: Scope) -> Result<Vec<VisitEntry>, StoreError> {
        Ok(crate::visits::recent(&self.pool, scope, None).await?)
    }

    async fn visit_plan(
        &self,
        scope: Scope,
        page: u32,
        route: Option<i64>,
    ) -> Result<VisitPlan, StoreError> {
        Ok(crate::visits::plan(&self.pool, &self.facts, scope, page, route).await?)
    }

    async fn kpis(&self, scope: Scope) -> Result<Kpis, StoreError> {
        Ok(crate::kpis::kpis(&self.pool, &self.facts, &self.gaps, scope).await?)
    }

    async fn calendar(&self) -> Result<ServiceCalendar, StoreError> {
        crate::calendar::service_calendar(&self.pool)
            .await
            .map_err(store_err)
    }

    async fn set_calendar_days(
        &self,
        user: UserId,
        (from, to): (&str, &str),
        kind: &str,
        note: &str,
    ) -> Result<Result<CalendarChange, CalendarProblem>, StoreError> {
        crate::calendar::set_days(&self.pool, user.0, from, to, kind, note)
            .await
            .map_err(store_err)
    }

    async fn import_calendar(
        &self,
        user: UserId,
        csv: &str,
    ) -> Result<Result<CalendarChange, Vec<CalendarProblem>>, StoreError> {
        crate::calendar::import(&self.pool, user.0, csv)
            .await
            .map_err(store_err)
    }

    async fn set_desk_zone(
        &self,
        user: UserId,
        zone: &str,
    ) -> Result<Result<(), CalendarProblem>, StoreError> {
        crate::calendar::set_zone(&self.pool, user.0, zone)
            .await
            .map_err(store_err)
    }

    async fn service_gaps(
        &self,
        scope: Scope,
        tier: Option<kehu_engine::Tier>,
        manager: Option<UserId>,
    ) -> Result<GapReport, StoreError> {
        Ok(crate::gaps::report(
            &self.pool,
            &self.facts,
            &self.gaps,
            scope,
            tier,
            manager.map(|v| v.0),
        )
        .await?)
    }

    async fn report_draft(
        &self,
        author: UserId,
        kind: ReportKind,
        day: &str,
    ) -> Result<Option<ReportDraft>, StoreError> {
        let day = if day.trim().is_empty() {
            crate::time::today()
        } else {
            match chrono::NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d") {
                Ok(d) => d,
                Err(_) => return Ok(None),
            }
        };
        let period = crate::reports::period_of(kind, day);
        let Some(records) = crate::reports::records(&self.pool, author.0, kind, &period).await?
        else {
            return Ok(None);
        };
        let existing = crate::reports::find(&self.pool, author.0, kind, &period).await?;
        Ok(Some(ReportDraft {
            period,
            records,
            existing,
        }))
    }

    async fn save_report(
        &self,
        author: UserId,
        save: &ReportSave,
    ) -> Result<ReportSaved, StoreError> {
        Ok(crate::reports::save(&self.pool, author.0, save).await?)
    }

    async fn reports(
        &self,
        user: UserId,
        role: Role,
        unreviewed: bool,
    ) -> Result<Vec<Report>, StoreError> {
        Ok(crate::reports::list(&self.pool, user.0, role, unreviewed).await?)
    }

    async fn review_report(
        &self,
        reviewer: UserId,
        id: i64,
        comment: &str,
    ) -> Result<Option<ReportSaved>, StoreError> {
        Ok(crate::reports::review(&self.pool, reviewer.0, id, comment).await?)
    }
}
