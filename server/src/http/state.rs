//! What every request handler may be given: the server's state, and the parts a handler takes
//! of it (`FromRef`).

use crate::client::TrustedProxies;
use crate::store::SqliteStore;
use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

/// Everything a request handler may need.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: SqliteStore,
    /// The sign-in state's database (sessions, failed attempts, known devices).
    pub sessions: sqlx::SqlitePool,
    /// The archive's connections for looking up users (see `db::Databases::accounts`).
    pub accounts: sqlx::SqlitePool,
    /// Proxies whose forwarded headers are believed.
    pub proxies: TrustedProxies,
    /// Who recently checked sessions belong to (see [`crate::http::auth::SeenSessions`]).
    pub seen: crate::http::auth::SeenSessions,
}

impl AppState {
    /// The state for `databases` with default options (no trusted proxies).
    pub fn new(leptos_options: LeptosOptions, databases: &crate::db::Databases) -> Self {
        AppState {
            leptos_options,
            store: SqliteStore {
                facts: crate::facts::KeptFacts::reading_through(databases.facts.clone()),
                ..SqliteStore::new(databases.archive.clone())
            },
            sessions: databases.sessions.clone(),
            accounts: databases.accounts.clone(),
            proxies: TrustedProxies::default(),
            seen: Default::default(),
        }
    }
}

impl FromRef<AppState> for TrustedProxies {
    fn from_ref(s: &AppState) -> Self {
        s.proxies.clone()
    }
}

impl FromRef<AppState> for sqlx::SqlitePool {
    fn from_ref(s: &AppState) -> Self {
        s.store.pool.clone()
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> Self {
        s.leptos_options.clone()
    }
}

impl FromRef<AppState> for crate::http::auth::Accounts {
    fn from_ref(s: &AppState) -> Self {
        crate::http::auth::Accounts {
            archive: s.accounts.clone(),
            sessions: s.sessions.clone(),
            seen: s.seen.clone(),
        }
    }
}
