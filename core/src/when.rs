//! Event times. An event is kept as two UTC instants plus an IANA zone; people type and read local
//! times in that zone. All-day events run from local midnight of their first day to local midnight
//! after their last day (exclusive, as iCalendar's DTEND), so the instants stay right across DST.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::{Error, Result};

/// A time as typed: an instant (RFC 3339 with offset), a wall-clock time, or a day.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Typed {
    Instant(DateTime<Utc>),
    Local(NaiveDateTime),
    Day(NaiveDate),
}

fn parse_typed(field: &'static str, text: &str) -> Result<Typed> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::invalid(field, "is required"));
    }
    if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
        return Ok(Typed::Instant(instant.with_timezone(&Utc)));
    }
    for format in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(local) = NaiveDateTime::parse_from_str(text, format) {
            return Ok(Typed::Local(local));
        }
    }
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(Typed::Day(day));
    }
    Err(Error::invalid(
        field,
        format!("\"{text}\" is not a date and time (use 2026-12-31 19:30, 2026-12-31T19:30:00+01:00 or, all-day, 2026-12-31)"),
    ))
}

/// Reads a zone: an IANA name such as `Europe/Paris`, or a city or country that has one zone
/// ("Paris", "Japan"); what is kept is always the IANA name.
pub fn parse_zone(name: &str) -> Result<Tz> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid("timezone", "is required (a city such as Paris, or Europe/Paris)"));
    }
    crate::zone_search::resolve(name).map_err(|offered| {
        let names: Vec<String> = offered.iter().take(4).map(|m| m.label.clone()).collect();
        Error::invalid(
            "timezone",
            if names.is_empty() {
                format!("\"{name}\" is not a time zone, city or country Rally knows (try a city such as Paris)")
            } else {
                format!("\"{name}\" could be {}: choose one", names.join(", "))
            },
        )
    })
}

/// The instant of a wall-clock time in `tz`. In a DST fold the earlier one; a time inside a DST gap
/// does not exist and is refused rather than silently moved.
pub fn local_to_utc(field: &'static str, local: NaiveDateTime, tz: Tz) -> Result<DateTime<Utc>> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Ok(t.with_timezone(&Utc)),
        LocalResult::None => Err(Error::invalid(
            field,
            format!("{local} does not exist in {tz}: the clocks skip it (daylight saving time)"),
        )),
    }
}

/// Local midnight starting `day` in `tz`; where a DST change skips midnight, the first instant of the day.
pub fn start_of_day(day: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let mut local = day.and_time(NaiveTime::MIN);
    for _ in 0..4 {
        if let Some(t) = tz.from_local_datetime(&local).earliest() {
            return t.with_timezone(&Utc);
        }
        match local.checked_add_signed(Duration::minutes(30)) {
            Some(later) => local = later,
            None => break,
        }
    }
    // No zone skips more than two hours; keep a defined answer all the same.
    Utc.from_utc_datetime(&day.and_time(NaiveTime::MIN))
}

fn local_day(typed: Typed, tz: Tz) -> NaiveDate {
    match typed {
        Typed::Instant(t) => t.with_timezone(&tz).date_naive(),
        Typed::Local(l) => l.date(),
        Typed::Day(d) => d,
    }
}

/// Reads an event's start and end as typed into instants. Fields are named `start` and `end`.
pub fn parse_range(start: &str, end: &str, tz: Tz, all_day: bool) -> Result<(DateTime<Utc>, DateTime<Utc>)> {
    let start = parse_typed("start", start)?;
    let end = parse_typed("end", end)?;
    if all_day {
        let first = local_day(start, tz);
        let mut last = local_day(end, tz);
        // "until 2026-12-02T00:00" means the 1st was the last day.
        let at_midnight = match end {
            Typed::Instant(t) => t == start_of_day(last, tz),
            Typed::Local(l) => l.time() == NaiveTime::MIN,
            Typed::Day(_) => false,
        };
        if at_midnight && last > first {
            last = last.pred_opt().unwrap_or(last);
        }
        if last < first {
            return Err(Error::invalid("end", "the last day comes before the first day"));
        }
        let after_last = last.succ_opt().ok_or_else(|| Error::invalid("end", "is out of range"))?;
        return Ok((start_of_day(first, tz), start_of_day(after_last, tz)));
    }
    let to_instant = |field, typed| match typed {
        Typed::Instant(t) => Ok(t),
        Typed::Local(l) => local_to_utc(field, l, tz),
        Typed::Day(_) => Err(Error::invalid(field, "needs a time of day too, or mark the event all-day")),
    };
    let starts_at = to_instant("start", start)?;
    let ends_at = to_instant("end", end)?;
    if ends_at <= starts_at {
        return Err(Error::invalid("end", "the event must end after it starts"));
    }
    Ok((starts_at, ends_at))
}

/// Reads one time as typed (an instant, a local time in `tz`, or for all-day events a day) into the
/// instant it names: what a change to one occurrence uses to say which one.
pub fn parse_instant(field: &'static str, text: &str, tz: Tz, all_day: bool) -> Result<DateTime<Utc>> {
    match parse_typed(field, text)? {
        Typed::Instant(t) => Ok(t),
        Typed::Local(l) if !all_day => local_to_utc(field, l, tz),
        Typed::Local(l) => Ok(start_of_day(l.date(), tz)),
        Typed::Day(d) if all_day => Ok(start_of_day(d, tz)),
        Typed::Day(_) => Err(Error::invalid(field, "needs a time of day too (2026-12-31 19:30)")),
    }
}

/// The inverse of [`parse_range`] for forms: local times in the event's zone (`YYYY-MM-DD HH:MM`), or
/// the first and last day for all-day events.
pub fn to_form(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>, timezone: &str, all_day: bool) -> (String, String) {
    let tz: Tz = timezone.parse().unwrap_or(chrono_tz::UTC);
    let start = starts_at.with_timezone(&tz);
    let end = ends_at.with_timezone(&tz);
    if all_day {
        let last = end.checked_sub_signed(Duration::seconds(1)).unwrap_or(end).date_naive();
        (start.date_naive().format("%Y-%m-%d").to_string(), last.format("%Y-%m-%d").to_string())
    } else {
        (start.format("%Y-%m-%d %H:%M").to_string(), end.format("%Y-%m-%d %H:%M").to_string())
    }
}

/// A span of time as people read it in `tz`: "Sat 5 Dec 2026, 14:00–18:00", "Sat 5 Dec 2026, all
/// day", or with both days when it spans several.
pub fn span_text(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>, all_day: bool, tz: Tz) -> String {
    let start = starts_at.with_timezone(&tz);
    let end = ends_at.with_timezone(&tz);
    if all_day {
        let last = end.checked_sub_signed(Duration::seconds(1)).unwrap_or(end).date_naive();
        return if last == start.date_naive() {
            format!("{}, all day", start.format("%a %-d %b %Y"))
        } else {
            format!("{} – {}, all day", start.format("%a %-d %b"), last.format("%a %-d %b %Y"))
        };
    }
    if start.date_naive() == end.date_naive() {
        format!("{}, {}–{}", start.format("%a %-d %b %Y"), start.format("%H:%M"), end.format("%H:%M"))
    } else {
        format!("{} – {}", start.format("%a %-d %b %Y %H:%M"), end.format("%a %-d %b %Y %H:%M"))
    }
}

/// An event's time in its own zone, zone named: "Sat 5 Dec 2026, 14:00–18:00 (Europe/Brussels)".
pub fn describe(d: &crate::model::EventDetails) -> String {
    let tz: Tz = d.timezone.parse().unwrap_or(chrono_tz::UTC);
    format!("{} ({})", span_text(d.starts_at, d.ends_at, d.all_day, tz), d.timezone)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paris() -> Tz {
        chrono_tz::Europe::Paris
    }

    #[test]
    fn local_times_are_read_in_the_event_zone() {
        let (s, e) = parse_range("2026-07-01T19:00", "2026-07-01T21:30", paris(), false).expect("valid");
        assert_eq!(s.to_rfc3339(), "2026-07-01T17:00:00+00:00");
        assert_eq!(e.to_rfc3339(), "2026-07-01T19:30:00+00:00");
    }

    #[test]
    fn rfc3339_instants_keep_their_offset() {
        let (s, _) = parse_range("2026-01-10T10:00:00-05:00", "2026-01-10T17:00:00Z", paris(), false).expect("valid");
        assert_eq!(s.to_rfc3339(), "2026-01-10T15:00:00+00:00");
    }

    #[test]
    fn end_before_start_is_refused_on_the_end_field() {
        let err = parse_range("2026-07-01T19:00", "2026-07-01T18:00", paris(), false).expect_err("refused");
        assert!(matches!(err, Error::Invalid { field: "end", .. }), "{err}");
    }

    #[test]
    fn a_time_in_the_spring_gap_is_refused() {
        let err = parse_range("2026-03-29T02:30", "2026-03-29T04:00", paris(), false).expect_err("refused");
        assert!(err.to_string().contains("does not exist"), "{err}");
    }

    #[test]
    fn all_day_spans_local_midnights_across_dst() {
        // The clocks go back on 2026-10-25 in Paris: that day has 25 hours.
        let (s, e) = parse_range("2026-10-25", "2026-10-25", paris(), true).expect("valid");
        assert_eq!(s.to_rfc3339(), "2026-10-24T22:00:00+00:00");
        assert_eq!(e.to_rfc3339(), "2026-10-25T23:00:00+00:00");
        assert_eq!(to_form(s, e, "Europe/Paris", true), ("2026-10-25".into(), "2026-10-25".into()));
    }

    #[test]
    fn all_day_end_at_midnight_is_exclusive() {
        let (s, e) =
            parse_range("2026-12-01T00:00:00+01:00", "2026-12-03T00:00:00+01:00", paris(), true).expect("valid");
        assert_eq!(to_form(s, e, "Europe/Paris", true), ("2026-12-01".into(), "2026-12-02".into()));
    }

    #[test]
    fn form_round_trip_in_a_zone_west_of_utc() {
        let tz = chrono_tz::America::Los_Angeles;
        let (s, e) = parse_range("2026-11-01T01:30", "2026-11-01T03:00", tz, false).expect("valid");
        // 01:30 happens twice that night; the earlier (PDT) one is taken.
        assert_eq!(s.to_rfc3339(), "2026-11-01T08:30:00+00:00");
        assert_eq!(to_form(s, e, "America/Los_Angeles", false).0, "2026-11-01 01:30");
    }

    #[test]
    fn unknown_zone_names_the_field() {
        let err = parse_zone("Mars/Olympus").expect_err("refused");
        assert!(matches!(err, Error::Invalid { field: "timezone", .. }));
    }
}
