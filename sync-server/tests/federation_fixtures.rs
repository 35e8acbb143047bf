//! Real ActivityPub payloads from other software (../shared/fixtures/activitypub, copied by
//! scripts/install-deps.sh): every `Event` imports with its time, zone, place and status; actors and
//! activities read as the wire types.

use std::path::PathBuf;

use rally_core::model::EventStatus;
use rally_server::federation::convert::event_from_wire;
use rally_server::federation::wire::{Activity, Actor, Event, WebFinger};
use serde_json::Value;

fn dir() -> PathBuf {
    PathBuf::from(std::env::var("HOME").expect("HOME")).join(".cache/rally-test/activitypub")
}

fn read(path: &str) -> Value {
    let file = dir().join(path);
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("{}: {e} (scripts/install-deps.sh copies the fixtures)", file.display()));
    serde_json::from_str(&text).expect("json")
}

fn imported(path: &str) -> rally_server::federation::convert::RemoteEvent {
    let activity: Activity = serde_json::from_value(read(path)).expect("activity");
    assert_eq!(activity.kind, "Create", "{path}");
    let event: Event = serde_json::from_value(activity.object).expect("event");
    event_from_wire(&event, chrono::Utc::now()).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn every_event_of_the_fixtures_imports_with_its_time_zone_place_and_status() {
    let mut count = 0;
    for entry in walk(&dir()) {
        let value: Value = serde_json::from_str(&std::fs::read_to_string(&entry).expect("read")).expect("json");
        if value["object"]["type"] == "Event" {
            let relative = entry.strip_prefix(dir()).expect("inside").to_string_lossy().to_string();
            imported(&relative);
            count += 1;
        }
    }
    assert_eq!(count, 4, "three Mobilizon events and one Gancio event");

    // Mobilizon: a UTC start, no end (an hour, as calendars assume), its postal address in one line.
    let m = imported("mobilizon/mobilizon-post-activity.json");
    assert_eq!(m.event.details.starts_at.to_rfc3339(), "2018-02-12T14:08:20+00:00");
    assert_eq!(m.event.details.ends_at - m.event.details.starts_at, chrono::Duration::hours(1));
    assert_eq!(m.event.details.timezone, "UTC");
    let place = m.event.details.place.as_ref().expect("place");
    assert_eq!(place.name, "Locaux de Framasoft");
    assert_eq!(place.address, "10 Rue Jangot, 69007, Lyon, Auvergne Rhône Alpes, France");
    assert_eq!(m.event.details.status, EventStatus::Confirmed);
    assert_eq!(m.attributed_to, "https://mobilizon.fr/@metacartes");
    assert_eq!(m.event.details.title, "My first event");

    // A group's event: attributed to the group, organized by its member.
    let g = imported("mobilizon/mobilizon-post-activity-group.json");
    assert_eq!(g.attributed_to, "http://mobilizon1.com/@group");
    assert_eq!(g.event.details.organizer_id, "http://mobilizon1.com/@user");

    // Gancio: its offset kept (+02:00), an end, a place with a name only, hashtags.
    let gancio = imported("gancio/gancio-event-activity.json");
    assert_eq!(gancio.event.details.starts_at.to_rfc3339(), "2021-07-14T15:30:57+00:00");
    assert_eq!(gancio.event.details.ends_at.to_rfc3339(), "2021-07-14T16:30:57+00:00");
    assert_eq!(gancio.event.details.place.as_ref().expect("place").name, "Colosseo");
    assert_eq!(gancio.event.details.tags, vec!["test".to_string()]);
}

#[test]
fn a_cancelled_event_in_its_zone_reads_as_cancelled_at_its_local_time() {
    let mut object = read("mobilizon/mobilizon-post-activity.json")["object"].clone();
    object["startTime"] = "2031-06-01T18:00:00+02:00".into();
    object["endTime"] = "2031-06-01T20:00:00+02:00".into();
    object["timezone"] = "Europe/Paris".into();
    object["status"] = "CANCELLED".into();
    let event: Event = serde_json::from_value(object).expect("event");
    let e = event_from_wire(&event, chrono::Utc::now()).expect("import").event.details;
    assert_eq!((e.timezone.as_str(), e.status), ("Europe/Paris", EventStatus::Cancelled));
    assert_eq!(e.starts_at.to_rfc3339(), "2031-06-01T16:00:00+00:00");
    // Bad input is refused with its reason: a date beyond core's bounds, a missing start.
    let mut far = read("gancio/gancio-event-activity.json")["object"].clone();
    far["startTime"] = "9999-01-01T00:00:00Z".into();
    let err = event_from_wire(&serde_json::from_value(far).expect("event"), chrono::Utc::now()).expect_err("refused");
    assert!(err.contains("start"), "{err}");
    let mut none = read("gancio/gancio-event-activity.json")["object"].clone();
    none.as_object_mut().expect("object").remove("startTime");
    let err = event_from_wire(&serde_json::from_value(none).expect("event"), chrono::Utc::now()).expect_err("refused");
    assert!(err.contains("startTime"), "{err}");
}

#[test]
fn actors_activities_and_webfinger_of_other_software_read() {
    for path in [
        "mastodon/mastodon-actor.json",
        "mastodon/mastodon-actor-gargron-2024.json",
        "gancio/gancio-actor.json",
        "mobilizon/mobilizon-group-actor-framasoft.json",
    ] {
        let actor: Actor = serde_json::from_value(read(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(actor.public_key.public_key_pem.contains("PUBLIC KEY"), "{path}");
        rally_server::federation::keys::read_public(&actor.public_key.public_key_pem)
            .unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    for path in [
        "mastodon/mastodon-follow-activity.json",
        "mastodon/mastodon-accept-activity.json",
        "mastodon/mastodon-reject-activity.json",
        "mastodon/mastodon-delete.json",
        "mastodon/mastodon-undo-announce.json",
        "mastodon/mastodon-flag-from-docs.json",
        "mobilizon/mobilizon-join-activity.json",
        "mobilizon/mobilizon-leave-activity.json",
    ] {
        let activity: Activity = serde_json::from_value(read(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(!activity.id.is_empty() && !activity.kind.is_empty(), "{path}");
    }
    let finger: WebFinger = serde_json::from_value(read("webfinger/mastodon-webfinger.json")).expect("webfinger");
    assert!(finger.actor().is_some_and(|a| a.starts_with("https://")));
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("fixtures (scripts/install-deps.sh)").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "json") {
            files.push(path);
        }
    }
    files.sort();
    files
}
