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
