//! The relay's SQLite database, `relay.sqlite3` in the data folder, with versioned migrations in
//! `PRAGMA user_version` (append steps, never edit shipped ones).

use std::path::Path;

use rusqlite::Connection;

use crate::{Error, Result};

pub const FILE: &str = "relay.sqlite3";

const STEPS: &[&str] = &["CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"];

pub fn open(dir: &Path) -> Result<Connection> {
    std::fs::create_dir_all(dir).map_err(|source| Error::DataFolder { path: dir.display().to_string(), source })?;
    let mut conn = Connection::open(dir.join(FILE))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (version, step) in (1_i64..).zip(STEPS) {
        if version > current {
            let tx = conn.transaction()?;
            tx.execute_batch(step)?;
            tx.pragma_update(None, "user_version", version)?;
            tx.commit()?;
        }
    }
    Ok(conn)
}

pub fn schema_version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}
