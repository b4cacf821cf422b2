//! Demo data: a realistic, seeded, deterministic population of retail customers, so a new user
//! sees a living system. Everything it writes is marked as demo data (codes start with `DEMO`).
//!
//! The shape: the 7 formats in realistic proportions, urban and rural, ~20 routes each with its
//! customer manager, 12 months of purchases with a Spring Festival peak, per-shop growth or
//! decline, and a heavy tail of big shops (log-normal volumes).

use crate::facts::shift_month;
use kehu_engine::BusinessFormat;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, LogNormal, Normal};
use sqlx::{QueryBuilder, SqlitePool};

pub struct DemoOptions {
    pub customers: usize,
    pub seed: u64,
    /// Last month of purchases, `YYYY-MM`.
    pub end_month: String,
}

/// What `kehu demo` generates unless told otherwise, and what an empty database is given when
/// the server starts on it (`config`).
impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            customers: crate::config::DEMO_CUSTOMERS,
            seed: crate::config::DEMO_SEED,
            end_month: crate::config::DEMO_END_MONTH.into(),
        }
    }
}

pub struct DemoReport {
    pub customers: usize,
    pub routes: usize,
    pub purchases: usize,
    pub visits: usize,
}

mod records;
mod shops;
#[cfg(test)]
mod tests;
mod write;

use records::*;
use shops::*;
pub use write::*;
