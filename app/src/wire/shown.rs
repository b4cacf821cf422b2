//! A time as people read it. Times are stored in UTC; the server turns each into the service
//! desk's local time (its time zone is a setting) with one function before it leaves, so a page
//! shows every time on one clock and never formats a stamp itself.

use serde::{Deserialize, Serialize};

/// `2026-11-24 02:30`, in the service desk's time zone.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Shown(String);

impl Shown {
    /// Only the server's clock makes one (from a stored stamp); a page only shows it.
    #[doc(hidden)]
    pub fn new(text: String) -> Self {
        Shown(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
