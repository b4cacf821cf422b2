//! Signing in and out, and changing a password.

use super::*;

#[derive(serde::Deserialize)]
pub struct LoginForm {
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub next: String,
}

/// What a sign-in attempt came to.
#[derive(Debug, PartialEq, Eq)]
pub enum LoginOutcome {
    /// Signed in: the user, the new session's cookie value, and a new known-device cookie value
    /// when the browser had none.
    Ok {
        me: Me,
        token: String,
        device: Option<String>,
    },
    Invalid,
    TooMany,
}

/// Checks a user name and password from `client` (whose request headers are `headers`),
/// counting failures for throttling; starts a session.
pub async fn check_login(
    acc: &Accounts,
    username: &str,
    password: &str,
    client: &str,
    headers: &HeaderMap,
) -> anyhow::Result<LoginOutcome> {
    let name = bounded(username, MAX_USERNAME_CHARS);
    let impossible = username.chars().count() > MAX_USERNAME_CHARS
        || password.chars().count() > MAX_PASSWORD_CHARS * 4;
    let row: Option<(i64, Option<String>, String)> = if impossible {
        None
    } else {
        db::users::credentials(&acc.archive, name).await?
    };
    let device = known_device(&acc.sessions, headers, row.as_ref().map(|r| r.0)).await?;
    if throttled(
        &acc.sessions,
        name,
        client,
        device.as_deref(),
        Some(MAX_PER_NAME_FROM_NEW_DEVICES),
    )
    .await?
    {
        return Ok(LoginOutcome::TooMany);
    }
    // Unknown users cost the same time as wrong passwords, so names cannot be probed.
    let user = row.and_then(|(id, phc, key)| Some((id, phc?, key)));
    let phc = match &user {
        Some((_, phc, _)) => phc.clone(),
        None => DUMMY_HASH.clone(),
    };
    let matches = !impossible && verify_password_blocking(password.to_string(), phc).await;
    let Some((user_id, _, key)) = user.filter(|_| matches) else {
        record_failure(&acc.sessions, name, client, device.as_deref()).await?;
        return Ok(LoginOutcome::Invalid);
    };
    clear_failures(&acc.sessions, name, client, device.as_deref()).await?;
    let token = create_session(&acc.sessions, user_id, &key).await?;
    let device = remember_device(&acc.sessions, headers, user_id).await?;
    Ok(match user_for_token(acc, &token).await? {
        Some(me) => LoginOutcome::Ok { me, token, device },
        None => LoginOutcome::Invalid,
    })
}

/// The hash of a random password nobody knows, checked against when the user name is unknown.
pub(crate) static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    random_password()
        .and_then(|p| hash_password(&p))
        .unwrap_or_default()
});

/// Writes an audit line without making the request wait for the archive's write lock (an
/// import may hold it for a while): signing in answers at once, the line follows.
pub(crate) fn audit_later(pool: &SqlitePool, user_id: i64, action: &'static str) {
    let pool = pool.clone();
    tokio::spawn(async move {
        let written = async {
            let mut tx = crate::db::write(&pool).await?;
            crate::db::audit::Line::new(user_id, action)
                .record(&mut tx)
                .await?;
            tx.commit().await
        }
        .await;
        if let Err(e) = written {
            tracing::error!("audit {action}: {e}");
        }
    });
}

/// `POST /auth/login` (form: username, password, next): sets the session cookie and goes on to
/// `next`, or back to the sign-in page with the reason.
pub async fn login(
    State(acc): State<Accounts>,
    Extension(client): Extension<Client>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let username = form.username.trim();
    let next = safe_next(&form.next);
    let back = |error: &str| {
        see_other(&format!(
            "/login?error={error}&username={}&next={}",
            echo(username, MAX_USERNAME_CHARS),
            encode(&next)
        ))
    };
    if username.is_empty() || form.password.is_empty() {
        return back("missing");
    }
    match check_login(&acc, username, &form.password, &client.key(), &headers).await {
        Ok(LoginOutcome::Ok { me, token, device }) => {
            let to = if me.must_change_password {
                "/account".to_string()
            } else if next == "/" {
                me.role.home().to_string()
            } else {
                next
            };
            audit_later(&acc.archive, me.id.0, "user.login");
            let mut resp = see_other(&to);
            let cookies = resp.headers_mut();
            if let Ok(v) = session_cookie(token, client.https, false).parse() {
                cookies.append(header::SET_COOKIE, v);
            }
            if let Some(d) = device
                && let Ok(v) = device_cookie(d, client.https).parse()
            {
                cookies.append(header::SET_COOKIE, v);
            }
            resp
        }
        Ok(LoginOutcome::Invalid) => back("invalid"),
        Ok(LoginOutcome::TooMany) => back("too_many"),
        Err(e) => {
            tracing::error!("sign-in: {e:#}");
            back("internal")
        }
    }
}

/// `POST /auth/logout`: ends this browser's session.
pub async fn logout(
    State(acc): State<Accounts>,
    Extension(client): Extension<Client>,
    headers: HeaderMap,
) -> Response {
    if let Some(token) = session_token(&headers) {
        acc.seen.forget_token(&token);
        if let Err(e) = db::sessions::end(&acc.sessions, &token_hash(&token)).await {
            tracing::error!("sign-out: {e}");
        }
    }
    let mut resp = see_other("/login?signed_out=1");
    if let Ok(v) = session_cookie(String::new(), client.https, true).parse() {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

#[derive(serde::Deserialize)]
pub struct PasswordForm {
    pub current: String,
    pub new: String,
    pub confirm: String,
}

/// Why a password change was refused (the account page's `error` parameter).
pub fn password_problem(current_ok: bool, new: &str, confirm: &str) -> Option<&'static str> {
    if !current_ok {
        Some("wrong_current")
    } else if new.chars().count() < MIN_PASSWORD_CHARS {
        Some("too_short")
    } else if new.chars().count() > MAX_PASSWORD_CHARS {
        Some("too_long")
    } else if new != confirm {
        Some("mismatch")
    } else {
        None
    }
}

/// `POST /auth/password` (form: current, new, confirm): changes the signed-in user's password and
/// ends their other sessions. Wrong current passwords are throttled like sign-ins.
pub async fn change_password(
    State(acc): State<Accounts>,
    Extension(client): Extension<Client>,
    headers: HeaderMap,
    Form(form): Form<PasswordForm>,
) -> Response {
    let result = async {
        let signed_out = || see_other("/login?next=%2Faccount");
        let Some(token) = session_token(&headers) else {
            return Ok(signed_out());
        };
        let Some(me) = user_for_token(&acc, &token).await? else {
            return Ok(signed_out());
        };
        let name = format!("password:{}", me.id);
        if throttled(
            &acc.sessions,
            &name,
            &client.key(),
            None,
            Some(MAX_WRONG_CURRENT_PASSWORDS),
        )
        .await?
        {
            return Ok(see_other("/account?error=too_many"));
        }
        let phc = db::users::password_hash(&acc.archive, me.id.0).await?;
        let current_ok = match phc {
            Some(phc) if form.current.chars().count() <= MAX_PASSWORD_CHARS * 4 => {
                verify_password_blocking(form.current.clone(), phc).await
            }
            _ => false,
        };
        if !current_ok {
            record_failure(&acc.sessions, &name, &client.key(), None).await?;
        }
        if let Some(problem) = password_problem(current_ok, &form.new, &form.confirm) {
            return Ok(see_other(&format!("/account?error={problem}")));
        }
        let hash = hash_password_blocking(form.new.clone()).await?;
        let key = db::users::change_password(&acc.archive, me.id.0, &hash).await?;
        // This browser stays signed in under the new key; every other session is over.
        let here = token_hash(&token);
        db::sessions::rekey(&acc.sessions, &here, &key).await?;
        end_sessions(&acc.sessions, me.id.0, Some(&here)).await?;
        acc.seen.forget_user(me.id.0);
        anyhow::Ok(see_other("/account?changed=1"))
    }
    .await;
    result.unwrap_or_else(|e| {
        tracing::error!("password change: {e:#}");
        see_other("/account?error=internal")
    })
}
