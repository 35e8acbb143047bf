//! `rally import`: events from other calendars' files.

use rally_core::model::ImportReport;
use rally_core::profile::{ImportMode, Profile};
use rally_core::{Error, Result};

use crate::args::ImportCommand;

pub fn run(profile: &mut Profile, cmd: ImportCommand) -> Result<()> {
    match cmd {
        ImportCommand::Ics { file, identity, tz, dry_run, json } => {
            let bytes =
                std::fs::read(&file).map_err(|source| Error::File { path: file.display().to_string(), source })?;
            let report = profile.import_ics(
                &bytes,
                &identity,
                &tz,
                if dry_run { ImportMode::Preview } else { ImportMode::All },
            )?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report).expect("a report serializes"));
            } else {
                print!("{}", describe(&report, dry_run));
            }
            Ok(())
        }
    }
}

fn describe(report: &ImportReport, dry_run: bool) -> String {
    let mut out = format!(
        "{} {} event{} as drafts",
        if dry_run { "would import" } else { "imported" },
        report.imported.len(),
        if report.imported.len() == 1 { "" } else { "s" }
    );
    if !report.already_there.is_empty() {
        out.push_str(&format!(", {} already imported before", report.already_there.len()));
    }
    out.push('\n');
    for e in &report.imported {
        out.push_str(&format!("  + {}  {}\n", e.starts_at.format("%Y-%m-%d %H:%M UTC"), e.title));
    }
    if !report.skipped.is_empty() {
        out.push_str(&format!("skipped {}:\n", report.skipped.len()));
        for s in &report.skipped {
            let what = s.title.clone().or_else(|| s.uid.clone()).unwrap_or_else(|| "(an event)".into());
            out.push_str(&format!("  - {what}: {}\n", s.reason));
        }
    }
    for line in &report.skipped_lines {
        out.push_str(&format!("left out {line}\n"));
    }
    out
}
