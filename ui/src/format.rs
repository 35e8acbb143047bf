//! Times for people. An event's times read in its own zone; when the viewer's zone differs, the
//! viewer's local times follow, so nobody converts in their head.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use rally_core::model::EventDetails;

/// The viewer's IANA zone, as the system reports it to the web view.
pub fn viewer_zone() -> Tz {
    let options = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new()).resolved_options();
    js_sys::Reflect::get(&options, &"timeZone".into())
        .ok()
        .and_then(|v| v.as_string())
        .and_then(|name| name.parse().ok())
        .unwrap_or(chrono_tz::UTC)
}

pub fn event_zone(d: &EventDetails) -> Tz {
    d.timezone.parse().unwrap_or(chrono_tz::UTC)
}

/// The day an event is listed under: its first day in the viewer's zone, except that an all-day
/// event keeps its own calendar day wherever the viewer is (a birthday on the 1st is on the 1st).
pub fn day_of(d: &EventDetails, viewer: Tz) -> NaiveDate {
    let zone = if d.all_day { event_zone(d) } else { viewer };
    d.starts_at.with_timezone(&zone).date_naive()
}

pub fn day_heading(day: NaiveDate) -> String {
    day.format("%A %-d %B %Y").to_string()
}

fn span_in(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>, all_day: bool, tz: Tz) -> String {
    let start = starts_at.with_timezone(&tz);
    let end = ends_at.with_timezone(&tz);
    if all_day {
        let last = (end - Duration::seconds(1)).date_naive();
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

/// "Sat 5 Dec 2026, 14:00–18:00 (Europe/Brussels)".
pub fn in_event_zone(d: &EventDetails) -> String {
    format!("{} ({})", span_in(d.starts_at, d.ends_at, d.all_day, event_zone(d)), d.timezone)
}

/// The same span in the viewer's zone, or `None` when it reads the same there.
pub fn in_viewer_zone(d: &EventDetails, viewer: Tz) -> Option<String> {
    if d.all_day {
        return None;
    }
    let theirs = span_in(d.starts_at, d.ends_at, false, event_zone(d));
    let mine = span_in(d.starts_at, d.ends_at, false, viewer);
    (theirs != mine).then(|| format!("{mine} your time ({})", viewer.name()))
}
