//! # kehu-engine — the tiering engine
//!
//! Pure functions `(policy, customer facts) -> classification + explanation` for every
//! classification kehu makes: volume band, grade, characteristic class, value score and class,
//! working tier with red flags, key-account tier, and the satisfaction gap. What they mean, and
//! the rest of kehu's domain, is told in `README.md` beside this crate (the domain notes, "domain
//! §N" in the code's comments).
//!
//! No Leptos, no I/O, no clock, no randomness: the browser (what-if lab, compiled to wasm) and
//! the server (publish, `kehu classify`) run this same code, so they always agree.
//!
//! Numbers are exact decimals ([`fixed`]): a customer whose weighted score sits exactly on a cut
//! point gets the tier the rule says.

pub mod batch;
pub mod classify;
pub mod derive;
pub mod fixed;
pub mod model;
pub mod policy;
pub mod selfcheck;

pub use batch::{Outcomes, Population, Summary, classify_all, digest};
pub use classify::{
    Classification, CustomerFacts, Explanation, Indicators, Rules, ServiceInputs, classify,
};
pub use fixed::{Cases, Cents, Fixed, Rounding, Score, Weight};
pub use model::*;
pub use policy::{Policy, PolicyIssue, Problem};
