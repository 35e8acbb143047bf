//! Other servers as the relay last told this account about them: whom its identities follow, the
//! followed people's events, and where its identities stand with those events. The relay owns all of
//! it; a refresh replaces it, and the answer to a call (a follow, a join) is kept until the next one.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

use crate::model::{FederationSnapshot, Follow, RemoteEvent, RemoteParticipation};
use crate::{Error, Result};

fn json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Document { id: "(federation)".into(), message: e.to_string() })
}

fn list<T: serde::de::DeserializeOwned>(conn: &Connection, sql: &str, args: impl rusqlite::Params) -> Result<Vec<T>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(args, |r| r.get::<_, String>(0))?;
    rows.map(|text| {
        serde_json::from_str(&text?).map_err(|e| Error::Document { id: "(federation)".into(), message: e.to_string() })
    })
    .collect()
}

pub(crate) fn replace(conn: &Connection, all: &FederationSnapshot) -> Result<()> {
    conn.execute_batch("DELETE FROM follows; DELETE FROM remote_events; DELETE FROM remote_participations;")?;
    for follow in &all.follows {
        put_follow(conn, follow)?;
    }
    let mut insert = conn.prepare_cached(
        "INSERT OR REPLACE INTO remote_events (id, starts_at, ends_at, json) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for e in &all.events {
        let d = &e.event.details;
        insert.execute(params![e.event.id, d.starts_at.timestamp(), d.ends_at.timestamp(), json(e)?])?;
    }
    for p in &all.participations {
        put_participation(conn, p)?;
    }
    Ok(())
}

pub(crate) fn put_follow(conn: &Connection, follow: &Follow) -> Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO follows (identity_id, actor, json) VALUES (?1, ?2, ?3)",
        params![follow.identity_id, follow.actor, json(follow)?],
    )?;
    Ok(())
}

pub(crate) fn put_participation(conn: &Connection, p: &RemoteParticipation) -> Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO remote_participations (event_id, identity_id, json) VALUES (?1, ?2, ?3)",
        params![p.event_id, p.identity_id, json(p)?],
    )?;
    Ok(())
}

pub(crate) fn kept(conn: &Connection) -> Result<FederationSnapshot> {
    Ok(FederationSnapshot {
        follows: list(conn, "SELECT json FROM follows ORDER BY rowid", [])?,
        events: events(conn, None, None)?,
        participations: list(conn, "SELECT json FROM remote_participations ORDER BY rowid", [])?,
    })
}

/// The followed people's events that overlap `[from, to)` (open-ended where `None`), soonest first.
pub(crate) fn events(
    conn: &Connection,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Result<Vec<RemoteEvent>> {
    list(
        conn,
        "SELECT json FROM remote_events WHERE (?1 IS NULL OR ends_at > ?1) AND (?2 IS NULL OR starts_at < ?2)
         ORDER BY starts_at, id",
        params![from.map(|t| t.timestamp()), to.map(|t| t.timestamp())],
    )
}
