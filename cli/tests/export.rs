//! `rally export ics`: one event, one identity's events, or everything, in a file five independent
//! iCalendar parsers accept (../shared/tools/ical-validators, installed by scripts/install-deps.sh).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{ok, rally, refused};

fn validate(file: &Path) {
    let home = std::env::var_os("ICAL_VALIDATORS_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").expect("HOME")).join(".cache/ical-validators"));
    let suite = home.join("suite/run_all.sh");
    assert!(suite.exists(), "no iCalendar validators in {}: run scripts/install-deps.sh", home.display());
    let out = Command::new("bash").arg(suite).arg(file).env("LIBICAL_ARGS", "--no-itip").output().expect("validators");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn events_export_to_ics_by_event_identity_or_all() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    ok(d, &["identity", "create", "--username", "ana", "--name", "Ana"]);
    ok(d, &["identity", "create", "--username", "bo", "--name", "Bo"]);
    let picnic = ok(
        d,
        &[
            "event",
            "create",
            "--identity",
            "ana",
            "--title",
            "Picnic, with games",
            "--tz",
            "Europe/Paris",
            "--start",
            "2031-03-29 22:00",
            "--end",
            "2031-03-30 04:00",
        ],
    )
    .trim()
    .to_string();
    ok(
        d,
        &[
            "event",
            "create",
            "--identity",
            "bo",
            "--title",
            "Festival",
            "--tz",
            "America/New_York",
            "--all-day",
            "--start",
            "2031-07-04",
            "--end",
            "2031-07-06",
        ],
    );

    let one = d.join("one.ics");
    assert_eq!(
        ok(d, &["export", "ics", "--event", &picnic, "-o", one.to_str().expect("path")]).trim(),
        format!("wrote 1 event to {}", one.display())
    );
    let text = std::fs::read_to_string(&one).expect("read");
    assert!(text.contains("SUMMARY:Picnic\\, with games\r\n"), "{text}");
    assert!(text.contains("DTSTART;TZID=Europe/Paris:20310329T220000\r\n"), "{text}");
    assert!(text.contains("DTEND;TZID=Europe/Paris:20310330T040000\r\n"), "{text}");
    assert!(text.contains("SEQUENCE:0\r\n"), "{text}");
    validate(&one);

    // An edit bumps SEQUENCE; the UID stays.
    let uid = text.lines().find(|l| l.starts_with("UID:")).expect("uid").to_string();
    ok(d, &["event", "edit", &picnic, "--title", "Picnic"]);
    ok(d, &["export", "ics", "--event", &picnic, "-o", one.to_str().expect("path")]);
    let edited = std::fs::read_to_string(&one).expect("read");
    assert!(edited.contains("SEQUENCE:1\r\n") && edited.contains(&uid), "{edited}");

    let bo = d.join("bo.ics");
    ok(d, &["export", "ics", "--identity", "bo", "-o", bo.to_str().expect("path")]);
    let text = std::fs::read_to_string(&bo).expect("read");
    assert_eq!(text.matches("BEGIN:VEVENT").count(), 1, "{text}");
    assert!(text.contains("DTSTART;VALUE=DATE:20310704\r\nDTEND;VALUE=DATE:20310707\r\n"), "{text}");
    validate(&bo);

    let all = d.join("all.ics");
    assert!(ok(d, &["export", "ics", "--all", "-o", all.to_str().expect("path")]).starts_with("wrote 2 events"));
    validate(&all);
}

#[test]
fn an_export_without_a_selection_or_of_an_unknown_event_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let out = rally(d, &["export", "ics", "-o", "x.ics"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--event"), "{}", String::from_utf8_lossy(&out.stderr));
    refused(d, &["export", "ics", "--event", "nope", "-o", d.join("x.ics").to_str().expect("path")], "no event nope");
    assert!(!d.join("x.ics").exists(), "nothing is written for a refused export");
}
