//! The whole customer base at once: facts held column-wise, classified in one pass into reused
//! output columns, with the aggregates the what-if lab shows (counts, transitions, quota,
//! workload, satisfaction-gap histogram). Nothing is allocated per customer.

use crate::classify::{CustomerFacts, Indicators, Rules, ServiceInputs, classify_core, weighted};
use crate::derive;
use crate::fixed::{Cases, Cents};
use crate::model::{
    BANDS, BusinessFormat, CHARACTERISTIC_CLASSES, CharacteristicClass, GRADES, GapClass,
    KeyAccountTier, MarketType, PRICE_CLASSES, Tier, ValueClass,
};
use crate::policy::{BandMode, Policy};
use serde::{Deserialize, Serialize};

/// No customer manager assigned.
pub const NO_MANAGER: u32 = u32::MAX;

/// Expectation (6) and experience (5) scores per customer.
pub const SERVICE_SCORES: usize = 11;

/// A service score with nothing recorded behind it (scores are 0–10,000 hundredths).
pub const NOT_RECORDED: u16 = u16::MAX;

/// Position of the expectation driver "value and background" among the service scores.
const VALUE_BACKGROUND: usize = 2;

mod again;
mod population;
mod run;
#[cfg(test)]
mod tests;
mod wire;

pub(crate) use again::Kept;
pub use again::classify_again;
pub use population::*;
pub use run::*;
pub use wire::*;
