//! Participations as this device last heard them from the relay (which owns them), and the
//! organizer's decisions that have not reached it yet. Deciding offline writes a pending decision;
//! the next sync sends it, and its result replaces it (a decision that did not apply leaves a note).

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use crate::model::{Decision, DecisionRequest, DecisionResult, Participation, Participations};
use crate::{Error, Result};

fn json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Document { id: "(participation)".into(), message: e.to_string() })
}

fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| Error::Document { id: "(participation)".into(), message: e.to_string() })
}

/// Replaces what this device knows with the relay's answer.
pub(crate) fn replace(conn: &Connection, all: &Participations) -> Result<()> {
    conn.execute("DELETE FROM participations", [])?;
    let mut insert =
        conn.prepare_cached("INSERT INTO participations (side, id, event_id, json) VALUES (?1, ?2, ?3, ?4)")?;
    for (side, list) in [("mine", &all.mine), ("organizing", &all.organizing)] {
        for p in list {
            insert.execute(params![side, p.id, p.event_id, json(p)?])?;
        }
    }
    Ok(())
}

/// One participation of this device's account, or a request to one of its events, replaced by the
/// relay's answer to a call (a join, a leave) before the next full refresh.
pub(crate) fn put(conn: &Connection, side: &str, p: &Participation) -> Result<()> {
    conn.execute(
        "INSERT INTO participations (side, id, event_id, json) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (side, id) DO UPDATE SET event_id = excluded.event_id, json = excluded.json",
        params![side, p.id, p.event_id, json(p)?],
    )?;
    Ok(())
}

pub(crate) fn list(conn: &Connection, side: &str, event_id: Option<&str>) -> Result<Vec<Participation>> {
    let mut stmt = conn.prepare_cached(
        "SELECT json FROM participations WHERE side = ?1 AND (?2 IS NULL OR event_id = ?2) ORDER BY rowid",
    )?;
    let rows = stmt.query_map(params![side, event_id], |r| r.get::<_, String>(0))?;
    rows.map(|text| parse(&text?)).collect()
}

pub(crate) fn record_decision(
    conn: &Connection,
    event_id: &str,
    id: &str,
    decision: Decision,
    at: DateTime<Utc>,
) -> Result<()> {
    conn.execute(
        "INSERT INTO pending_decisions (participation_id, event_id, decision, decided_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (participation_id) DO UPDATE SET decision = excluded.decision, decided_at = excluded.decided_at",
        params![id, event_id, decision.as_str(), at.timestamp_millis()],
    )?;
    conn.execute("DELETE FROM decision_notes WHERE participation_id = ?1", [id])?;
    Ok(())
}

/// Decisions not sent yet, with their event.
pub(crate) fn pending(conn: &Connection) -> Result<Vec<(String, DecisionRequest)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT event_id, participation_id, decision, decided_at FROM pending_decisions ORDER BY decided_at",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, i64>(3)?))
    })?;
    rows.map(|row| {
        let (event, id, decision, at) = row?;
        let decision = if decision == "accept" { Decision::Accept } else { Decision::Refuse };
        let decided_at = DateTime::from_timestamp_millis(at).unwrap_or_default();
        Ok((event, DecisionRequest { participation_id: id, decision, decided_at }))
    })
    .collect()
}

pub(crate) fn pending_for(conn: &Connection, id: &str) -> Result<Option<Decision>> {
    let found: Option<String> = conn
        .query_row("SELECT decision FROM pending_decisions WHERE participation_id = ?1", [id], |r| r.get(0))
        .optional()?;
    Ok(found.map(|d| if d == "accept" { Decision::Accept } else { Decision::Refuse }))
}

/// The relay's answers: sent decisions leave the outbox; those it did not apply leave a note.
pub(crate) fn sent(conn: &Connection, results: &[DecisionResult]) -> Result<()> {
    for r in results {
        conn.execute("DELETE FROM pending_decisions WHERE participation_id = ?1", [&r.participation_id])?;
        if let (false, Some(note)) = (r.applied, &r.note) {
            conn.execute(
                "INSERT INTO decision_notes (participation_id, note) VALUES (?1, ?2)
                 ON CONFLICT (participation_id) DO UPDATE SET note = excluded.note",
                params![r.participation_id, note],
            )?;
        }
    }
    Ok(())
}

pub(crate) fn note(conn: &Connection, id: &str) -> Result<Option<String>> {
    Ok(conn.query_row("SELECT note FROM decision_notes WHERE participation_id = ?1", [id], |r| r.get(0)).optional()?)
}
