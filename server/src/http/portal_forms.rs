//! The self-service portal's form posts. The portal's pages are server-rendered and load no
//! wasm (a cheap phone on a slow line gets HTML and CSS only), so every action is a plain HTML
//! form answered with a redirect back to its page — `?done=…` on success, `?error=…` naming
//! what to fix otherwise (post/redirect/get: a reload never files twice).

use crate::http::state::AppState;
use crate::url::{echo, encode as enc, safe_next, see_other};
use app::api::ssr::ports::*;
use app::api::ssr::{RequestRefused, check_request};
use app::wire::{
    CustomerId, MAX_COMMENT_CHARS, MAX_COMPLAINT_CHARS, MAX_REASON_CHARS, MAX_SUBJECT_CHARS, Me,
    NewComplaint, Once, RequestResult, Role, Scope, UserId,
};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};

/// The portal's forms (a customer's change request, dispute, rating and complaint) and the
/// language switch.
pub fn router() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/my/request", post(request))
        .route("/my/dispute", post(dispute))
        .route("/my/rate", post(rate))
        .route("/my/complaint", post(complaint))
        .route("/lang", get(lang))
}

/// Why a portal form was not for this caller.
enum NotCustomer {
    SignedOut,
    Staff,
}

impl IntoResponse for NotCustomer {
    fn into_response(self) -> Response {
        match self {
            NotCustomer::SignedOut => see_other("/login?next=%2Fmy"),
            NotCustomer::Staff => (
                axum::http::StatusCode::FORBIDDEN,
                "this is the customers' self-service",
            )
                .into_response(),
        }
    }
}

/// The signed-in customer's user id and customer id.
fn customer(me: Option<Extension<Me>>) -> Result<(UserId, CustomerId), NotCustomer> {
    match me {
        Some(Extension(Me {
            id,
            role: Role::Customer,
            customer_id: Some(c),
            ..
        })) => Ok((id, c)),
        Some(_) => Err(NotCustomer::Staff),
        None => Err(NotCustomer::SignedOut),
    }
}

/// Trimmed text of 1..=max characters.
fn text(s: &str, max: usize) -> Option<&str> {
    let t = s.trim();
    (!t.is_empty() && t.chars().count() <= max).then_some(t)
}

#[derive(serde::Deserialize)]
pub struct RequestForm {
    pub field: String,
    pub value: String,
    pub reason: String,
}

/// `POST /my/request`: a customer asks for a field of their record to be changed.
pub async fn request(
    State(state): State<AppState>,
    me: Option<Extension<Me>>,
    Form(form): Form<RequestForm>,
) -> Response {
    let (user, id) = match customer(me) {
        Ok(c) => c,
        Err(r) => return r.into_response(),
    };
    let back = |query: String| see_other(&format!("/my/profile?{query}#request"));
    // What was typed goes back to the form, as much of it as the form takes.
    let again = format!(
        "field={}&value={}&reason={}",
        echo(&form.field, 64),
        echo(&form.value, app::wire::MAX_TEXT_CHARS as usize),
        echo(&form.reason, MAX_REASON_CHARS)
    );
    let (field, value, reason) =
        match check_request(Role::Customer, &form.field, &form.value, &form.reason) {
            Ok(checked) => checked,
            Err(RequestRefused::NoField | RequestRefused::NotRequestable) => {
                return back(format!("error=field&{again}"));
            }
            Err(RequestRefused::Answer(RequestResult::Invalid(problem))) => {
                let json = serde_json::to_string(&problem).unwrap_or_default();
                return back(format!("error=value&problem={}&{again}", enc(&json)));
            }
            Err(RequestRefused::Answer(_)) => return back(format!("error=reason&{again}")),
        };
    match state
        .store
        .file_request(Scope::Customer(id.0), user, id, field, &value, &reason)
        .await
    {
        Ok(Some(RequestResult::Filed { .. })) => see_other("/my/profile?done=request#requests"),
        Ok(Some(RequestResult::Unchanged)) => back(format!("error=unchanged&{again}")),
        Ok(Some(RequestResult::Invalid(problem))) => {
            let json = serde_json::to_string(&problem).unwrap_or_default();
            back(format!("error=value&problem={}&{again}", enc(&json)))
        }
        Ok(Some(RequestResult::ReasonRequired)) => back(format!("error=reason&{again}")),
        Ok(None) => (axum::http::StatusCode::NOT_FOUND, "no such customer").into_response(),
        Err(e) => crate::error::internal("portal request", e),
    }
}

#[derive(serde::Deserialize)]
pub struct DisputeForm {
    pub reason: String,
}

/// `POST /my/dispute`: a customer disputes their classification.
pub async fn dispute(
    State(state): State<AppState>,
    me: Option<Extension<Me>>,
    Form(form): Form<DisputeForm>,
) -> Response {
    let (user, id) = match customer(me) {
        Ok(c) => c,
        Err(r) => return r.into_response(),
    };
    let Some(reason) = text(&form.reason, MAX_REASON_CHARS) else {
        return see_other("/my?error=reason#dispute");
    };
    match state.store.file_dispute(user, id, reason).await {
        Ok(Some(_)) => see_other("/my?done=dispute#disputes"),
        Ok(None) => (axum::http::StatusCode::NOT_FOUND, "no such customer").into_response(),
        Err(e) => crate::error::internal("portal dispute", e),
    }
}

#[derive(serde::Deserialize)]
pub struct RateForm {
    pub visit: i64,
    /// 1–5; a missing choice arrives as no field at all.
    #[serde(default)]
    pub score: Option<String>,
    #[serde(default)]
    pub comment: String,
}

/// `POST /my/rate`: a customer rates one of their visits, once.
pub async fn rate(
    State(state): State<AppState>,
    me: Option<Extension<Me>>,
    Form(form): Form<RateForm>,
) -> Response {
    let (_, id) = match customer(me) {
        Ok(c) => c,
        Err(r) => return r.into_response(),
    };
    let visit = form.visit;
    let back = |query: &str| see_other(&format!("/my/service?{query}&visit={visit}#visit-{visit}"));
    let score = form
        .score
        .as_deref()
        .and_then(|s| s.trim().parse::<u8>().ok())
        .filter(|s| (1..=5).contains(s));
    let Some(score) = score else {
        return back("error=score");
    };
    let comment = form.comment.trim();
    if comment.chars().count() > MAX_COMMENT_CHARS {
        return back("error=comment");
    }
    match state.store.rate_visit(id, visit, score, comment).await {
        Ok(Once::Done) => back("done=rated"),
        Ok(Once::AlreadyDone) => back("error=rated"),
        Ok(Once::NotFound) => (axum::http::StatusCode::NOT_FOUND, "no such visit").into_response(),
        Err(e) => crate::error::internal("portal rating", e),
    }
}

#[derive(serde::Deserialize)]
pub struct ComplaintForm {
    pub subject: String,
    #[serde(default)]
    pub description: String,
}

/// `POST /my/complaint`: a customer files a complaint; its deadline comes from the policy.
pub async fn complaint(
    State(state): State<AppState>,
    me: Option<Extension<Me>>,
    Form(form): Form<ComplaintForm>,
) -> Response {
    let (user, id) = match customer(me) {
        Ok(c) => c,
        Err(r) => return r.into_response(),
    };
    let Some(subject) = text(&form.subject, MAX_SUBJECT_CHARS) else {
        return see_other("/my/service?error=subject#complain");
    };
    let description = form.description.trim();
    if description.chars().count() > MAX_COMPLAINT_CHARS {
        return see_other("/my/service?error=description#complain");
    }
    match state
        .store
        .file_complaint(
            Scope::Customer(id.0),
            user,
            &NewComplaint {
                customer: id.0,
                subject: subject.to_string(),
                description: description.to_string(),
                ..NewComplaint::default()
            },
        )
        .await
    {
        Ok(Some(c)) => see_other(&format!("/my/service?done=complaint#complaint-{}", c.id)),
        Ok(None) => (axum::http::StatusCode::NOT_FOUND, "no such customer").into_response(),
        Err(e) => crate::error::internal("portal complaint", e),
    }
}

#[derive(serde::Deserialize)]
pub struct LangQuery {
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub next: String,
}

/// `GET /lang?to=en&next=/my`: switches the language (every page's switch is this plain form)
/// and comes back; the server's leptos_i18n reads the cookie to render pages.
pub async fn lang(axum::extract::Query(q): axum::extract::Query<LangQuery>) -> Response {
    let to = if q.to == "en" { "en" } else { "zh" };
    let mut resp = see_other(&safe_next(&q.next));
    resp.headers_mut().insert(
        axum::http::header::SET_COOKIE,
        axum::http::HeaderValue::from_static(if to == "en" {
            "i18n_pref_locale=en; Path=/; Max-Age=31536000; SameSite=Lax"
        } else {
            "i18n_pref_locale=zh; Path=/; Max-Age=31536000; SameSite=Lax"
        }),
    );
    resp
}
