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
        (&[("--tz", "Atlantis")], "--tz: \"Atlantis\" is not a time zone, city or country Rally knows"),
        (&[("--tz", "United States")], "--tz: \"United States\" could be"),
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

#[test]
fn a_repeating_event_lists_its_occurrences_and_one_of_them_is_cancelled_and_another_moved() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    ok(d, &["identity", "create", "--username", "ana"]);
    // Tuesdays and Thursdays, 19:00 in Paris, ten times; 2031-03-25 is a Tuesday, days before the
    // clocks change (30 March): the wall-clock time stays 19:00.
    let id = ok(
        d,
        &[
            "event",
            "create",
            "--identity",
            "ana",
            "--title",
            "Chorale",
            "--tz",
            "Europe/Paris",
            "--start",
            "2031-03-25 19:00",
            "--end",
            "2031-03-25 21:00",
            "--repeat",
            "weekly",
            "--on",
            "tue,thu",
            "--count",
            "10",
        ],
    )
    .trim()
    .to_string();
    let shown = json(d, &["event", "show", &id, "--json"]);
    assert_eq!(shown["repeat"]["weekdays"], serde_json::json!(["Tue", "Thu"]), "{shown}");
    let list = |from: &str, to: &str| json(d, &["event", "occurrences", &id, "--from", from, "--to", to, "--json"]);
    let all = list("2031-01-01", "2032-01-01");
    let all = all.as_array().expect("array");
    assert_eq!(all.len(), 10);
    assert_eq!(all[0]["starts_at"], "2031-03-25T18:00:00Z", "winter time: UTC+1");
    assert_eq!(all[2]["starts_at"], "2031-04-01T17:00:00Z", "summer time: UTC+2, still 19:00 in Paris");

    // The month view of the event list shows each occurrence in April, with the occurrence's times.
    let april = json(d, &["event", "list", "--from", "2031-04-01", "--to", "2031-05-01", "--json"]);
    let april = april.as_array().expect("array");
    assert_eq!(april.len(), 8, "{april:?}");
    assert!(april.iter().all(|v| v["id"] == id.as_str() && v["occurrence"].is_object()));
    assert_eq!(april[0]["starts_at"], "2031-04-01T17:00:00Z");

    ok(d, &["event", "cancel-occurrence", &id, "--at", "2031-04-01 19:00"]);
    ok(
        d,
        &[
            "event",
            "move-occurrence",
            &id,
            "--at",
            "2031-04-03 19:00",
            "--start",
            "2031-04-04 18:00",
            "--end",
            "2031-04-04 20:00",
        ],
    );
    let april = json(d, &["event", "list", "--from", "2031-04-01", "--to", "2031-05-01", "--json"]);
    let first = &april[0];
    assert_eq!((first["occurrence"]["cancelled"].as_bool(), first["status"].as_str()), (Some(true), Some("cancelled")));
    let moved = &april[1];
    assert_eq!(moved["starts_at"], "2031-04-04T16:00:00Z");
    assert_eq!(moved["occurrence"]["original_start"], "2031-04-03T17:00:00Z");
    let text = ok(d, &["event", "occurrences", &id, "--from", "2031-04-01", "--to", "2031-04-05"]);
    assert!(text.contains("[cancelled]") && text.contains("[moved from 2031-04-03 19:00]"), "{text}");

    // Refusals name the flag and change nothing.
    refused(d, &["event", "cancel-occurrence", &id, "--at", "2031-04-02 19:00"], "--at: no occurrence starts at");
    refused(d, &["event", "edit", &id, "--on", "mon"], "--on: the event starts on a Tuesday");
    refused(d, &["event", "edit", &id, "--until", "2031-01-01"], "--until: comes before the first day");
    refused(d, &["event", "edit", &id, "--repeat", "fortnightly"], "--repeat:");
    refused(d, &["event", "restore-occurrence", &id, "--at", "2031-04-08 19:00"], "neither cancelled nor moved");
    assert_eq!(list("2031-01-01", "2032-01-01").as_array().expect("array").len(), 10);

    // An export carries the rule and the changes; the restore brings the occurrence back.
    let ics = d.join("chorale.ics");
    ok(d, &["export", "ics", "--event", &id, "-o", ics.to_str().expect("path")]);
    let text = std::fs::read_to_string(&ics).expect("ics");
    assert!(text.contains("RRULE:FREQ=WEEKLY;BYDAY=TU,TH;COUNT=10\r\n"), "{text}");
    assert!(text.contains("EXDATE;TZID=Europe/Paris:20310401T190000\r\n"), "{text}");
    assert!(text.contains("RECURRENCE-ID;TZID=Europe/Paris:20310403T190000\r\n"), "{text}");
    // Imported elsewhere, it is the same series: rule, cancelled date and moved date.
    let other = tempfile::tempdir().expect("tempdir");
    ok(other.path(), &["identity", "create", "--username", "ana"]);
    let report = json(other.path(), &["import", "ics", ics.to_str().expect("path"), "--identity", "ana", "--json"]);
    let copy = json(other.path(), &["event", "show", report["imported"][0]["id"].as_str().expect("id"), "--json"]);
    let original = json(d, &["event", "show", &id, "--json"]);
    for key in ["repeat", "occurrence_changes", "starts_at", "ends_at", "timezone"] {
        assert_eq!(copy[key], original[key], "{key}");
    }
    ok(d, &["event", "restore-occurrence", &id, "--at", "2031-04-01 19:00"]);
    let april = json(d, &["event", "list", "--from", "2031-04-01", "--to", "2031-04-02", "--json"]);
    assert_eq!(april[0]["occurrence"]["cancelled"], false);

    // Without a range, `event list` shows the event once; `--repeat never` makes it a single event.
    assert_eq!(json(d, &["event", "list", "--json"]).as_array().expect("array").len(), 1);
    ok(d, &["event", "edit", &id, "--repeat", "never"]);
    assert_eq!(list("2031-01-01", "2032-01-01").as_array().expect("array").len(), 1);
}
