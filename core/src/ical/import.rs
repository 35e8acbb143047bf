//! From other calendars' files to events: which VEVENTs become events, at which instants, and which are
//! skipped and why. Times are resolved the way real files need: `VALUE=DATE` days, UTC, an IANA TZID,
//! a Windows zone name, a zone the file defines only by its VTIMEZONE (yearly rules such as "last
//! Sunday of March"), and floating times in the calendar's X-WR-TIMEZONE (else the importer's zone).
//! A missing DTEND comes from DURATION, else one day for a day, one hour for a time.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;

use super::read::{parse, unescape_text, Component, Property, ReadError};

/// A VEVENT that can become an event.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    pub uid: String,
    pub title: String,
    pub description: String,
    pub starts_at: DateTime<Utc>,
    /// Exclusive, as in the model.
    pub ends_at: DateTime<Utc>,
    /// The IANA zone its times are shown in.
    pub timezone: String,
    pub all_day: bool,
    pub location: Option<String>,
    pub geo: Option<(f64, f64)>,
    pub cancelled: bool,
    pub tentative: bool,
    pub tags: Vec<String>,
}

/// A VEVENT that does not become an event, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Skipped {
    pub uid: Option<String>,
    pub title: Option<String>,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reading {
    pub events: Vec<Incoming>,
    pub skipped: Vec<Skipped>,
    /// Lines of the file that were not properties, left out.
    pub skipped_lines: Vec<ReadError>,
}

/// Windows zone names (as Outlook and Exchange write them) to IANA, after CLDR's windowsZones.
const WINDOWS_ZONES: &[(&str, &str)] = &[
    ("Alaskan Standard Time", "America/Anchorage"),
    ("Arabian Standard Time", "Asia/Dubai"),
    ("Atlantic Standard Time", "America/Halifax"),
    ("AUS Eastern Standard Time", "Australia/Sydney"),
    ("Canada Central Standard Time", "America/Regina"),
    ("Central America Standard Time", "America/Guatemala"),
    ("Central Europe Standard Time", "Europe/Budapest"),
    ("Central European Standard Time", "Europe/Warsaw"),
    ("Central Standard Time", "America/Chicago"),
    ("China Standard Time", "Asia/Shanghai"),
    ("E. Europe Standard Time", "Europe/Chisinau"),
    ("E. South America Standard Time", "America/Sao_Paulo"),
    ("Eastern Standard Time", "America/New_York"),
    ("Egypt Standard Time", "Africa/Cairo"),
    ("FLE Standard Time", "Europe/Kiev"),
    ("GMT Standard Time", "Europe/London"),
    ("Greenwich Standard Time", "Atlantic/Reykjavik"),
    ("GTB Standard Time", "Europe/Bucharest"),
    ("Hawaiian Standard Time", "Pacific/Honolulu"),
    ("India Standard Time", "Asia/Kolkata"),
    ("Israel Standard Time", "Asia/Jerusalem"),
    ("Korea Standard Time", "Asia/Seoul"),
    ("Mountain Standard Time", "America/Denver"),
    ("New Zealand Standard Time", "Pacific/Auckland"),
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("Romance Standard Time", "Europe/Paris"),
    ("Russian Standard Time", "Europe/Moscow"),
    ("SA Pacific Standard Time", "America/Bogota"),
    ("Singapore Standard Time", "Asia/Singapore"),
    ("South Africa Standard Time", "Africa/Johannesburg"),
    ("Tokyo Standard Time", "Asia/Tokyo"),
    ("Turkey Standard Time", "Europe/Istanbul"),
    ("US Mountain Standard Time", "America/Phoenix"),
    ("UTC", "Etc/UTC"),
    ("W. Australia Standard Time", "Australia/Perth"),
    ("W. Europe Standard Time", "Europe/Berlin"),
];

/// An onset rule of a VTIMEZONE observance: from `start` (local, in the offset before), and every year
/// on the `nth` `weekday` of `month` (negative: from the end) when it has a yearly rule.
#[derive(Debug, Clone)]
struct Observance {
    start: NaiveDateTime,
    offset_to: i32,
    yearly: Option<(u32, i8, Weekday)>,
}

/// A zone known only from the file's VTIMEZONE.
#[derive(Debug, Clone)]
struct FileZone {
    observances: Vec<Observance>,
}

enum Zone {
    Iana(Tz),
    File(FileZone),
}

fn parse_offset(text: &str) -> Option<i32> {
    let t = text.trim();
    let (sign, digits) = match t.as_bytes().first()? {
        b'+' => (1, &t[1..]),
        b'-' => (-1, &t[1..]),
        _ => (1, t),
    };
    let n = |r: std::ops::Range<usize>| digits.get(r).and_then(|d| d.parse::<i32>().ok());
    let (h, m, s) = (n(0..2)?, n(2..4)?, n(4..6).unwrap_or(0));
    Some(sign * (h * 3600 + m * 60 + s))
}

fn parse_local(text: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text.trim().trim_end_matches('Z'), "%Y%m%dT%H%M%S").ok()
}

fn weekday(code: &str) -> Option<Weekday> {
    Some(match code {
        "MO" => Weekday::Mon,
        "TU" => Weekday::Tue,
        "WE" => Weekday::Wed,
        "TH" => Weekday::Thu,
        "FR" => Weekday::Fri,
        "SA" => Weekday::Sat,
        "SU" => Weekday::Sun,
        _ => return None,
    })
}

/// `FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU` as (month, nth, weekday).
fn yearly_rule(rule: &str) -> Option<(u32, i8, Weekday)> {
    let mut month = None;
    let mut day = None;
    let mut yearly = false;
    for part in rule.split(';') {
        match part.split_once('=')? {
            ("FREQ", "YEARLY") => yearly = true,
            ("BYMONTH", m) => month = m.trim().parse().ok(),
            ("BYDAY", d) => {
                let d = d.trim();
                let (n, w) = d.split_at(d.len().checked_sub(2)?);
                day = Some((if n.is_empty() { 1 } else { n.parse().ok()? }, weekday(w)?));
            }
            _ => {}
        }
    }
    let (nth, wd) = day?;
    yearly.then_some((month?, nth, wd))
}

fn nth_weekday(year: i32, month: u32, nth: i8, wd: Weekday) -> Option<NaiveDate> {
    if nth > 0 {
        NaiveDate::from_weekday_of_month_opt(year, month, wd, nth as u8)
    } else {
        let next = if month == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(year, month + 1, 1)
        }?;
        let mut day = next.pred_opt()?;
        while day.weekday() != wd {
            day = day.pred_opt()?;
        }
        Some(day - Duration::weeks(i64::from(-nth - 1)))
    }
}

impl FileZone {
    fn from(component: &Component) -> FileZone {
        let observances = component
            .children
            .iter()
            .filter(|c| c.name == "STANDARD" || c.name == "DAYLIGHT")
            .filter_map(|c| {
                Some(Observance {
                    start: parse_local(&c.property("DTSTART")?.value)?,
                    offset_to: parse_offset(&c.property("TZOFFSETTO")?.value)?,
                    yearly: c.property("RRULE").and_then(|r| yearly_rule(&r.value)),
                })
            })
            .collect();
        FileZone { observances }
    }

    /// The offset in force at a local time: the observance whose latest onset comes last before it.
    fn offset_at(&self, local: NaiveDateTime) -> Option<i32> {
        let mut best: Option<(NaiveDateTime, i32)> = None;
        for o in &self.observances {
            let onsets: Vec<NaiveDateTime> = match o.yearly {
                Some((month, nth, wd)) => [local.year() - 1, local.year()]
                    .into_iter()
                    .filter_map(|y| nth_weekday(y, month, nth, wd).map(|d| d.and_time(o.start.time())))
                    .filter(|onset| *onset >= o.start)
                    .collect(),
                None => vec![o.start],
            };
            for onset in onsets.into_iter().filter(|onset| *onset <= local) {
                if best.is_none_or(|(b, _)| onset > b) {
                    best = Some((onset, o.offset_to));
                }
            }
        }
        best.map(|(_, offset)| offset).or_else(|| self.observances.first().map(|o| o.offset_to))
    }
}

struct Zones {
    defined: Vec<(String, FileZone)>,
    floating: Tz,
}

impl Zones {
    fn resolve(&self, tzid: &str) -> Option<Zone> {
        let tzid = tzid.trim().trim_matches('"');
        if let Ok(tz) = tzid.parse::<Tz>() {
            return Some(Zone::Iana(tz));
        }
        if let Some((_, iana)) = WINDOWS_ZONES.iter().find(|(w, _)| w.eq_ignore_ascii_case(tzid)) {
            return iana.parse().ok().map(Zone::Iana);
        }
        // Zones named with an IANA name inside, as "/mozilla.org/20050126_1/Europe/Berlin".
        if let Some(tz) = chrono_tz::TZ_VARIANTS.iter().find(|tz| tz.name().contains('/') && tzid.ends_with(tz.name()))
        {
            return Some(Zone::Iana(*tz));
        }
        self.defined.iter().find(|(id, _)| id == tzid).map(|(_, z)| Zone::File(z.clone()))
    }
}

/// A DTSTART or DTEND: the instant, and whether it is a day.
fn when(prop: &Property, zones: &Zones) -> Result<(DateTime<Utc>, bool, Option<Tz>), String> {
    let value = prop.value.trim();
    let is_date = prop.param("VALUE").is_some_and(|v| v.eq_ignore_ascii_case("DATE")) || value.len() == 8;
    if is_date {
        let day = NaiveDate::parse_from_str(value, "%Y%m%d")
            .map_err(|_| format!("{}: \"{value}\" is not a date", prop.name))?;
        return Ok((day.and_time(NaiveTime::MIN).and_utc(), true, None));
    }
    let local = parse_local(value).ok_or_else(|| format!("{}: \"{value}\" is not a date-time", prop.name))?;
    if value.ends_with('Z') {
        return Ok((local.and_utc(), false, None));
    }
    match prop.param("TZID") {
        Some(tzid) => match zones.resolve(tzid) {
            Some(Zone::Iana(tz)) => {
                Ok((crate::when::local_to_utc("start", local, tz).map_err(|e| e.to_string())?, false, Some(tz)))
            }
            Some(Zone::File(zone)) => {
                let offset = zone.offset_at(local).ok_or_else(|| format!("the time zone \"{tzid}\" has no offsets"))?;
                Ok(((local - Duration::seconds(i64::from(offset))).and_utc(), false, None))
            }
            None => Err(format!("unknown time zone \"{tzid}\" (neither IANA, Windows, nor defined in the file)")),
        },
        None => Ok((
            crate::when::local_to_utc("start", local, zones.floating).map_err(|e| e.to_string())?,
            false,
            Some(zones.floating),
        )),
    }
}

fn duration(text: &str) -> Option<Duration> {
    let t = text.trim();
    let (sign, t) = match t.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, t.trim_start_matches('+')),
    };
    let t = t.strip_prefix('P')?;
    let (mut total, mut number, mut in_time) = (0i64, String::new(), false);
    for c in t.chars() {
        match c {
            'T' => in_time = true,
            '0'..='9' => number.push(c),
            unit => {
                let n: i64 = std::mem::take(&mut number).parse().ok()?;
                total += n * match (unit, in_time) {
                    ('W', _) => 7 * 86_400,
                    ('D', _) => 86_400,
                    ('H', true) => 3_600,
                    ('M', true) => 60,
                    ('S', true) => 1,
                    _ => return None,
                };
            }
        }
    }
    Some(Duration::seconds(sign * total))
}

/// A stable 64-bit hash (FNV-1a), for UIDs made up for events that came without one.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3))
}

fn one_event(e: &Component, zones: &Zones) -> Result<Incoming, String> {
    if e.property("RRULE").is_some() || e.property("RDATE").is_some() {
        return Err("it repeats (RRULE/RDATE): recurring events cannot be imported yet".into());
    }
    if e.property("RECURRENCE-ID").is_some() {
        return Err(
            "it changes one occurrence of a recurring event (RECURRENCE-ID), which cannot be imported yet".into()
        );
    }
    let start = e.property("DTSTART").ok_or("it has no DTSTART")?;
    // Without a UID, one is made from what identifies the event, so importing twice still finds it.
    let uid = e.property("UID").map(|p| p.value.trim().to_string()).filter(|u| !u.is_empty()).unwrap_or_else(|| {
        let summary = e.property("SUMMARY").map(|p| p.value.as_str()).unwrap_or_default();
        format!("no-uid-{:016x}", fnv1a(format!("{}\0{summary}", start.value).as_bytes()))
    });
    let (starts_at, all_day, zone) = when(start, zones)?;
    let ends_at = match (e.property("DTEND"), e.property("DURATION")) {
        (Some(end), _) => when(end, zones)?.0,
        (None, Some(d)) => {
            starts_at + duration(&d.value).ok_or_else(|| format!("DURATION: \"{}\" is not a duration", d.value))?
        }
        (None, None) if all_day => starts_at + Duration::days(1),
        (None, None) => starts_at + Duration::hours(1),
    };
    let ends_at = if ends_at > starts_at {
        ends_at
    } else if all_day {
        starts_at + Duration::days(1)
    } else {
        starts_at + Duration::hours(1)
    };
    let text =
        |name: &str| e.property(name).map(|p| unescape_text(&p.value).trim().to_string()).filter(|t| !t.is_empty());
    let status = e.property("STATUS").map(|p| p.value.trim().to_ascii_uppercase()).unwrap_or_default();
    // All-day days are kept as the file's calendar days: midnight in the zone they are shown in.
    let day_zone = e.property("X-RALLY-TZID").and_then(|p| p.value.trim().parse::<Tz>().ok()).filter(|_| all_day);
    let timezone =
        zone.or(day_zone).map(|tz| tz.name().to_string()).unwrap_or_else(|| zones.floating.name().to_string());
    let (starts_at, ends_at) = if all_day {
        let tz: Tz = timezone.parse().unwrap_or(Tz::UTC);
        (crate::when::start_of_day(starts_at.date_naive(), tz), crate::when::start_of_day(ends_at.date_naive(), tz))
    } else {
        (starts_at, ends_at)
    };
    Ok(Incoming {
        uid,
        title: text("SUMMARY").unwrap_or_else(|| "Untitled event".into()),
        description: text("DESCRIPTION").unwrap_or_default(),
        starts_at,
        ends_at,
        timezone,
        all_day,
        location: text("LOCATION"),
        geo: e.property("GEO").and_then(|g| {
            let (lat, lon) = g.value.split_once(';')?;
            Some((lat.trim().parse().ok()?, lon.trim().parse().ok()?))
        }),
        cancelled: status == "CANCELLED",
        tentative: status == "TENTATIVE",
        tags: e
            .all("CATEGORIES")
            .flat_map(|p| super::read::split_list(&p.value))
            .map(|t| unescape_text(&t).trim().to_string())
            .filter(|t| !t.is_empty())
            .collect(),
    })
}

/// Reads a file's events. `floating` is the zone for times the file gives no zone for (when the
/// calendar names none in X-WR-TIMEZONE). A file that cannot be read at all is an error naming a line.
pub fn read_events(bytes: &[u8], floating: Tz) -> Result<Reading, ReadError> {
    let parsed = parse(bytes)?;
    let mut reading = Reading { skipped_lines: parsed.skipped_lines, ..Reading::default() };
    for calendar in &parsed.roots {
        let floating =
            calendar.property("X-WR-TIMEZONE").and_then(|p| p.value.trim().parse::<Tz>().ok()).unwrap_or(floating);
        let defined = calendar
            .children
            .iter()
            .filter(|c| c.name == "VTIMEZONE")
            .filter_map(|c| Some((c.property("TZID")?.value.trim().trim_matches('"').to_string(), FileZone::from(c))))
            .collect();
        let zones = Zones { defined, floating };
        let mut events = Vec::new();
        if calendar.name == "VEVENT" {
            events.push(calendar);
        }
        calendar.find("VEVENT", &mut events);
        for e in events {
            match one_event(e, &zones) {
                Ok(incoming) => reading.events.push(incoming),
                Err(reason) => reading.skipped.push(Skipped {
                    uid: e.property("UID").map(|p| p.value.trim().to_string()),
                    title: e.property("SUMMARY").map(|p| unescape_text(&p.value)),
                    reason,
                }),
            }
        }
    }
    Ok(reading)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_offsets_read() {
        assert_eq!(duration("PT1H30M"), Some(Duration::minutes(90)));
        assert_eq!(duration("P1D"), Some(Duration::days(1)));
        assert_eq!(duration("P2W"), Some(Duration::weeks(2)));
        assert_eq!(duration("-PT15M"), Some(Duration::minutes(-15)));
        assert_eq!(duration("P1X"), None);
        assert_eq!(parse_offset("-0000"), Some(0));
        assert_eq!(parse_offset("+0530"), Some(19_800));
        assert_eq!(parse_offset("-075258"), Some(-(7 * 3600 + 52 * 60 + 58)));
    }

    #[test]
    fn last_and_nth_weekdays() {
        assert_eq!(nth_weekday(2031, 3, -1, Weekday::Sun), NaiveDate::from_ymd_opt(2031, 3, 30));
        assert_eq!(nth_weekday(2031, 3, 2, Weekday::Sun), NaiveDate::from_ymd_opt(2031, 3, 9));
        assert_eq!(yearly_rule("FREQ=YEARLY;WKST=MO;INTERVAL=1;BYMONTH=10;BYDAY=-1SU"), Some((10, -1, Weekday::Sun)));
    }

    #[test]
    fn a_zone_defined_only_by_its_vtimezone_gives_the_right_instant() {
        let file = "BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID:Custom\r\n\
            BEGIN:STANDARD\r\nDTSTART:16010101T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\n\
            BEGIN:DAYLIGHT\r\nDTSTART:16010101T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n\
            END:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART;TZID=Custom:20150703T100000\r\nEND:VEVENT\r\n\
            BEGIN:VEVENT\r\nUID:b\r\nDTSTART;TZID=Custom:20150115T100000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let reading = read_events(file.as_bytes(), Tz::UTC).expect("reads");
        assert_eq!(reading.events[0].starts_at.to_rfc3339(), "2015-07-03T08:00:00+00:00", "summer: +02:00");
        assert_eq!(reading.events[1].starts_at.to_rfc3339(), "2015-01-15T09:00:00+00:00", "winter: +01:00");
        assert_eq!(reading.events[0].ends_at - reading.events[0].starts_at, Duration::hours(1), "no DTEND: an hour");
    }
}
