//! Where a profile lives. One rule for the app, the CLI and tests: an explicit `--data DIR` wins, then
//! `RALLY_DATA`, then the platform's data folder (`$XDG_DATA_HOME/rally` on Linux).

use std::path::PathBuf;

use crate::{Error, Result};

pub const ENV: &str = "RALLY_DATA";

pub fn resolve(explicit: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(dir) = explicit {
        return Ok(dir);
    }
    if let Some(dir) = std::env::var_os(ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    dirs::data_dir().map(|d| d.join("rally")).ok_or_else(|| Error::Io {
        path: "(none)".into(),
        source: std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("no data folder known for this platform: pass --data DIR or set {ENV}"),
        ),
    })
}

/// Where the app saves files for people to open (an event's .ics): `--downloads DIR`, then
/// `RALLY_DOWNLOADS`, then the platform's Downloads folder, then the home folder.
pub fn downloads(explicit: Option<PathBuf>) -> PathBuf {
    explicit
        .or_else(|| std::env::var_os("RALLY_DOWNLOADS").filter(|v| !v.is_empty()).map(PathBuf::from))
        .or_else(dirs::download_dir)
        .or_else(|| dirs::home_dir().map(|h| h.join("Downloads")))
        .unwrap_or_else(std::env::temp_dir)
}
