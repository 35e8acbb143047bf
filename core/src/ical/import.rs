//! From other calendars' files to events: which VEVENTs become events, at which instants, and which are
//! skipped and why. Times are resolved the way real files need: `VALUE=DATE` days, UTC, an IANA TZID,
//! a Windows zone name, a zone the file defines only by its VTIMEZONE (yearly rules such as "last
//! Sunday of March"), and floating times in the calendar's X-WR-TIMEZONE (else the importer's zone).
//! A missing DTEND comes from DURATION, else one day for a day, one hour for a time.
//!
//! Repeating events keep their rule where Rally's rules can say it (daily, weekly on days, monthly by
//! date or by the nth weekday, yearly; an end by day or count), their further dates (RDATE), their
//! cancelled occurrences (EXDATE, or an override with STATUS:CANCELLED) and moved ones (an override
//! VEVENT with RECURRENCE-ID). A rule Rally cannot say is skipped with its reason, never approximated.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;

use super::read::{parse, split_list, unescape_text, Component, Property, ReadError};
use crate::model::{Change, Frequency, MonthlyBy, OccurrenceChange, OccurrenceText, Place, RepeatRule};
use crate::recurrence;

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
    pub repeat: Option<RepeatRule>,
    pub extra_starts: Vec<DateTime<Utc>>,
    pub occurrence_changes: Vec<OccurrenceChange>,
    /// Occurrences another calendar gave their own title, description or place.
    pub occurrence_texts: Vec<OccurrenceText>,
    /// Values of the event that could not be read and were left out ("RDATE: … is not a date").
    pub left_out: Vec<String>,
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
                let (n, w) = split_weekday(d)?;
                day = Some((if n.is_empty() { 1 } else { n.parse().ok()? }, weekday(w)?));
            }
            _ => {}
        }
    }
    let (nth, wd) = day?;
    yearly.then_some((month?, nth, wd))
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
                    .filter_map(|y| recurrence::nth_weekday(y, month, nth, wd).map(|d| d.and_time(o.start.time())))
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
    when_value(prop, &prop.value, zones)
}

/// Every instant of an RDATE or EXDATE (a list, in the property's zone); a value that cannot be read
/// is left out and named in `left_out`, as libical does, rather than losing the whole event.
fn instants(prop: &Property, zones: &Zones, left_out: &mut Vec<String>) -> Vec<DateTime<Utc>> {
    if prop.param("VALUE").is_some_and(|v| v.eq_ignore_ascii_case("PERIOD")) {
        left_out.push(format!("{}: periods (VALUE=PERIOD) cannot be read; left out", prop.name));
        return Vec::new();
    }
    let mut found = Vec::new();
    for value in split_list(&prop.value).iter().filter(|v| !v.trim().is_empty()) {
        match when_value(prop, value, zones) {
            Ok((t, _, _)) => found.push(t),
            Err(reason) => left_out.push(format!("{reason}; left out")),
        }
    }
    found
}

fn when_value(prop: &Property, value: &str, zones: &Zones) -> Result<(DateTime<Utc>, bool, Option<Tz>), String> {
    let value = value.trim();
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

/// A VEVENT's start and end as the model keeps them: all-day days at local midnight of `timezone`.
struct Span {
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    all_day: bool,
    timezone: Tz,
}

fn span(e: &Component, zones: &Zones) -> Result<Span, String> {
    let start = e.property("DTSTART").ok_or("it has no DTSTART")?;
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
    // All-day days are kept as the file's calendar days: midnight in the zone they are shown in.
    let day_zone = e.property("X-RALLY-TZID").and_then(|p| p.value.trim().parse::<Tz>().ok()).filter(|_| all_day);
    let timezone = zone.or(day_zone).unwrap_or(zones.floating);
    let day = |t: DateTime<Utc>| if all_day { crate::when::start_of_day(t.date_naive(), timezone) } else { t };
    Ok(Span { starts_at: day(starts_at), ends_at: day(ends_at), all_day, timezone })
}

/// An instant of the file as the model keeps it (a day: local midnight in the event's zone).
fn as_kept(t: DateTime<Utc>, span: &Span) -> DateTime<Utc> {
    if span.all_day {
        crate::when::start_of_day(t.date_naive(), span.timezone)
    } else {
        t
    }
}

/// `1SA` as `("1", "SA")`: the count before a weekday's two letters. `None` when the text is shorter
/// or its last two bytes are not two characters (a file may say anything there: found by fuzzing).
fn split_weekday(code: &str) -> Option<(&str, &str)> {
    let code = code.trim();
    let cut = code.len().checked_sub(2).filter(|cut| code.is_char_boundary(*cut))?;
    Some(code.split_at(cut))
}

/// `MO`, `1SA`, `-1FR`, `+2TU`: which one of the month (0: every) and which day.
fn weekday_code(code: &str) -> Option<(i8, Weekday)> {
    let (n, w) = split_weekday(code)?;
    let nth = match n.trim_start_matches('+') {
        "" => 0,
        n => n.parse().ok()?,
    };
    Some((nth, weekday(w)?))
}

fn by_day_text(days: &[(i8, Weekday)]) -> String {
    let text: Vec<String> = days
        .iter()
        .map(|(n, w)| {
            let n = if *n == 0 { String::new() } else { n.to_string() };
            format!("{n}{}", &w.to_string().to_uppercase()[..2])
        })
        .collect();
    text.join(",")
}

/// An RRULE as a Rally rule, or why it cannot be one. `Ok(None)`: it gives the start alone.
fn repeat_rule(value: &str, span: &Span, zones: &Zones) -> Result<Option<RepeatRule>, String> {
    let cannot = |what: &str| Err(format!("it repeats by a rule Rally cannot keep ({what})"));
    let local = span.starts_at.with_timezone(&span.timezone).date_naive();
    let mut rule = RepeatRule {
        frequency: Frequency::Daily,
        interval: 1,
        weekdays: vec![],
        monthly: MonthlyBy::Date,
        until: None,
        count: None,
    };
    let mut frequency = None;
    let (mut by_day, mut by_month_day, mut by_month, mut until, mut week_start) = (None, None, None, None, None);
    for part in value.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((name, v)) = part.split_once('=') else { return cannot(part) };
        let v = v.trim();
        match name.trim().to_ascii_uppercase().as_str() {
            "FREQ" => {
                frequency = Some(match v.to_ascii_uppercase().as_str() {
                    "DAILY" => Frequency::Daily,
                    "WEEKLY" => Frequency::Weekly,
                    "MONTHLY" => Frequency::Monthly,
                    "YEARLY" => Frequency::Yearly,
                    _ => return cannot(&format!("FREQ={v}")),
                })
            }
            "INTERVAL" => rule.interval = v.parse().map_err(|_| format!("RRULE: INTERVAL={v} is not a number"))?,
            "COUNT" => rule.count = Some(v.parse().map_err(|_| format!("RRULE: COUNT={v} is not a number"))?),
            "UNTIL" => until = Some(v.to_string()),
            "BYDAY" => {
                let days = v.split(',').map(weekday_code).collect::<Option<Vec<_>>>();
                by_day = Some(days.ok_or_else(|| format!("RRULE: BYDAY={v} is not a list of days"))?);
            }
            "BYMONTHDAY" => by_month_day = Some(v.to_string()),
            "BYMONTH" => by_month = Some(v.to_string()),
            "WKST" => week_start = Some(v.to_ascii_uppercase()),
            other => return cannot(other),
        }
    }
    rule.frequency = frequency.ok_or("RRULE: it has no FREQ")?;
    if rule.interval == 0 || rule.interval > recurrence::MAX_INTERVAL {
        return cannot(&format!("INTERVAL={}", rule.interval));
    }
    let plain = |days: &[(i8, Weekday)]| -> Option<Vec<Weekday>> {
        days.iter().map(|(n, w)| (*n == 0).then_some(*w)).collect()
    };
    match (rule.frequency, &by_day) {
        // "Every weekday" is often written as daily on days: the same as weekly on them.
        (Frequency::Daily, Some(days)) if rule.interval == 1 => {
            rule.frequency = Frequency::Weekly;
            rule.weekdays = plain(days).ok_or("it repeats daily on numbered weekdays")?;
        }
        (Frequency::Weekly, Some(days)) => {
            rule.weekdays = plain(days).ok_or("it repeats weekly on numbered weekdays")?;
        }
        (Frequency::Weekly, None) => rule.weekdays = vec![local.weekday()],
        (Frequency::Monthly, Some(days)) => match days.as_slice() {
            [(nth, w)] if *nth != 0 && *w == local.weekday() => rule.monthly = MonthlyBy::Weekday { nth: *nth },
            _ => return cannot(&format!("monthly BYDAY={}", by_day_text(days))),
        },
        (_, Some(days)) => return cannot(&format!("BYDAY={}", by_day_text(days))),
        (_, None) => {}
    }
    if rule.frequency == Frequency::Weekly {
        rule.weekdays.sort_by_key(|w| w.num_days_from_monday());
        rule.weekdays.dedup();
        if !rule.weekdays.contains(&local.weekday()) {
            return cannot("its days do not include its first day");
        }
        // The week's first day matters only when weeks are skipped and several days are kept.
        if rule.interval > 1 && rule.weekdays.len() > 1 && week_start.as_deref().is_some_and(|w| w != "MO") {
            return cannot(&format!("WKST={}", week_start.unwrap_or_default()));
        }
    }
    if let Some(days) = by_month_day {
        let same = days.trim().parse::<u32>().ok() == Some(local.day());
        if !(same && matches!(rule.frequency, Frequency::Monthly | Frequency::Yearly) && by_day.is_none()) {
            return cannot(&format!("BYMONTHDAY={days}"));
        }
    }
    if let Some(months) = by_month {
        if !(rule.frequency == Frequency::Yearly && months.trim().parse::<u32>().ok() == Some(local.month())) {
            return cannot(&format!("BYMONTH={months}"));
        }
    }
    match (rule.count, until) {
        (Some(_), Some(_)) => return Err("RRULE: it has both COUNT and UNTIL".into()),
        (Some(count), None) if count > recurrence::MAX_COUNT => {
            return Err(format!("it repeats {count} times; Rally keeps at most {}", recurrence::MAX_COUNT))
        }
        (Some(0 | 1), None) => return Ok(None),
        (None, Some(until)) => {
            // Rally ends a rule on a day: the day of the last occurrence the file's UNTIL allows.
            let limit = if until.len() == 8 {
                let day = NaiveDate::parse_from_str(&until, "%Y%m%d")
                    .map_err(|_| format!("RRULE: UNTIL={until} is not a date"))?;
                crate::when::start_of_day(day + Duration::days(1), span.timezone) - Duration::seconds(1)
            } else {
                // A local UNTIL is in the zone of DTSTART.
                let prop = Property { name: "UNTIL".into(), params: vec![], value: until.clone() };
                let in_start_zone = Zones { defined: vec![], floating: span.timezone };
                when(&prop, if until.ends_with('Z') { zones } else { &in_start_zone })?.0
            };
            let last = recurrence::rule_starts(&rule, span.starts_at, span.timezone, span.all_day)
                .take_while(|s| *s <= limit)
                .last();
            match last {
                Some(last) if last > span.starts_at => {
                    rule.until = Some(last.with_timezone(&span.timezone).date_naive());
                }
                _ => return Ok(None),
            }
        }
        _ => {}
    }
    Ok(Some(rule))
}

fn one_event(e: &Component, zones: &Zones) -> Result<Incoming, String> {
    let start = e.property("DTSTART").ok_or("it has no DTSTART")?;
    // Without a UID, one is made from what identifies the event, so importing twice still finds it.
    let uid = e.property("UID").map(|p| p.value.trim().to_string()).filter(|u| !u.is_empty()).unwrap_or_else(|| {
        let summary = e.property("SUMMARY").map(|p| p.value.as_str()).unwrap_or_default();
        format!("no-uid-{:016x}", fnv1a(format!("{}\0{summary}", start.value).as_bytes()))
    });
    let span = span(e, zones)?;
    let text = |name: &str| text_of(e, name);
    let status = e.property("STATUS").map(|p| p.value.trim().to_ascii_uppercase()).unwrap_or_default();
    let mut rules: Vec<&str> = e.all("RRULE").map(|p| p.value.trim()).collect();
    rules.dedup();
    let repeat = match rules.as_slice() {
        [] => None,
        [rule] => repeat_rule(rule, &span, zones)?,
        _ => return Err("it has several different RRULEs, which Rally cannot keep".into()),
    };
    let (mut extra_starts, mut left_out) = (Vec::new(), Vec::new());
    for p in e.all("RDATE") {
        extra_starts.extend(instants(p, zones, &mut left_out).into_iter().map(|t| as_kept(t, &span)));
    }
    extra_starts.retain(|t| *t != span.starts_at);
    let mut occurrence_changes = Vec::new();
    for p in e.all("EXDATE") {
        for t in instants(p, zones, &mut left_out) {
            occurrence_changes.push(OccurrenceChange { original_start: as_kept(t, &span), change: Change::Cancelled });
        }
    }
    Ok(Incoming {
        uid,
        title: text("SUMMARY").unwrap_or_else(|| "Untitled event".into()),
        description: text("DESCRIPTION").unwrap_or_default(),
        starts_at: span.starts_at,
        ends_at: span.ends_at,
        timezone: span.timezone.name().to_string(),
        all_day: span.all_day,
        location: text("LOCATION"),
        geo: geo_of(e),
        cancelled: status == "CANCELLED",
        tentative: status == "TENTATIVE",
        tags: e
            .all("CATEGORIES")
            .flat_map(|p| super::read::split_list(&p.value))
            .map(|t| unescape_text(&t).trim().to_string())
            .filter(|t| !t.is_empty())
            .collect(),
        repeat,
        extra_starts,
        occurrence_changes,
        occurrence_texts: Vec::new(),
        left_out,
    })
}

fn text_of(e: &Component, name: &str) -> Option<String> {
    e.property(name).map(|p| unescape_text(&p.value).trim().to_string()).filter(|t| !t.is_empty())
}

fn geo_of(e: &Component) -> Option<(f64, f64)> {
    let (lat, lon) = e.property("GEO")?.value.split_once(';')?;
    Some((lat.trim().parse().ok()?, lon.trim().parse().ok()?))
}

/// What an occurrence's own VEVENT keeps of a series' properties: these are read, or are the
/// occurrence's identity and stamps.
const READ_IN_AN_OVERRIDE: &[&str] = &[
    "UID",
    "DTSTAMP",
    "CREATED",
    "LAST-MODIFIED",
    "SEQUENCE",
    "RECURRENCE-ID",
    "DTSTART",
    "DTEND",
    "DURATION",
    "SUMMARY",
    "DESCRIPTION",
    "LOCATION",
    "GEO",
    "STATUS",
    "TRANSP",
];

/// An override's own title, description and place where they differ from its series', and the
/// names of what else it changes that Rally cannot keep for one occurrence (its own URL, attendees…).
fn override_text(e: &Component, master: &Component, original: DateTime<Utc>) -> (Option<OccurrenceText>, Vec<String>) {
    let differs = |name: &str| text_of(e, name).filter(|own| Some(own) != text_of(master, name).as_ref());
    let title = differs("SUMMARY");
    let description = differs("DESCRIPTION");
    let place = if differs("LOCATION").is_some() || (geo_of(e).is_some() && geo_of(e) != geo_of(master)) {
        place_of(text_of(e, "LOCATION").as_deref(), geo_of(e))
    } else {
        None
    };
    let mut not_kept: Vec<String> = Vec::new();
    for p in &e.properties {
        let read = READ_IN_AN_OVERRIDE.contains(&p.name.as_str()) || p.name.starts_with("X-");
        let same = master.all(&p.name).any(|m| m.value == p.value);
        if !read && !same && !not_kept.contains(&p.name) {
            not_kept.push(p.name.clone());
        }
    }
    let text = (title.is_some() || description.is_some() || place.is_some()).then_some(OccurrenceText {
        original_start: original,
        title,
        description,
        place,
    });
    (text, not_kept)
}

/// A LOCATION (and GEO) as Rally's place: one line, a name when it is short, else an address.
pub fn place_of(location: Option<&str>, geo: Option<(f64, f64)>) -> Option<Place> {
    use crate::validate::{MAX_ADDRESS, MAX_PLACE_NAME};
    let line = location.map(|l| l.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(", "));
    let (name, address) = match line {
        Some(line) if line.chars().count() > MAX_PLACE_NAME => {
            (String::new(), line.chars().take(MAX_ADDRESS).collect())
        }
        Some(line) => (line, String::new()),
        None => (String::new(), String::new()),
    };
    if name.is_empty() && address.is_empty() && geo.is_none() {
        return None;
    }
    Some(Place { name, address, latitude: geo.map(|g| g.0), longitude: geo.map(|g| g.1) })
}

/// What an override VEVENT (RECURRENCE-ID) does to the occurrence it names: cancels it, moves it,
/// gives it its own texts; and what it changes that cannot be kept, by name.
struct Override {
    change: Option<OccurrenceChange>,
    text: Option<OccurrenceText>,
    not_kept: Vec<String>,
}

fn override_of(e: &Component, master: &Incoming, series: &Component, zones: &Zones) -> Result<Override, String> {
    let id = e.property("RECURRENCE-ID").ok_or("it has no RECURRENCE-ID")?;
    if id.param("RANGE").is_some_and(|r| r.eq_ignore_ascii_case("THISANDFUTURE")) {
        return Err("it changes an occurrence and all later ones (RANGE=THISANDFUTURE), which Rally cannot keep".into());
    }
    let tz: Tz = master.timezone.parse().unwrap_or(Tz::UTC);
    let (named, _, zone) = when(id, zones)?;
    // An all-day series' occurrence named by a time (Exchange writes local midnight): its day there.
    let original = if master.all_day {
        crate::when::start_of_day(named.with_timezone(&zone.unwrap_or(Tz::UTC)).date_naive(), tz)
    } else {
        named
    };
    let cancelled = e.property("STATUS").is_some_and(|s| s.value.trim().eq_ignore_ascii_case("CANCELLED"));
    if cancelled {
        let change = OccurrenceChange { original_start: original, change: Change::Cancelled };
        return Ok(Override { change: Some(change), text: None, not_kept: Vec::new() });
    }
    let moved = span(e, zones)?;
    let day = |t: DateTime<Utc>| crate::when::start_of_day(t.with_timezone(&moved.timezone).date_naive(), tz);
    let at = |t: DateTime<Utc>| if master.all_day { day(t) } else { t };
    let (starts_at, ends_at) = (at(moved.starts_at), at(moved.ends_at));
    // Only a change of time is a move: an override that only retitles keeps the rule's time.
    let length = master.ends_at - master.starts_at;
    let change = (starts_at != original || ends_at != original + length)
        .then_some(OccurrenceChange { original_start: original, change: Change::Moved { starts_at, ends_at } });
    let (text, not_kept) = override_text(e, series, original);
    Ok(Override { change, text, not_kept })
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
        let skip = |e: &Component, reason: String| Skipped {
            uid: e.property("UID").map(|p| p.value.trim().to_string()),
            title: e.property("SUMMARY").map(|p| unescape_text(&p.value)),
            reason,
        };
        let first = reading.events.len();
        let (overrides, masters): (Vec<&Component>, Vec<&Component>) =
            events.into_iter().partition(|e| e.property("RECURRENCE-ID").is_some());
        let series_of =
            |uid: &str| masters.iter().find(|m| m.property("UID").map(|p| p.value.trim()) == Some(uid)).copied();
        for e in masters.iter().copied() {
            match one_event(e, &zones) {
                Ok(incoming) => reading.events.push(incoming),
                Err(reason) => reading.skipped.push(skip(e, reason)),
            }
        }
        for e in overrides {
            let uid = e.property("UID").map(|p| p.value.trim());
            let master = reading.events[first..]
                .iter_mut()
                .find(|m| Some(m.uid.as_str()) == uid && (m.repeat.is_some() || !m.extra_starts.is_empty()));
            match master.zip(uid.and_then(series_of)) {
                Some((master, series)) => match override_of(e, master, series, &zones) {
                    Ok(found) => {
                        if !found.not_kept.is_empty() {
                            let when = found
                                .text
                                .as_ref()
                                .map(|t| t.original_start)
                                .or(found.change.as_ref().map(|c| c.original_start));
                            master.left_out.push(format!(
                                "the occurrence of {} has its own {}, which Rally does not keep for one occurrence",
                                when.map(|t| t.to_rfc3339()).unwrap_or_default(),
                                found.not_kept.join(", ")
                            ));
                        }
                        master.occurrence_changes.extend(found.change);
                        master.occurrence_texts.extend(found.text);
                    }
                    Err(reason) => reading.skipped.push(skip(e, reason)),
                },
                // An occurrence whose series is not in the file (an invitation to one date): an event.
                None => match one_event(e, &zones) {
                    Ok(incoming) => reading.events.push(incoming),
                    Err(reason) => reading.skipped.push(skip(e, reason)),
                },
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
    fn vtimezone_yearly_rules_read() {
        assert_eq!(yearly_rule("FREQ=YEARLY;WKST=MO;INTERVAL=1;BYMONTH=10;BYDAY=-1SU"), Some((10, -1, Weekday::Sun)));
    }

    /// Found by `scripts/fuzz.sh` (target ical_import): a BYDAY ending inside a multi-byte character
    /// panicked while slicing, in a VTIMEZONE rule and in an event's rule alike.
    #[test]
    fn a_byday_ending_in_a_multibyte_character_is_refused_not_a_panic() {
        assert_eq!(yearly_rule("FREQ=YEARLY;BYMONTH=3;BYDAY=-1\u{FFFD}"), None);
        assert_eq!(weekday_code("\u{1}\u{1}\u{1}\u{FFFD}"), None);
        assert_eq!(weekday_code("é"), None);
        let zone = "BEGIN:VTIMEZONE\r\nTZID:Odd\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\n\
                    TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1\u{FFFD}\r\n\
                    END:STANDARD\r\nEND:VTIMEZONE\r\n";
        let event = "BEGIN:VEVENT\r\nUID:a\r\nSUMMARY:Odd\r\nDTSTART;TZID=Odd:20261201T100000\r\n\
                     DTEND;TZID=Odd:20261201T110000\r\nRRULE:FREQ=WEEKLY;BYDAY=\u{FFFD}\r\nEND:VEVENT\r\n";
        let file = format!("BEGIN:VCALENDAR\r\n{zone}{event}END:VCALENDAR\r\n");
        assert!(read_events(file.as_bytes(), chrono_tz::UTC).is_ok());
    }

    fn one(vevent: &str) -> Reading {
        let file = format!("BEGIN:VCALENDAR\r\n{vevent}END:VCALENDAR\r\n");
        read_events(file.as_bytes(), Tz::UTC).expect("reads")
    }

    #[test]
    fn rules_rally_can_say_are_kept_and_others_skipped_naming_the_part() {
        let weekdays = one("BEGIN:VEVENT\r\nUID:a\r\nDTSTART:20150706T080000Z\r\n\
            RRULE:FREQ=DAILY;UNTIL=20150722T080000Z;BYDAY=MO, TU, WE, TH, FR\r\nEND:VEVENT\r\n");
        let rule = weekdays.events[0].repeat.clone().expect("a rule");
        assert_eq!((rule.frequency, rule.weekdays.len()), (Frequency::Weekly, 5), "daily on weekdays is weekly");
        assert_eq!(rule.until, NaiveDate::from_ymd_opt(2015, 7, 22), "UNTIL is the last occurrence's day");
        let setpos = one("BEGIN:VEVENT\r\nUID:b\r\nDTSTART:20150706T080000Z\r\n\
            RRULE:FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=-1\r\nEND:VEVENT\r\n");
        assert!(setpos.events.is_empty());
        assert!(setpos.skipped[0].reason.contains("cannot keep"), "{:?}", setpos.skipped);
        let until_before = one("BEGIN:VEVENT\r\nUID:c\r\nDTSTART:20150706T080000Z\r\n\
            RRULE:FREQ=WEEKLY;UNTIL=20150701T000000Z\r\nEND:VEVENT\r\n");
        assert_eq!(until_before.events[0].repeat, None, "an UNTIL before the start leaves one occurrence");
    }

    #[test]
    fn overrides_move_or_cancel_their_occurrence_and_bad_dates_are_named() {
        let file = one("BEGIN:VEVENT\r\nUID:s\r\nDTSTART;TZID=Europe/Berlin:20190301T100000\r\n\
            RRULE:FREQ=DAILY;COUNT=5\r\nEXDATE;TZID=Europe/Berlin:20190302T100000,nonsense\r\nEND:VEVENT\r\n\
            BEGIN:VEVENT\r\nUID:s\r\nRECURRENCE-ID;TZID=Europe/Berlin:20190303T100000\r\n\
            DTSTART;TZID=Europe/Berlin:20190303T140000\r\nDTEND;TZID=Europe/Berlin:20190303T150000\r\nEND:VEVENT\r\n\
            BEGIN:VEVENT\r\nUID:s\r\nRECURRENCE-ID;TZID=Europe/Berlin:20190304T100000;RANGE=THISANDFUTURE\r\n\
            DTSTART;TZID=Europe/Berlin:20190304T140000\r\nEND:VEVENT\r\n");
        let changes = &file.events[0].occurrence_changes;
        assert_eq!(changes.len(), 2, "{changes:?}");
        assert_eq!(changes[0].change, Change::Cancelled);
        assert!(
            matches!(changes[1].change, Change::Moved { starts_at, .. } if starts_at.to_rfc3339() == "2019-03-03T13:00:00+00:00")
        );
        assert!(file.events[0].left_out[0].contains("nonsense"), "{:?}", file.events[0].left_out);
        assert!(file.skipped[0].reason.contains("THISANDFUTURE"), "{:?}", file.skipped);
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
