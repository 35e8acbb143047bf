//! Between core's model and the wire: a published Rally event as Mobilizon's `Event`, and a remote
//! `Event` (Mobilizon, Gancio, another Rally) as core's, checked with core's rules like any form.

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use rally_core::model::{Category, Event, EventDetails, EventStatus, JoinMode, Place, Visibility};
use serde_json::{json, Value};

use super::wire::{self, PUBLIC};

/// Where each of an event's actors is.
pub struct EventActors<'a> {
    pub organizer: &'a str,
    pub organizer_followers: &'a str,
    /// The group's actor, when the event is a group's.
    pub group: Option<&'a str>,
}

/// A published public or unlisted event as Mobilizon 5.x writes one.
pub fn event_to_wire(e: &Event, page_url: &str, actors: &EventActors) -> wire::Event {
    let d = &e.details;
    let tz: Tz = d.timezone.parse().unwrap_or(Tz::UTC);
    let local = |t: DateTime<Utc>| t.with_timezone(&tz).to_rfc3339();
    // Mastodon shows only name, summary and url: the summary is the readable line.
    let mut summary = format!("{} ({})", d.starts_at.with_timezone(&tz).format("%A %-d %B %Y, %H:%M"), d.timezone);
    if let Some(place) = &d.place {
        summary.push_str(&format!(" – {}", place.one_line()));
    }
    let (to, cc) = match d.visibility {
        Visibility::Public => (vec![PUBLIC.to_string()], vec![actors.organizer_followers.to_string()]),
        _ => (vec![actors.organizer_followers.to_string()], vec![PUBLIC.to_string()]),
    };
    let mut attachment = Vec::new();
    if let Some(online) = &d.online_url {
        attachment.push(json!({"type": "Link", "name": "Website", "mediaType": "text/html", "href": online}));
    }
    let status = match d.status {
        EventStatus::Tentative => "TENTATIVE",
        EventStatus::Confirmed => "CONFIRMED",
        EventStatus::Cancelled => "CANCELLED",
    };
    wire::Event {
        context: None,
        kind: "Event".into(),
        id: page_url.to_string(),
        url: Some(Value::String(page_url.to_string())),
        uuid: Some(e.id.clone()),
        to,
        cc,
        attributed_to: Value::String(actors.group.unwrap_or(actors.organizer).to_string()),
        actor: Some(Value::String(actors.organizer.to_string())),
        name: d.title.clone(),
        content: Some(html_of(&d.description)),
        media_type: Some("text/html".into()),
        summary: Some(summary),
        category: d.category.and_then(|c| serde_json::to_value(c).ok()).and_then(|v| v.as_str().map(str::to_string)),
        published: Some(e.created_at.to_rfc3339()),
        updated: Some(e.updated_at.to_rfc3339()),
        start_time: Some(local(d.starts_at)),
        end_time: Some(local(d.ends_at)),
        timezone: Some(d.timezone.clone()),
        join_mode: Some(
            match d.join_mode {
                JoinMode::Free => "free",
                JoinMode::Approval => "restricted",
                JoinMode::Invite => "invite",
                JoinMode::External => "external",
            }
            .into(),
        ),
        external_participation_url: d.registration_url.clone(),
        maximum_attendee_capacity: d.capacity,
        remaining_attendee_capacity: None,
        participant_count: None,
        anonymous_participation_enabled: Some(d.anonymous_participation),
        comments_enabled: Some(false),
        draft: Some(false),
        status: Some(status.into()),
        ical_status: Some(status.into()),
        is_online: Some(d.online_url.is_some() && d.place.is_none()),
        in_language: None,
        tag: d.tags.iter().map(|t| wire::Tag { kind: "Hashtag".into(), name: format!("#{t}"), href: None }).collect(),
        location: d.place.as_ref().map(|p| wire::Place {
            kind: "Place".into(),
            name: Some(p.name.clone()).filter(|n| !n.is_empty()),
            latitude: p.latitude,
            longitude: p.longitude,
            address: Some(json!({"type": "PostalAddress", "streetAddress": p.address}))
                .filter(|_| !p.address.is_empty()),
        }),
        attachment,
    }
}

/// Plain text as HTML paragraphs, escaped.
fn html_of(text: &str) -> String {
    let escape = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    text.split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| format!("<p>{}</p>", escape(p.trim()).replace('\n', "<br>")))
        .collect()
}

/// HTML as plain text: paragraphs and line breaks kept, tags dropped, the common entities decoded.
pub fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('>') else {
            rest = "";
            break;
        };
        let tag = rest[start + 1..start + end].trim().to_ascii_lowercase();
        if tag.starts_with("br") {
            out.push('\n');
        } else if tag == "/p" || tag.starts_with("/h") || tag == "/li" || tag == "/div" {
            out.push_str("\n\n");
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    let out = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&");
    out.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).collect::<Vec<_>>().join("\n\n")
}

/// A remote event as Rally keeps it (read-only), with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteEvent {
    /// Its object id (a URL on its own server).
    pub url: String,
    /// The actor it is attributed to (a group, else its organizer).
    pub attributed_to: String,
    pub event: Event,
}

/// Reads a remote `Event`: its time (in its zone when it names one), place, status and the rest, then
/// core's rules, as a form would be checked. `now` stamps it.
pub fn event_from_wire(e: &wire::Event, now: DateTime<Utc>) -> Result<RemoteEvent, String> {
    let url = e.id.clone();
    let attributed_to = wire::id_of(&e.attributed_to)
        .or_else(|| e.actor.as_ref().and_then(wire::id_of))
        .ok_or("the event is attributed to nobody")?
        .to_string();
    let tz: Option<Tz> = e.timezone.as_deref().and_then(|z| z.parse().ok());
    let start = e.start_time.as_deref().ok_or("the event has no startTime")?;
    let starts_at = instant(start, tz).ok_or_else(|| format!("startTime \"{start}\" is no date and time"))?;
    let ends_at = match e.end_time.as_deref() {
        Some(end) => instant(end, tz).ok_or_else(|| format!("endTime \"{end}\" is no date and time"))?,
        // Gancio and Mastodon may leave it out: an hour, as calendars assume.
        None => starts_at + Duration::hours(1),
    };
    let ends_at = ends_at.max(starts_at);
    let timezone = tz.map(|tz| tz.name().to_string()).unwrap_or_else(|| "UTC".into());
    let status = match e.status.as_deref().or(e.ical_status.as_deref()).map(str::to_ascii_uppercase).as_deref() {
        Some("CANCELLED") => EventStatus::Cancelled,
        Some("TENTATIVE") => EventStatus::Tentative,
        _ => EventStatus::Confirmed,
    };
    let place = e.location.as_ref().map(place_of).filter(|p| !p.one_line().is_empty());
    let online_url = e
        .attachment
        .iter()
        .find(|a| a.get("type").and_then(Value::as_str) == Some("Link"))
        .and_then(|a| a.get("href").and_then(Value::as_str))
        .map(str::to_string);
    let join_mode = match e.join_mode.as_deref() {
        Some("restricted") => JoinMode::Approval,
        Some("invite") => JoinMode::Invite,
        Some("external") => JoinMode::External,
        _ => JoinMode::Free,
    };
    let category = e.category.as_deref().and_then(|c| serde_json::from_value::<Category>(json!(c)).ok());
    let tags = e
        .tag
        .iter()
        .filter(|t| t.kind == "Hashtag")
        .map(|t| t.name.trim_start_matches('#').to_string())
        .filter(|t| !t.is_empty())
        .take(20)
        .collect();
    let description = e.content.as_deref().map(text_of).unwrap_or_default();
    let details = EventDetails {
        organizer_id: e.actor.as_ref().and_then(wire::id_of).unwrap_or(&attributed_to).to_string(),
        group_id: None,
        title: e.name.trim().to_string(),
        description,
        starts_at,
        ends_at,
        timezone,
        all_day: false,
        place,
        online_url,
        status,
        visibility: if e.to.iter().any(|t| t == PUBLIC) { Visibility::Public } else { Visibility::Unlisted },
        draft: false,
        join_mode,
        registration_url: e.external_participation_url.clone().filter(|_| join_mode == JoinMode::External),
        capacity: e.maximum_attendee_capacity,
        waiting_list: false,
        anonymous_participation: false,
        tags,
        category,
        repeat: None,
        extra_starts: Vec::new(),
        occurrence_changes: Vec::new(),
        occurrence_texts: Vec::new(),
    };
    rally_core::validate::stored_event(&details).map_err(|problem| format!("the event is refused: {problem}"))?;
    let parse = |t: &Option<String>| t.as_deref().and_then(|t| DateTime::parse_from_rfc3339(t).ok());
    Ok(RemoteEvent {
        event: Event {
            id: remote_id(&url),
            details,
            has_picture: false,
            created_at: parse(&e.published).map(|t| t.with_timezone(&Utc)).unwrap_or(now),
            updated_at: parse(&e.updated).map(|t| t.with_timezone(&Utc)).unwrap_or(now),
            sequence: 0,
            source_uid: Some(url.clone()),
        },
        url,
        attributed_to,
    })
}

/// A local id for a remote object: letters and digits, like a document's, derived from its URL.
pub fn remote_id(url: &str) -> String {
    use rsa::sha2::{Digest, Sha256};
    let digest = Sha256::digest(url.as_bytes());
    format!("r{}", digest.iter().take(16).map(|b| format!("{b:02x}")).collect::<String>())
}

/// An ISO 8601 time: with an offset as written; without one, in the event's zone (else UTC).
fn instant(text: &str, tz: Option<Tz>) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M"))
        .ok()?;
    match tz {
        Some(tz) => tz.from_local_datetime(&naive).earliest().map(|t| t.with_timezone(&Utc)),
        None => Some(Utc.from_utc_datetime(&naive)),
    }
}

fn place_of(p: &wire::Place) -> Place {
    let address = match &p.address {
        Some(Value::String(line)) => line.clone(),
        Some(Value::Object(a)) => ["streetAddress", "postalCode", "addressLocality", "addressRegion", "addressCountry"]
            .iter()
            .filter_map(|k| a.get(*k).and_then(Value::as_str))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
        _ => String::new(),
    };
    Place { name: p.name.clone().unwrap_or_default(), address, latitude: p.latitude, longitude: p.longitude }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_reads_as_text() {
        assert_eq!(
            text_of("<p>Bring <b>tools</b> &amp; snacks</p><p>Line<br/>two</p>"),
            "Bring tools & snacks\n\nLine\ntwo"
        );
        assert_eq!(html_of("a < b\n\nnext\nline"), "<p>a &lt; b</p><p>next<br>line</p>");
    }
}
