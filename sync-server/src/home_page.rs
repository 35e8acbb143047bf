//! The relay's home page, `/`: the instance's name and its upcoming public events as cards, each at its
//! next date in its own zone, with the feed to subscribe to. Unlisted events are not here.

use chrono::{DateTime, Utc};
use rally_core::model::Event;

use crate::mail::escape_html;

/// How many public events the home page reads to find the next ones (repeating events are sorted by
/// the start of their series, not their next date).
pub const SCANNED: i64 = 400;
/// How many it shows.
const SHOWN: usize = 60;

/// One upcoming event.
pub struct Card {
    pub event: Event,
    /// Its page: here, or on its own server for another server's event.
    pub link: String,
    pub username: String,
    pub display_name: String,
    pub has_picture: bool,
    /// Its next date.
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// The cards as a list's items, soonest first (at most [`SHOWN`]).
pub fn items(mut cards: Vec<Card>) -> String {
    let h = escape_html;
    cards.sort_by_key(|c| c.starts_at);
    cards.truncate(SHOWN);
    let mut list = String::new();
    for c in &cards {
        let d = &c.event.details;
        let tz: chrono_tz::Tz = d.timezone.parse().unwrap_or(chrono_tz::UTC);
        let day = c.starts_at.with_timezone(&tz).date_naive();
        let picture = if c.has_picture {
            format!("<img class=\"thumb\" src=\"/events/{}/picture\" alt=\"\">", h(&c.event.id))
        } else {
            String::new()
        };
        let place = d.place.as_ref().map(|p| p.one_line()).filter(|p| !p.is_empty());
        list.push_str(&format!(
            "<li><a class=\"event\" href=\"{link}\">{block}{picture}<span class=\"body\">\
             <span class=\"title\">{title}</span><span class=\"when\">{when}</span>{place}\
             <span class=\"by\">by {by}</span></span></a></li>",
            link = h(&c.link),
            block = crate::page_layout::date_block(day),
            title = h(&d.title),
            when = h(&rally_core::when::span_text(c.starts_at, c.ends_at, d.all_day, tz)),
            place = place.map(|p| format!("<span class=\"where\">{}</span>", h(&p))).unwrap_or_default(),
            by = if c.display_name.is_empty() {
                String::from("—")
            } else {
                format!("{} (@{})", h(&c.display_name), h(&c.username))
            },
        ));
    }
    list
}

pub fn render(instance_name: &str, public_url: &str, cards: Vec<Card>) -> String {
    let h = escape_html;
    let list = items(cards);
    let feed = format!("{public_url}/feed.ics");
    let webcal = feed.replacen("https://", "webcal://", 1).replacen("http://", "webcal://", 1);
    let body = format!(
        "<h1 id=\"home-title\">Upcoming events on {site}</h1>\
         <p>Subscribe to them all in your calendar: <a id=\"home-webcal\" href=\"{webcal}\">subscribe (webcal)</a> · \
         <a href=\"{feed}\">feed address (https)</a></p>{events}",
        site = h(instance_name),
        webcal = h(&webcal),
        feed = h(&feed),
        events = if list.is_empty() {
            "<p class=\"empty\" id=\"home-empty\">No public event is coming up yet.</p>".to_string()
        } else {
            format!("<ul class=\"events\" id=\"home-events\">{list}</ul>")
        },
    );
    let head = format!(
        "<meta property=\"og:title\" content=\"{site}\"><meta property=\"og:type\" content=\"website\">\
         <meta property=\"og:url\" content=\"{url}/\"><link rel=\"alternate\" type=\"text/calendar\" href=\"{feed}\">",
        site = h(instance_name),
        url = h(public_url),
        feed = h(&feed),
    );
    crate::page_layout::layout(instance_name, &format!("Upcoming events on {instance_name}"), &head, &body, false)
}
