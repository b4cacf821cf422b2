//! The bundle's files: sent as compressed at build time, cached for good when their names carry
//! their content's hash, and reached without signing in.

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use leptos::prelude::LeptosOptions;

/// A site folder as a release build leaves it: a hashed wasm file with its brotli and gzip
/// copies, and a stylesheet compressed as gzip only.
fn site(dir: &std::path::Path) {
    let pkg = dir.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("kehu.AbC123.wasm"), b"\0asm-plain").unwrap();
    std::fs::write(pkg.join("kehu.AbC123.wasm.br"), b"brotli-bytes").unwrap();
    std::fs::write(pkg.join("kehu.AbC123.wasm.gz"), b"gzip-bytes").unwrap();
    std::fs::write(pkg.join("kehu.Zz9.css"), b"body{}").unwrap();
    std::fs::write(pkg.join("kehu.Zz9.css.gz"), b"gzip-css").unwrap();
}

async fn fetch_file(
    router: &axum::Router,
    path: &str,
    accept: &str,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let resp = Client::on(router.clone())
        .send(
            Request::get(path)
                .header(header::ACCEPT_ENCODING, accept)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let (parts, body) = resp.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes().to_vec();
    (parts.status, parts.headers, bytes)
}

fn router_on(site_root: &std::path::Path, hashed: bool, pool: sqlx::SqlitePool) -> axum::Router {
    let options = LeptosOptions::builder()
        .output_name("kehu")
        .site_root(site_root.to_str().unwrap())
        .hash_files(hashed)
        .build();
    server::http::web::router(server::http::state::AppState::new(
        options,
        &databases_of(&pool),
    ))
}

#[tokio::test]
async fn bundle_files_go_out_precompressed_and_hashed_names_are_cached_for_good() {
    let (_db, pool) = demo_db(5).await;
    let dir = tempfile::tempdir().unwrap();
    site(dir.path());
    let router = router_on(dir.path(), true, pool);

    let (status, h, body) = fetch_file(&router, "/pkg/kehu.AbC123.wasm", "gzip, deflate, br").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(h[header::CONTENT_ENCODING], "br");
    assert_eq!(
        body, b"brotli-bytes",
        "the file compressed at build time, not again"
    );
    assert_eq!(
        h[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(h[header::CONTENT_TYPE], "application/wasm");

    let (_, h, body) = fetch_file(&router, "/pkg/kehu.AbC123.wasm", "gzip").await;
    assert_eq!(h[header::CONTENT_ENCODING], "gzip");
    assert_eq!(body, b"gzip-bytes");

    let (_, h, body) = fetch_file(&router, "/pkg/kehu.AbC123.wasm", "identity").await;
    assert!(h.get(header::CONTENT_ENCODING).is_none());
    assert_eq!(body, b"\0asm-plain");

    // Only gzip was made for the stylesheet: a brotli browser gets the gzip copy.
    let (_, h, body) = fetch_file(&router, "/pkg/kehu.Zz9.css", "br, gzip").await;
    assert_eq!(h[header::CONTENT_ENCODING], "gzip");
    assert_eq!(body, b"gzip-css");

    // A name that is not there is not remembered as missing for a year.
    let (status, h, _) = fetch_file(&router, "/pkg/kehu.Old999.wasm", "br").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        h.get(header::CACHE_CONTROL)
            .is_none_or(|v| v != "public, max-age=31536000, immutable")
    );
    // Nothing outside the bundle's folder.
    let (status, _, _) = fetch_file(&router, "/pkg/../../etc/passwd", "br").await;
    assert_ne!(status, StatusCode::OK);
}

#[tokio::test]
async fn without_hashed_names_the_browser_asks_again_each_time() {
    let (_db, pool) = demo_db(5).await;
    let dir = tempfile::tempdir().unwrap();
    site(dir.path());
    let router = router_on(dir.path(), false, pool);
    let (status, h, _) = fetch_file(&router, "/pkg/kehu.AbC123.wasm", "br").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(h[header::CACHE_CONTROL], "no-cache");
}
