//! VTIMEZONE blocks from the IANA database (chrono-tz), one observance per offset change in the span
//! an export covers, so that any calendar reads the same instants without its own zone data.

use chrono::{DateTime, Datelike, Duration, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

use super::lines::push_line;
use crate::recurrence;

/// One offset in force from `at` on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observance {
    pub at: DateTime<Utc>,
    pub from_secs: i32,
    pub to_secs: i32,
    pub daylight: bool,
    pub name: String,
}

fn offset_at(tz: Tz, at: DateTime<Utc>) -> (i32, bool, String) {
    let offset = tz.offset_from_utc_datetime(&at.naive_utc());
    let daylight = offset.dst_offset() != Duration::zero();
    (offset.fix().local_minus_utc(), daylight, offset.abbreviation().unwrap_or_default().to_string())
}

fn at_second(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

/// The offset in force at `from`, then every change up to `to`, each to the second.
pub fn observances(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Observance> {
    let (first, daylight, name) = offset_at(tz, from);
    let mut out = vec![Observance { at: from, from_secs: first, to_secs: first, daylight, name }];
    let mut current = first;
    let mut day = from;
    while day < to {
        let next = day + Duration::days(1);
        let (offset, _, _) = offset_at(tz, next);
        if offset != current {
            // The change lies in (day, next]: narrow it down to the second.
            let (mut lo, mut hi) = (day.timestamp(), next.timestamp());
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if offset_at(tz, at_second(mid)).0 == current {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let hi = at_second(hi);
            let (to_secs, daylight, name) = offset_at(tz, hi);
            out.push(Observance { at: hi, from_secs: current, to_secs, daylight, name });
            current = to_secs;
        }
        day = next;
    }
    out
}

/// `+HHMM`, or `+HHMMSS` for the odd historic offset.
pub fn format_offset(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let secs = secs.abs();
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if s == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{s:02}")
    }
}

pub fn local_stamp(local: NaiveDateTime) -> String {
    local.format("%Y%m%dT%H%M%S").to_string()
}

/// Spans longer than this get their later changes as yearly rules, when the zone follows one.
const EXPLICIT_SPAN_DAYS: i64 = 3 * 366;

/// The local time an observance starts at, read in the offset it replaces.
fn onset(o: &Observance) -> NaiveDateTime {
    o.at.naive_utc() + Duration::seconds(i64::from(o.from_secs))
}

/// The `RRULE` (`FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU`) that gives every one of `changes` (the same
/// change, one a year), or `None` when they follow no such rule.
fn yearly_rule(changes: &[&Observance]) -> Option<String> {
    let first = onset(changes.first()?);
    let (month, weekday, time) = (first.month(), first.weekday(), first.time());
    let days: Vec<_> = changes.iter().map(|o| onset(o)).collect();
    if days.iter().any(|d| d.month() != month || d.weekday() != weekday || d.time() != time) {
        return None;
    }
    let last = days.iter().all(|d| recurrence::is_last_of_month(d.date()));
    let nth = recurrence::nth_of_month(first.date());
    let nth = if last { -1 } else { nth };
    if !last && days.iter().any(|d| recurrence::nth_of_month(d.date()) != nth) {
        return None;
    }
    let code = weekday.to_string().to_uppercase();
    Some(format!("FREQ=YEARLY;BYMONTH={month};BYDAY={nth}{}", &code[..2]))
}

/// The zone's changes from `after` on as yearly rules: one observance per kind of change, starting
/// at its first occurrence. `None` when the changes of the next years follow no yearly rule.
fn rules_after(tz: Tz, after: DateTime<Utc>) -> Option<Vec<(Observance, String)>> {
    let changes = observances(tz, after, after + Duration::days(5 * 366));
    let changes = &changes[1..];
    let mut kinds: Vec<(i32, i32)> = Vec::new();
    for o in changes {
        if !kinds.contains(&(o.from_secs, o.to_secs)) {
            kinds.push((o.from_secs, o.to_secs));
        }
    }
    // A zone with regular daylight saving changes twice a year, back and forth, every year.
    if kinds.len() != 2 || changes.len() < 8 {
        return None;
    }
    kinds
        .into_iter()
        .map(|kind| {
            let same: Vec<&Observance> = changes.iter().filter(|o| (o.from_secs, o.to_secs) == kind).collect();
            Some((same[0].clone(), yearly_rule(&same)?))
        })
        .collect()
}

fn push_observance(out: &mut String, o: &Observance, rule: Option<&str>) {
    let kind = if o.daylight { "DAYLIGHT" } else { "STANDARD" };
    push_line(out, &format!("BEGIN:{kind}"));
    push_line(out, &format!("DTSTART:{}", local_stamp(onset(o))));
    if let Some(rule) = rule {
        push_line(out, &format!("RRULE:{rule}"));
    }
    push_line(out, &format!("TZOFFSETFROM:{}", format_offset(o.from_secs)));
    push_line(out, &format!("TZOFFSETTO:{}", format_offset(o.to_secs)));
    if !o.name.is_empty() && !o.name.starts_with(['+', '-']) {
        push_line(out, &format!("TZNAME:{}", o.name));
    }
    push_line(out, &format!("END:{kind}"));
}

/// Appends the VTIMEZONE of `tz` covering `from`..`to`: each change as it happened, and for a long
/// span (a repeating event with no end reaches the year 2200) the later ones as yearly rules, as
/// calendar software writes them, when the zone's daylight saving follows one.
pub fn push_vtimezone(out: &mut String, tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) {
    push_line(out, "BEGIN:VTIMEZONE");
    push_line(out, &format!("TZID:{}", tz.name()));
    let cut = from + Duration::days(EXPLICIT_SPAN_DAYS);
    let rules = if to > cut { rules_after(tz, cut) } else { None };
    let explicit_to = if rules.is_some() { cut } else { to };
    for o in observances(tz, from, explicit_to) {
        push_observance(out, &o, None);
    }
    for (o, rule) in rules.iter().flatten() {
        push_observance(out, o, Some(rule));
    }
    push_line(out, "END:VTIMEZONE");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("time").with_timezone(&Utc)
    }

    #[test]
    fn paris_changes_twice_a_year_at_one_in_the_morning_utc() {
        let tz: Tz = "Europe/Paris".parse().expect("zone");
        let changes = observances(tz, utc("2031-01-01T00:00:00Z"), utc("2031-12-31T00:00:00Z"));
        assert_eq!(changes.len(), 3, "{changes:?}");
        assert_eq!(changes[1].at, utc("2031-03-30T01:00:00Z"));
        assert_eq!((changes[1].from_secs, changes[1].to_secs, changes[1].daylight), (3600, 7200, true));
        assert_eq!(changes[2].at, utc("2031-10-26T01:00:00Z"));
        assert_eq!(changes[2].name, "CET");
    }

    #[test]
    fn long_spans_end_in_yearly_rules_where_the_zone_has_them() {
        let mut out = String::new();
        let paris: Tz = "Europe/Paris".parse().expect("zone");
        push_vtimezone(&mut out, paris, utc("2026-01-01T00:00:00Z"), utc("2200-01-01T00:00:00Z"));
        assert!(out.contains("RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"), "{out}");
        assert!(out.contains("RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"), "{out}");
        assert!(out.matches("BEGIN:DAYLIGHT").count() < 6, "a few explicit changes, then rules: {out}");
        let mut out = String::new();
        let sydney: Tz = "Australia/Sydney".parse().expect("zone");
        push_vtimezone(&mut out, sydney, utc("2026-01-01T00:00:00Z"), utc("2200-01-01T00:00:00Z"));
        assert!(out.contains("BYMONTH=10;BYDAY=1SU"), "first Sunday of October: {out}");
        assert!(out.contains("BYMONTH=4;BYDAY=1SU"), "first Sunday of April: {out}");
    }

    #[test]
    fn a_zone_without_changes_has_one_observance() {
        let tz: Tz = "Asia/Tokyo".parse().expect("zone");
        let changes = observances(tz, utc("2031-01-01T00:00:00Z"), utc("2032-01-01T00:00:00Z"));
        assert_eq!(changes.len(), 1);
        assert_eq!(format_offset(changes[0].to_secs), "+0900");
        assert_eq!(format_offset(-(3 * 3600 + 30 * 60)), "-0330");
    }
}
