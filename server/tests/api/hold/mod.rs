//! How kehu holds under a busy office and an attacker: writers at once, imports beside sign-ins,
//! hostile text and uploads, throttling that cannot be turned against a user, redirects,
//! exports opened in Excel, poisoned imports, and backups and upgrades that lose nothing.
//! The helpers here are shared by the modules below.

use crate::common::*;
use app::api::ssr::ports::*;
use app::wire::{
    DraftResult, EditResult, NewVisit, ReportKind, ReportSave, RequestResult, Role, Scope,
};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use server::store::SqliteStore;
use sqlx::SqlitePool;
use std::net::SocketAddr;

async fn body_text(resp: axum::response::Response) -> String {
    String::from_utf8_lossy(&resp.into_body().collect().await.unwrap().to_bytes()).into_owned()
}

async fn scalar(pool: &SqlitePool, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn exec(pool: &SqlitePool, sql: &str) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(pool)
        .await
        .unwrap();
}

async fn import(client: &Client, kind: &str, csv: &str, dry_run: bool) -> app::wire::ImportReport {
    let resp = client
        .send(
            Request::post(format!("/import/{kind}?dry_run={dry_run}"))
                .header("sec-fetch-site", "same-origin")
                .body(Body::from(csv.to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    serde_json::from_str(&body_text(resp).await).unwrap()
}

/// Turns a hang into a failure (an answer that never comes is what the fixes are about); not a
/// speed target.
async fn soon<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(std::time::Duration::from_secs(5), f)
        .await
        .unwrap_or_else(|_| panic!("{what}: no answer within 5 s"))
}

// ---------------------------------------------------------------------------------------------
// A busy office.

const PAYLOAD: &str = "</title><img src=x onerror=alert(1)>\"'><svg onload=alert(2)>";

/// Whether `html` carries the payload's markup as markup anywhere.
fn runs(html: &str) -> bool {
    let lower = html.to_ascii_lowercase();
    lower.contains("<img src=x") || lower.contains("<svg onload")
}

fn from(pool: &SqlitePool, ip: &str) -> Client {
    let mut c = Client::anonymous(pool.clone());
    c.peer = Some(SocketAddr::new(ip.parse().unwrap(), 40000));
    c
}

mod busy;
mod data;
mod guessing;
mod hostile;
