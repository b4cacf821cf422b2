//! storage → facts: reads customers and their purchase aggregates and derives the engine's facts.
//! The one place that turns records into `CustomerFacts`, for publish, the lab's snapshot, the
//! pages and the portal: `load` reads them, `population` holds them by index, `kept` keeps them
//! in memory and patches them after each write, `columns` are the chunked columns a patch copies.

use kehu_engine::batch::NO_MANAGER;
use kehu_engine::derive;
use kehu_engine::policy::BandMode;
use kehu_engine::{
    BusinessFormat, Cents, CustomerFacts, Indicators, MarketType, Policy, Population, Rules,
    ServiceInputs, Tier,
};
use sqlx::SqlitePool;

mod columns;
mod kept;
mod load;
mod population;
#[cfg(test)]
mod tests;

pub use columns::*;
pub use kept::*;
pub use load::*;
pub use population::*;
