//! Events as VEVENTs in a VCALENDAR: one event's .ics, or a feed.
//!
//! Stable by construction: the same events give the same bytes (DTSTAMP and LAST-MODIFIED are the
//! event's last change, never "now"), so a feed changes only when an event does.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Datelike, Duration, NaiveTime, Utc};
use chrono_tz::Tz;

use super::lines::{escape_text, push_line};
use super::zones::{local_stamp, push_vtimezone};
use crate::model::{Change, Event, EventStatus, Frequency, MonthlyBy, RepeatRule, Visibility};
use crate::recurrence;

pub const PRODID: &str = "-//Rally//Rally events//EN";

/// An event to export, with what only the exporter knows.
pub struct IcsEvent<'a> {
    pub event: &'a Event,
    /// The event's public page, when it has one; else its online address, if any, is its URL.
    pub page_url: Option<String>,
}

/// The calendar around the events.
#[derive(Debug, Clone, Default)]
pub struct CalendarMeta {
    /// X-WR-CALNAME, the name calendar apps show for a subscription.
    pub name: Option<String>,
    /// For subscribed feeds: how often to refresh (REFRESH-INTERVAL and X-PUBLISHED-TTL).
    pub refresh: Option<Duration>,
}

/// The UID of an event: its document id, the same wherever it is exported from.
pub fn uid(id: &str) -> String {
    format!("{id}@rally")
}

fn utc_stamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

fn duration_value(d: Duration) -> String {
    let minutes = d.num_minutes().max(1);
    if minutes % (24 * 60) == 0 {
        format!("P{}D", minutes / (24 * 60))
    } else if minutes % 60 == 0 {
        format!("PT{}H", minutes / 60)
    } else {
        format!("PT{minutes}M")
    }
}

fn zone_of(event: &Event) -> Option<Tz> {
    let tz: Tz = event.details.timezone.parse().ok()?;
    (!event.details.all_day && !matches!(tz.name(), "UTC" | "Etc/UTC" | "Etc/UCT" | "Etc/Zulu")).then_some(tz)
}

/// The zone an event is written in, with the span its occurrences cover (to the year 2200 for one
/// that repeats with no end); `None` for all-day and UTC events.
pub fn zone_span(event: &Event) -> Option<(Tz, DateTime<Utc>, DateTime<Utc>)> {
    let tz = zone_of(event)?;
    let (from, to) = recurrence::bounds(&event.details);
    Some((tz, from, to.unwrap_or(recurrence::OPEN_END)))
}

/// One VEVENT, as it appears in any calendar that holds the event.
pub fn vevent(e: &IcsEvent) -> String {
    let mut out = String::with_capacity(512);
    push_vevent(&mut out, e);
    out
}

/// A whole VCALENDAR. Zones get one VTIMEZONE each, covering the events written in them.
pub fn calendar(events: &[IcsEvent], meta: &CalendarMeta) -> String {
    let vevents: Vec<String> = events.iter().map(vevent).collect();
    assemble(meta, events.iter().filter_map(|e| zone_span(e.event)), vevents.iter().map(String::as_str))
}

/// A VCALENDAR from VEVENTs already written ([`vevent`]) and the zone spans they use ([`zone_span`]):
/// what a server that keeps each event's VEVENT needs to build a feed without writing them again.
pub fn assemble<'a>(
    meta: &CalendarMeta,
    zone_spans: impl IntoIterator<Item = (Tz, DateTime<Utc>, DateTime<Utc>)>,
    vevents: impl IntoIterator<Item = &'a str>,
) -> String {
    let mut out = String::new();
    push_line(&mut out, "BEGIN:VCALENDAR");
    push_line(&mut out, "VERSION:2.0");
    push_line(&mut out, &format!("PRODID:{PRODID}"));
    push_line(&mut out, "CALSCALE:GREGORIAN");
    if let Some(name) = &meta.name {
        push_line(&mut out, &format!("X-WR-CALNAME:{}", escape_text(name)));
    }
    if let Some(refresh) = meta.refresh {
        push_line(&mut out, &format!("REFRESH-INTERVAL;VALUE=DURATION:{}", duration_value(refresh)));
        push_line(&mut out, &format!("X-PUBLISHED-TTL:{}", duration_value(refresh)));
    }
    let mut spans: BTreeMap<&'static str, (Tz, DateTime<Utc>, DateTime<Utc>)> = BTreeMap::new();
    for (tz, start, end) in zone_spans {
        let span = spans.entry(tz.name()).or_insert((tz, start, end));
        span.1 = span.1.min(start);
        span.2 = span.2.max(end);
    }
    for (tz, from, to) in spans.into_values() {
        // Whole days around the events, so that the block depends on the events only.
        let week = Duration::days(7);
        let from = from.date_naive().and_time(NaiveTime::MIN).and_utc();
        let to = to.date_naive().and_time(NaiveTime::MIN).and_utc();
        let (from, to) = (from.checked_sub_signed(week).unwrap_or(from), to.checked_add_signed(week).unwrap_or(to));
        push_vtimezone(&mut out, tz, from, to);
    }
    for vevent in vevents {
        out.push_str(vevent);
    }
    push_line(&mut out, "END:VCALENDAR");
    out
}

/// How an event's instants are written: as days, as local times in its zone, or in UTC. DTSTART,
/// DTEND, RDATE, EXDATE and RECURRENCE-ID all use the same form, as RFC 5545 asks.
#[derive(Clone, Copy)]
enum Form {
    Days(Tz),
    Zoned(Tz),
    Utc,
}

impl Form {
    fn of(event: &Event) -> Form {
        match zone_of(event) {
            _ if event.details.all_day => Form::Days(event.details.timezone.parse().unwrap_or(Tz::UTC)),
            Some(tz) => Form::Zoned(tz),
            None => Form::Utc,
        }
    }

    /// `NAME;PARAMS:value` for one or more instants.
    fn line(self, name: &str, instants: &[DateTime<Utc>]) -> String {
        let values: Vec<String> = instants
            .iter()
            .map(|t| match self {
                Form::Days(tz) => t.with_timezone(&tz).date_naive().format("%Y%m%d").to_string(),
                Form::Zoned(tz) => local_stamp(t.with_timezone(&tz).naive_local()),
                Form::Utc => utc_stamp(*t),
            })
            .collect();
        match self {
            Form::Days(_) => format!("{name};VALUE=DATE:{}", values.join(",")),
            Form::Zoned(tz) => format!("{name};TZID={}:{}", tz.name(), values.join(",")),
            Form::Utc => format!("{name}:{}", values.join(",")),
        }
    }

    fn push_times(self, out: &mut String, starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) {
        if let Form::Days(tz) = self {
            // DTEND is exclusive: the day after the last, which is what `ends_at` holds.
            let first = starts_at.with_timezone(&tz).date_naive();
            let after = ends_at.with_timezone(&tz).date_naive().max(first.succ_opt().unwrap_or(first));
            push_line(out, &format!("DTSTART;VALUE=DATE:{}", first.format("%Y%m%d")));
            push_line(out, &format!("DTEND;VALUE=DATE:{}", after.format("%Y%m%d")));
            // Days have no zone in iCalendar; Rally's own import reads back the one they are shown in.
            push_line(out, &format!("X-RALLY-TZID:{}", tz.name()));
        } else {
            push_line(out, &self.line("DTSTART", &[starts_at]));
            push_line(out, &self.line("DTEND", &[ends_at]));
        }
    }
}

/// `FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;UNTIL=…`. UNTIL is a day for all-day events, else the UTC
/// instant of the last day's occurrence (RFC 5545: UTC whenever DTSTART has a zone).
fn rrule(event: &Event, rule: &RepeatRule) -> String {
    let d = &event.details;
    let code = |w: chrono::Weekday| w.to_string().to_uppercase()[..2].to_string();
    let mut parts = vec![format!(
        "FREQ={}",
        match rule.frequency {
            Frequency::Daily => "DAILY",
            Frequency::Weekly => "WEEKLY",
            Frequency::Monthly => "MONTHLY",
            Frequency::Yearly => "YEARLY",
        }
    )];
    if rule.interval > 1 {
        parts.push(format!("INTERVAL={}", rule.interval));
    }
    if rule.frequency == Frequency::Weekly && !rule.weekdays.is_empty() {
        parts.push(format!("BYDAY={}", rule.weekdays.iter().map(|w| code(*w)).collect::<Vec<_>>().join(",")));
        if rule.interval > 1 {
            parts.push("WKST=MO".into());
        }
    }
    if let (Frequency::Monthly, MonthlyBy::Weekday { nth }) = (rule.frequency, rule.monthly) {
        let tz: Tz = d.timezone.parse().unwrap_or(Tz::UTC);
        parts.push(format!("BYDAY={nth}{}", code(d.starts_at.with_timezone(&tz).weekday())));
    }
    if let Some(count) = rule.count {
        parts.push(format!("COUNT={count}"));
    }
    if let Some(until) = rule.until {
        parts.push(match Form::of(event) {
            Form::Days(_) => format!("UNTIL={}", until.format("%Y%m%d")),
            Form::Zoned(tz) => {
                let time = d.starts_at.with_timezone(&tz).time();
                format!("UNTIL={}", utc_stamp(recurrence::local_instant(tz, until, time)))
            }
            Form::Utc => format!("UNTIL={}", utc_stamp(until.and_time(d.starts_at.time()).and_utc())),
        });
    }
    parts.join(";")
}

fn push_vevent(out: &mut String, e: &IcsEvent) {
    let (event, d) = (e.event, &e.event.details);
    let form = Form::of(event);
    push_line(out, "BEGIN:VEVENT");
    push_stamps(out, event);
    form.push_times(out, d.starts_at, d.ends_at);
    let mut moved = Vec::new();
    if d.repeats() {
        match &d.repeat {
            Some(rule) => push_line(out, &format!("RRULE:{}", rrule(event, rule))),
            // Further dates alone: a rule that gives the start once, as Google Calendar writes it,
            // because ical.js (Thunderbird) drops DTSTART from a set made of RDATEs only.
            None => push_line(out, "RRULE:FREQ=DAILY;COUNT=1"),
        }
        if !d.extra_starts.is_empty() {
            push_line(out, &form.line("RDATE", &d.extra_starts));
        }
        // Only changes of occurrences the rule still gives: a rule edited since may have left some.
        let latest = d
            .occurrence_changes
            .iter()
            .map(|c| c.original_start)
            .chain(d.occurrence_texts.iter().map(|t| t.original_start))
            .max();
        let originals: HashSet<DateTime<Utc>> = match latest {
            Some(latest) => recurrence::starts(d).take_while(|s| *s <= latest).collect(),
            None => HashSet::new(),
        };
        let mut cancelled = Vec::new();
        for c in d.occurrence_changes.iter().filter(|c| originals.contains(&c.original_start)) {
            match c.change {
                Change::Cancelled => cancelled.push(c.original_start),
                Change::Moved { starts_at, ends_at } => moved.push((c.original_start, starts_at, ends_at)),
            }
        }
        // An occurrence with its own title, place or description, at its time by the rule.
        for t in d.occurrence_texts.iter().filter(|t| originals.contains(&t.original_start)) {
            let changed = |at: &DateTime<Utc>| cancelled.contains(at) || moved.iter().any(|(o, _, _)| o == at);
            if !changed(&t.original_start) {
                moved.push((t.original_start, t.original_start, recurrence::end_of(d, t.original_start)));
            }
        }
        moved.sort_by_key(|(original, _, _)| *original);
        if !cancelled.is_empty() {
            push_line(out, &form.line("EXDATE", &cancelled));
        }
    }
    push_body(out, e);
    push_line(out, "END:VEVENT");
    // A moved or retitled occurrence is a VEVENT of its own, with the same UID and the start it had by
    // the rule, and its own title, place and description where it has them.
    for (original, starts_at, ends_at) in moved {
        push_line(out, "BEGIN:VEVENT");
        push_stamps(out, event);
        push_line(out, &form.line("RECURRENCE-ID", &[original]));
        form.push_times(out, starts_at, ends_at);
        match d.occurrence_texts.iter().find(|t| t.original_start == original) {
            Some(text) => {
                let mut own = event.clone();
                text.apply(&mut own.details);
                push_body(out, &IcsEvent { event: &own, page_url: e.page_url.clone() });
            }
            None => push_body(out, e),
        }
        push_line(out, "END:VEVENT");
    }
}

fn push_stamps(out: &mut String, event: &Event) {
    push_line(out, &format!("UID:{}", uid(&event.id)));
    push_line(out, &format!("DTSTAMP:{}", utc_stamp(event.updated_at)));
    push_line(out, &format!("CREATED:{}", utc_stamp(event.created_at)));
    push_line(out, &format!("LAST-MODIFIED:{}", utc_stamp(event.updated_at)));
    push_line(out, &format!("SEQUENCE:{}", event.sequence));
}

fn push_body(out: &mut String, e: &IcsEvent) {
    let d = &e.event.details;
    push_line(out, &format!("SUMMARY:{}", escape_text(&d.title)));
    if !d.description.is_empty() {
        push_line(out, &format!("DESCRIPTION:{}", escape_text(&d.description)));
    }
    let location = match (&d.place, &d.online_url) {
        (Some(p), _) if !p.address.is_empty() && !p.name.is_empty() => Some(format!("{}, {}", p.name, p.address)),
        (Some(p), _) if !p.name.is_empty() => Some(p.name.clone()),
        (Some(p), _) if !p.address.is_empty() => Some(p.address.clone()),
        (_, Some(online)) => Some(online.clone()),
        _ => None,
    };
    if let Some(location) = location {
        push_line(out, &format!("LOCATION:{}", escape_text(&location)));
    }
    if let Some((lat, lon)) = d.place.as_ref().and_then(|p| Some((p.latitude?, p.longitude?))) {
        push_line(out, &format!("GEO:{lat:.6};{lon:.6}"));
    }
    if let Some(url) = e.page_url.as_ref().or(d.online_url.as_ref()) {
        push_line(out, &format!("URL:{url}"));
    }
    let status = match d.status {
        EventStatus::Tentative => "TENTATIVE",
        EventStatus::Confirmed => "CONFIRMED",
        EventStatus::Cancelled => "CANCELLED",
    };
    push_line(out, &format!("STATUS:{status}"));
    let class = if d.visibility == Visibility::Private { "PRIVATE" } else { "PUBLIC" };
    push_line(out, &format!("CLASS:{class}"));
    if !d.tags.is_empty() {
        let tags: Vec<String> = d.tags.iter().map(|t| escape_text(t)).collect();
        push_line(out, &format!("CATEGORIES:{}", tags.join(",")));
    }
}
