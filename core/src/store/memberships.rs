//! The account's groups as this device last heard them from the relay (which owns membership): what
//! its identities are in each, so that the app knows offline who may edit the group's events; each
//! group's members as last heard, and its administrators' decisions not sent yet.

use rusqlite::{params, Connection, OptionalExtension};

use chrono::{DateTime, Utc};

use crate::model::{GroupDecision, Member, MyGroup, PendingGroupDecision};
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

/// How many notes of decisions that did not apply a group keeps.
const NOTES_KEPT: i64 = 20;

pub(crate) fn set_members(conn: &Connection, group_id: &str, members: &[Member]) -> Result<()> {
    conn.execute(
        "INSERT INTO group_members (group_id, json) VALUES (?1, ?2)
         ON CONFLICT (group_id) DO UPDATE SET json = excluded.json",
        params![group_id, serde_json::to_string(members).map_err(damaged)?],
    )?;
    Ok(())
}

pub(crate) fn members(conn: &Connection, group_id: &str) -> Result<Vec<Member>> {
    let json: Option<String> =
        conn.query_row("SELECT json FROM group_members WHERE group_id = ?1", [group_id], |r| r.get(0)).optional()?;
    json.map(|j| serde_json::from_str(&j).map_err(damaged)).transpose().map(Option::unwrap_or_default)
}

pub(crate) fn record_decision(
    conn: &Connection,
    group_id: &str,
    decision: &GroupDecision,
    at: DateTime<Utc>,
) -> Result<()> {
    conn.execute(
        "INSERT INTO pending_group_decisions (group_id, decision, decided_at) VALUES (?1, ?2, ?3)",
        params![group_id, serde_json::to_string(decision).map_err(damaged)?, at.timestamp_millis()],
    )?;
    Ok(())
}

/// Decisions waiting to be sent (of one group, or all), oldest first.
pub(crate) fn pending(conn: &Connection, group_id: Option<&str>) -> Result<Vec<PendingGroupDecision>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, group_id, decision, decided_at FROM pending_group_decisions
         WHERE ?1 IS NULL OR group_id = ?1 ORDER BY decided_at, id",
    )?;
    let rows = stmt.query_map([group_id], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, i64>(3)?))
    })?;
    rows.map(|row| {
        let (id, group_id, decision, at) = row?;
        Ok(PendingGroupDecision {
            id,
            group_id,
            decision: serde_json::from_str(&decision).map_err(damaged)?,
            decided_at: DateTime::from_timestamp_millis(at).unwrap_or_default(),
        })
    })
    .collect()
}

/// A decision the relay answered: gone from the queue, with a note when it did not apply.
pub(crate) fn decision_sent(conn: &Connection, id: i64, group_id: &str, note: Option<&str>) -> Result<()> {
    conn.execute("DELETE FROM pending_group_decisions WHERE id = ?1", [id])?;
    if let Some(note) = note {
        conn.execute("INSERT INTO group_notes (group_id, note) VALUES (?1, ?2)", params![group_id, note])?;
        conn.execute(
            "DELETE FROM group_notes WHERE group_id = ?1 AND id NOT IN
                 (SELECT id FROM group_notes WHERE group_id = ?1 ORDER BY id DESC LIMIT ?2)",
            params![group_id, NOTES_KEPT],
        )?;
    }
    Ok(())
}

pub(crate) fn notes(conn: &Connection, group_id: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached("SELECT note FROM group_notes WHERE group_id = ?1 ORDER BY id DESC")?;
    let rows = stmt.query_map([group_id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
