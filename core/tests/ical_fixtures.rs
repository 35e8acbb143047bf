//! Reading and importing the 30 real files of ../shared/fixtures/ical (copied into the validators'
//! folder by scripts/install-deps.sh), with Python's icalendar as the oracle:
//! - each file reads, or is refused with a message naming a line, and never panics; where Python
//!   reads a file, both find the same number of VEVENTs;
//! - imported into a real profile, every event lists its occurrences exactly where Python's
//!   recurring_ical_events finds them (RRULE, RDATE, EXDATE, RECURRENCE-ID; floating times read in the
//!   calendar's X-WR-TIMEZONE, else UTC), or libical for a file Python refuses; what Rally skips is
//!   named with a reason, never imported wrongly.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, NaiveDate, Utc};
use rally_core::ical::read::{parse, Component};
use rally_core::model::{EventFilter, IdentityInput};
use rally_core::profile::{ImportMode, Profile};

fn home() -> PathBuf {
    std::env::var_os("ICAL_VALIDATORS_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").expect("HOME")).join(".cache/ical-validators"))
}

/// The 30 fixtures, sorted.
fn fixtures() -> Vec<PathBuf> {
    let dir = home().join("fixtures");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e} (run scripts/install-deps.sh)", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "ics"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 30, "the 30 fixtures of ../shared/fixtures/ical");
    files
}

/// What `scripts/ical/readback.py MODE FILE` prints.
fn python(mode: &str, file: &PathBuf) -> String {
    let out = Command::new(home().join("venv/bin/python"))
        .arg(home().join("suite/readback.py"))
        .arg(mode)
        .arg(file)
        .output()
        .expect("python");
    String::from_utf8_lossy(&out.stdout).to_string()
}

#[test]
fn every_fixture_reads_like_python_icalendar_reads_it() {
    for file in fixtures() {
        let bytes = std::fs::read(&file).expect("read");
        let name = file.file_name().expect("name").to_string_lossy().to_string();
        match parse(&bytes) {
            Ok(parsed) => {
                let roots = parsed.roots;
                let mut events: Vec<&Component> = Vec::new();
                for root in &roots {
                    if root.name == "VEVENT" {
                        events.push(root);
                    }
                    root.find("VEVENT", &mut events);
                }
                if let Ok(expected) = python("count", &file).trim().parse::<usize>() {
                    assert_eq!(events.len(), expected, "{name}: VEVENTs");
                }
            }
            Err(err) => assert!(err.line > 0 && !err.message.is_empty(), "{name}: {err}"),
        }
    }
}

/// Every occurrence Python's recurring_ical_events finds in `[from, to)`, as "UID START END" lines;
/// for a file it refuses, what libical finds (it reads rules with spaces, as Exchange writes them).
fn oracle(file: &Path, from: NaiveDate, to: NaiveDate) -> Option<(&'static str, Vec<String>)> {
    let python = Command::new(home().join("venv/bin/python"))
        .arg(home().join("suite/readback.py"))
        .args(["occurrences", &from.to_string(), &to.to_string()])
        .arg(file)
        .output()
        .expect("python");
    let libical = || {
        Command::new(home().join("libical_readback"))
            .args(["occurrences", &from.format("%Y%m%d").to_string(), &to.format("%Y%m%d").to_string()])
            .arg(file)
            .output()
            .expect("libical")
    };
    let (which, out) = if python.status.success() { ("python", python) } else { ("libical", libical()) };
    if !out.status.success() {
        return None;
    }
    let mut lines: Vec<String> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| l.replace("(null) ", "NO-UID ")).collect();
    lines.sort();
    // A recurrence set is a set: libical lists a DTSTART its RRULE gives again twice.
    lines.dedup();
    Some((which, lines))
}

#[test]
fn every_occurrence_imports_where_recurring_ical_events_finds_it() {
    let (from, to) = (NaiveDate::from_ymd_opt(1970, 1, 1).expect("d"), NaiveDate::from_ymd_opt(2036, 1, 1).expect("d"));
    let at = |d: NaiveDate| d.and_hms_opt(0, 0, 0).expect("t").and_utc();
    let (mut series, mut occurrences, mut skipped) = (0, 0, Vec::new());
    for file in fixtures() {
        let name = file.file_name().expect("name").to_string_lossy().to_string();
        let dir = tempfile::tempdir().expect("tempdir");
        let mut profile = Profile::open(dir.path()).expect("profile");
        let ana = IdentityInput { username: "ana".into(), ..Default::default() };
        profile.create_identity(ana).expect("identity");
        let bytes = std::fs::read(&file).expect("read");
        let report = profile.import_ics(&bytes, "ana", "UTC", ImportMode::All);
        let oracle = oracle(&file, from, to);
        let (report, (which, expected)) = match (report, oracle) {
            (Ok(report), Some(expected)) => (report, expected),
            (Err(err), None) => {
                assert!(err.to_string().contains("line"), "{name}: refused without naming a line: {err}");
                continue;
            }
            (Err(err), Some(_)) => panic!("{name}: the oracle reads it, Rally refuses it: {err}"),
            (Ok(report), None) => {
                assert!(report.imported.is_empty(), "{name}: the oracles refuse what Rally imports");
                continue;
            }
        };
        let skipped_uids: Vec<&str> = report.skipped.iter().filter_map(|s| s.uid.as_deref()).collect();
        for s in &report.skipped {
            assert!(!s.reason.is_empty(), "{name}: skipped without a reason");
            skipped.push(format!("{name}: {:?}: {}", s.title, s.reason));
        }
        let window = EventFilter { from: Some(at(from)), to: Some(at(to)), ..Default::default() };
        let mut mine: Vec<String> = Vec::new();
        for view in profile.events(&window).expect("list") {
            let (e, d) = (&view.event, &view.event.details);
            if view.occurrence.as_ref().is_some_and(|o| o.cancelled) || d.starts_at < at(from) {
                continue;
            }
            let tz: chrono_tz::Tz = d.timezone.parse().expect("zone");
            let stamp = |t: DateTime<Utc>| {
                if d.all_day {
                    format!("{}D", at(t.with_timezone(&tz).date_naive()).timestamp())
                } else {
                    t.timestamp().to_string()
                }
            };
            // Rally makes up a UID for an event without one; the oracle prints NO-UID.
            let uid = e.source_uid.as_deref().filter(|u| !u.starts_with("no-uid-")).unwrap_or("NO-UID");
            mine.push(format!("{uid} {} {}", stamp(d.starts_at), stamp(d.ends_at)));
        }
        mine.sort();
        // What Rally skipped (each with its reason, above) is left out of the comparison.
        let expected: Vec<String> = expected
            .into_iter()
            .filter(|l| !skipped_uids.contains(&l.split_whitespace().next().unwrap_or_default()))
            .collect();
        // Starts must match exactly; ends too, except where the file gives none: iCalendar then ends
        // the event at its start, Rally gives it an hour (a day for a day).
        let starts = |lines: &[String]| -> Vec<String> {
            lines.iter().map(|l| l.rsplit_once(' ').map_or(l.clone(), |(head, _)| head.to_string())).collect()
        };
        let (want, got) = (starts(&expected), starts(&mine));
        let missing: Vec<&String> = want.iter().filter(|l| !got.contains(l)).take(4).collect();
        let extra: Vec<&String> = got.iter().filter(|l| !want.contains(l)).take(4).collect();
        assert!(
            missing.is_empty() && extra.is_empty() && got.len() == want.len(),
            "{name}: Rally lists {} occurrences, {which} {}; missing {missing:?}, extra {extra:?}",
            got.len(),
            want.len()
        );
        for line in &expected {
            let mut parts = line.split_whitespace();
            let (_, start, end) = (parts.next(), parts.next(), parts.next());
            if start != end {
                assert!(mine.contains(line), "{name}: {which} finds {line}, Rally another end");
            }
        }
        series += report.imported.len();
        occurrences += mine.len();
    }
    eprintln!("{series} events imported, {occurrences} occurrences as Python finds them; skipped:");
    for s in &skipped {
        eprintln!("  {s}");
    }
    assert!(series > 150 && occurrences > 500, "only {series} events, {occurrences} occurrences");
    assert!(skipped.is_empty(), "every event of the fixtures imports: {skipped:#?}");
}

#[test]
fn occurrences_thunderbird_and_evolution_retitled_keep_their_own_title_and_place() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut p = Profile::open(dir.path()).expect("profile");
    p.create_identity(IdentityInput { username: "ana".into(), ..Default::default() }).expect("identity");
    for name in ["thunderbird_recurrence_moved.ics", "evolution_recurrence_sequence.ics"] {
        let bytes = std::fs::read(home().join("fixtures").join(name)).expect("fixture");
        p.import_ics(&bytes, "ana", "UTC", ImportMode::All).expect("import");
    }
    let everything = EventFilter::default();
    let titled = |title: &str| -> Vec<(String, Option<String>)> {
        p.events(&everything)
            .expect("list")
            .into_iter()
            .filter(|v| v.event.details.title.starts_with(title))
            .map(|v| (v.event.details.title, v.event.details.place.map(|p| p.name)))
            .collect()
    };
    // Thunderbird: 18, 19 and 20 March 2019; the 19th edited with its own title and place.
    assert_eq!(
        titled("test7"),
        [
            ("test7".to_string(), None),
            ("test7 - edited".to_string(), Some("location".to_string())),
            ("test7".to_string(), None)
        ]
    );
    // Evolution: a weekly all-day event whose 22 September 2020 was renamed.
    let evolution = titled("");
    assert!(evolution.iter().any(|(t, _)| t == "Modified event"), "{evolution:?}");
    assert!(evolution.iter().filter(|(t, _)| t == "Base event").count() > 1, "{evolution:?}");
}
