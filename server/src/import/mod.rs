//! CSV import of customers and of monthly purchases, all or nothing.
//!
//! The file is decoded (UTF-8 with or without a byte-order mark, or GB18030 as Chinese Excel
//! saves it), every row is checked against the field registry's rules, and only a file without
//! a single bad row is written — in one transaction. A dry run does everything but the writing.
//!
//! - Customers: a header of field keys (the export's header, so an exported list can be edited
//!   in Excel and imported back); `code` is required. A known code updates that customer (only
//!   the non-empty cells; the record version moves on), a new one inserts a customer, which then
//!   needs `shop_name`, `business_format` and `market_type`. `route` takes a route's code or
//!   name. Computed and unknown columns are ignored and listed in the report.
//! - Purchases: `customer_code, month, cartons, amount_yuan`; a row for a month already stored
//!   replaces it. Optional columns from the logistics system feed the experience score:
//!   `requested_cartons` (what the customer ordered; cartons are what was supplied),
//!   `deliveries` and `late_deliveries`; an empty cell keeps what is stored.
//!
//! Checking and writing overlap, one on each core: the rows are checked on a blocking thread
//! and handed over in batches to the writer, which stores each batch in the one transaction
//! while the next is being checked. The first bad row stops the writing — the transaction is
//! rolled back at the end — but not the checking, so every bad row of the file is still listed.

use crate::spreadsheet::uncell;
use app::wire::{FieldDef, ImportProblem, ImportReport, Maintenance, RowError};
use axum::body::Bytes;
use kehu_engine::Cents;
use sqlx::{ConnectOptions, Connection, QueryBuilder, SqliteConnection, SqlitePool};
use std::borrow::Cow;
use std::sync::{Arc, OnceLock};
use tokio::sync::mpsc;
// Fx hashing: the maps are keyed by codes and (customer, month) from our own files, and checking
// a million purchase rows spent a tenth of its time in SipHash.
use rustc_hash::FxHashMap as HashMap;

/// Optional columns of the purchases file, from the logistics system.
const LOGISTICS: [&str; 3] = ["requested_cartons", "deliveries", "late_deliveries"];

/// At most this many bad rows are listed (all are counted).
pub const MAX_LISTED_ERRORS: usize = 1_000;

/// Good rows are handed from the checking thread to the writer this many at a time.
const BATCH_ROWS: usize = 8_000;

/// What is imported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Customers,
    Purchases,
}

impl Kind {
    pub fn from_key(k: &str) -> Option<Self> {
        match k {
            "customers" => Some(Kind::Customers),
            "purchases" => Some(Kind::Purchases),
            _ => None,
        }
    }

    pub const fn key(self) -> &'static str {
        match self {
            Kind::Customers => "customers",
            Kind::Purchases => "purchases",
        }
    }
}

mod bulk;
mod check;
mod customers;
mod decode;
mod purchases;
#[cfg(test)]
mod tests;

pub use bulk::*;
use check::*;
use customers::*;
pub use decode::*;
use purchases::*;
