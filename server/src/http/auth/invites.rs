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
        let found: Option<(i64, i64, String)> = sqlx::query_as(
            "SELECT i.id, c.id, c.shop_name FROM invites i JOIN customers c ON c.id = i.customer_id
             WHERE c.code = ? AND i.code_hash = ? AND i.used_at IS NULL
               AND i.expires_at > strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
        )
        .bind(&code)
        .bind(crate::self_service::invite_hash(&form.code))
        .fetch_optional(&acc.archive)
        .await?;
        let Some((invite, customer, shop_name)) = found else {
            record_failure(&acc.sessions, &name, &client_key, None).await?;
            return Ok(Err("invalid"));
        };
        let hash = hash_password_blocking(form.password.clone()).await?;
        let mut tx = crate::db::write(&acc.archive).await?;
        let claimed = sqlx::query(
            "UPDATE invites SET used_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
             WHERE id = ? AND used_at IS NULL",
        )
        .bind(invite)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if claimed != 1 {
            return Ok(Err("invalid"));
        }
        let existing: Option<(i64, String, Option<i64>)> =
            sqlx::query_as("SELECT id, role, customer_id FROM users WHERE username = ?")
                .bind(&code)
                .fetch_optional(&mut *tx)
                .await?;
        let user =
            match existing {
                Some((id, role, Some(c))) if role == "customer" && c == customer => {
                    sqlx::query(
                        "UPDATE users SET password_hash = ?, must_change_password = 0, disabled = 0
                     WHERE id = ?",
                    )
                    .bind(&hash)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                    id
                }
                // The customer code names a staff account: an invite cannot take it over.
                Some(_) => return Ok(Err("invalid")),
                None => sqlx::query_scalar(
                    "INSERT INTO users (username, display_name, role, customer_id, password_hash)
                     VALUES (?, ?, 'customer', ?, ?) RETURNING id",
                )
                .bind(&code)
                .bind(&shop_name)
                .bind(customer)
                .bind(&hash)
                .fetch_one(&mut *tx)
                .await?,
            };
        // Whoever had this account before the invite is signed out.
        let key = new_session_key(&mut tx, user).await?;
        crate::db::audit::Line::new(user, "user.invite_used")
            .customer(customer)
            .record(&mut tx)
            .await?;
        tx.commit().await?;
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
