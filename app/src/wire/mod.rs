//! Wire types shared by the server and the browser, by area, and the customer field registry.
//! Everything is re-exported here: `crate::wire::Complaint`, whichever file it lives in.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;

mod access;
mod archive;
mod complaints;
mod errors;
mod fields;
mod ids;
mod people;
mod policies;
mod portal;
mod shown;
mod snapshot;
#[cfg(test)]
mod tests;
mod work;

pub use access::*;
pub use archive::*;
pub use complaints::*;
pub use errors::*;
pub use fields::*;
pub use ids::*;
pub use people::*;
pub use policies::*;
pub use portal::*;
pub use shown::*;
pub use snapshot::*;
pub use work::*;
