//! Times for people. An event's times read in its own zone; when the viewer's zone differs, the
//! viewer's local times follow, so nobody converts in their head.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use rally_core::model::{CalendarEntry, EventDetails};

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

pub fn day_heading(day: NaiveDate) -> String {
    day.format("%A %-d %B %Y").to_string()
}

/// "Sat 5 Dec 2026, 14:00–18:00 (Europe/Brussels)".
pub fn in_event_zone(d: &EventDetails) -> String {
    rally_core::when::describe(d)
}

/// The same span in the viewer's zone, or `None` when it reads the same there.
pub fn in_viewer_zone(d: &EventDetails, viewer: Tz) -> Option<String> {
    if d.all_day {
        return None;
    }
    let theirs = rally_core::when::span_text(d.starts_at, d.ends_at, false, event_zone(d));
    let mine = rally_core::when::span_text(d.starts_at, d.ends_at, false, viewer);
    (theirs != mine).then(|| format!("{mine} your time ({})", viewer.name()))
}

/// The start time of an entry on the viewer's clock: "19:00".
pub fn start_time(e: &CalendarEntry, viewer: Tz) -> String {
    e.starts_at.with_timezone(&viewer).format("%H:%M").to_string()
}

fn clock_span(from: DateTime<Utc>, to: DateTime<Utc>, zone: Tz, several_days: bool) -> String {
    let (from, to) = (from.with_timezone(&zone), to.with_timezone(&zone));
    if several_days {
        format!("{} – {}", from.format("%a %-d %b %H:%M"), to.format("%a %-d %b %H:%M"))
    } else {
        format!("{}–{}", from.format("%H:%M"), to.format("%H:%M"))
    }
}

/// When an entry happens, its day being shown beside it: "19:00–21:00", "All day, until Sun 6 Dec";
/// with the event's own clock after it when the viewer's differs.
pub fn time_span(e: &CalendarEntry, viewer: Tz) -> String {
    let (first, last) = rally_core::calendar::days_covered(e, viewer);
    if e.all_day {
        return if last > first { format!("All day, until {}", last.format("%a %-d %b")) } else { "All day".into() };
    }
    let mine = clock_span(e.starts_at, e.ends_at, viewer, last > first);
    let zone: Tz = e.timezone.parse().unwrap_or(viewer);
    let theirs = clock_span(e.starts_at, e.ends_at, zone, last > first);
    if theirs == mine {
        mine
    } else {
        format!("{mine} ({theirs} in {})", zone.name())
    }
}

/// How the viewer writes numeric dates, from the web view's language.
pub fn day_order() -> rally_core::lenient::DayOrder {
    let language = web_sys::window().and_then(|w| w.navigator().language()).unwrap_or_default();
    rally_core::lenient::DayOrder::of_locale(&language)
}

/// Reads a date (and time) as the viewer writes them: "2/12/2026 18h", "3 janvier".
pub fn read_date(text: &str) -> Option<rally_core::lenient::Written> {
    rally_core::lenient::read(text, day_order(), crate::state::today())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rally_core::model::EventInput;

    fn details(start: &str, end: &str, all_day: bool) -> EventDetails {
        let input = EventInput {
            organizer_id: "o".into(),
            title: "t".into(),
            start: start.into(),
            end: end.into(),
            timezone: "Europe/Brussels".into(),
            all_day,
            ..Default::default()
        };
        rally_core::validate::event(&input).expect("valid")
    }

    #[test]
    fn an_all_day_event_is_listed_on_its_own_day_for_a_viewer_west_of_it() {
        let d = details("2031-06-01", "2031-06-01", true);
        let viewer = chrono_tz::America::New_York;
        assert_eq!(in_event_zone(&d), "Sun 1 Jun 2031, all day (Europe/Brussels)");
        assert_eq!(in_viewer_zone(&d, viewer), None);
    }

    #[test]
    fn a_timed_event_shows_the_viewers_time_only_when_it_differs() {
        let d = details("2031-05-10 23:30", "2031-05-11 01:00", false);
        assert_eq!(in_event_zone(&d), "Sat 10 May 2031 23:30 – Sun 11 May 2031 01:00 (Europe/Brussels)");
        assert_eq!(in_viewer_zone(&d, chrono_tz::Europe::Paris), None);
        assert_eq!(
            in_viewer_zone(&d, chrono_tz::America::New_York).as_deref(),
            Some("Sat 10 May 2031, 17:30–19:00 your time (America/New_York)")
        );
    }
}
