//! VTIMEZONE blocks from the IANA database (chrono-tz), one observance per offset change in the span
//! an export covers, so that any calendar reads the same instants without its own zone data.

use chrono::{DateTime, Duration, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

use super::lines::push_line;

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

/// Appends the VTIMEZONE of `tz` covering `from`..`to`.
pub fn push_vtimezone(out: &mut String, tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) {
    push_line(out, "BEGIN:VTIMEZONE");
    push_line(out, &format!("TZID:{}", tz.name()));
    for o in observances(tz, from, to) {
        let kind = if o.daylight { "DAYLIGHT" } else { "STANDARD" };
        // An observance starts at a local time read in the offset it replaces.
        let local = o.at.naive_utc() + Duration::seconds(i64::from(o.from_secs));
        push_line(out, &format!("BEGIN:{kind}"));
        push_line(out, &format!("DTSTART:{}", local_stamp(local)));
        push_line(out, &format!("TZOFFSETFROM:{}", format_offset(o.from_secs)));
        push_line(out, &format!("TZOFFSETTO:{}", format_offset(o.to_secs)));
        if !o.name.is_empty() && !o.name.starts_with(['+', '-']) {
            push_line(out, &format!("TZNAME:{}", o.name));
        }
        push_line(out, &format!("END:{kind}"));
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
    fn a_zone_without_changes_has_one_observance() {
        let tz: Tz = "Asia/Tokyo".parse().expect("zone");
        let changes = observances(tz, utc("2031-01-01T00:00:00Z"), utc("2032-01-01T00:00:00Z"));
        assert_eq!(changes.len(), 1);
        assert_eq!(format_offset(changes[0].to_secs), "+0900");
        assert_eq!(format_offset(-(3 * 3600 + 30 * 60)), "-0330");
    }
}
