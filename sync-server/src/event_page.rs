//! The public page of an event, `/events/{id}`: readable HTML without JavaScript, OpenGraph tags for
//! link previews, schema.org Event JSON-LD for search engines, the time in the event's own zone, the
//! place with an OpenStreetMap link, and links to the .ics and to the organizer's feed (webcal and
//! https). Drafts and private events never get here: they are not in the public tables.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use rally_core::model::{Event, EventStatus};
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

/// The page, as HTML.
pub fn render(input: &PageInput) -> String {
    let (e, d) = (input.event, &input.event.details);
    let h = escape_html;
    let page = format!("{}/events/{}", input.public_url, e.id);
    let ics = format!("{page}.ics");
    let summary: String = d.description.chars().take(200).collect();
    // `</` would end the script element early.
    let ld = json_ld(input).to_string().replace("</", "<\\/");
    let mut body = String::new();
    if d.status == EventStatus::Cancelled {
        body.push_str("<p class=\"cancelled\" id=\"event-cancelled\">This event is cancelled.</p>");
    }
    body.push_str(&format!("<h1 id=\"event-title\">{}</h1>", h(&d.title)));
    if let Some(o) = input.organizer {
        body.push_str(&format!("<p>Organized by {} (@{})</p>", h(&o.display_name), h(&o.username)));
    }
    body.push_str(&format!("<p id=\"event-when\"><strong>When</strong> {}</p>", h(&rally_core::when::describe(d))));
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
    if let Some(url) = &d.online_url {
        body.push_str(&format!("<p><strong>Online</strong> <a href=\"{0}\">{0}</a></p>", h(url)));
    }
    for paragraph in d.description.split("\n\n").filter(|p| !p.trim().is_empty()) {
        body.push_str(&format!("<p class=\"description\">{}</p>", h(paragraph).replace('\n', "<br>")));
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
