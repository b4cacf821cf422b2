//! Invites: a customer redeems a one-time code to set their portal password.

use super::*;

#[derive(serde::Deserialize)]
pub struct InviteForm {
    pub customer: String,
    pub code: String,
    pub password: String,
    pub confirm: String,
}

/// `POST /auth/invite` (form: customer, code, password, confirm): a customer sets their portal
/// password with the one-time code a manager printed for them, and is signed in. Wrong codes
/// are throttled per customer and client; a used or expired code does not work again.
pub async fn redeem_invite(
    State(acc): State<Accounts>,
    Extension(client): Extension<Client>,
    Form(form): Form<InviteForm>,
) -> Response {
    let code = form.customer.trim().to_string();
    let back = |error: &str| {
        see_other(&format!(
            "/invite?error={error}&customer={}",
            echo(&code, MAX_CODE_CHARS)
        ))
    };
    if code.is_empty() || form.code.trim().is_empty() {
        return back("missing");
    }
    if code.chars().count() > MAX_CODE_CHARS || form.code.chars().count() > 64 {
        return back("invalid");
    }
    if let Some(problem) = password_problem(true, &form.password, &form.confirm) {
        return back(problem);
    }
    let client_key = client.key();
    let name = format!("invite:{code}");
    let result = async {
        if throttled(&acc.sessions, &name, &client_key, None, None).await? {
            return Ok(Err("too_many"));
        }
        let invite_hash = crate::self_service::invite_hash(&form.code);
        let found = db::users::open_invite(&acc.archive, &code, &invite_hash).await?;
        let Some((invite, customer, shop_name)) = found else {
            record_failure(&acc.sessions, &name, &client_key, None).await?;
            return Ok(Err("invalid"));
        };
        let hash = hash_password_blocking(form.password.clone()).await?;
        let redeemed =
            db::users::redeem_invite(&acc.archive, invite, customer, &code, &shop_name, &hash)
                .await?;
        let Some((user, key)) = redeemed else {
            return Ok(Err("invalid"));
        };
        end_sessions(&acc.sessions, user, None).await?;
        acc.seen.forget_user(user);
        anyhow::Ok(Ok(create_session(&acc.sessions, user, &key).await?))
    }
    .await;
    match result {
        Ok(Ok(token)) => {
            let mut resp = see_other("/my");
            if let Ok(v) = session_cookie(token, client.https, false).parse() {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
            resp
        }
        Ok(Err(problem)) => back(problem),
        Err(e) => {
            tracing::error!("invite: {e:#}");
            back("internal")
        }
    }
}
