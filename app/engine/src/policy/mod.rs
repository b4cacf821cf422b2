//! The versioned classification policy: every threshold and weight of domain §4–§6, editable by
//! managers, stored as JSON, and validated field by field.

use crate::fixed::{Cases, Cents, Weight};
use crate::model::{BANDS, BusinessFormat, GRADES, PRICE_CLASSES, Tier, ValueClass};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Policy file format version; bumped when the JSON shape changes.
pub const FORMAT: u32 = 1;
/// The longest policy name (it is shown in lists, titles and the audit trail).
pub const MAX_NAME_CHARS: usize = 100;

mod defaults;
mod problems;
mod rules;
#[cfg(test)]
mod tests;
mod validate;

use defaults::*;
pub use problems::*;
pub use rules::*;
