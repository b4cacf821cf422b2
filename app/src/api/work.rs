//! Service work: complaints, visits, the service calendar, the satisfaction gap, performance and
//! written reports.

use super::*;

/// Complaints of the customers in my scope (staff).
#[server(endpoint = "complaints")]
pub async fn list_complaints(
    #[server(default)] filter: ComplaintFilter,
) -> Result<ComplaintPage, ApiError> {
    let me = ssr::staff()?;
    ssr::store()?
        .complaints(me.scope(), &filter)
        .await
        .map_err(ssr::internal)
}

/// Files a complaint on a customer's behalf (a call, a visit), by customer code, for a customer
/// in my scope; its deadlines come from the published policy. `key`: the phone's own key for
/// it (a complaint filed without signal and sent later), so that sent twice it is filed once.
#[server(endpoint = "file_staff_complaint")]
pub async fn file_staff_complaint(
    customer_code: String,
    subject: String,
    description: String,
    major: bool,
    attitude: String,
    #[server(default)] key: String,
) -> Result<Complaint, ApiError> {
    use crate::wire::{COMPLAINT_ATTITUDES, MAX_COMPLAINT_CHARS, MAX_SUBJECT_CHARS, NewComplaint};
    use http::StatusCode;
    let me = ssr::staff()?;
    if !key.is_empty() && !crate::wire::entry_key_ok(&key) {
        return Err(ssr::refuse(
            StatusCode::BAD_REQUEST,
            "key: 8 to 64 letters, digits or -",
        ));
    }
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
            &NewComplaint {
                customer: customer.id,
                subject: subject.to_string(),
                description: description.to_string(),
                major,
                attitude: attitude.map(str::to_string),
                key,
            },
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
) -> Result<ComplaintResult, ApiError> {
    let me = ssr::staff()?;
    ssr::store()?
        .complaint_action(me.scope(), me.id, id, version, &action)
        .await
        .map_err(ssr::internal)?
        .ok_or_else(|| ssr::refuse(http::StatusCode::NOT_FOUND, "no such complaint"))
}

/// This month's visit plan for the customers in my scope (staff), the customers to visit in
/// pages of [`crate::wire::PLAN_PAGE_SIZE`].
#[server(endpoint = "visit_plan")]
pub async fn get_visit_plan(
    #[server(default)] page: u32,
    #[server(default)] route: Option<i64>,
) -> Result<VisitPlan, ApiError> {
    let me = ssr::staff()?;
    ssr::store()?
        .visit_plan(me.scope(), page, route)
        .await
        .map_err(ssr::internal)
}

/// The latest visits to customers in my scope (staff).
#[server(endpoint = "recent_visits")]
pub async fn recent_visits() -> Result<Vec<VisitEntry>, ApiError> {
    let me = ssr::staff()?;
    ssr::store()?
        .recent_visits(me.scope())
        .await
        .map_err(ssr::internal)
}

/// Logs a visit I made to a customer in my scope; the field at fault when it does not check
/// out.
#[server(endpoint = "log_visit")]
pub async fn log_visit(visit: NewVisit) -> Result<Result<VisitEntry, VisitProblem>, ApiError> {
    let me = ssr::staff()?;
    ssr::store()?
        .log_visit(me.scope(), me.id, &visit)
        .await
        .map_err(ssr::internal)
        .and_then(|logged| match logged {
            crate::wire::VisitLogged::Logged(entry) => Ok(Ok(entry)),
            crate::wire::VisitLogged::Refused(problem) => Ok(Err(problem)),
            crate::wire::VisitLogged::NotFound => {
                Err(ssr::refuse(http::StatusCode::NOT_FOUND, "no such customer"))
            }
        })
}

/// The service calendar: the desk's time zone and its exceptions to Monday–Friday (staff).
#[server(endpoint = "calendar")]
pub async fn get_calendar() -> Result<ServiceCalendar, ApiError> {
    ssr::staff()?;
    ssr::store()?.calendar().await.map_err(ssr::internal)
}

/// Makes the days `from`..=`to` (`to` empty: one day) holidays, make-up working days, or usual
/// again (`kind` empty); managers and admins. Deadlines of complaints filed from then on count
/// working hours over them.
#[server(endpoint = "set_calendar_days")]
pub async fn set_calendar_days(
    from: String,
    #[server(default)] to: String,
    kind: String,
    #[server(default)] note: String,
) -> Result<Result<CalendarChange, CalendarProblem>, ApiError> {
    let me = ssr::lab_user()?;
    ssr::store()?
        .set_calendar_days(me.id, (&from, &to), &kind, &note)
        .await
        .map_err(ssr::internal)
}

/// Imports a year's holidays and make-up working days as published (CSV text, at most
/// 1,000 lines); managers and admins. All or none; every bad line named with its value.
#[server(endpoint = "import_calendar")]
pub async fn import_calendar(
    csv: String,
) -> Result<Result<CalendarChange, Vec<CalendarProblem>>, ApiError> {
    let me = ssr::lab_user()?;
    if csv.len() > 256 * 1024 {
        return Ok(Err(vec![CalendarProblem::TooManyLines(
            crate::wire::CALENDAR_IMPORT_MAX_LINES,
        )]));
    }
    ssr::store()?
        .import_calendar(me.id, &csv)
        .await
        .map_err(ssr::internal)
}

/// Sets the service desk's time zone (an IANA name such as `Asia/Shanghai`); managers and
/// admins. Every time is shown on it, and office hours read on it, from then on.
#[server(endpoint = "set_desk_zone")]
pub async fn set_desk_zone(zone: String) -> Result<Result<(), CalendarProblem>, ApiError> {
    let me = ssr::lab_user()?;
    ssr::store()?
        .set_desk_zone(me.id, &zone)
        .await
        .map_err(ssr::internal)
}

/// Under- and over-served customers under the published policy (staff, in their scope);
/// `tier` empty for every tier; `manager` narrows to one customer manager's customers.
#[server(endpoint = "service_gaps")]
pub async fn get_service_gaps(tier: String, manager: Option<i64>) -> Result<GapReport, ApiError> {
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
        .service_gaps(me.scope(), tier, manager.map(crate::wire::UserId))
        .await
        .map_err(ssr::internal)
}

/// Customer managers' performance over the last 90 days: my own line (customer managers) or
/// every customer manager's (managers, admins), a page of [`crate::wire::KPI_PAGE_SIZE`] in
/// `order` (one of [`crate::wire::KPI_ORDERS`]).
#[server(endpoint = "kpis")]
pub async fn get_kpis(
    #[server(default)] order: String,
    #[server(default)] page: u32,
) -> Result<Kpis, ApiError> {
    let me = ssr::staff()?;
    Ok(ssr::store()?
        .kpis(me.scope())
        .await
        .map_err(ssr::internal)?
        .page_in_order(&order, page, crate::wire::KPI_PAGE_SIZE))
}

/// The report of `kind` for the period containing `day` (`YYYY-MM-DD`, empty = today): its
/// period, what my records show for it, and what I saved.
#[server(endpoint = "report_draft", input = leptos::server_fn::codec::Json)]
pub async fn get_report_draft(kind: ReportKind, day: String) -> Result<ReportDraft, ApiError> {
    let me = ssr::staff()?;
    ssr::store()?
        .report_draft(me.id, kind, &day)
        .await
        .map_err(ssr::internal)?
        .ok_or_else(|| ssr::refuse(http::StatusCode::BAD_REQUEST, "day: a date like 2026-11-23"))
}

/// Saves my report of a period (refused when it changed since, or was reviewed).
#[server(endpoint = "save_report", input = leptos::server_fn::codec::Json)]
pub async fn save_report(save: ReportSave) -> Result<ReportSaved, ApiError> {
    let me = ssr::staff()?;
    ssr::store()?
        .save_report(me.id, &save)
        .await
        .map_err(ssr::internal)
}

/// Reports I may read: my own, or everyone's for managers and admins.
#[server(endpoint = "reports")]
pub async fn list_reports(unreviewed: bool) -> Result<ReportList, ApiError> {
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
pub async fn review_report(id: i64, comment: String) -> Result<ReportSaved, ApiError> {
    let me = ssr::lab_user()?;
    ssr::store()?
        .review_report(me.id, id, &comment)
        .await
        .map_err(ssr::internal)?
        .ok_or_else(|| ssr::refuse(http::StatusCode::NOT_FOUND, "no such report"))
}
