//! The public page of an event, `/events/{id}`: readable HTML without JavaScript, OpenGraph tags for
//! link previews, schema.org Event JSON-LD for search engines, the time in the event's own zone, the
//! place with an OpenStreetMap link, and links to the .ics and to the organizer's feed (webcal and
//! https). Drafts and private events never get here: they are not in the public tables.

use chrono::{DateTime, Datelike, Duration, Utc};
use chrono_tz::Tz;
use rally_core::model::{Change, Event, EventStatus, Frequency, MonthlyBy};
use serde_json::json;

use crate::mail::escape_html;

/// Who organizes it, as the relay knows them.
pub struct Organizer {
    pub username: String,
    pub display_name: String,
}

/// Everything the page shows.
pub struct PageInput<'a> {
    pub event: &'a Event,
    pub organizer: Option<&'a Organizer>,
    /// The relay's public URL, without a trailing slash.
    pub public_url: &'a str,
    pub instance_name: &'a str,
    /// For a repeating event, which dates are still to come.
    pub now: DateTime<Utc>,
    /// How many people are going.
    pub going: u32,
}

/// How many coming dates the page of a repeating event lists.
const COMING_DATES: usize = 8;

/// schema.org's Schedule of a repeating event (its rule; cancelled dates as exceptDate).
fn schedule(e: &Event, tz: Tz) -> Option<serde_json::Value> {
    let d = &e.details;
    let rule = d.repeat.as_ref()?;
    let n = rule.interval.max(1);
    let first = d.starts_at.with_timezone(&tz);
    let mut schedule = json!({
        "@type": "Schedule",
        "repeatFrequency": match rule.frequency {
            Frequency::Daily => format!("P{n}D"),
            Frequency::Weekly => format!("P{n}W"),
            Frequency::Monthly => format!("P{n}M"),
            Frequency::Yearly => format!("P{n}Y"),
        },
        "startDate": first.format("%Y-%m-%d").to_string(),
        "scheduleTimezone": d.timezone,
    });
    if !d.all_day {
        schedule["startTime"] = json!(first.format("%H:%M").to_string());
        schedule["endTime"] = json!(d.ends_at.with_timezone(&tz).format("%H:%M").to_string());
    }
    let day = |w: &chrono::Weekday| format!("https://schema.org/{}", rally_core::recurrence::weekday_name(*w));
    match (rule.frequency, rule.monthly) {
        (Frequency::Weekly, _) => schedule["byDay"] = json!(rule.weekdays.iter().map(day).collect::<Vec<_>>()),
        (Frequency::Monthly, MonthlyBy::Date) => schedule["byMonthDay"] = json!(first.day()),
        (Frequency::Monthly, MonthlyBy::Weekday { nth }) => {
            schedule["byDay"] = json!(day(&first.weekday()));
            schedule["byMonthWeek"] = json!(nth);
        }
        _ => {}
    }
    if let Some(count) = rule.count {
        schedule["repeatCount"] = json!(count);
    }
    if let Some(until) = rule.until {
        schedule["endDate"] = json!(until.to_string());
    }
    let cancelled: Vec<String> = d
        .occurrence_changes
        .iter()
        .filter(|c| c.change == Change::Cancelled)
        .map(|c| iso(c.original_start, tz, d.all_day))
        .collect();
    if !cancelled.is_empty() {
        schedule["exceptDate"] = json!(cancelled);
    }
    Some(schedule)
}

fn zone(event: &Event) -> Tz {
    event.details.timezone.parse().unwrap_or(Tz::UTC)
}

fn iso(t: DateTime<Utc>, tz: Tz, all_day: bool) -> String {
    let local = t.with_timezone(&tz);
    if all_day {
        local.format("%Y-%m-%d").to_string()
    } else {
        local.to_rfc3339()
    }
}

/// schema.org Event, as JSON-LD.
pub fn json_ld(input: &PageInput) -> serde_json::Value {
    let (e, d) = (input.event, &input.event.details);
    let tz = zone(e);
    let page = format!("{}/events/{}", input.public_url, e.id);
    let end = if d.all_day { d.ends_at - Duration::days(1) } else { d.ends_at };
    let physical = d.place.as_ref().map(|p| {
        let mut place = json!({"@type": "Place", "name": p.name, "address": p.address});
        if let (Some(lat), Some(lon)) = (p.latitude, p.longitude) {
            place["geo"] = json!({"@type": "GeoCoordinates", "latitude": lat, "longitude": lon});
        }
        place
    });
    let online = d.online_url.as_ref().map(|url| json!({"@type": "VirtualLocation", "url": url}));
    let mode = match (&physical, &online) {
        (Some(_), Some(_)) => "https://schema.org/MixedEventAttendanceMode",
        (None, Some(_)) => "https://schema.org/OnlineEventAttendanceMode",
        _ => "https://schema.org/OfflineEventAttendanceMode",
    };
    let mut ld = json!({
        "@context": "https://schema.org",
        "@type": "Event",
        "name": d.title,
        "description": d.description,
        "startDate": iso(d.starts_at, tz, d.all_day),
        "endDate": iso(end, tz, d.all_day),
        "eventStatus": match d.status {
            EventStatus::Cancelled => "https://schema.org/EventCancelled",
            _ => "https://schema.org/EventScheduled",
        },
        "eventAttendanceMode": mode,
        "url": page,
    });
    let locations: Vec<serde_json::Value> = physical.into_iter().chain(online).collect();
    if !locations.is_empty() {
        ld["location"] = if locations.len() == 1 { locations[0].clone() } else { json!(locations) };
    }
    if let Some(schedule) = schedule(e, tz) {
        ld["eventSchedule"] = schedule;
    }
    if let Some(o) = input.organizer {
        ld["organizer"] = json!({"@type": "Person", "name": o.display_name, "url": format!("{}/@{}/feed.ics", input.public_url, o.username)});
    }
    ld
}

fn webcal(url: &str) -> String {
    match url.split_once("://") {
        Some((_, rest)) => format!("webcal://{rest}"),
        None => url.to_string(),
    }
}

/// Only links a browser follows without running anything: http, https and mail.
fn linkable(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https" | "mailto"))
}

/// The page, as HTML.
pub fn render(input: &PageInput) -> String {
    let (e, d) = (input.event, &input.event.details);
    let h = escape_html;
    let page = format!("{}/events/{}", input.public_url, e.id);
    let ics = format!("{page}.ics");
    let summary: String = d.description.chars().take(200).collect();
    // Inside a script element `</script` or `<!--` would end it or change how it is read: JSON can say
    // every `<`, `>` and `&` (only ever inside strings) as an escape instead.
    let ld = json_ld(input).to_string().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026");
    let mut body = String::new();
    if d.status == EventStatus::Cancelled {
        body.push_str("<p class=\"cancelled\" id=\"event-cancelled\">This event is cancelled.</p>");
    }
    body.push_str(&format!("<h1 id=\"event-title\">{}</h1>", h(&d.title)));
    if let Some(o) = input.organizer {
        body.push_str(&format!("<p>Organized by {} (@{})</p>", h(&o.display_name), h(&o.username)));
    }
    body.push_str(&format!("<p id=\"event-when\"><strong>When</strong> {}</p>", h(&rally_core::when::describe(d))));
    if let Some(rule) = rally_core::recurrence::describe(d) {
        body.push_str(&format!("<p id=\"event-repeats\"><strong>Repeats</strong> {}</p>", h(&rule)));
        let tz = zone(e);
        let coming = rally_core::recurrence::occurrences(d, Some(input.now), None, COMING_DATES);
        if !coming.is_empty() {
            body.push_str("<p><strong>Coming dates</strong></p><ul id=\"event-dates\">");
            for o in coming {
                let when = h(&rally_core::when::span_text(o.starts_at, o.ends_at, d.all_day, tz));
                body.push_str(&if o.cancelled {
                    format!("<li class=\"cancelled\"><del>{when}</del> (cancelled)</li>")
                } else if o.moved {
                    format!("<li class=\"moved\">{when} (moved)</li>")
                } else {
                    format!("<li>{when}</li>")
                });
            }
            body.push_str("</ul>");
        }
    }
    if let Some(p) = &d.place {
        let mut place = format!("<strong>Where</strong> {}", h(&p.name));
        if !p.address.is_empty() {
            place.push_str(&format!(", {}", h(&p.address)));
        }
        if let (Some(lat), Some(lon)) = (p.latitude, p.longitude) {
            place.push_str(&format!(
                " · <a id=\"event-map\" href=\"https://www.openstreetmap.org/?mlat={lat:.6}&amp;mlon={lon:.6}#map=17/{lat:.6}/{lon:.6}\">Map</a> \
                 <small>© OpenStreetMap contributors</small>"
            ));
        }
        body.push_str(&format!("<p id=\"event-where\">{place}</p>"));
    }
    if let Some(url) = d.online_url.as_deref().filter(|url| linkable(url)) {
        body.push_str(&format!("<p><strong>Online</strong> <a href=\"{0}\">{0}</a></p>", h(url)));
    }
    let places = match d.capacity {
        Some(c) => format!("{} going · {} of {c} places left", input.going, c.saturating_sub(input.going)),
        None => format!("{} going", input.going),
    };
    body.push_str(&format!("<p id=\"event-places\"><strong>Participants</strong> {}</p>", h(&places)));
    for paragraph in d.description.split("\n\n").filter(|p| !p.trim().is_empty()) {
        body.push_str(&format!("<p class=\"description\">{}</p>", h(paragraph).replace('\n', "<br>")));
    }
    let open = crate::participation::rules::open_to_join(d, input.now).is_ok();
    if d.anonymous_participation && open && d.join_mode != rally_core::model::JoinMode::Invite {
        let full = !crate::participation::rules::has_room(d, input.going);
        let note = match (full, d.waiting_list, d.join_mode) {
            (true, true, _) => "The event is full: you will be on the waiting list.",
            (true, false, _) => "",
            (false, _, rally_core::model::JoinMode::Approval) => "The organizer approves each participant.",
            _ => "",
        };
        if !full || d.waiting_list {
            body.push_str(&format!(
                "<form id=\"participate\" method=\"post\" action=\"/events/{id}/participate\"><h2>Take part without an account</h2>\
                 <p>{note} We will mail you a link to confirm; your address is not shown to anyone.</p>\
                 <p><label>Your name<br><input name=\"name\" id=\"participate-name\" required maxlength=\"100\"></label></p>\
                 <p><label>Your email address<br><input type=\"email\" name=\"email\" id=\"participate-email\" required></label></p>\
                 <p><label>A message to the organizer (optional)<br><textarea name=\"message\" id=\"participate-message\" maxlength=\"2000\"></textarea></label></p>\
                 <button type=\"submit\" id=\"participate-submit\">Take part</button></form>",
                id = h(&e.id),
                note = h(note)
            ));
        }
    }
    body.push_str(&format!(
        "<p class=\"calendar\"><a id=\"event-ics\" href=\"{ics}\">Add to calendar (.ics)</a></p>",
        ics = h(&ics)
    ));
    if let Some(o) = input.organizer {
        let feed = format!("{}/@{}/feed.ics", input.public_url, o.username);
        body.push_str(&format!(
            "<p class=\"calendar\">Follow @{user}'s events: <a id=\"feed-webcal\" href=\"{webcal}\">subscribe (webcal)</a> \
             · <a id=\"feed-https\" href=\"{feed}\">feed URL (https)</a></p>",
            user = h(&o.username),
            webcal = h(&webcal(&feed)),
            feed = h(&feed)
        ));
    }
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · {site}</title>\
         <meta name=\"description\" content=\"{summary}\">\
         <meta property=\"og:type\" content=\"website\">\
         <meta property=\"og:title\" content=\"{title}\">\
         <meta property=\"og:description\" content=\"{summary}\">\
         <meta property=\"og:url\" content=\"{page}\">\
         <meta property=\"og:site_name\" content=\"{site}\">\
         <link rel=\"alternate\" type=\"text/calendar\" href=\"{ics}\">\
         <script type=\"application/ld+json\">{ld}</script>\
         <style>body{{font-family:sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5}}\
         .cancelled{{background:#fff0f0;color:#c92a2a;padding:.5rem 1rem}}</style></head>\
         <body><main>{body}</main><footer><small>{site}</small></footer></body></html>",
        title = h(&d.title),
        site = h(input.instance_name),
        summary = h(&summary),
        page = h(&page),
        ics = h(&ics),
    )
}
