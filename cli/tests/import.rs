//! `rally import ics`: real files from other software become drafts of one identity; a dry run stores
//! nothing; importing twice adds nothing twice; what cannot be imported is named with the reason; a
//! broken file is refused naming the line; and export then import gives back the same events.

mod common;

use std::path::PathBuf;

use common::{json, ok, rally};

fn fixture(name: &str) -> PathBuf {
    let home = std::env::var_os("ICAL_VALIDATORS_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").expect("HOME")).join(".cache/ical-validators"));
    let path = home.join("fixtures").join(name);
    assert!(path.exists(), "{} missing: run scripts/install-deps.sh", path.display());
    path
}

#[test]
fn a_real_feed_imports_as_drafts_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    ok(d, &["identity", "create", "--username", "ana", "--name", "Ana"]);
    let file = fixture("icalcreator_wordpress_feed.ics");
    let file = file.to_str().expect("path");

    let dry = json(d, &["import", "ics", file, "--identity", "ana", "--dry-run", "--json"]);
    let planned = dry["imported"].as_array().expect("imported").len();
    assert!(planned > 20, "{dry}");
    assert!(dry["imported"][0]["id"].is_null(), "a dry run stores nothing: {dry}");
    assert_eq!(json(d, &["event", "list", "--json"]).as_array().map(Vec::len), Some(0));

    let done = json(d, &["import", "ics", file, "--identity", "ana", "--json"]);
    assert_eq!(done["imported"].as_array().map(Vec::len), Some(planned), "{done}");
    let drafts = json(d, &["event", "list", "--drafts", "--json"]);
    assert_eq!(drafts.as_array().map(Vec::len), Some(planned));
    assert!(drafts.as_array().expect("list").iter().all(|e| e["organizer"] == "ana" && e["draft"] == true));

    let again = json(d, &["import", "ics", file, "--identity", "ana", "--json"]);
    assert_eq!(again["imported"].as_array().map(Vec::len), Some(0), "{again}");
    assert_eq!(again["already_there"].as_array().map(Vec::len), Some(planned), "{again}");
}

#[test]
fn what_cannot_be_imported_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    ok(d, &["identity", "create", "--username", "ana", "--name", "Ana"]);
    // A Google Calendar series (last Friday of each month) with one date moved: kept as a rule.
    let series = json(
        d,
        &[
            "import",
            "ics",
            fixture("google_moved_recurrence.ics").to_str().expect("path"),
            "--identity",
            "ana",
            "--json",
        ],
    );
    let id = series["imported"][0]["id"].as_str().expect("imported").to_string();
    let shown = json(d, &["event", "show", &id, "--json"]);
    assert_eq!(shown["repeat"]["monthly"], serde_json::json!({"weekday": {"nth": -1}}), "{shown}");
    assert_eq!(shown["occurrence_changes"].as_array().map(Vec::len), Some(1), "{shown}");

    // A rule Rally cannot say is skipped, naming the part of it.
    let odd = d.join("odd.ics");
    std::fs::write(
        &odd,
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:odd\r\nSUMMARY:Last weekday\r\nDTSTART:20310131T090000Z\r\n\
         RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    )
    .expect("write");
    let report = json(d, &["import", "ics", odd.to_str().expect("path"), "--identity", "ana", "--json"]);
    let reason = report["skipped"][0]["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("cannot keep") && reason.contains("BYSETPOS"), "{report}");

    let broken = d.join("broken.ics");
    std::fs::write(&broken, "BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:never closed\n").expect("write");
    let out = rally(d, &["import", "ics", broken.to_str().expect("path"), "--identity", "ana"], "");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 2") && stderr.contains("never closed"), "{stderr}");
    assert_eq!(json(d, &["event", "list", "--json"]).as_array().map(Vec::len), Some(1), "only the series");
}

#[test]
fn export_then_import_gives_back_the_same_events() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for d in [&a, &b] {
        ok(d, &["identity", "create", "--username", "ana", "--name", "Ana"]);
    }
    ok(
        &a,
        &[
            "event",
            "create",
            "--identity",
            "ana",
            "--title",
            "Seed swap, spring",
            "--tz",
            "America/Montreal",
            "--start",
            "2031-03-08 22:00",
            "--end",
            "2031-03-09 04:00",
            "--description",
            "Bring seeds;\nTake seeds.",
            "--tag",
            "seeds",
            "--place-name",
            "Library",
        ],
    );
    ok(
        &a,
        &[
            "event",
            "create",
            "--identity",
            "ana",
            "--title",
            "Fête",
            "--tz",
            "Europe/Paris",
            "--all-day",
            "--start",
            "2031-07-13",
            "--end",
            "2031-07-14",
        ],
    );
    let file = dir.path().join("ana.ics");
    ok(&a, &["export", "ics", "--identity", "ana", "-o", file.to_str().expect("path")]);
    let report = json(&b, &["import", "ics", file.to_str().expect("path"), "--identity", "ana", "--json"]);
    assert_eq!(report["imported"].as_array().map(Vec::len), Some(2), "{report}");
    let fields = |d: &PathBuf| -> Vec<serde_json::Value> {
        let mut list: Vec<serde_json::Value> = json(d, &["event", "list", "--json"])
            .as_array()
            .expect("list")
            .iter()
            .map(|e| {
                serde_json::json!([
                    e["title"],
                    e["starts_at"],
                    e["ends_at"],
                    e["timezone"],
                    e["all_day"],
                    e["description"],
                    e["tags"]
                ])
            })
            .collect();
        list.sort_by_key(|v| v.to_string());
        list
    };
    assert_eq!(fields(&a), fields(&b));
}
