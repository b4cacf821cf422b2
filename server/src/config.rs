//! kehu's settings in one place: where the archive lives, where to listen and which proxies to
//! believe (each a flag of every command, with its environment variable), and the demo
//! population's defaults.

use std::path::PathBuf;

/// Where the archive lives unless `--db` or `KEHU_DB` says otherwise.
pub const DEFAULT_DB: &str = "./data/kehu.db";
/// How many customers the demo population has (`kehu demo`, and a server starting on an empty
/// database).
pub const DEMO_CUSTOMERS: usize = 2000;
/// The demo's random seed: the same seed gives the same population.
pub const DEMO_SEED: u64 = 20261123;
/// The demo's last month of purchase history; twelve months end here.
pub const DEMO_END_MONTH: &str = "2026-10";

/// What every command is told about where it runs.
#[derive(clap::Args, Clone, Debug)]
pub struct Settings {
    /// SQLite database file (created with its folder if missing).
    #[arg(long, env = "KEHU_DB", default_value = DEFAULT_DB, global = true)]
    pub db: PathBuf,
    /// Address to listen on, e.g. 127.0.0.1:3000 (default: LEPTOS_SITE_ADDR or 127.0.0.1:3000).
    #[arg(long, env = "KEHU_ADDR", global = true)]
    pub addr: Option<std::net::SocketAddr>,
    /// Reverse proxies in front of kehu whose X-Forwarded-For and X-Forwarded-Proto headers are
    /// believed: addresses or networks, comma-separated (default: none, so nobody can pick the
    /// address that sign-in throttling counts them by).
    #[arg(long, env = "KEHU_TRUSTED_PROXY", global = true, default_value = "")]
    pub trusted_proxy: String,
}
