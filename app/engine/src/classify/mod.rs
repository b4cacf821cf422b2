//! Classifying one customer: the rules of domain §4–§5 applied to a customer's facts, with the
//! numbers compared kept as a structured explanation (the UI words it in the reader's language).

use crate::fixed::{Cases, Cents, Score, Weight};
use crate::model::{
    BANDS, BusinessFormat, CharacteristicClass, GapClass, KeyAccountTier, MarketType,
    PRICE_CLASSES, Scale, Tier, ValueClass,
};
use crate::policy::{BandMode, Policy};
use serde::{Deserialize, Serialize};

mod decide;
mod explain;
mod facts;
mod rules;
#[cfg(test)]
mod tests;

pub use decide::*;
pub use explain::*;
pub use facts::*;
pub use rules::*;
