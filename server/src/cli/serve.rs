//! `kehu serve`: the web server.

use crate::{db, demo};
use std::path::PathBuf;

/// Serves the app: demo data into an empty database (unless `no_demo`), the first
/// administrator of a new installation, the facts loaded once, then requests until Ctrl-C.
pub(super) async fn serve(
    databases: db::Databases,
    db_path: PathBuf,
    addr: Option<std::net::SocketAddr>,
    proxies: crate::client::TrustedProxies,
    no_demo: bool,
) -> anyhow::Result<()> {
    let pool = databases.archive.clone();
    if db::customers::none(&pool).await? && !no_demo {
        let options = demo::DemoOptions::default();
        tracing::info!(
            customers = options.customers,
            "empty database: generating demo data"
        );
        let r = demo::generate_into(&pool, &options).await?;
        tracing::info!(
            customers = r.customers,
            routes = r.routes,
            "demo data ready"
        );
    }
    if let Some(password) = crate::accounts::ensure_admin(&pool, &databases.sessions).await? {
        // Printed once, on purpose: the only way in to a new installation.
        eprintln!(
            "\nNo administrator yet: created user \"admin\" with the one-time password\n\n    {password}\n\nSign in and choose a new one (or run `kehu user reset-password admin`).\n"
        );
    }
    let conf = leptos::prelude::get_configuration(None)?;
    let mut leptos_options = conf.leptos_options;
    if leptos_options.output_name.is_empty() {
        leptos_options.output_name = "kehu".into();
    }
    if let Some(a) = addr {
        leptos_options.site_addr = a;
    }
    // A release build names the bundle's files by their content's hash and writes the names to
    // `hash.txt` beside the binary; the pages then link those names, cached for good.
    if !leptos_options.hash_files && hash_file_beside_binary(&leptos_options.hash_file) {
        leptos_options.hash_files = true;
    }
    tracing::info!(
        site = %leptos_options.site_root,
        hashed_names = leptos_options.hash_files,
        "bundle"
    );
    let bind = leptos_options.site_addr;
    let mut state = crate::http::state::AppState::new(leptos_options, &databases);
    state.proxies = proxies;
    keep_facts(pool.clone(), state.store.facts.clone());
    let app = crate::http::web::router(state);
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {bind}: {e}"))?;
    tracing::info!(db = %db_path.display(), "kehu listening on http://{bind}");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown())
    .await?;
    Ok(())
}

/// Whether the build's list of hashed file names (`hash.txt`) lies beside the running binary,
/// where Leptos reads it.
fn hash_file_beside_binary(name: &str) -> bool {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(name)))
        .is_some_and(|p| p.is_file())
}

/// Loads every customer's facts under the published policy once at start (so that the first
/// page that classifies everyone finds them in memory), then each hour forgets the changes
/// every kept population has read.
fn keep_facts(pool: sqlx::SqlitePool, facts: crate::facts::KeptFacts) {
    tokio::spawn(async move {
        let started = std::time::Instant::now();
        let policy = match crate::db::policy::current_policy(&pool).await {
            Ok(Some((_, p))) => p,
            Ok(None) => kehu_engine::Policy::default(),
            Err(e) => {
                tracing::warn!(error = %e, "facts not loaded at start");
                return;
            }
        };
        match facts.load(&pool, &policy).await {
            Ok(loaded) => tracing::info!(
                customers = loaded.ids.len(),
                ms = started.elapsed().as_millis() as u64,
                "facts loaded"
            ),
            Err(e) => tracing::warn!(error = %e, "facts not loaded at start"),
        }
        let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3_600));
        loop {
            hourly.tick().await;
            if let Err(e) = crate::facts::purge_changes(&pool).await {
                tracing::warn!(error = %e, "old fact changes not purged");
            }
        }
    });
}

async fn shutdown() {
    let _ = tokio::signal::ctrl_c().await;
}
