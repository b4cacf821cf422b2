//! kehu's server: axum routes, SQLite storage, demo data and the `kehu` command line.
//!
//! Layers, each naming only those below (checked by `tests/api/layers.rs`): foundations
//! (`config`, `time`, `error`, `passwords`, `spreadsheet`, `url`, `client`) → `db` (the only
//! SQL, one module an area) → `facts`, `calendar` → use cases (publish, drafts, snapshot, gaps,
//! kpis, visits, complaints, reports, self_service, accounts, and the bulk writers import and
//! demo, which write their own SQL) → `store` (the app's storage port) → `http` (router,
//! middleware, sign-in, the portal's forms, `AppState`) → `cli` (the `kehu` command).

pub mod accounts;
pub mod calendar;
pub mod cli;
pub mod client;
pub mod complaints;
pub mod config;
pub mod db;
pub mod demo;
pub mod drafts;
pub mod error;
pub mod facts;
pub mod gaps;
pub mod http;
pub mod import;
pub mod kpis;
pub mod passwords;
pub mod publish;
pub mod reports;
pub mod self_service;
pub mod snapshot;
pub mod spreadsheet;
pub mod store;
pub mod time;
pub mod url;
pub mod visits;
