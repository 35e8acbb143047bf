//! The public page of an event, `/events/{id}`: readable HTML without JavaScript, in the relay's one
//! stylesheet; its picture, date block, organizer with avatar, tags; OpenGraph tags (with
//! `og:image`) for link previews, schema.org Event JSON-LD for search engines, the time in the
//! event's own zone, the place with an OpenStreetMap link, how a visitor takes part (the form without
//! an account when the organizer allows it, else how to with Rally), and links to the .ics and to the
//! organizer's feed (webcal and https). Drafts and private events never get here: they are not in the
//! public tables.

use chrono::{DateTime, Datelike, Duration, Utc};
use chrono_tz::Tz;
use rally_core::model::{Change, Event, EventStatus, Frequency, MonthlyBy};
use serde_json::json;

use crate::mail::escape_html;

/// Who organizes it, as the relay knows them.
pub struct Organizer {
    pub username: String,
    pub display_name: String,
    /// The relay serves their avatar at `/@{username}/avatar`.
    pub has_avatar: bool,
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
    /// The relay serves its picture at `/events/{id}/picture`.
    pub has_picture: bool,
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

/// Where a visitor stands: how to take part, whatever the event allows.
fn take_part(input: &PageInput, page: &str) -> String {
    use crate::participation::rules;
    use rally_core::model::JoinMode;
    let (e, d) = (input.event, &input.event.details);
    let h = escape_html;
    if d.status == EventStatus::Cancelled {
        return String::new();
    }
    if d.join_mode == JoinMode::External {
        let url = d.registration_url.as_deref().filter(|u| linkable(u)).unwrap_or_default();
        return format!(
            "<section class=\"card take-part\" id=\"take-part\"><h2>Taking part</h2>\
             <p>People register on the organizer's own site: <a id=\"register\" href=\"{0}\">{0}</a></p></section>",
            h(url)
        );
    }
    if let Err(why) = rules::open_to_join(d, input.now) {
        return format!(
            "<section class=\"card take-part\" id=\"take-part\"><h2>Taking part</h2><p>{}</p></section>",
            h(&why.to_string())
        );
    }
    let full = !rules::has_room(d, input.going);
    let note = match (full, d.waiting_list, d.join_mode) {
        (true, true, _) => "The event is full: you will be on the waiting list.",
        (true, false, _) => "The event is full.",
        (false, _, JoinMode::Approval) => "The organizer approves each participant.",
        (false, _, JoinMode::Invite) => "Only people the organizer invites take part.",
        _ => "Anyone may join.",
    };
    let mut out = format!(
        "<section class=\"card take-part\" id=\"take-part\"><h2>Taking part</h2><p id=\"take-part-note\">{}</p>",
        h(note)
    );
    if d.anonymous_participation && d.join_mode != JoinMode::Invite && (!full || d.waiting_list) {
        out.push_str(&format!(
            "<form id=\"participate\" method=\"post\" action=\"/events/{id}/participate\"><h3>Without an account</h3>\
             <p>We will mail you a link to confirm; your address is not shown to anyone.</p>\
             <p><label for=\"participate-name\">Your name</label><input name=\"name\" id=\"participate-name\" required maxlength=\"100\" autocomplete=\"name\"></p>\
             <p><label for=\"participate-email\">Your email address</label><input type=\"email\" name=\"email\" id=\"participate-email\" required autocomplete=\"email\"></p>\
             <p><label for=\"participate-message\">A message to the organizer (optional)</label><textarea name=\"message\" id=\"participate-message\" maxlength=\"2000\"></textarea></p>\
             <button type=\"submit\" id=\"participate-submit\">Take part</button></form><h3>With Rally</h3>",
            id = h(&e.id),
        ));
    }
    if d.join_mode != JoinMode::Invite && (!full || d.waiting_list) {
        let open: String = url::form_urlencoded::byte_serialize(page.as_bytes()).collect();
        out.push_str(&format!(
            "<p><a class=\"button\" id=\"open-in-rally\" href=\"rally://join?event={open}\">Open in Rally</a></p>\
             <p>Rally not installed yet?</p>\
             <ol class=\"steps\" id=\"with-rally\"><li>Install Rally, the free desktop app {site} runs on, and make an identity \
             (a name people see).</li><li>Press <em>Open in Rally</em> again, or in Rally open <strong>Taking part</strong> and paste \
             this page's address:</li></ol>\
             <p><label for=\"page-address\">This page's address</label><input id=\"page-address\" readonly value=\"{page}\"></p>",
            site = h(input.instance_name),
            page = h(page),
        ));
    }
    out.push_str("</section>");
    out
}

/// Anyone may tell the relay's moderators about the event, without an account: the address gets a
/// link that confirms the report (and hears when it is resolved).
fn report_form(id: &str, instance_name: &str) -> String {
    format!(
        "<details class=\"card report\" id=\"report\"><summary>Report this event to the moderators of {site}</summary>\
         <form method=\"post\" action=\"/events/{id}/report\">\
         <p><label for=\"report-comment\">What is wrong with it</label><textarea name=\"comment\" id=\"report-comment\" required maxlength=\"5000\"></textarea></p>\
         <p><label for=\"report-email\">Your email address (we mail you a link to confirm; only moderators see it)</label>\
         <input type=\"email\" name=\"email\" id=\"report-email\" required autocomplete=\"email\"></p>\
         <button type=\"submit\" id=\"report-submit\">Send the report</button></form></details>",
        site = escape_html(instance_name),
        id = escape_html(id),
    )
}

/// The page, as HTML.
pub fn render(input: &PageInput) -> String {
    let (e, d) = (input.event, &input.event.details);
    let h = escape_html;
    let tz = zone(e);
    let page = format!("{}/events/{}", input.public_url, e.id);
    let ics = format!("{page}.ics");
    let picture = format!("{page}/picture");
    let summary: String = d.description.chars().take(200).collect();
    // Inside a script element `</script` or `<!--` would end it or change how it is read: JSON can say
    // every `<`, `>` and `&` (only ever inside strings) as an escape instead.
    let ld = json_ld(input).to_string().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026");
    let mut body = String::new();
    if input.has_picture {
        body.push_str(&format!("<img class=\"picture\" id=\"event-picture\" src=\"{}\" alt=\"\">", h(&picture)));
    }
    if d.status == EventStatus::Cancelled {
        body.push_str("<p class=\"cancelled\" id=\"event-cancelled\">This event is cancelled.</p>");
    }
    let first_day = d.starts_at.with_timezone(&tz).date_naive();
    let mut heading = format!("<h1 id=\"event-title\">{}</h1>", h(&d.title));
    if let Some(o) = input.organizer {
        let avatar = if o.has_avatar {
            format!("<img class=\"avatar\" src=\"/@{}/avatar\" alt=\"\">", h(&o.username))
        } else {
            String::new()
        };
        heading.push_str(&format!(
            "<p class=\"organizer\" id=\"event-organizer\">{avatar}<span>Organized by <strong>{}</strong> @{}</span></p>",
            h(&o.display_name),
            h(&o.username)
        ));
    }
    body.push_str(&format!(
        "<div class=\"heading\">{}<div>{heading}</div></div>",
        crate::page_layout::date_block(first_day)
    ));
    body.push_str("<dl class=\"facts\">");
    body.push_str(&format!("<dt>When</dt><dd id=\"event-when\">{}</dd>", h(&rally_core::when::describe(d))));
    if let Some(rule) = rally_core::recurrence::describe(d) {
        body.push_str(&format!("<dt>Repeats</dt><dd id=\"event-repeats\">{}", h(&rule)));
        let coming = rally_core::recurrence::occurrences(d, Some(input.now), None, COMING_DATES);
        if !coming.is_empty() {
            body.push_str("<ul id=\"event-dates\">");
            for o in coming {
                let mut when = h(&rally_core::when::span_text(o.starts_at, o.ends_at, d.all_day, tz));
                // A date another calendar gave its own title or place says so.
                if let Some(text) = d.occurrence_texts.iter().find(|t| t.original_start == o.original_start) {
                    let own: Vec<String> = text
                        .title
                        .iter()
                        .cloned()
                        .chain(text.place.as_ref().map(|p| p.one_line()).filter(|p| !p.is_empty()))
                        .collect();
                    if !own.is_empty() {
                        when.push_str(&format!(": {}", h(&own.join(", "))));
                    }
                }
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
        body.push_str("</dd>");
    }
    if let Some(p) = &d.place {
        let mut place = h(&p.name);
        if !p.address.is_empty() {
            place.push_str(&format!("{}{}", if p.name.is_empty() { "" } else { ", " }, h(&p.address)));
        }
        if let (Some(lat), Some(lon)) = (p.latitude, p.longitude) {
            place.push_str(&format!(
                " · <a id=\"event-map\" href=\"https://www.openstreetmap.org/?mlat={lat:.6}&amp;mlon={lon:.6}#map=17/{lat:.6}/{lon:.6}\">Map</a> \
                 <small class=\"attribution\">© OpenStreetMap contributors</small>"
            ));
        }
        body.push_str(&format!("<dt>Where</dt><dd id=\"event-where\">{place}</dd>"));
    }
    if let Some(url) = d.online_url.as_deref().filter(|url| linkable(url)) {
        body.push_str(&format!("<dt>Online</dt><dd><a id=\"event-online\" href=\"{0}\">{0}</a></dd>", h(url)));
    }
    let places = match d.capacity {
        Some(c) => format!("{} going · {} of {c} places left", input.going, c.saturating_sub(input.going)),
        None => format!("{} going", input.going),
    };
    body.push_str(&format!("<dt>Participants</dt><dd id=\"event-places\">{}</dd>", h(&places)));
    if !d.tags.is_empty() {
        let tags: String = d.tags.iter().map(|t| format!("<li class=\"tag\">#{}</li>", h(t))).collect();
        body.push_str(&format!("<dt>Tags</dt><dd><ul class=\"tags\" id=\"event-tags\">{tags}</ul></dd>"));
    }
    body.push_str("</dl>");
    if !d.description.trim().is_empty() {
        body.push_str("<div class=\"description\">");
        for paragraph in d.description.split("\n\n").filter(|p| !p.trim().is_empty()) {
            body.push_str(&format!("<p>{}</p>", h(paragraph).replace('\n', "<br>")));
        }
        body.push_str("</div>");
    }
    let mut article = format!("<article class=\"card\">{body}</article>");
    article.push_str(&take_part(input, &page));
    let mut calendar = format!("<a id=\"event-ics\" href=\"{}\">Add to calendar (.ics)</a>", h(&ics));
    if let Some(o) = input.organizer {
        let feed = format!("{}/@{}/feed.ics", input.public_url, o.username);
        calendar.push_str(&format!(
            "<span>Follow @{user}'s events: <a id=\"feed-webcal\" href=\"{webcal}\">subscribe (webcal)</a> \
             · <a id=\"feed-https\" href=\"{feed}\">feed address (https)</a></span>",
            user = h(&o.username),
            webcal = h(&webcal(&feed)),
            feed = h(&feed)
        ));
    }
    article.push_str(&format!("<p class=\"calendar-links\">{calendar}</p>"));
    article.push_str(&report_form(&e.id, input.instance_name));
    let image = if input.has_picture {
        format!("<meta property=\"og:image\" content=\"{}\">", h(&picture))
    } else {
        String::new()
    };
    let head = format!(
        "<meta name=\"description\" content=\"{summary}\">\
         <meta property=\"og:type\" content=\"website\">\
         <meta property=\"og:title\" content=\"{title}\">\
         <meta property=\"og:description\" content=\"{summary}\">\
         <meta property=\"og:url\" content=\"{page}\">\
         <meta property=\"og:site_name\" content=\"{site}\">{image}\
         <link rel=\"alternate\" type=\"text/calendar\" href=\"{ics}\">\
         <script type=\"application/ld+json\">{ld}</script>",
        title = h(&d.title),
        site = h(input.instance_name),
        summary = h(&summary),
        page = h(&page),
        ics = h(&ics),
    );
    crate::page_layout::layout(input.instance_name, &d.title, &head, &article, false)
}
