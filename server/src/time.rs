//! kehu's clock: now, and today and this month at the service desk (China Standard Time). Every
//! read of the time goes through here, the stamps SQL writes and compares included (no SQL reads
//! SQLite's `'now'`), so a test can move the clock ([`shift`]) and see sessions, invites and
//! deadlines run out.

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use std::cell::Cell;

/// The service desk's offset from UTC, in hours (the work calendar's too).
pub const DESK_UTC_OFFSET_HOURS: i32 = 8;

thread_local! {
    /// How far this thread's clock has been moved (zero but in a test that moved it).
    static SHIFTED: Cell<TimeDelta> = const { Cell::new(TimeDelta::zero()) };
}

/// Now.
pub fn now() -> DateTime<Utc> {
    Utc::now() + SHIFTED.with(Cell::get)
}

/// Moves this thread's clock by `by` from where it stands, and it goes on running from there.
/// For tests (a fortnight later, a session has expired): a test's runtime runs on its own
/// thread, so tests running side by side keep their own clocks; a server's clock is never moved.
pub fn shift(by: TimeDelta) {
    SHIFTED.with(|s| s.set(s.get() + by));
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

/// Now as the archive stores it.
pub fn now_stamp() -> String {
    stamp(now())
}

/// `by` from now, as the archive stores it (`-15 minutes`: a window's start; `+14 days`: an
/// expiry).
pub fn stamp_from_now(by: TimeDelta) -> String {
    stamp(now() + by)
}
