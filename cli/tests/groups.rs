//! A group's shared calendar through a real relay, from the command line: Ana (administrator), Bob
//! (moderator) and Cy (member), each with their own profile, and Dee, a stranger. Ana and Bob edit
//! while the relay is down; everything merges when it returns; Cy reads and cannot change; Dee gets
//! nothing; a removed Bob keeps what he had and hears nothing more. Run inside scripts/with-keyring.sh.

mod common;

use std::path::Path;

use common::{json, logged_in, ok, rally, relay};
use serde_json::Value;

fn sync(profile: &Path) {
    ok(profile, &["sync", "--once"]);
}

fn event(profile: &Path, id: &str) -> Value {
    json(profile, &["event", "show", id, "--json"])
}

fn person(relay: &common::Relay, name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    logged_in(relay, dir.path(), &format!("{name}@example.org"));
    ok(dir.path(), &["identity", "create", "--username", name, "--name", name]);
    sync(dir.path());
    dir
}

fn group_titles(profile: &Path) -> Vec<String> {
    let listed = json(profile, &["event", "list", "--group", "velorution", "--json"]);
    let mut titles: Vec<String> =
        listed.as_array().expect("list").iter().map(|e| e["title"].as_str().expect("title").to_string()).collect();
    titles.sort();
    titles
}

#[test]
fn a_group_keeps_one_calendar_offline_and_roles_decide_who_changes_it() {
    let mut relay = relay();
    let (ana, bob, cy, dee) =
        (person(&relay, "ana"), person(&relay, "bob"), person(&relay, "cy"), person(&relay, "dee"));
    let (ana, bob, cy, dee) = (ana.path(), bob.path(), cy.path(), dee.path());

    let created = json(
        ana,
        &[
            "group",
            "create",
            "--identity",
            "ana",
            "--name",
            "Vélorution",
            "--username",
            "velorution",
            "--summary",
            "We ride together.",
            "--openness",
            "moderated",
            "--json",
        ],
    );
    assert_eq!(created["username"], "velorution", "{created}");
    ok(ana, &["group", "invite", "velorution", "bob"]);
    ok(ana, &["group", "invite", "velorution", "@cy"]);
    let invited = json(bob, &["group", "list", "--json"]);
    assert_eq!(invited[0]["state"]["state"], "invited", "{invited}");
    ok(bob, &["group", "accept", "velorution"]);
    ok(cy, &["group", "accept", "velorution"]);
    ok(ana, &["group", "role", "velorution", "bob", "moderator"]);
    let members = json(ana, &["group", "members", "velorution", "--json"]);
    let roles: Vec<(String, String)> = members["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| {
            (m["username"].as_str().unwrap_or("").to_string(), m["state"]["role"].as_str().unwrap_or("").to_string())
        })
        .collect();
    for expected in [("ana", "administrator"), ("bob", "moderator"), ("cy", "member")] {
        assert!(roles.contains(&(expected.0.into(), expected.1.into())), "{expected:?} in {roles:?}");
    }

    // Ana puts the first event on the group's calendar; everyone in the group gets it.
    let ride = ok(
        ana,
        &[
            "event",
            "create",
            "--identity",
            "ana",
            "--group",
            "velorution",
            "--title",
            "Critical mass",
            "--tz",
            "Europe/Brussels",
            "--start",
            "2031-04-25 18:00",
            "--end",
            "2031-04-25 20:00",
            "--description",
            "Meet at the fountain.\nBring lights.",
        ],
    )
    .trim()
    .to_string();
    sync(ana);
    for device in [bob, cy] {
        sync(device);
        assert_eq!(event(device, &ride)["title"], "Critical mass");
        assert_eq!(event(device, &ride)["group"], "velorution");
    }

    // The relay goes down: Ana moves the ride, Bob adds an event; both edit the same description.
    relay.stop();
    ok(
        ana,
        &[
            "event",
            "edit",
            &ride,
            "--start",
            "2031-04-25 19:00",
            "--end",
            "2031-04-25 21:00",
            "--description",
            "Meet at the fountain, 18:45.\nBring lights.",
        ],
    );
    ok(bob, &["event", "edit", &ride, "--description", "Meet at the fountain.\nBring lights and a bell."]);
    let repair = ok(
        bob,
        &[
            "event",
            "create",
            "--identity",
            "bob",
            "--group",
            "velorution",
            "--title",
            "Repair evening",
            "--tz",
            "Europe/Brussels",
            "--start",
            "2031-04-28 19:00",
            "--end",
            "2031-04-28 21:00",
        ],
    )
    .trim()
    .to_string();
    relay.restart();
    sync(ana);
    sync(bob);
    sync(ana);
    sync(cy);
    for device in [ana, bob, cy] {
        assert_eq!(group_titles(device), ["Critical mass", "Repair evening"], "{}", device.display());
        let e = event(device, &ride);
        assert_eq!(e["description"], "Meet at the fountain, 18:45.\nBring lights and a bell.", "{e}");
        assert_eq!(e["starts_at"], "2031-04-25T17:00:00Z", "{e}");
        assert_eq!(event(device, &repair)["group"], "velorution", "{}", device.display());
    }

    // Cy reads and cannot change; Dee gets nothing.
    assert_eq!(event(cy, &ride)["read_only"], true);
    let out = rally(cy, &["event", "edit", &ride, "--title", "Cy was here"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("administrators and moderators"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    sync(dee);
    for id in [&ride, &repair] {
        assert_eq!(rally(dee, &["event", "show", id], "").status.code(), Some(2), "{id} reached a stranger");
    }
    assert_eq!(json(dee, &["group", "list", "--json"]), serde_json::json!([]));

    // Bob removed: he keeps what he had; Ana's next change does not reach him.
    ok(ana, &["group", "remove", "velorution", "bob"]);
    ok(ana, &["event", "edit", &ride, "--title", "Critical mass (April)"]);
    sync(ana);
    sync(bob);
    sync(cy);
    assert_eq!(event(cy, &ride)["title"], "Critical mass (April)");
    assert_eq!(event(bob, &ride)["title"], "Critical mass", "Bob keeps what he had, and only that");
}

#[test]
fn administrators_decide_offline_and_the_first_decision_stands() {
    let mut relay = relay();
    let (ana, bob, cy, dee) =
        (person(&relay, "ana"), person(&relay, "bob"), person(&relay, "cy"), person(&relay, "dee"));
    let (ana, bob, cy, dee) = (ana.path(), bob.path(), cy.path(), dee.path());
    ok(ana, &["group", "create", "--identity", "ana", "--name", "Vélorution", "--username", "velorution"]);
    ok(ana, &["group", "invite", "velorution", "bob"]);
    ok(bob, &["group", "accept", "velorution"]);
    ok(ana, &["group", "role", "velorution", "bob", "administrator"]);
    let asked = json(dee, &["group", "join", "velorution", "--identity", "dee", "--message", "Fridays?", "--json"]);
    assert_eq!(asked["state"]["state"], "requested", "{asked}");
    ok(ana, &["group", "members", "velorution"]);

    // The relay is down: Ana approves Dee and invites Cy; both are kept.
    relay.stop();
    ok(ana, &["group", "approve", "velorution", "dee"]);
    let offline = json(ana, &["group", "invite", "velorution", "cy", "--json"]);
    assert_eq!(offline["pending"].as_array().map(Vec::len), Some(2), "{offline}");
    assert!(offline["offline"].as_str().is_some_and(|why| why.contains("cannot be reached")), "{offline}");

    // Back: Bob, online first, refuses Dee; Ana's sync sends her decisions: the invitation applies,
    // the approval does not, and she is told why.
    relay.restart();
    ok(bob, &["group", "refuse", "velorution", "dee"]);
    sync(ana);
    let after = json(ana, &["group", "members", "velorution", "--json"]);
    assert_eq!(after["pending"], serde_json::json!([]), "{after}");
    let notes = after["notes"].to_string();
    assert!(
        notes.contains("Not applied: approving a request: there is no such request (taken back, or refused already)"),
        "{notes}"
    );
    let states: Vec<(String, Value)> = after["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| (m["username"].as_str().unwrap_or("").to_string(), m["state"].clone()))
        .collect();
    assert!(states.contains(&("cy".into(), serde_json::json!({"state": "invited"}))), "{states:?}");
    assert!(!states.iter().any(|(u, _)| u == "dee"), "Bob's refusal stands: {states:?}");
    assert_eq!(json(cy, &["group", "list", "--json"])[0]["state"]["state"], "invited");
}
