//! What the server tests share: a real SQLite file with demo data, the whole router called
//! without a socket, and a client that keeps the session cookie like a browser.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use leptos::prelude::LeptosOptions;
use server::db;
use server::demo::{DemoOptions, generate_into};
use server::http::web;
use sqlx::SqlitePool;
pub use tower::ServiceExt;

/// The archive's pool, with the sign-in state's database of the same installation kept open
/// beside it (see [`sessions_of`]).
pub async fn demo_db(customers: usize) -> (tempfile::TempDir, SqlitePool) {
    let dir = tempfile::tempdir().unwrap();
    let databases = db::open(&dir.path().join("kehu.db")).await.unwrap();
    let pool = databases.archive.clone();
    OPEN.lock().unwrap().push(databases);
    generate_into(
        &pool,
        &DemoOptions {
            customers,
            seed: 42,
            ..DemoOptions::default()
        },
    )
    .await
    .unwrap();
    (dir, pool)
}

/// The databases the tests opened, so a router can be built for an archive's pool alone.
static OPEN: std::sync::Mutex<Vec<db::Databases>> = std::sync::Mutex::new(Vec::new());

/// The installation whose archive is `pool`.
pub fn databases_of(pool: &SqlitePool) -> db::Databases {
    let file = pool.connect_options().get_filename().to_path_buf();
    OPEN.lock()
        .unwrap()
        .iter()
        .find(|d| d.archive.connect_options().get_filename() == file)
        .cloned()
        .expect("a database opened by demo_db or open_db")
}

/// The sign-in state's database beside the archive `pool`.
pub fn sessions_of(pool: &SqlitePool) -> SqlitePool {
    databases_of(pool).sessions
}

/// Opens (and remembers) an installation at `path`.
pub async fn open_db(path: &std::path::Path) -> SqlitePool {
    let databases = db::open(path).await.unwrap();
    let pool = databases.archive.clone();
    OPEN.lock().unwrap().push(databases);
    pool
}

pub fn options() -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("kehu")
        .site_root("target/site")
        .build()
}

pub fn router(pool: SqlitePool) -> axum::Router {
    web::router(server::http::state::AppState::new(
        options(),
        &databases_of(&pool),
    ))
}

/// The router with a state changed by `change` (trusted proxies, say).
pub fn router_with(
    pool: SqlitePool,
    change: impl FnOnce(&mut server::http::state::AppState),
) -> axum::Router {
    let mut state = server::http::state::AppState::new(options(), &databases_of(&pool));
    change(&mut state);
    web::router(state)
}

/// The router and, once signed in, the cookies a browser would send: the session and the
/// known-device cookie.
#[derive(Clone)]
pub struct Client {
    pub router: axum::Router,
    pub cookie: Option<String>,
    pub device: Option<String>,
    /// The address the requests come from (none: unknown, as without a socket).
    pub peer: Option<std::net::SocketAddr>,
}

impl Client {
    pub fn anonymous(pool: SqlitePool) -> Self {
        Self::on(router(pool))
    }

    pub fn on(router: axum::Router) -> Self {
        Client {
            router,
            cookie: None,
            device: None,
            peer: None,
        }
    }

    /// Sends a request with the cookies, like a browser page would.
    pub async fn send(&self, mut req: Request<Body>) -> axum::response::Response {
        let jar: Vec<&str> = [&self.cookie, &self.device]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        if !jar.is_empty() {
            req.headers_mut()
                .insert(header::COOKIE, jar.join("; ").parse().unwrap());
        }
        if let Some(peer) = self.peer {
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
        }
        self.router.clone().oneshot(req).await.unwrap()
    }

    /// Keeps the cookies a response sets.
    pub fn keep_cookies(&mut self, resp: &axum::response::Response) {
        for set in resp.headers().get_all(header::SET_COOKIE) {
            let pair = set.to_str().unwrap().split(';').next().unwrap().to_string();
            let (name, value) = pair.split_once('=').unwrap();
            let slot = match name {
                "kehu_session" => &mut self.cookie,
                "kehu_device" => &mut self.device,
                _ => continue,
            };
            *slot = (!value.is_empty()).then_some(pair.clone());
        }
    }

    pub async fn sign_in(&mut self, username: &str, password: &str) -> axum::response::Response {
        let body = format!(
            "username={}&password={}&next=%2F",
            urlencode(username),
            urlencode(password)
        );
        let resp = self
            .send(
                Request::post("/auth/login")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await;
        // A failed sign-in leaves the browser as it was.
        if resp.headers().get(header::SET_COOKIE).is_some() {
            self.keep_cookies(&resp);
        }
        resp
    }
}

/// A browser signed in as one of the demo users.
pub async fn app_as(pool: SqlitePool, username: &str) -> Client {
    let mut c = Client::anonymous(pool);
    let resp = c.sign_in(username, server::demo::DEMO_PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{username} signs in");
    assert!(c.cookie.is_some());
    c
}

pub async fn app(pool: SqlitePool) -> Client {
    app_as(pool, "manager").await
}

/// The text content of the first element with this `data-testid` (hydration markers removed).
pub fn testid_text(html: &str, id: &str) -> String {
    let at = html
        .find(&format!("data-testid=\"{id}\""))
        .unwrap_or_else(|| panic!("no {id}"));
    let open_end = at + html[at..].find('>').unwrap() + 1;
    let close = open_end + html[open_end..].find("</").unwrap();
    html[open_end..close].replace("<!>", "")
}

/// The page without Leptos' hydration markers, for text searches.
pub fn text(html: &str) -> String {
    html.replace("<!>", "")
}

/// A plain GET of `uri` (a download, an API read), with the browser's cookies.
pub async fn fetch(app: &Client, uri: &str) -> axum::response::Response {
    app.send(Request::get(uri).body(Body::empty()).unwrap())
        .await
}

/// A browser's request for a page (HTML).
pub fn html_page(uri: &str) -> Request<Body> {
    Request::get(uri)
        .header(header::ACCEPT, "text/html")
        .body(Body::empty())
        .unwrap()
}

/// A page load: the browser asks for HTML in a language.
pub async fn get(app: &Client, uri: &str, lang: &str) -> (StatusCode, String) {
    let req = Request::get(uri)
        .header(header::ACCEPT_LANGUAGE, lang)
        .header(header::ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8")
        .body(Body::empty())
        .unwrap();
    let resp = app.send(req).await;
    let status = resp.status();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// A request as a browser's fetch from a kehu page would send it (same origin).
pub fn post_form(uri: &str, body: &str) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(body.to_string()))
        .unwrap()
}

pub fn location(resp: &axum::response::Response) -> String {
    resp.headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// A form value, percent-encoded.
pub fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub async fn json<T: serde::de::DeserializeOwned>(
    client: &Client,
    uri: &str,
    body: &str,
) -> (StatusCode, Option<T>) {
    let resp = client.send(post_form(uri, body)).await;
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).ok())
}

/// An import as the command line runs it (`None`: no user), checked whole, written all or
/// nothing.
pub async fn import(
    pool: &SqlitePool,
    kind: server::import::Kind,
    bytes: &[u8],
    dry_run: bool,
) -> app::wire::ImportReport {
    let bytes = axum::body::Bytes::copy_from_slice(bytes);
    server::import::run(pool, kind, bytes, dry_run, None)
        .await
        .unwrap()
}

/// Monthly purchases imported from `csv`, which must go in.
pub async fn purchases_imported(pool: &SqlitePool, csv: &str) {
    let report = import(pool, server::import::Kind::Purchases, csv.as_bytes(), false).await;
    assert!(report.committed, "{report:?}");
}

/// The one number a query without parameters gives (`SELECT COUNT(*) FROM …`, a pragma).
pub async fn number(pool: &SqlitePool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

/// A user's id by username.
#[allow(dead_code)]
pub async fn user_id(pool: &SqlitePool, username: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE username = ?")
        .bind(username)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// The customers on a customer manager's routes with their published tier, by id.
#[allow(dead_code)]
pub async fn tiers_of(pool: &SqlitePool, manager: i64) -> Vec<(i64, String)> {
    sqlx::query_as(
        "SELECT c.id, a.tier FROM customers c JOIN routes r ON r.id = c.route_id
         JOIN assignments a ON a.customer_id = c.id
          AND a.policy_id = (SELECT MAX(id) FROM policies WHERE status = 'published')
         WHERE r.manager_id = ? ORDER BY c.id",
    )
    .bind(manager)
    .fetch_all(pool)
    .await
    .unwrap()
}

/// Customer ids on cm01's routes and one that is not.
pub async fn cm01_scope(pool: &sqlx::SqlitePool) -> (Vec<i64>, i64) {
    let mine: Vec<i64> = sqlx::query_scalar(
        "SELECT c.id FROM customers c JOIN routes r ON r.id = c.route_id
         JOIN users u ON u.id = r.manager_id WHERE u.username = 'cm01' ORDER BY c.id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let other: i64 = sqlx::query_scalar(
        "SELECT c.id FROM customers c JOIN routes r ON r.id = c.route_id
         JOIN users u ON u.id = r.manager_id WHERE u.username <> 'cm01' LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    (mine, other)
}

/// A visit logged by `by` in `scope`, as the log answered with it.
pub async fn visit_by(
    store: &server::store::SqliteStore,
    scope: app::wire::Scope,
    by: i64,
    visit: app::wire::NewVisit,
) -> app::wire::VisitEntry {
    use app::api::ssr::ports::*;
    let answer = store.log_visit(scope, app::wire::UserId(by), &visit).await;
    logged(answer.unwrap())
}

/// The visit a log answered with, or the test fails with what it answered instead.
pub fn logged(answer: app::wire::VisitLogged) -> app::wire::VisitEntry {
    match answer {
        app::wire::VisitLogged::Logged(entry) => entry,
        other => panic!("the visit was not logged: {other:?}"),
    }
}
