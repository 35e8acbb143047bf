//! The `rally` binary as a script would use it: a real data folder, JSON out, exit codes.

mod common;

use std::process::Command;

use common::{json, ok, refused};
use serde_json::Value;

#[test]
fn events_are_created_edited_published_listed_searched_and_deleted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    ok(d, &["identity", "create", "--username", "ana", "--name", "Ana B", "--bio", "Cyclist"]);
    let id = ok(
        d,
        &[
            "event",
            "create",
            "--identity",
            "ana",
            "--title",
            "Repair café",
            "--start",
            "2026-12-05T14:00:00+01:00",
            "--end",
            "2026-12-05T18:00:00+01:00",
            "--tz",
            "Europe/Brussels",
            "--draft",
            "--description",
            "Bring your broken things",
            "--place-name",
            "Maison",
            "--address",
            "Rue Haute 1, Bruxelles",
            "--lat",
            "50.84",
            "--lon",
            "4.35",
            "--tag",
            "repair",
            "--tag",
            "bikes",
            "--join-mode",
            "approval",
            "--capacity",
            "20",
            "--category",
            "community",
        ],
    )
    .trim()
    .to_string();

    let shown = json(d, &["event", "show", &id, "--json"]);
    for (key, want) in [
        ("id", Value::from(id.clone())),
        ("title", "Repair café".into()),
        ("description", "Bring your broken things".into()),
        ("starts_at", "2026-12-05T13:00:00Z".into()),
        ("ends_at", "2026-12-05T17:00:00Z".into()),
        ("timezone", "Europe/Brussels".into()),
        ("all_day", false.into()),
        ("draft", true.into()),
        ("status", "confirmed".into()),
        ("visibility", "public".into()),
        ("organizer", "ana".into()),
        ("join_mode", "approval".into()),
        ("capacity", 20.into()),
        ("category", "COMMUNITY".into()),
        ("url", format!("automerge:{id}").into()),
    ] {
        assert_eq!(shown[key], want, "{key}");
    }
    assert_eq!(shown["tags"], serde_json::json!(["repair", "bikes"]));
    assert_eq!(shown["place"]["latitude"], 50.84);

    let edited = json(d, &["event", "edit", &id, "--title", "Repair café #2", "--no-capacity", "--json"]);
    assert_eq!(edited["title"], "Repair café #2");
    assert_eq!(edited["capacity"], Value::Null);
    assert_eq!(edited["tags"], serde_json::json!(["repair", "bikes"]), "untouched fields stay");

    assert_eq!(json(d, &["event", "list", "--drafts", "--json"]).as_array().expect("list").len(), 1);
    assert_eq!(json(d, &["event", "list", "--published", "--json"]).as_array().expect("list").len(), 0);
    json(d, &["event", "publish", &id, "--json"]);
    let december =
        json(d, &["event", "list", "--from", "2026-12-01", "--to", "2027-01-01", "--identity", "ana", "--json"]);
    assert_eq!(december[0]["draft"], false);
    assert!(json(d, &["event", "list", "--from", "2027-01-01", "--json"]).as_array().expect("list").is_empty());
    assert_eq!(json(d, &["event", "search", "bruxelles", "--json"])[0]["id"], Value::from(id.clone()));

    ok(d, &["event", "delete", &id]);
    refused(d, &["event", "show", &id], "no event");
}

#[test]
fn bad_input_is_named_exits_2_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    ok(d, &["identity", "create", "--username", "ana"]);
    let before = ok(d, &["event", "list", "--json"]);
    // `rally event create` by ana in Paris, 14:00 to 18:00, with some flags replaced or added.
    let create = |changes: &[(&'static str, &'static str)]| {
        let mut flags = vec![
            ("--identity", "ana"),
            ("--title", "T"),
            ("--tz", "Europe/Paris"),
            ("--start", "2026-12-05 14:00"),
            ("--end", "2026-12-05 18:00"),
        ];
        for (flag, value) in changes {
            match flags.iter_mut().find(|(f, _)| f == flag) {
                Some(slot) => slot.1 = value,
                None => flags.push((flag, value)),
            }
        }
        ["event", "create"].into_iter().chain(flags.into_iter().flat_map(|(f, v)| [f, v])).collect::<Vec<&str>>()
    };
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("--start", "2026-12-05 18:00"), ("--end", "2026-12-05 14:00")],
            "--end: the event must end after it starts",
        ),
        (&[("--start", "tomorrow")], "--start: \"tomorrow\" is not a date"),
        (&[("--start", "2026-03-29 02:30"), ("--end", "2026-03-29 04:00")], "does not exist in Europe/Paris"),
        (&[("--visibility", "secret")], "--visibility: \"secret\" is not one of public, unlisted, private"),
        (&[("--join-mode", "external")], "--registration-url: is required"),
        (&[("--picture", "/nonexistent.png")], "--picture: cannot read /nonexistent.png"),
        (&[("--identity", "bo")], "--identity: no identity \"bo\""),
        (&[("--tz", "Paris")], "--tz: \"Paris\" is not a known IANA time zone"),
        (&[("--title", " ")], "--title: is required"),
        (&[("--capacity", "0")], "--capacity: must be between 1 and"),
    ];
    for (changes, message) in cases {
        refused(d, &create(changes), message);
    }
    refused(d, &["identity", "create", "--username", "ana"], "--username: @ana is already taken");
    refused(d, &["identity", "create", "--username", "Zoë"], "--username: may hold only a-z");
    assert_eq!(ok(d, &["event", "list", "--json"]), before, "nothing stored");
    assert_eq!(json(d, &["identity", "list", "--json"]).as_array().expect("list").len(), 1);
}

#[test]
fn rally_data_selects_the_profile_when_no_flag_is_given() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_rally"))
        .args(["identity", "create", "--username", "from_env"])
        .env("RALLY_DATA", dir.path())
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listed = json(dir.path(), &["identity", "list", "--json"]);
    assert_eq!(listed[0]["username"], "from_env");
}
