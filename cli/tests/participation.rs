//! Taking part and deciding from the command line, through a real relay: a request with a message
//! (from an identity the relay has not seen yet: joining syncs it first),
//! the organizer deciding while the relay is down (kept, then applied on the next sync), the waiting
//! list moving up, refusals exiting 2 with their reason, the CSV export and the private feed. Run
//! inside scripts/with-keyring.sh, like account.rs.

mod common;

use common::{json, logged_in, ok, rally, refused, relay};

#[test]
fn join_decide_offline_waiting_list_export_and_feed() {
    let mut relay = relay();
    let (ana, bob, cy) =
        (tempfile::tempdir().expect("d"), tempfile::tempdir().expect("d"), tempfile::tempdir().expect("d"));
    for (dir, email, username) in
        [(&ana, "ana@example.org", "ana"), (&bob, "bob@example.org", "bob"), (&cy, "cy@example.org", "cy")]
    {
        logged_in(&relay, dir.path(), email);
        ok(dir.path(), &["identity", "create", "--username", username, "--name", &format!("{username} B.")]);
    }
    let event = ok(
        ana.path(),
        &[
            "event",
            "create",
            "--identity",
            "ana",
            "--title",
            "Atelier couture",
            "--tz",
            "Europe/Brussels",
            "--start",
            "2031-06-07 14:00",
            "--end",
            "2031-06-07 17:00",
            "--join-mode",
            "approval",
            "--capacity",
            "1",
            "--waiting-list",
        ],
    )
    .trim()
    .to_string();
    // Cy's identity never synced (made offline, say): joining sends it first, instead of "sync first".
    for dir in [&ana, &bob] {
        ok(dir.path(), &["sync", "--once"]);
    }

    // Bob asks, by the event's page address, with a message.
    let page = format!("{}/events/{event}", relay.url);
    let asked =
        json(bob.path(), &["event", "join", &page, "--identity", "bob", "--message", "J'apporte ma machine", "--json"]);
    assert_eq!(asked["status"], "pending", "{asked}");
    let out = ok(cy.path(), &["event", "join", &event, "--identity", "cy"]);
    assert!(out.contains("the organizer approves each participant"), "{out}");
    refused(
        bob.path(),
        &["event", "join", &event, "--identity", "bob"],
        "@bob already takes part in \"Atelier couture\"",
    );

    // Ana sees both, then the relay goes away: she decides anyway.
    let list = json(ana.path(), &["participants", "list", &event, "--json"]);
    let id_of = |name: &str| {
        list.as_array()
            .expect("list")
            .iter()
            .find(|p| p["username"] == name)
            .and_then(|p| p["id"].as_str())
            .expect("request")
            .to_string()
    };
    let (bobs, cys) = (id_of("bob"), id_of("cy"));
    assert_eq!(list[0]["message"], "J'apporte ma machine", "{list}");
    relay.stop();
    let out = ok(ana.path(), &["participants", "accept", &event, &bobs]);
    assert!(out.contains("decided here; it applies on the next sync") && out.contains("Offline"), "{out}");
    let shown = ok(ana.path(), &["participants", "list", &event]);
    assert!(shown.contains("[accepting on the next sync]"), "{shown}");

    relay.restart();
    ok(ana.path(), &["sync", "--once"]);
    let mine = json(bob.path(), &["event", "attending", "--json"]);
    assert_eq!(
        (mine[0]["status"].as_str(), mine[0]["event"]["title"].as_str()),
        (Some("going"), Some("Atelier couture")),
        "{mine}"
    );
    // Cy is accepted too, but the one place is Bob's: Cy waits, first in line.
    let out = ok(ana.path(), &["participants", "accept", &event, &cys]);
    assert!(out.contains("on the waiting list"), "{out}");
    let out = ok(cy.path(), &["event", "attending"]);
    assert!(out.contains("on the waiting list") && out.contains("#1 in line"), "{out}");
    // Bob leaves; Cy moves up (to Ana's approval, this being an approval event).
    let out = ok(bob.path(), &["event", "leave", &event, "--identity", "bob"]);
    assert!(out.contains("You left"), "{out}");
    let out = ok(cy.path(), &["event", "attending"]);
    assert!(out.contains("waiting for approval"), "{out}");

    // The participant list as CSV, names and messages quoted where they must be.
    let csv_path = ana.path().join("participants.csv");
    ok(ana.path(), &["participants", "export", &event, "-o", csv_path.to_str().expect("path")]);
    let csv = std::fs::read_to_string(&csv_path).expect("csv");
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], "name,username,status,waiting_list_position,message,asked_at,changed_at,decision_to_send");
    assert!(
        lines[1].starts_with("bob B.,bob,left,,J'apporte ma machine,") && lines[2].starts_with("cy B.,cy,pending,"),
        "{csv}"
    );

    // Refusals name the problem and exit 2: not the organizer, an unknown request, the organizer leaving.
    refused(bob.path(), &["participants", "list", &event], &format!("no event {event}"));
    refused(ana.path(), &["participants", "refuse", &event, "nosuchrequest"], "no request nosuchrequest");
    refused(ana.path(), &["event", "leave", &event, "--identity", "ana"], "the sole organizer cannot leave");

    // The private feed: an address to subscribe to; a reset closes the old one.
    let feed = json(cy.path(), &["feed", "show", "--json"]);
    let again = json(cy.path(), &["feed", "reset", "--json"]);
    assert_ne!(feed["url"], again["url"]);
    assert!(again["webcal"].as_str().expect("webcal").starts_with("webcal://"));
    let out = rally(cy.path(), &["feed", "show"], "");
    assert!(String::from_utf8_lossy(&out.stdout).contains(again["url"].as_str().expect("url")));
}
