//! Routed pages.
pub mod account;
pub mod audit;
pub mod calendar;
pub mod complaints;
pub mod customer;
pub mod customers;
pub mod dashboard;
pub mod gaps;
pub mod import;
pub mod performance;
pub mod portal;
pub mod reports;
pub mod requests;
pub mod visits;

// The shared pieces, where the pages have always found them.
pub use crate::components::{LoadError, Loading, Pager};
