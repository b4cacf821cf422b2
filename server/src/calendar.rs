//! Working time: complaint deadlines count working hours of a service calendar (domain §9) —
//! office hours on working days, skipping weekends and public holidays, with the make-up
//! working days (调休) of the Chinese calendar.

use chrono::{
    DateTime, Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc, Weekday,
};
use std::collections::BTreeSet;

/// When the service desk works.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkCalendar {
    /// Local office hours, `start` < `end`.
    pub start: NaiveTime,
    pub end: NaiveTime,
    /// Offset of local time from UTC, in hours (China: 8).
    pub utc_offset_hours: i32,
    /// Days off although Monday–Friday.
    pub holidays: BTreeSet<NaiveDate>,
    /// Working days although Saturday or Sunday.
    pub workdays: BTreeSet<NaiveDate>,
}

impl Default for WorkCalendar {
    fn default() -> Self {
        WorkCalendar {
            start: NaiveTime::from_hms_opt(9, 0, 0).expect("valid time"),
            end: NaiveTime::from_hms_opt(17, 0, 0).expect("valid time"),
            utc_offset_hours: crate::time::DESK_UTC_OFFSET_HOURS,
            holidays: BTreeSet::new(),
            workdays: BTreeSet::new(),
        }
    }
}

impl WorkCalendar {
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        if self.workdays.contains(&d) {
            return true;
        }
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&d)
    }

    /// The moment `hours` working hours after `from`; a start outside office hours counts from
    /// the next opening.
    pub fn add_working_hours(&self, from: DateTime<Utc>, hours: u32) -> DateTime<Utc> {
        let offset = TimeDelta::hours(i64::from(self.utc_offset_hours));
        let mut t: NaiveDateTime = from.naive_utc() + offset;
        let mut left = TimeDelta::hours(i64::from(hours));
        // Ten years of days is more than any deadline; the bound only guards a calendar with
        // no working day at all.
        for _ in 0..3_660 {
            let day = t.date();
            if self.is_working_day(day) {
                let open = day.and_time(self.start);
                let close = day.and_time(self.end);
                if t < open {
                    t = open;
                }
                if t < close {
                    let available = close - t;
                    if left <= available {
                        return (t + left - offset).and_utc();
                    }
                    left -= available;
                }
            }
            t = day
                .checked_add_days(Days::new(1))
                .expect("date in range")
                .and_time(NaiveTime::MIN);
        }
        (t - offset).and_utc()
    }
}

impl WorkCalendar {
    /// A stored UTC timestamp as the service desk's local time, `2026-11-23 16:00` (the text
    /// unchanged if it is not a timestamp).
    pub fn local(&self, stored: &str) -> String {
        match DateTime::parse_from_rfc3339(stored) {
            Ok(t) => (t.naive_utc() + TimeDelta::hours(i64::from(self.utc_offset_hours)))
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            Err(_) => stored.to_string(),
        }
    }
}

/// The service calendar with the holidays and make-up working days kept in `calendar_days`.
pub async fn load(pool: &sqlx::SqlitePool) -> Result<WorkCalendar, sqlx::Error> {
    let days = crate::db::calendar::exceptions(pool).await?;
    let mut cal = WorkCalendar::default();
    for (day, kind) in days {
        let Ok(d) = NaiveDate::parse_from_str(&day, "%Y-%m-%d") else {
            continue;
        };
        if kind == "holiday" {
            cal.holidays.insert(d);
        } else {
            cal.workdays.insert(d);
        }
    }
    Ok(cal)
}

pub use crate::db::calendar::days;

/// Sets `day` (`YYYY-MM-DD`) to a holiday, a make-up working day, or back to the usual
/// Monday–Friday rule (`kind` empty), by `user`; audited. Refused: a day that is not a date,
/// a holiday on a weekend or a make-up day on a weekday (they would change nothing), a note
/// over 100 characters.
pub async fn set_day(
    pool: &sqlx::SqlitePool,
    user: i64,
    day: &str,
    kind: &str,
    note: &str,
) -> Result<Result<(), app::wire::CalendarProblem>, sqlx::Error> {
    use app::wire::CalendarProblem as P;
    let Ok(d) = NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d") else {
        return Ok(Err(P::Day));
    };
    let weekend = matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
    match kind {
        "holiday" if weekend => return Ok(Err(P::HolidayOnWeekend)),
        "workday" if !weekend => return Ok(Err(P::WorkdayOnWeekday)),
        "holiday" | "workday" | "" => {}
        _ => return Ok(Err(P::Kind)),
    }
    if note.trim().chars().count() > 100 {
        return Ok(Err(P::Note));
    }
    let day = d.format("%Y-%m-%d").to_string();
    crate::db::calendar::set(pool, user, &day, kind, note.trim()).await?;
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::stamp;

    /// `hours` working hours after `from` (stored form), as stored.
    fn after(cal: &WorkCalendar, from: &str, hours: u32) -> String {
        let from = DateTime::parse_from_rfc3339(from)
            .unwrap()
            .with_timezone(&Utc);
        stamp(cal.add_working_hours(from, hours))
    }

    #[test]
    fn hours_count_only_office_hours_of_working_days() {
        let cal = WorkCalendar::default();
        for (from, hours, due, why) in [
            (
                "2026-11-23T02:00:00Z",
                3,
                "2026-11-23T05:00:00Z",
                "Monday 10:00 + 3 h = 13:00",
            ),
            (
                "2026-11-23T07:00:00Z",
                4,
                "2026-11-24T03:00:00Z",
                "Monday 15:00 + 4 h: 2 h Monday, 2 h Tuesday → Tuesday 11:00",
            ),
            (
                "2026-11-23T12:00:00Z",
                1,
                "2026-11-24T02:00:00Z",
                "filed Monday 20:00: counting starts Tuesday 09:00",
            ),
            (
                "2026-11-23T01:00:00Z",
                8,
                "2026-11-23T09:00:00Z",
                "an 8-hour day ending at closing time stays on that day",
            ),
        ] {
            assert_eq!(after(&cal, from, hours), due, "{why}");
        }
    }

    #[test]
    fn stored_times_read_in_local_time_across_midnight() {
        let cal = WorkCalendar::default();
        assert_eq!(cal.local("2026-11-23T18:30:00Z"), "2026-11-24 02:30");
        assert_eq!(cal.local("2026-12-31T16:00:00Z"), "2027-01-01 00:00");
        assert_eq!(cal.local("not a time"), "not a time");
    }

    #[test]
    fn weekends_and_holidays_are_skipped_and_make_up_days_count() {
        let mut cal = WorkCalendar::default();
        let friday_four_pm = "2026-11-27T08:00:00Z";
        assert_eq!(
            after(&cal, friday_four_pm, 2),
            "2026-11-30T02:00:00Z",
            "Monday 10:00"
        );
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        cal.holidays.insert(day(30));
        assert_eq!(
            after(&cal, friday_four_pm, 2),
            "2026-12-01T02:00:00Z",
            "Monday a holiday: Tuesday 10:00"
        );
        cal.workdays.insert(day(28));
        assert_eq!(
            after(&cal, friday_four_pm, 2),
            "2026-11-28T02:00:00Z",
            "Saturday a make-up working day: Saturday 10:00"
        );
        assert_eq!(
            after(&cal, "2026-12-04T01:00:00Z", 24),
            "2026-12-08T09:00:00Z",
            "24 working hours from Friday 09:00: three working days, Tuesday 17:00"
        );
    }
}
