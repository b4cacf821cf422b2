//! kehu's clock: now, and today and this month at the service desk (China Standard Time). The
//! server's own reads of the time go through here; SQL still stamps rows with SQLite's `'now'`.

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};

/// The service desk's offset from UTC, in hours (the work calendar's too).
pub const DESK_UTC_OFFSET_HOURS: i32 = 8;

/// Now.
pub fn now() -> DateTime<Utc> {
    Utc::now()
}

/// Today at the service desk.
pub fn today() -> NaiveDate {
    (now() + TimeDelta::hours(i64::from(DESK_UTC_OFFSET_HOURS))).date_naive()
}

/// This month at the service desk as a number, `yyyymm`: no purchase lies after it.
pub fn current_month() -> u32 {
    let today = today();
    today.year() as u32 * 100 + today.month()
}

/// This month (`YYYY-MM`, at the service desk). The assessment window ends at the latest month
/// with purchases but never after this one: a purchase dated in the future (a typing error from
/// before imports refused them) must not move everyone's window.
pub fn this_month() -> String {
    let m = current_month();
    format!("{:04}-{:02}", m / 100, m % 100)
}

/// A time as the archive stores it: UTC, to the second (`2026-12-02T09:30:00Z`).
pub fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}
