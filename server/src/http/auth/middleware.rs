//! The middleware: the cross-site request check, and who is asking, what they may open and the
//! one-time password's redirect.

use super::*;

/// Refuses state-changing requests that a browser says come from another site.
pub async fn same_origin(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let h = req.headers();
    let allowed = match h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some(site) => site == "same-origin" || site == "none",
        None => match h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
            Some(origin) => {
                let host = h
                    .get(header::HOST)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                origin
                    .split_once("://")
                    .is_some_and(|(_, rest)| !host.is_empty() && rest == host)
            }
            None => true,
        },
    };
    if allowed {
        next.run(req).await
    } else {
        (
            StatusCode::FORBIDDEN,
            "cross-site request refused: submit the form from kehu itself",
        )
            .into_response()
    }
}

/// Where a page path may be opened by someone signed out.
pub(crate) fn public_path(path: &str) -> bool {
    path == "/login"
        || path == "/invite"
        || path == "/lang"
        || path == "/healthz"
        || path.starts_with("/auth/")
        || path.starts_with("/pkg/")
        || path == "/favicon.svg"
        || path == "/screenshot.png"
}

/// What a user with a one-time password may still reach: the account page (to change it), the
/// form that changes it, signing out, the language switch and the static files.
pub(crate) fn allowed_before_password_change(path: &str) -> bool {
    matches!(
        path,
        "/account" | "/auth/password" | "/auth/logout" | "/lang" | "/healthz"
    ) || public_path(path) && path != "/auth/invite"
}

/// Whether a request is for a page (not a server function, export, import, form post or file).
pub(crate) fn is_page_request(method: &Method, path: &str) -> bool {
    matches!(*method, Method::GET | Method::HEAD)
        && !path.starts_with("/api/")
        && !path.starts_with("/export/")
        && !path.starts_with("/import/")
        && !path.starts_with("/auth/")
        && !path.starts_with("/pkg/")
        && path != "/healthz"
        && path != "/lang"
}

/// Whether `role` may open `path`, by the one access table (`app::wire::PAGES`); the page itself
/// shows why not, this sets the status code.
pub fn page_allowed(role: Role, path: &str) -> bool {
    app::wire::page_access(path).allows(role)
}

/// Resolves the session into a [`Me`] request extension, and guards pages: signed-out browsers
/// are sent to the sign-in page (other clients get 401), a one-time password must be changed
/// first, and pages a role may not open answer 403.
pub async fn resolve(State(acc): State<Accounts>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if path.starts_with("/pkg/") {
        return next.run(req).await;
    }
    let me = match session_token(req.headers()) {
        Some(token) => match acc.seen.user(&acc, &token).await {
            Ok(me) => me,
            Err(e) => {
                return crate::error::internal("session lookup", e);
            }
        },
        None => None,
    };
    let page = is_page_request(req.method(), &path);
    let browser = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if let Some(m) = &me
        && m.must_change_password
        && !allowed_before_password_change(&path)
    {
        return if page {
            see_other("/account")
        } else {
            (
                StatusCode::FORBIDDEN,
                "change your one-time password first (/account)",
            )
                .into_response()
        };
    }
    let mut forbidden = false;
    if page && !public_path(&path) {
        match &me {
            None if browser => {
                let here = req.uri().path_and_query().map_or("/", |p| p.as_str());
                return see_other(&format!("/login?next={}", encode(&safe_next(here))));
            }
            None => return (StatusCode::UNAUTHORIZED, "sign in first").into_response(),
            Some(m) if m.role == Role::Customer && path == "/" => {
                return see_other("/my");
            }
            Some(m) => forbidden = !page_allowed(m.role, &path),
        }
    }
    if let Some(m) = me {
        req.extensions_mut().insert(m);
    }
    let mut resp = next.run(req).await;
    if forbidden && resp.status().is_success() {
        *resp.status_mut() = StatusCode::FORBIDDEN;
    }
    resp
}
