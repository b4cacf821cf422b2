//! kehu's server: axum routes, SQLite storage, demo data and the `kehu` command line.

pub mod auth;
pub mod calendar;
pub mod classify_cli;
pub mod client;
pub mod complaints;
pub mod db;
pub mod demo;
pub mod drafts;
pub mod error;
pub mod facts;
pub mod gaps;
pub mod import;
pub mod kpis;
pub mod passwords;
pub mod portal;
pub mod publish;
pub mod reports;
pub mod service;
pub mod snapshot;
pub mod spreadsheet;
pub mod state;
pub mod store;
pub mod time;
pub mod url;
pub mod visits;
pub mod web;
