//! The account's groups as this device last heard them from the relay (which owns membership): what
//! its identities are in each, so that the app knows offline who may edit the group's events.

use rusqlite::{params, Connection, OptionalExtension};

use crate::model::MyGroup;
use crate::{Error, Result};

fn damaged(e: serde_json::Error) -> Error {
    Error::Document { id: "(membership)".into(), message: e.to_string() }
}

/// Replaces what this device knows with the relay's answer.
pub(crate) fn replace(conn: &Connection, all: &[MyGroup]) -> Result<()> {
    conn.execute("DELETE FROM memberships", [])?;
    for g in all {
        put(conn, g)?;
    }
    Ok(())
}

pub(crate) fn put(conn: &Connection, g: &MyGroup) -> Result<()> {
    conn.execute(
        "INSERT INTO memberships (group_id, json) VALUES (?1, ?2)
         ON CONFLICT (group_id) DO UPDATE SET json = excluded.json",
        params![g.group_id, serde_json::to_string(g).map_err(damaged)?],
    )?;
    Ok(())
}

pub(crate) fn remove(conn: &Connection, group_id: &str) -> Result<()> {
    conn.execute("DELETE FROM memberships WHERE group_id = ?1", [group_id])?;
    Ok(())
}

pub(crate) fn list(conn: &Connection) -> Result<Vec<MyGroup>> {
    let mut stmt = conn.prepare_cached("SELECT json FROM memberships ORDER BY group_id")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    rows.map(|json| serde_json::from_str(&json?).map_err(damaged)).collect()
}

pub(crate) fn get(conn: &Connection, group_id: &str) -> Result<Option<MyGroup>> {
    let json: Option<String> =
        conn.query_row("SELECT json FROM memberships WHERE group_id = ?1", [group_id], |r| r.get(0)).optional()?;
    json.map(|j| serde_json::from_str(&j).map_err(damaged)).transpose()
}
