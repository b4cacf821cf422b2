//! The archive: who is signed in, the dashboard, the customer list and page, edits, change
//! requests and the audit trail.

use super::*;

/// Who is signed in (None when signed out).
#[server(endpoint = "me")]
pub async fn get_me() -> Result<Option<Me>, ApiError> {
    Ok(ssr::me())
}

#[server(endpoint = "dashboard")]
pub async fn get_dashboard() -> Result<Dashboard, ApiError> {
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
                (340, 220),
            )
        })
        .collect();
    Ok(d)
}

#[server(endpoint = "customers")]
pub async fn list_customers(query: CustomerQuery) -> Result<CustomerPage, ApiError> {
    let me = ssr::staff()?;
    query.check().map_err(|problem| ssr::invalid(&problem))?;
    ssr::store()?
        .customers(me.scope(), &query)
        .await
        .map_err(ssr::internal)
}

#[server(endpoint = "customer")]
pub async fn get_customer(id: i64) -> Result<Option<CustomerDetail>, ApiError> {
    let me = ssr::staff()?;
    let detail = ssr::store()?
        .customer(me.scope(), crate::wire::CustomerId(id))
        .await
        .map_err(ssr::internal)?;
    Ok(detail.map(|mut d| {
        let keys = |allowed: fn(&crate::wire::FieldDef, crate::wire::Role) -> bool| {
            crate::wire::FIELDS
                .iter()
                .filter(|f| allowed(f, me.role))
                .map(|f| f.key.to_string())
                .collect()
        };
        d.editable = keys(crate::wire::FieldDef::editable_by);
        d.requestable = keys(crate::wire::FieldDef::requestable_by);
        d
    }))
}

#[server(endpoint = "filter_options")]
pub async fn get_filter_options() -> Result<FilterOptions, ApiError> {
    let me = ssr::staff()?;
    ssr::store()?
        .filter_options(me.scope())
        .await
        .map_err(ssr::internal)
}

/// Labels for up to 200 customers (the movers table asks for the rows it shows).
#[server(endpoint = "customer_labels")]
pub async fn customer_labels(ids: Vec<i64>) -> Result<Vec<CustomerLabel>, ApiError> {
    let me = ssr::staff()?;
    if ids.len() > 200 {
        return Err(ssr::invalid("ids: at most 200 customers at a time"));
    }
    ssr::store()?
        .customer_labels(me.scope(), &ids)
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
) -> Result<EditResult, ApiError> {
    let me = ssr::staff()?;
    use http::StatusCode;
    let Some(field) = crate::wire::field(&key) else {
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
        .edit_field(
            me.scope(),
            me.id,
            crate::wire::CustomerId(id),
            field,
            &value,
            version,
        )
        .await
        .map_err(ssr::internal)?
        .ok_or_else(|| ssr::refuse(StatusCode::NOT_FOUND, "no such customer"))
}

/// What a customer manager knows of a customer beyond the record: every tier with its reasons
/// and what would move it up, cartons by month (with the chart drawn here, in each language),
/// the latest visits and ratings, complaints. `None` when not in scope.
#[server(endpoint = "customer_service")]
pub async fn get_customer_service(id: i64) -> Result<Option<CustomerService>, ApiError> {
    use crate::i18n::Locale;
    use leptos_i18n::Locale as _;
    let me = ssr::staff()?;
    let found = ssr::store()?
        .customer_service(me.scope(), crate::wire::CustomerId(id))
        .await
        .map_err(ssr::internal)?;
    Ok(found.map(|mut s| {
        s.volume_charts = Locale::get_all()
            .iter()
            .map(|&l| crate::why::volume_chart(l, &s.tiers))
            .collect();
        s
    }))
}

/// Who changed what on a customer, newest first.
#[server(endpoint = "customer_history")]
pub async fn customer_history(id: i64) -> Result<Vec<AuditEntry>, ApiError> {
    let me = ssr::staff()?;
    ssr::store()?
        .customer_history(me.scope(), crate::wire::CustomerId(id))
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
) -> Result<RequestResult, ApiError> {
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
        .file_request(
            me.scope(),
            me.id,
            crate::wire::CustomerId(id),
            field,
            &value,
            &reason,
        )
        .await
        .map_err(ssr::internal)?
        .ok_or_else(|| ssr::refuse(StatusCode::NOT_FOUND, "no such customer"))
}

/// The change requests of one customer (any staff in scope), or without `customer` the review
/// queue of the caller (managers, admins, licence officers).
#[server(endpoint = "change_requests")]
pub async fn change_requests(customer: Option<i64>) -> Result<Vec<ChangeRequest>, ApiError> {
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
        .change_requests(me.scope(), customer.map(crate::wire::CustomerId), reviewer)
        .await
        .map_err(ssr::internal)
}

/// Approves or rejects a request (a rejection needs a reason).
#[server(endpoint = "review_request")]
pub async fn review_request(
    id: i64,
    approve: bool,
    reason: String,
) -> Result<ReviewResult, ApiError> {
    let me = ssr::staff()?;
    if !me.role.reviews_requests() {
        return Err(ssr::refuse(
            http::StatusCode::FORBIDDEN,
            "only managers and licence officers review requests",
        ));
    }
    if reason.chars().count() > crate::wire::MAX_REASON_CHARS {
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
pub async fn audit_log(action: String, page: u32) -> Result<AuditPage, ApiError> {
    let me = ssr::signed_in()?;
    if !me.role.can_use_lab() {
        return Err(ssr::refuse(
            http::StatusCode::FORBIDDEN,
            "the audit trail is for managers",
        ));
    }
    if !action.is_empty() && !crate::wire::AUDIT_ACTIONS.contains(&action.as_str()) {
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
