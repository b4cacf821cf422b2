//! `kehu classify`: customers CSV in, tiers CSV out, through the same engine as the browser.
//!
//! Bad input stops the run with `line N, column X: reason` (exit code 2) and leaves no output
//! file behind: output goes to a temporary file renamed into place only on success.

use kehu_engine::Rounding::{self, Down, Up};
use kehu_engine::batch::NO_MANAGER;
use kehu_engine::{
    BANDS, BusinessFormat, Cases, Cents, CharacteristicClass, CustomerFacts, GapClass, Indicators,
    KeyAccountTier, MarketType, Outcomes, Policy, Population, ServiceInputs, Summary, Tier,
    ValueClass, classify_all,
};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A failure with the exit code the command line should return.
#[derive(Debug)]
pub struct CliError {
    pub code: i32,
    pub message: String,
}

impl CliError {
    fn input(message: String) -> Self {
        Self { code: 2, message }
    }
    fn io(what: &str, e: impl std::fmt::Display) -> Self {
        Self {
            code: 1,
            message: format!("{what}: {e}"),
        }
    }
}

mod read;
mod run;
#[cfg(test)]
mod tests;
mod write;

pub use read::*;
pub use run::*;
pub use write::*;
