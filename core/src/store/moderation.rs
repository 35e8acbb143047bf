//! A moderator's desk as the relay last said it (role, reports, log), and the steps taken on this
//! device that wait to be sent. The relay owns the desk; a refresh replaces it.

use rusqlite::{params, Connection, OptionalExtension};

use crate::model::{ModerationDesk, ModerationStep};
use crate::{Error, Result};

fn broken(e: serde_json::Error) -> Error {
    Error::Document { id: "(moderation)".into(), message: e.to_string() }
}

/// The desk as kept, with the steps waiting (an empty one, a user's, before any refresh).
pub(crate) fn desk(conn: &Connection) -> Result<ModerationDesk> {
    let kept: Option<String> =
        conn.query_row("SELECT json FROM moderation_desk WHERE id = 1", [], |r| r.get(0)).optional()?;
    let mut desk: ModerationDesk = match kept {
        Some(text) => serde_json::from_str(&text).map_err(broken)?,
        None => ModerationDesk::default(),
    };
    desk.pending = steps(conn)?.into_iter().map(|(_, step)| step).collect();
    Ok(desk)
}

pub(crate) fn put_desk(conn: &Connection, desk: &ModerationDesk) -> Result<()> {
    let kept = ModerationDesk { pending: Vec::new(), ..desk.clone() };
    conn.execute(
        "INSERT OR REPLACE INTO moderation_desk (id, json) VALUES (1, ?1)",
        [serde_json::to_string(&kept).map_err(broken)?],
    )?;
    Ok(())
}

/// The steps waiting, oldest first, with their place in line.
pub(crate) fn steps(conn: &Connection) -> Result<Vec<(i64, ModerationStep)>> {
    let mut stmt = conn.prepare_cached("SELECT id, json FROM moderation_steps ORDER BY id")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
    rows.map(|row| {
        let (id, text) = row?;
        Ok((id, serde_json::from_str(&text).map_err(broken)?))
    })
    .collect()
}

pub(crate) fn push_step(conn: &Connection, step: &ModerationStep) -> Result<()> {
    conn.execute(
        "INSERT INTO moderation_steps (json) VALUES (?1)",
        params![serde_json::to_string(step).map_err(broken)?],
    )?;
    Ok(())
}

pub(crate) fn remove_step(conn: &Connection, id: i64) -> Result<()> {
    conn.execute("DELETE FROM moderation_steps WHERE id = ?1", [id])?;
    Ok(())
}
