//! Reading and importing the 30 real files of ../shared/fixtures/ical (copied into the validators'
//! folder by scripts/install-deps.sh), with Python's icalendar as the oracle:
//! - each file reads, or is refused with a message naming a line, and never panics; where Python
//!   reads a file, both find the same number of VEVENTs;
//! - the single events import at the instants Python finds (floating times read in the calendar's
//!   X-WR-TIMEZONE, else UTC), and what repeats is skipped with a reason, never imported wrongly.
//!   Recurring events are not imported yet (issue 4, "Recurring events").

use std::path::PathBuf;
use std::process::Command;

use rally_core::ical::import::read_events;
use rally_core::ical::read::{parse, Component};

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

/// What the oracle finds: starts of single events (sorted) and how many VEVENTs repeat, or `None` if
/// it cannot read the file.
fn oracle(file: &PathBuf) -> Option<(Vec<String>, usize)> {
    let text = python("starts", file);
    if text.starts_with("ERROR") {
        return None;
    }
    let mut starts = Vec::new();
    let mut recurring = 0;
    for line in text.lines() {
        let mut parts = line.split_whitespace();
        match (parts.next(), parts.next()) {
            (Some("RECURRING"), _) => recurring += 1,
            (Some(_uid), Some(start)) => starts.push(start.to_string()),
            _ => {}
        }
    }
    starts.sort();
    Some((starts, recurring))
}

#[test]
fn single_events_import_at_the_instants_python_finds_and_repeating_ones_are_skipped_with_a_reason() {
    let mut imported = 0;
    for file in fixtures() {
        let name = file.file_name().expect("name").to_string_lossy().to_string();
        let bytes = std::fs::read(&file).expect("read");
        let ours = read_events(&bytes, chrono_tz::UTC);
        match (ours, oracle(&file)) {
            (Ok(reading), Some((starts, recurring))) => {
                let mut mine: Vec<String> = reading
                    .events
                    .iter()
                    .map(|e| {
                        if e.all_day {
                            let tz: chrono_tz::Tz = e.timezone.parse().expect("zone");
                            let day = e.starts_at.with_timezone(&tz).date_naive();
                            format!("{}D", day.and_hms_opt(0, 0, 0).expect("t").and_utc().timestamp())
                        } else {
                            e.starts_at.timestamp().to_string()
                        }
                    })
                    .collect();
                mine.sort();
                assert_eq!(mine, starts, "{name}: the single events' starts");
                let repeating = reading.skipped.iter().filter(|s| s.reason.contains("recurring")).count();
                assert_eq!(repeating, recurring, "{name}: repeating VEVENTs skipped, {:?}", reading.skipped);
                assert_eq!(reading.skipped.len(), recurring, "{name}: nothing else skipped: {:?}", reading.skipped);
                imported += reading.events.len();
            }
            (Err(err), None) => assert!(!err.message.is_empty(), "{name}: refused without a reason"),
            (Err(err), Some(_)) => panic!("{name}: Python reads it, Rally refuses it: {err}"),
            (Ok(reading), None) => assert!(reading.events.is_empty(), "{name}: Python refuses what Rally imports"),
        }
    }
    assert!(imported > 150, "only {imported} events imported from the fixtures");
}
