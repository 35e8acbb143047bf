//! Documents on disk: one compacted snapshot per document plus the incremental chunks written since.
//! An edit appends only its own changes (small, fast); after [`COMPACT_AFTER`] chunks the document is
//! saved whole again and its chunks dropped, so loading never replays a long tail.

use automerge::{AutoCommit, ChangeHash};
use rusqlite::{params, Connection, OptionalExtension};

use crate::document::Kind;
use crate::{Error, Result};

pub const COMPACT_AFTER: i64 = 32;

/// A document loaded from (or bound for) the store, with what is already on disk.
pub struct StoredDoc {
    pub id: String,
    pub kind: Kind,
    pub doc: AutoCommit,
    /// Heads already on disk; `None` for a document never saved.
    saved_heads: Option<Vec<ChangeHash>>,
}

impl StoredDoc {
    pub(crate) fn new(id: String, kind: Kind, doc: AutoCommit) -> Self {
        StoredDoc { id, kind, doc, saved_heads: None }
    }
}

pub(crate) fn load(conn: &Connection, id: &str) -> Result<Option<StoredDoc>> {
    let row: Option<(String, Vec<u8>)> = conn
        .query_row("SELECT kind, snapshot FROM documents WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((_, snapshot)) = row else {
        return Ok(None);
    };
    let damaged = |e: automerge::AutomergeError| Error::Document { id: id.to_string(), message: e.to_string() };
    let mut doc = AutoCommit::load(&snapshot).map_err(damaged)?;
    let mut chunks = conn.prepare_cached("SELECT data FROM document_chunks WHERE document_id = ?1 ORDER BY seq")?;
    let mut rows = chunks.query([id])?;
    while let Some(row) = rows.next()? {
        let data: Vec<u8> = row.get(0)?;
        doc.load_incremental(&data).map_err(damaged)?;
    }
    let kind = crate::document::kind(&doc, id)?;
    let heads = doc.get_heads();
    Ok(Some(StoredDoc { id: id.to_string(), kind, doc, saved_heads: Some(heads) }))
}

/// Writes what changed in `stored` since it was loaded or last saved.
pub(crate) fn save(conn: &Connection, stored: &mut StoredDoc, deleted: bool) -> Result<()> {
    let now = chrono::Utc::now().timestamp_millis();
    let heads = stored.doc.get_heads();
    match &stored.saved_heads {
        None => {
            conn.execute(
                "INSERT INTO documents (id, kind, snapshot, deleted, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![stored.id, stored.kind.as_str(), stored.doc.save(), deleted, now],
            )?;
        }
        Some(saved) if *saved == heads => return Ok(()),
        Some(saved) => {
            let chunk = stored.doc.save_after(saved);
            let (count, next): (i64, i64) = conn.query_row(
                "SELECT count(*), coalesce(max(seq), 0) + 1 FROM document_chunks WHERE document_id = ?1",
                [&stored.id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            if count + 1 >= COMPACT_AFTER {
                conn.execute("DELETE FROM document_chunks WHERE document_id = ?1", [&stored.id])?;
                conn.execute(
                    "UPDATE documents SET snapshot = ?2, deleted = ?3, updated_at = ?4 WHERE id = ?1",
                    params![stored.id, stored.doc.save(), deleted, now],
                )?;
            } else {
                conn.execute(
                    "INSERT INTO document_chunks (document_id, seq, data) VALUES (?1, ?2, ?3)",
                    params![stored.id, next, chunk],
                )?;
                conn.execute(
                    "UPDATE documents SET deleted = ?2, updated_at = ?3 WHERE id = ?1",
                    params![stored.id, deleted, now],
                )?;
            }
        }
    }
    stored.saved_heads = Some(heads);
    Ok(())
}

/// Every document id, deleted ones included (a deletion must reach other devices too).
pub(crate) fn all_ids(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT id FROM documents ORDER BY id")?;
    let ids = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(ids)
}

/// A document's bytes as stored: its snapshot and the chunks written since.
#[derive(Debug, Clone)]
pub struct DocumentBytes {
    pub snapshot: Vec<u8>,
    pub chunks: Vec<Vec<u8>>,
}

pub(crate) fn bytes(conn: &Connection, id: &str) -> Result<Option<DocumentBytes>> {
    let snapshot: Option<Vec<u8>> =
        conn.query_row("SELECT snapshot FROM documents WHERE id = ?1", [id], |r| r.get(0)).optional()?;
    let Some(snapshot) = snapshot else { return Ok(None) };
    let mut stmt = conn.prepare_cached("SELECT data FROM document_chunks WHERE document_id = ?1 ORDER BY seq")?;
    let chunks = stmt.query_map([id], |r| r.get(0))?.collect::<rusqlite::Result<Vec<Vec<u8>>>>()?;
    Ok(Some(DocumentBytes { snapshot, chunks }))
}

/// Bytes received for a document that could not be applied yet.
pub(crate) fn incoming(conn: &Connection, id: &str) -> Result<Vec<Vec<u8>>> {
    let mut stmt = conn.prepare_cached("SELECT data FROM incoming_chunks WHERE document_id = ?1 ORDER BY rowid")?;
    let chunks = stmt.query_map([id], |r| r.get(0))?.collect::<rusqlite::Result<Vec<Vec<u8>>>>()?;
    Ok(chunks)
}

pub(crate) fn keep_incoming(conn: &Connection, id: &str, data: &[u8]) -> Result<()> {
    conn.execute("INSERT INTO incoming_chunks (document_id, data) VALUES (?1, ?2)", params![id, data])?;
    Ok(())
}

pub(crate) fn clear_incoming(conn: &Connection, id: &str) -> Result<()> {
    conn.execute("DELETE FROM incoming_chunks WHERE document_id = ?1", [id])?;
    Ok(())
}

/// Documents written at or after `since` (unix milliseconds), and the latest write time seen.
pub(crate) fn changed_since(conn: &Connection, since: i64) -> Result<(Vec<String>, i64)> {
    let mut stmt = conn.prepare_cached("SELECT id, updated_at FROM documents WHERE updated_at >= ?1")?;
    let rows = stmt.query_map([since], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    let mut latest = since;
    let mut ids = Vec::new();
    for row in rows {
        let (id, at) = row?;
        latest = latest.max(at);
        ids.push(id);
    }
    Ok((ids, latest))
}

pub(crate) fn ids(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT id FROM documents WHERE deleted = 0 ORDER BY kind DESC, id")?;
    let ids = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(ids)
}
