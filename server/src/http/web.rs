//! The HTTP side: Leptos pages and server functions, static files, health check, and what every
//! response carries (security headers, body limits).

use crate::http::auth;
use crate::http::state::AppState;
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

/// `GET /api/snapshot`: the lab's column-wise facts (postcard), with their version in
/// `x-kehu-version`. `?since=VERSION` (the version the browser holds) answers with only what
/// changed after it (`x-kehu-snapshot: delta`) while the kept facts' history reaches back that
/// far, else with the whole snapshot (`full`); `&names=DIGEST` leaves out the policy and the routes' and
/// managers' names when the browser's are current; a version this server cannot have sent is
/// refused (400). The whole snapshot revalidates with `If-None-Match` (`304 Not Modified`).
/// Only lab users (managers, admins) may fetch it: 401 signed out, 403 for other roles.
async fn snapshot(
    axum::extract::State(state): axum::extract::State<AppState>,
    me: Option<axum::Extension<app::wire::Me>>,
    query: axum::extract::Query<SnapshotQuery>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    use crate::snapshot::Answer;
    use app::wire::{SNAPSHOT_KIND_HEADER, SNAPSHOT_VERSION_HEADER};
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    match me {
        None => return (StatusCode::UNAUTHORIZED, "sign in first").into_response(),
        Some(m) if !m.role.can_use_lab() => {
            return (StatusCode::FORBIDDEN, "the lab is for managers").into_response();
        }
        Some(_) => {}
    }
    let (pool, facts) = (&state.store.pool, &state.store.facts);
    let answer = match query.since.as_deref() {
        Some(since) => {
            let names = query
                .names
                .as_deref()
                .and_then(|n| u64::from_str_radix(n, 16).ok());
            state.store.snapshot.since(pool, facts, since, names).await
        }
        None => state
            .store
            .snapshot
            .get(pool, facts)
            .await
            .map(Answer::Full),
    };
    let enc = match answer {
        Ok(Answer::Full(enc)) => enc,
        Ok(Answer::Delta { bytes, version }) => {
            return (
                [
                    (header::CONTENT_TYPE, "application/octet-stream".to_string()),
                    (header::CACHE_CONTROL, "private, no-store".to_string()),
                    (
                        SNAPSHOT_KIND_HEADER.parse().expect("a header name"),
                        "delta".to_string(),
                    ),
                    (
                        SNAPSHOT_VERSION_HEADER.parse().expect("a header name"),
                        version,
                    ),
                ],
                bytes,
            )
                .into_response();
        }
        Ok(Answer::Refused(why)) => return (StatusCode::BAD_REQUEST, why).into_response(),
        Err(e) => return crate::error::internal("snapshot", e),
    };
    let cache = [
        (header::ETAG, enc.etag.clone()),
        (header::CACHE_CONTROL, "private, no-cache".to_string()),
        (
            SNAPSHOT_KIND_HEADER.parse().expect("a header name"),
            "full".to_string(),
        ),
        (
            SNAPSHOT_VERSION_HEADER.parse().expect("a header name"),
            enc.version.clone(),
        ),
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

/// `/api/snapshot`'s query: the version the browser holds, if any.
#[derive(serde::Deserialize)]
struct SnapshotQuery {
    since: Option<String>,
    /// The digest of the policy and names the browser holds (`wire::Names::digest`, hex).
    names: Option<String>,
}

/// The signed-in member of staff, or the answer to anyone else (401 signed out, 403 others).
fn staff_export(
    me: Option<axum::Extension<app::wire::Me>>,
) -> Result<app::wire::Me, (axum::http::StatusCode, &'static str)> {
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
    me: Option<axum::Extension<app::wire::Me>>,
) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    let me = match staff_export(me) {
        Ok(m) => m,
        Err(refused) => return refused.into_response(),
    };
    let csv = crate::kpis::kpis(
        &state.store.pool,
        &state.store.facts,
        &state.store.gaps,
        me.scope(),
    )
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
        Err(e) => crate::error::internal("kpi export", e),
    }
}

/// `?words=zh|en` on the customers export: headers and choices in that language.
#[derive(serde::Deserialize)]
struct ExportWords {
    words: Option<String>,
}

/// `GET /export/customers.csv?q=&format=&market=&route=&band=&words=`: the filtered list in the
/// caller's scope, as CSV for Excel (staff only).
async fn export_customers(
    axum::extract::State(state): axum::extract::State<AppState>,
    me: Option<axum::Extension<app::wire::Me>>,
    axum::extract::Query(query): axum::extract::Query<app::wire::CustomerQuery>,
    axum::extract::Query(words): axum::extract::Query<ExportWords>,
) -> axum::response::Response {
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    let me = match staff_export(me) {
        Ok(m) => m,
        Err(refused) => return refused.into_response(),
    };
    if let Err(problem) = query.check() {
        return (StatusCode::UNPROCESSABLE_ENTITY, problem).into_response();
    }
    let words = match words.words.as_deref() {
        None | Some("") => None,
        Some("zh") => Some(app::i18n::Locale::zh),
        Some("en") => Some(app::i18n::Locale::en),
        Some(_) => return (StatusCode::UNPROCESSABLE_ENTITY, "words: zh or en").into_response(),
    };
    match state.store.export_csv(me.scope(), &query, words).await {
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
        Err(e) => crate::error::internal("export", e),
    }
}

/// `POST /import/{customers|purchases}?dry_run=true`: the request body is the CSV file. Checks
/// every row and (unless a dry run) imports all or nothing; answers with the report (JSON).
///
/// Who is asking is checked before a byte of the body is read; the body is then streamed to a
/// temporary file, refused past [`MAX_IMPORT_BYTES`] (413), and one file is checked at a time.
async fn import(
    axum::extract::State(state): axum::extract::State<AppState>,
    me: Option<axum::Extension<app::wire::Me>>,
    axum::extract::Path(kind): axum::extract::Path<String>,
    axum::extract::Query(q): axum::extract::Query<ImportQuery>,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> axum::response::Response {
    use axum::http::{StatusCode, header};
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
    let too_large = || {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the file is larger than {} MB: split it into parts",
                MAX_IMPORT_BYTES / 1024 / 1024
            ),
        )
            .into_response()
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_IMPORT_BYTES as u64) {
        return too_large();
    }
    let _one_at_a_time = IMPORTS.acquire().await;
    let bytes = match receive(body).await {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return too_large(),
        Err(e) => {
            tracing::warn!("import upload broke off: {e:#}");
            return (
                StatusCode::BAD_REQUEST,
                "the upload broke off: send the file again",
            )
                .into_response();
        }
    };
    match crate::import::run(&state.store.pool, kind, bytes, q.dry_run, Some(me.id.0)).await {
        Ok(report) => axum::Json(report).into_response(),
        Err(e) => crate::error::internal("import", e),
    }
}

/// One import file is checked at a time (each holds its file in memory while checked).
static IMPORTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// Streams an upload into a temporary file and reads it back; `None` past the limit.
async fn receive(body: axum::body::Body) -> anyhow::Result<Option<Vec<u8>>> {
    use futures_util::StreamExt;
    use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
    let mut file = tokio::fs::File::from_std(tempfile::tempfile()?);
    let mut stream = body.into_data_stream();
    let mut total = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        total += chunk.len();
        if total > MAX_IMPORT_BYTES {
            return Ok(None);
        }
        file.write_all(&chunk).await?;
    }
    file.flush().await?;
    file.rewind().await?;
    let mut bytes = Vec::with_capacity(total);
    file.read_to_end(&mut bytes).await?;
    Ok(Some(bytes))
}

#[derive(serde::Deserialize)]
struct ImportQuery {
    #[serde(default)]
    dry_run: bool,
}

/// Imported files may be large (100,000 customers is about 30 MB).
pub const MAX_IMPORT_BYTES: usize = 256 * 1024 * 1024;

/// Every other request body: forms, server functions (a policy is about 10 kB).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// After a request that wrote to the archive, and before it is answered, the kept facts take in
/// what it wrote: every page asked for after the answer shows it, while the pages being read
/// meanwhile go on with the facts of a moment before instead of each waiting for the update (see
/// `facts::KeptFacts::load`).
async fn facts_after_writes(
    axum::extract::State(store): axum::extract::State<SqliteStore>,
    req: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    let (resp, written) = crate::db::noting_writes(next.run(req)).await;
    if written.includes(&store.pool)
        && let Err(e) = store.refresh_facts().await
    {
        tracing::warn!(error = %e, "kept facts not brought up to date after a write");
    }
    resp
}

/// What every response carries: no MIME sniffing, no framing by other sites, no full URLs in
/// `Referer` to other sites, and a content security policy — pages set their own with the nonce
/// of their inline scripts (see `app::app::shell`); everything else gets the strict default.
async fn security_headers(
    req: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CONTENT_SECURITY_POLICY)
        && let Ok(v) = HeaderValue::from_str(&app::app::content_security_policy(None))
    {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    resp
}

/// Server functions whose arguments did not parse answer 400, not 500 (server_fn sends every
/// error as 500 unless the function set a status, and a function that never ran set none).
async fn bad_arguments_are_400(
    req: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    let api = req.uri().path().starts_with("/api/");
    let resp = next.run(req).await;
    if !api || resp.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
    };
    // The error says which it is (`app::wire::ApiError`); a call whose arguments did not parse
    // never ran to set its status.
    if let Ok(e) = serde_json::from_slice::<app::wire::ApiError>(&bytes)
        && let Ok(status) = StatusCode::from_u16(e.status())
    {
        parts.status = status;
    }
    axum::response::Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// `Cache-Control` of the bundle's files: kept for a year and never asked again when their names
/// carry their content's hash (a new build has new names), asked again each time otherwise.
pub fn bundle_cache_control(hashed_names: bool) -> &'static str {
    if hashed_names {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

/// `/pkg/*`: the wasm, its JavaScript and the stylesheet, sent as compressed at build time
/// (`*.br` where the browser takes brotli, else `*.gz`, else as they are; the pages' own
/// compression leaves an encoded answer alone), with [`bundle_cache_control`] on what was found.
fn bundle_files(options: &LeptosOptions) -> Router {
    use axum::http::{HeaderValue, header};
    let dir = std::path::Path::new(&*options.site_root).join(&*options.site_pkg_dir);
    let cache = HeaderValue::from_static(bundle_cache_control(options.hash_files));
    let files = tower_http::services::ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip();
    Router::new()
        .fallback_service(files)
        .layer(middleware::map_response(
            move |mut resp: axum::response::Response| {
                let cache = cache.clone();
                async move {
                    if resp.status().is_success() || resp.status().is_redirection() {
                        resp.headers_mut().insert(header::CACHE_CONTROL, cache);
                    }
                    resp
                }
            },
        ))
}

/// The whole application as a router, so tests can call it without a socket.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let handle = StoreHandle(Arc::new(state.store.clone()));
    let context = move || provide_context(handle.clone());
    let options = state.leptos_options.clone();
    let accounts = <auth::Accounts as axum::extract::FromRef<AppState>>::from_ref(&state);
    let small_bodies = Router::new()
        .nest_service("/pkg", bundle_files(&state.leptos_options))
        .route("/healthz", get(|| async { "ok" }))
        .route("/api/snapshot", get(snapshot))
        .route("/export/kpis.csv", get(export_kpis))
        .route("/export/customers.csv", get(export_customers))
        .merge(auth::router())
        .merge(crate::http::portal_forms::router())
        .leptos_routes_with_context(&state, routes, context.clone(), move || {
            shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, shell))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            MAX_BODY_BYTES,
        ))
        .layer(middleware::from_fn(bad_arguments_are_400));
    let uploads = Router::new().route(
        "/import/{kind}",
        post(import).layer(axum::extract::DefaultBodyLimit::disable()),
    );
    small_bodies
        .merge(uploads)
        .layer(middleware::from_fn_with_state(
            state.store.clone(),
            facts_after_writes,
        ))
        .layer(middleware::from_fn_with_state(accounts, auth::resolve))
        .layer(middleware::from_fn(auth::same_origin))
        .layer(middleware::from_fn_with_state(
            state.proxies.clone(),
            crate::client::layer,
        ))
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}
