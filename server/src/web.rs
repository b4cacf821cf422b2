//! The HTTP side: Leptos pages and server functions, static files, health check.

use crate::auth;
use crate::store::SqliteStore;
use app::api::ssr::StoreHandle;
use app::app::{App, shell};
use axum::Router;
use axum::middleware;
use axum::routing::{get, post};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use std::sync::Arc;
use tower_http::compression::CompressionLayer;

/// Everything a request handler may need.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: SqliteStore,
    /// The lab's snapshot, rebuilt only when the data it depends on changes.
    pub snapshot: crate::snapshot::Cache,
}

impl axum::extract::FromRef<AppState> for sqlx::SqlitePool {
    fn from_ref(s: &AppState) -> Self {
        s.store.pool.clone()
    }
}

impl axum::extract::FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> Self {
        s.leptos_options.clone()
    }
}

/// `GET /api/snapshot`: the lab's column-wise facts (postcard). The browser revalidates with
/// `If-None-Match` and gets `304 Not Modified` while the data is unchanged.
/// Only lab users (managers, admins) may fetch it: 401 signed out, 403 for other roles.
async fn snapshot(
    axum::extract::State(state): axum::extract::State<AppState>,
    me: Option<axum::Extension<app::model::Me>>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    match me {
        None => return (StatusCode::UNAUTHORIZED, "sign in first").into_response(),
        Some(m) if !m.role.can_use_lab() => {
            return (StatusCode::FORBIDDEN, "the lab is for managers").into_response();
        }
        Some(_) => {}
    }
    let enc = match state
        .snapshot
        .get(&state.store.pool, &state.store.facts)
        .await
    {
        Ok(e) => e,
        Err(e) => {
            tracing::error!("snapshot: {e:#}");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error, see the server log",
            )
                .into_response();
        }
    };
    let cache = [
        (header::ETAG, enc.etag.clone()),
        (header::CACHE_CONTROL, "private, no-cache".to_string()),
    ];
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == enc.etag));
    if matches {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    let gzip_ok = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    let content_type = (header::CONTENT_TYPE, "application/octet-stream".to_string());
    let vary = (header::VARY, "accept-encoding".to_string());
    if gzip_ok && !enc.gzip.is_empty() {
        let encoding = (header::CONTENT_ENCODING, "gzip".to_string());
        (cache, [content_type, vary, encoding], enc.gzip).into_response()
    } else {
        (cache, [content_type, vary], enc.bytes).into_response()
    }
}

/// The signed-in member of staff, or the answer to anyone else (401 signed out, 403 others).
fn staff_export(
    me: Option<axum::Extension<app::model::Me>>,
) -> Result<app::model::Me, (axum::http::StatusCode, &'static str)> {
    use axum::http::StatusCode;
    match me {
        None => Err((StatusCode::UNAUTHORIZED, "sign in first")),
        Some(m) if !m.role.is_staff() => Err((StatusCode::FORBIDDEN, "exports are for staff")),
        Some(axum::Extension(m)) => Ok(m),
    }
}

/// `GET /export/kpis.csv`: customer managers' performance in the caller's scope (staff).
async fn export_kpis(
    axum::extract::State(state): axum::extract::State<AppState>,
    me: Option<axum::Extension<app::model::Me>>,
) -> axum::response::Response {
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    let me = match staff_export(me) {
        Ok(m) => m,
        Err(refused) => return refused.into_response(),
    };
    let csv = crate::kpis::kpis(&state.store.pool, &state.store.facts, me.scope())
        .await
        .map_err(|e| anyhow::anyhow!(e))
        .and_then(|k| crate::kpis::csv(&k));
    match csv {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"kehu-performance.csv\"",
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => {
            tracing::error!("kpi export: {e:#}");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error, see the server log",
            )
                .into_response()
        }
    }
}

/// `GET /export/customers.csv?q=&format=&market=&route=&band=`: the filtered list in the
/// caller's scope, as CSV for Excel (staff only).
async fn export_customers(
    axum::extract::State(state): axum::extract::State<AppState>,
    me: Option<axum::Extension<app::model::Me>>,
    axum::extract::Query(query): axum::extract::Query<app::model::CustomerQuery>,
) -> axum::response::Response {
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    let me = match staff_export(me) {
        Ok(m) => m,
        Err(refused) => return refused.into_response(),
    };
    if query.q.chars().count() > 100 {
        return (
            StatusCode::BAD_REQUEST,
            "q: search text is longer than 100 characters",
        )
            .into_response();
    }
    match state.store.export_csv(me.scope(), &query).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"kehu-customers.csv\"",
                ),
                (header::CACHE_CONTROL, "private, no-store"),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => {
            tracing::error!("export: {e:#}");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error, see the server log",
            )
                .into_response()
        }
    }
}

/// `POST /import/{customers|purchases}?dry_run=true`: the request body is the CSV file. Checks
/// every row and (unless a dry run) imports all or nothing; answers with the report (JSON).
async fn import(
    axum::extract::State(state): axum::extract::State<AppState>,
    me: Option<axum::Extension<app::model::Me>>,
    axum::extract::Path(kind): axum::extract::Path<String>,
    axum::extract::Query(q): axum::extract::Query<ImportQuery>,
    body: axum::body::Bytes,
) -> axum::response::Response {
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    let me = match me {
        None => return (StatusCode::UNAUTHORIZED, "sign in first").into_response(),
        Some(m) if !m.role.can_import() => {
            return (StatusCode::FORBIDDEN, "imports are for managers").into_response();
        }
        Some(axum::Extension(m)) => m,
    };
    let Some(kind) = crate::import::Kind::from_key(&kind) else {
        return (StatusCode::NOT_FOUND, "import customers or purchases").into_response();
    };
    match crate::import::run(&state.store.pool, kind, body, q.dry_run, Some(me.id)).await {
        Ok(report) => axum::Json(report).into_response(),
        Err(e) => {
            tracing::error!("import: {e:#}");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error, see the server log",
            )
                .into_response()
        }
    }
}

#[derive(serde::Deserialize)]
struct ImportQuery {
    #[serde(default)]
    dry_run: bool,
}

/// Imported files may be large (100,000 customers is about 30 MB).
const MAX_IMPORT_BYTES: usize = 256 * 1024 * 1024;

/// The whole application as a router, so tests can call it without a socket.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let handle = StoreHandle(Arc::new(state.store.clone()));
    let context = move || provide_context(handle.clone());
    let options = state.leptos_options.clone();
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/api/snapshot", get(snapshot))
        .route("/export/kpis.csv", get(export_kpis))
        .route("/export/customers.csv", get(export_customers))
        .route(
            "/import/{kind}",
            post(import).layer(axum::extract::DefaultBodyLimit::max(MAX_IMPORT_BYTES)),
        )
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/password", post(auth::change_password))
        .route("/auth/invite", post(auth::redeem_invite))
        .route("/my/request", post(crate::portal::request))
        .route("/my/dispute", post(crate::portal::dispute))
        .route("/my/rate", post(crate::portal::rate))
        .route("/my/complaint", post(crate::portal::complaint))
        .route("/lang", get(crate::portal::lang))
        .leptos_routes_with_context(&state, routes, context.clone(), move || {
            shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, shell))
        .layer(middleware::from_fn_with_state(
            state.store.pool.clone(),
            auth::resolve,
        ))
        .layer(middleware::from_fn(auth::same_origin))
        .layer(CompressionLayer::new())
        .with_state(state)
}
