//! The lenient reader against the 30 real files of ../shared/fixtures/ical (copied into the validators'
//! folder by scripts/install-deps.sh): each one reads, or is refused with a message naming a line, and
//! never panics; where Python's icalendar reads a file, both find the same number of VEVENTs.

use std::path::PathBuf;
use std::process::Command;

use rally_core::ical::read::{parse, Component};

fn home() -> PathBuf {
    std::env::var_os("ICAL_VALIDATORS_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").expect("HOME")).join(".cache/ical-validators"))
}

fn python_count(file: &PathBuf) -> Option<usize> {
    let out = Command::new(home().join("venv/bin/python"))
        .arg(home().join("suite/readback.py"))
        .arg("count")
        .arg(file)
        .output()
        .expect("python");
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

#[test]
fn every_fixture_reads_like_python_icalendar_reads_it() {
    let dir = home().join("fixtures");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e} (run scripts/install-deps.sh)", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "ics"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 30, "the 30 fixtures of ../shared/fixtures/ical");
    for file in files {
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
                if let Some(expected) = python_count(&file) {
                    assert_eq!(events.len(), expected, "{name}: VEVENTs");
                }
            }
            Err(err) => assert!(err.line > 0 && !err.message.is_empty(), "{name}: {err}"),
        }
    }
}
