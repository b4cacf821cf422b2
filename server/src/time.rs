//! kehu's clock: now, and today and this month at the service desk (in its time zone, a setting,
//! default Asia/Shanghai). Every read of the time goes through here, the stamps SQL writes and
//! compares included (no SQL reads SQLite's `'now'`), so a test can move the clock ([`shift`])
//! and see sessions, invites and deadlines run out. Every time shown to anyone goes through
//! [`shown`]: stored in UTC, shown in the desk's time zone.

use app::wire::Shown;
use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;
use std::cell::Cell;
use std::sync::RwLock;

/// The service desk's time zone when none has been set.
pub const DEFAULT_DESK_ZONE: Tz = chrono_tz::Asia::Shanghai;

/// The service desk's time zone, as the settings keep it (read at start, changed with them).
static DESK_ZONE: RwLock<Tz> = RwLock::new(DEFAULT_DESK_ZONE);

/// The service desk's time zone: the work calendar's hours, "today", and every time shown.
pub fn desk_zone() -> Tz {
    *DESK_ZONE.read().unwrap_or_else(|e| e.into_inner())
}

/// Sets the desk's time zone for this process (the settings' copy is the database's business).
pub fn set_desk_zone(zone: Tz) {
    *DESK_ZONE.write().unwrap_or_else(|e| e.into_inner()) = zone;
}

/// A time zone by its IANA name (`Asia/Shanghai`), as a manager types it.
pub fn zone_named(name: &str) -> Option<Tz> {
    name.trim().parse().ok()
}

/// A moment as people read it: in the desk's time zone, to the minute, `2026-11-24 02:30`.
pub fn shown_at(t: DateTime<Utc>) -> Shown {
    Shown::new(
        t.with_timezone(&desk_zone())
            .format("%Y-%m-%d %H:%M")
            .to_string(),
    )
}

/// A stored UTC stamp as people read it ([`shown_at`]); a text that is not a stamp is shown as
/// it is.
pub fn shown(stored: &str) -> Shown {
    match DateTime::parse_from_rfc3339(stored) {
        Ok(t) => shown_at(t.with_timezone(&Utc)),
        Err(_) => Shown::new(stored.to_string()),
    }
}

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
    now().with_timezone(&desk_zone()).date_naive()
}

/// The stored stamp (UTC) of the moment day `d` begins at the service desk: a local day's bound
/// in a query of stored times.
pub fn day_start(d: NaiveDate) -> String {
    use chrono::TimeZone;
    let midnight = d.and_time(chrono::NaiveTime::MIN);
    let at = desk_zone()
        .from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        // A zone whose clock skips midnight: the day begins an hour later.
        .or_else(|| {
            desk_zone()
                .from_local_datetime(&(midnight + TimeDelta::hours(1)))
                .earliest()
                .map(|t| t.with_timezone(&Utc))
        })
        .unwrap_or_else(|| midnight.and_utc());
    stamp(at)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_shown_in_the_desks_time_zone_and_other_text_as_it_is() {
        // One test sets the zone: the process-wide setting is not shared with another test.
        assert_eq!(shown("2026-11-23T18:30:00Z").as_str(), "2026-11-24 02:30");
        assert_eq!(shown("2026-12-31T16:00:00Z").as_str(), "2027-01-01 00:00");
        assert_eq!(shown("not a time").as_str(), "not a time");
        set_desk_zone(zone_named("Europe/Berlin").unwrap());
        // Summer time and winter time: the zone's rules, not one offset.
        assert_eq!(shown("2026-07-01T10:00:00Z").as_str(), "2026-07-01 12:00");
        assert_eq!(shown("2026-12-01T10:00:00Z").as_str(), "2026-12-01 11:00");
        set_desk_zone(DEFAULT_DESK_ZONE);
        assert!(zone_named("Mars/Olympus").is_none());
        assert_eq!(zone_named(" Asia/Urumqi "), Some(chrono_tz::Asia::Urumqi));
    }
}
