//! Sharing an event: the text people send, and the links that hand it to mail or to a social network.
//! Pure functions, shared by the app (wasm) and tests.

use crate::model::EventDetails;
use crate::{Error, Result};

/// Percent-encodes everything but RFC 3986's unreserved characters (spaces as `%20`, as mailto wants).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Title, time in the event's zone, place, and the link when there is one; a line each.
pub fn text(d: &EventDetails, link: Option<&str>) -> String {
    let mut lines = vec![d.title.clone(), crate::when::describe(d)];
    if let Some(place) = d.place.as_ref().map(crate::model::Place::one_line).filter(|p| !p.is_empty()) {
        lines.push(place);
    }
    if let Some(url) = &d.online_url {
        lines.push(format!("Online: {url}"));
    }
    if let Some(link) = link {
        lines.push(link.to_string());
    }
    lines.join("\n")
}

/// A `mailto:` link with the title as subject and [`text`] as body (RFC 6068; line breaks as CRLF).
pub fn mailto(d: &EventDetails, link: Option<&str>) -> String {
    let body = text(d, link).replace('\n', "\r\n");
    format!("mailto:?subject={}&body={}", encode(&d.title), encode(&body))
}

/// The share page of a Mastodon (or other Mastodon-compatible) instance for `text` ([`text`]), the
/// instance given as `example.social` or `https://example.social/`.
pub fn mastodon(instance: &str, text: &str) -> Result<String> {
    let host = instance.trim().trim_start_matches("https://").trim_start_matches("http://").trim_end_matches('/');
    let valid = !host.is_empty()
        && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
        && host.contains('.');
    if !valid {
        return Err(Error::invalid(
            "instance",
            format!("\"{instance}\" is not an instance name, like mastodon.social"),
        ));
    }
    Ok(format!("https://{host}/share?text={}", encode(text)))
}

/// Other networks whose share address is known, for a published event's public link.
pub fn networks(d: &EventDetails, link: &str) -> Vec<(&'static str, String)> {
    let (title, url) = (encode(&d.title), encode(link));
    let both = encode(&format!("{} {link}", d.title));
    vec![
        ("Bluesky", format!("https://bsky.app/intent/compose?text={both}")),
        ("Facebook", format!("https://www.facebook.com/sharer/sharer.php?u={url}")),
        ("LinkedIn", format!("https://www.linkedin.com/sharing/share-offsite/?url={url}")),
        ("Telegram", format!("https://t.me/share/url?url={url}&text={title}")),
        ("WhatsApp", format!("https://wa.me/?text={both}")),
        ("X", format!("https://x.com/intent/tweet?text={title}&url={url}")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EventInput, Place};

    fn details() -> EventDetails {
        let input = EventInput {
            organizer_id: "o".into(),
            title: "Repair café & tea".into(),
            start: "2031-05-10 14:00".into(),
            end: "2031-05-10 18:00".into(),
            timezone: "Europe/Paris".into(),
            ..Default::default()
        };
        let mut d = crate::validate::event(&input).expect("valid");
        d.place =
            Some(Place { name: "Library".into(), address: "2 rue Haute".into(), latitude: None, longitude: None });
        d
    }

    #[test]
    fn the_mail_holds_title_time_place_and_link() {
        let link = "https://relay.example/events/abc";
        let url = mailto(&details(), Some(link));
        assert!(url.starts_with("mailto:?subject=Repair%20caf%C3%A9%20%26%20tea&body="), "{url}");
        assert!(url.contains("Sat%2010%20May%202031%2C%2014%3A00%E2%80%9318%3A00%20%28Europe%2FParis%29"), "{url}");
        assert!(url.contains("%0D%0ALibrary%2C%202%20rue%20Haute%0D%0A"), "{url}");
        assert!(url.ends_with(&encode(link)), "{url}");
    }

    #[test]
    fn mastodon_takes_an_instance_as_people_type_it() {
        let shared = text(&details(), None);
        let url = mastodon(" https://mastodon.social/ ", &shared).expect("valid");
        assert!(url.starts_with("https://mastodon.social/share?text=Repair%20caf%C3%A9"), "{url}");
        assert!(mastodon("not an instance", &shared).is_err());
        assert!(mastodon("", &shared).is_err());
    }

    #[test]
    fn every_network_gets_the_link() {
        let link = "https://relay.example/events/abc";
        for (name, url) in networks(&details(), link) {
            assert!(url.starts_with("https://") && url.contains(&encode(link)), "{name}: {url}");
        }
    }
}
