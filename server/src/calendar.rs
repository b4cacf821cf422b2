//! Working time: complaint deadlines count working hours of a service calendar (domain §9) —
//! office hours on working days, skipping weekends and public holidays, with the make-up
//! working days (调休) of the Chinese calendar.

use app::wire::{AuditNote, CalendarChange, CalendarProblem as P, ServiceCalendar};
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
    /// The service desk's time zone, whose clock the office hours are read on.
    pub zone: chrono_tz::Tz,
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
            zone: crate::time::desk_zone(),
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
        let mut t: NaiveDateTime = from.with_timezone(&self.zone).naive_local();
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
                        return self.utc(t + left);
                    }
                    left -= available;
                }
            }
            t = day
                .checked_add_days(Days::new(1))
                .expect("date in range")
                .and_time(NaiveTime::MIN);
        }
        self.utc(t)
    }

    /// A local time of the desk as UTC; in the hour a clock skips (summer time) the moment just
    /// after it, in the hour it repeats the first.
    fn utc(&self, local: NaiveDateTime) -> DateTime<Utc> {
        use chrono::TimeZone;
        let mut t = local;
        for _ in 0..4 {
            if let Some(at) = self.zone.from_local_datetime(&t).earliest() {
                return at.with_timezone(&Utc);
            }
            t += TimeDelta::minutes(30);
        }
        local.and_utc()
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

/// The calendar as staff read it: the desk's time zone and the exceptions by day.
pub async fn service_calendar(pool: &sqlx::SqlitePool) -> Result<ServiceCalendar, sqlx::Error> {
    Ok(ServiceCalendar {
        zone: crate::time::desk_zone().name().to_string(),
        days: crate::db::calendar::days(pool).await?,
    })
}

/// Sets the desk's time zone by its IANA name (`Asia/Shanghai`), by `user`; audited. Times are
/// shown on it, "today" and office hours read on it, from then on.
pub async fn set_zone(
    pool: &sqlx::SqlitePool,
    user: i64,
    name: &str,
) -> Result<Result<(), P>, sqlx::Error> {
    let Some(zone) = crate::time::zone_named(name) else {
        return Ok(Err(P::Zone(shorten(name))));
    };
    crate::db::calendar::set_zone(pool, user, zone.name()).await?;
    crate::time::set_desk_zone(zone);
    Ok(Ok(()))
}

/// A value quoted in a refusal: at most 40 characters of it.
fn shorten(s: &str) -> String {
    let s = s.trim();
    match s.char_indices().nth(40) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// A day as typed: `2027-10-01`, `2027/10/1` or `2027年10月1日`.
fn parse_day(s: &str) -> Result<NaiveDate, P> {
    let t = s.trim();
    ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(t, f).ok())
        .ok_or_else(|| P::Day(shorten(s)))
}

/// A kind as typed, in English or Chinese: `holiday` (休, 放假, 节假日), `workday` (班, 上班,
/// 补班, 调休上班) or usual (`usual`, 照常, or nothing in the form).
fn parse_kind(s: &str) -> Result<&'static str, P> {
    match s.trim().to_lowercase().as_str() {
        "holiday" | "休" | "休息" | "休息日" | "假" | "放假" | "假日" | "节假日" => {
            Ok("holiday")
        }
        "workday" | "班" | "上班" | "补班" | "调休" | "调休上班" | "调休上班日" => {
            Ok("workday")
        }
        "usual" | "照常" | "" => Ok(""),
        _ => Err(P::Kind(shorten(s))),
    }
}

/// Days to set: `(day, kind, note)`, `kind` empty for usual.
type DaysSet = Vec<(String, String, String)>;

/// The days `from`..=`to` set to `kind` with `note`: a holiday range leaves its weekend days
/// alone (they are off anyway), a make-up range its weekdays; counted as skipped. Refused: an
/// unreadable or backward range, longer than a year, a note too long, or nothing to change.
fn plan(from: &str, to: &str, kind: &str, note: &str) -> Result<(DaysSet, u32), P> {
    let first = parse_day(from)?;
    let last = if to.trim().is_empty() {
        first
    } else {
        parse_day(to)?
    };
    let span = (last - first).num_days();
    if !(0..app::wire::CALENDAR_MAX_RANGE_DAYS).contains(&span) {
        return Err(P::Range {
            from: shorten(from),
            to: shorten(to),
        });
    }
    let kind = parse_kind(kind)?;
    let note = note.trim();
    if note.chars().count() > app::wire::CALENDAR_NOTE_MAX {
        return Err(P::Note(shorten(note)));
    }
    let (mut days, mut skipped) = (Vec::new(), 0);
    for d in first.iter_days().take(span as usize + 1) {
        let weekend = matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
        if (kind == "holiday" && weekend) || (kind == "workday" && !weekend) {
            skipped += 1;
            continue;
        }
        days.push((
            d.format("%Y-%m-%d").to_string(),
            kind.to_string(),
            note.to_string(),
        ));
    }
    if days.is_empty() {
        let first = first.format("%Y-%m-%d").to_string();
        return Err(if kind == "holiday" {
            P::HolidayOnWeekend(first)
        } else {
            P::WorkdayOnWeekday(first)
        });
    }
    Ok((days, skipped))
}

fn change(days: &DaysSet, skipped: u32) -> CalendarChange {
    CalendarChange {
        changed: days.len() as u32,
        skipped,
    }
}

/// Sets the days `from`..=`to` (`to` empty: one day) to a holiday, a make-up working day, or
/// back to the usual Monday–Friday rule (`kind` empty), by `user`: all of them or, refused with
/// the value at fault, none; one audit line.
pub async fn set_days(
    pool: &sqlx::SqlitePool,
    user: i64,
    from: &str,
    to: &str,
    kind: &str,
    note: &str,
) -> Result<Result<CalendarChange, P>, sqlx::Error> {
    let (days, skipped) = match plan(from, to, kind, note) {
        Ok(p) => p,
        Err(p) => return Ok(Err(p)),
    };
    let (first, last) = (&days[0].0, &days[days.len() - 1].0);
    let kind = if days[0].1.is_empty() {
        "usual"
    } else {
        &days[0].1
    };
    let note = AuditNote::CalendarSet {
        from: first.clone(),
        to: last.clone(),
        kind: kind.to_string(),
        days: days.len() as u64,
    };
    crate::db::calendar::apply(pool, user, &days, "calendar.set", note).await?;
    Ok(Ok(change(&days, skipped)))
}

/// Imports a list of holidays and make-up working days (a year's, as published) from CSV: one
/// line a day or a range — `from,to,kind,note` or `day,kind,note`, with or without a header
/// (日期/开始, 结束/至, 类型, 备注 or day/from, to, kind, note); kinds as the form takes them
/// (休, 班, holiday, workday …). Every line is checked first and every bad one named with its
/// value; then all are kept in one transaction, or none.
pub async fn import(
    pool: &sqlx::SqlitePool,
    user: i64,
    csv_text: &str,
) -> Result<Result<CalendarChange, Vec<P>>, sqlx::Error> {
    let (days, skipped, lines) = match read_list(csv_text) {
        Ok(read) => read,
        Err(problems) => return Ok(Err(problems)),
    };
    let note = AuditNote::CalendarImported {
        lines: u64::from(lines),
        days: days.len() as u64,
    };
    crate::db::calendar::apply(pool, user, &days, "calendar.import", note).await?;
    Ok(Ok(change(&days, skipped)))
}

/// The columns of an imported list: where the day (or a range's first day), its last day, the
/// kind and the note are.
#[derive(Clone, Copy)]
struct Columns {
    from: usize,
    to: Option<usize>,
    kind: usize,
    note: Option<usize>,
}

impl Columns {
    /// By a header line's names, if it is one.
    fn named(cells: &csv::StringRecord) -> Option<Columns> {
        let find = |names: &[&str]| {
            cells
                .iter()
                .position(|c| names.contains(&c.trim().to_lowercase().as_str()))
        };
        Some(Columns {
            from: find(&["日期", "开始", "开始日期", "起", "day", "date", "from"])?,
            to: find(&["结束", "结束日期", "至", "止", "to", "until"]),
            kind: find(&["类型", "种类", "安排", "kind", "type"])?,
            note: find(&["备注", "说明", "名称", "节日", "note", "name"]),
        })
    }

    /// By position: `from,to,kind,note` with four cells or more, `day,kind,note` with three,
    /// `day,kind` with two.
    fn by_count(n: usize) -> Option<Columns> {
        match n {
            0 | 1 => None,
            2 => Some(Columns {
                from: 0,
                to: None,
                kind: 1,
                note: None,
            }),
            3 => Some(Columns {
                from: 0,
                to: None,
                kind: 1,
                note: Some(2),
            }),
            _ => Some(Columns {
                from: 0,
                to: Some(1),
                kind: 2,
                note: Some(3),
            }),
        }
    }
}

/// The days an imported list sets, those its ranges skip, and its number of lines; or every
/// problem found (at most 50), each with its line.
fn read_list(text: &str) -> Result<(DaysSet, u32, u32), Vec<P>> {
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut problems = Vec::new();
    let mut days: DaysSet = Vec::new();
    let mut first_line: std::collections::HashMap<String, (u32, String)> = Default::default();
    let (mut skipped, mut lines, mut header) = (0, 0u32, None);
    for (i, record) in reader.records().enumerate() {
        let line = i as u32 + 1;
        lines = line;
        if line > app::wire::CALENDAR_IMPORT_MAX_LINES {
            return Err(vec![P::TooManyLines(app::wire::CALENDAR_IMPORT_MAX_LINES)]);
        }
        let Ok(cells) = record else {
            problems.push(P::Cells(line));
            continue;
        };
        if cells.iter().all(str::is_empty) {
            continue;
        }
        if line == 1
            && parse_day(cells.get(0).unwrap_or("")).is_err()
            && let Some(named) = Columns::named(&cells)
        {
            header = Some(named);
            continue;
        }
        let Some(cols) = header.or_else(|| Columns::by_count(cells.len())) else {
            problems.push(P::Cells(line));
            continue;
        };
        let cell = |i: Option<usize>| i.and_then(|i| cells.get(i)).unwrap_or("");
        match plan(
            cell(Some(cols.from)),
            cell(cols.to),
            cell(Some(cols.kind)),
            cell(cols.note),
        ) {
            Ok((set, skip)) => {
                skipped += skip;
                for d in set {
                    match first_line.get(&d.0) {
                        Some((_, kind)) if *kind != d.1 => problems.push(P::Twice {
                            day: d.0.clone(),
                            line,
                        }),
                        Some(_) => {}
                        None => {
                            first_line.insert(d.0.clone(), (line, d.1.clone()));
                            days.push(d);
                        }
                    }
                }
            }
            Err(problem) => problems.push(P::Line {
                line,
                problem: Box::new(problem),
            }),
        }
        if problems.len() >= 50 {
            break;
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if days.is_empty() {
        return Err(vec![P::Empty]);
    }
    Ok((days, skipped, lines))
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
