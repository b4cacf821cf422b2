//! The customers' self-service, and disputes and invites on the staff side.

use super::*;

/// My tiers and why, under the published policy (customers only).
#[server(endpoint = "my_tiers")]
pub async fn get_my_tiers() -> Result<MyTiers, ApiError> {
    let (_, id) = ssr::customer()?;
    ssr::store()?
        .my_tiers(id)
        .await
        .map_err(ssr::internal)?
        .ok_or_else(|| ssr::refuse(http::StatusCode::NOT_FOUND, "no such customer"))
}

/// My record as a customer may see it, what I may request, and my requests.
#[server(endpoint = "my_profile")]
pub async fn get_my_profile() -> Result<MyProfile, ApiError> {
    let (me, id) = ssr::customer()?;
    let store = ssr::store()?;
    let detail = store
        .customer(me.scope(), id)
        .await
        .map_err(ssr::internal)?
        .ok_or_else(|| ssr::refuse(http::StatusCode::NOT_FOUND, "no such customer"))?;
    let sees = |key: &str| crate::wire::field(key).is_some_and(|f| f.customer_sees());
    let requests = store
        .change_requests(me.scope(), Some(id), None)
        .await
        .map_err(ssr::internal)?;
    Ok(MyProfile {
        code: detail.code,
        shop_name: detail.shop_name,
        fields: detail.fields.into_iter().filter(|f| sees(&f.key)).collect(),
        requestable: crate::wire::FIELDS
            .iter()
            .filter(|f| f.requestable_by(me.role))
            .map(|f| f.key.to_string())
            .collect(),
        requests: requests.into_iter().map(Into::into).collect(),
    })
}

/// My customer manager, visits and complaints.
#[server(endpoint = "my_service")]
pub async fn get_my_service() -> Result<MyService, ApiError> {
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
pub async fn list_disputes() -> Result<Option<Vec<Dispute>>, ApiError> {
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
) -> Result<crate::wire::Once, ApiError> {
    use http::StatusCode;
    let me = ssr::lab_user()?;
    use crate::wire::DisputeStatus;
    let status = DisputeStatus::from_key(&status)
        .filter(|s| *s != DisputeStatus::Open)
        .ok_or_else(|| ssr::refuse(StatusCode::BAD_REQUEST, "status: upheld or corrected"))?;
    let answer = answer.trim();
    if answer.is_empty() || answer.chars().count() > crate::wire::MAX_REASON_CHARS {
        return Err(ssr::refuse(
            StatusCode::BAD_REQUEST,
            "answer: 1 to 500 characters",
        ));
    }
    ssr::store()?
        .answer_dispute(me.id, id, status, answer)
        .await
        .map_err(ssr::internal)
        .and_then(|once| match once {
            crate::wire::Once::NotFound => {
                Err(ssr::refuse(StatusCode::NOT_FOUND, "no such dispute"))
            }
            done => Ok(done),
        })
}

/// A printable one-time invite for a customer to set their portal password (managers, admins,
/// and customer managers for their own customers).
#[server(endpoint = "create_invite")]
pub async fn create_invite(customer: i64) -> Result<Invite, ApiError> {
    use http::StatusCode;
    let me = ssr::staff()?;
    if !matches!(
        me.role,
        crate::wire::Role::Admin | crate::wire::Role::Manager | crate::wire::Role::CustomerManager
    ) {
        return Err(ssr::refuse(
            StatusCode::FORBIDDEN,
            "invites are made by managers and customer managers",
        ));
    }
    ssr::store()?
        .create_invite(me.scope(), me.id, crate::wire::CustomerId(customer))
        .await
        .map_err(ssr::internal)?
        .ok_or_else(|| ssr::refuse(StatusCode::NOT_FOUND, "no such customer"))
}
