//! Times for people. An event's times read in its own zone; when the viewer's zone differs, the
//! viewer's local times follow, so nobody converts in their head.

use chrono::NaiveDate;
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
        assert_eq!(day_of(&d, viewer).to_string(), "2031-06-01");
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
        // Listed under the viewer's day: still the 10th in New York.
        assert_eq!(day_of(&d, chrono_tz::Asia::Tokyo).to_string(), "2031-05-11");
    }
}
