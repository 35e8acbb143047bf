//! Federation from the command line, through two real relays on loopback: Bob, on relay B, follows
//! Ana of relay A, sees her event, joins it and leaves it with `rally federation …`. Run inside
//! scripts/with-keyring.sh.

mod common;

use std::time::{Duration, Instant};

use common::{json, logged_in, ok, relay};
use serde_json::Value;

/// Runs `args` until `done` holds for its JSON output (deliveries between relays take a moment).
fn until(profile: &std::path::Path, args: &[&str], what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let value = json(profile, args);
        if done(&value) {
            return value;
        }
        assert!(Instant::now() < deadline, "{what}: {value}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn bob_follows_ana_on_another_relay_sees_her_event_joins_and_leaves() {
    let (a, b) = (relay(), relay());
    let (ana, bob) = (tempfile::tempdir().expect("d"), tempfile::tempdir().expect("d"));
    let (ana, bob) = (ana.path(), bob.path());
    logged_in(&a, ana, "ana@example.org");
    ok(ana, &["identity", "create", "--username", "ana", "--name", "Ana Organizer"]);
    ok(ana, &["sync", "--once"]);
    logged_in(&b, bob, "bob@example.org");
    ok(bob, &["identity", "create", "--username", "bob", "--name", "Bob"]);
    ok(bob, &["sync", "--once"]);

    let host = a.url.trim_start_matches("http://");
    let followed = json(bob, &["federation", "follow", &format!("@ana@{host}"), "--identity", "bob", "--json"]);
    assert_eq!(followed["handle"], format!("@ana@{host}"), "{followed}");
    until(bob, &["federation", "follows", "--json"], "accepted", |v| v[0]["accepted"] == true);

    let event = ok(
        ana,
        &[
            "event",
            "create",
            "--identity",
            "ana",
            "--title",
            "Atelier vélo",
            "--tz",
            "Europe/Paris",
            "--start",
            "2031-06-07 14:00",
            "--end",
            "2031-06-07 17:00",
        ],
    )
    .trim()
    .to_string();
    ok(ana, &["sync", "--once"]);
    let events = until(bob, &["federation", "events", "--json"], "Ana's event on B", |v| {
        v.as_array().is_some_and(|l| l.iter().any(|e| e["title"] == "Atelier vélo"))
    });
    assert_eq!(events[0]["starts_at"], "2031-06-07T12:00:00Z");
    assert_eq!(events[0]["source_uid"], format!("{}/events/{event}", a.url));
    let remote_id = events[0]["id"].as_str().expect("id").to_string();

    let joined =
        json(bob, &["federation", "join", &remote_id, "--identity", "bob", "--message", "Avec mon vélo", "--json"]);
    assert_eq!(joined["status"], "requested", "{joined}");
    until(bob, &["federation", "taking-part", "--json"], "going", |v| v[0]["status"] == "going");
    let participants = json(ana, &["participants", "list", &event, "--json"]);
    let text = participants.to_string();
    assert!(text.contains(&format!("bob@{}", b.url.trim_start_matches("http://"))), "{text}");
    assert!(text.contains("Avec mon vélo"), "{text}");

    ok(bob, &["federation", "leave", &remote_id, "--identity", "bob"]);
    let left = json(bob, &["federation", "taking-part", "--json"]);
    assert_eq!(left[0]["status"], "left", "{left}");
}
