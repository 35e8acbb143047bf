//! `rally export`: events to files other software reads.

use rally_core::model::ExportSelection;
use rally_core::profile::Profile;
use rally_core::{Error, Result};

use crate::args::ExportCommand;

pub fn run(profile: &Profile, cmd: ExportCommand) -> Result<()> {
    match cmd {
        ExportCommand::Ics { event, identity, all: _, output } => {
            let selection = match (event, identity) {
                (Some(id), _) => ExportSelection::Event(id),
                (_, Some(key)) => ExportSelection::Identity(key),
                _ => ExportSelection::All,
            };
            let (ics, count) = profile.export_ics(&selection)?;
            std::fs::write(&output, ics)
                .map_err(|source| Error::File { path: output.display().to_string(), source })?;
            println!("wrote {count} event{} to {}", if count == 1 { "" } else { "s" }, output.display());
            Ok(())
        }
    }
}
