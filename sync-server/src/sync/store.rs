//! Documents on the relay's disk: their chunks in `sync_storage` (key `<doc>/snapshot/<sha256>` for a
//! saved document, `<doc>/incremental/<change hash>` for one change, the layout samod uses) and their
//! access facts in `sync_documents`. Changes are appended, and committed, before the relay applies
//! them, so nothing it acknowledges can be lost; a document with many chunks is compacted into one
//! snapshot.

use std::sync::{Arc, Mutex};

use automerge::AutoCommit;
use rally_core::model::Visibility;
use rusqlite::{params, Connection, OptionalExtension};

use super::access::DocFacts;
use crate::{Error, Result};

#[derive(Clone)]
pub struct DocStore {
    db: Arc<Mutex<Connection>>,
}

/// A document as stored: merged chunks, how many there were, and its facts.
pub struct Stored {
    pub doc: AutoCommit,
    pub chunks: usize,
    pub facts: DocFacts,
}

/// A received change (or whole document) ready to append, under its storage name.
pub struct Chunk {
    name: String,
    bytes: Vec<u8>,
}

impl Chunk {
    /// Checks that `bytes` is a change or a saved document, and names it.
    pub fn parse(bytes: &[u8]) -> Result<Chunk> {
        let name = match automerge::Change::from_bytes(bytes.to_vec()) {
            Ok(change) => format!("incremental/{}", change.hash()),
            Err(_) => {
                automerge::Automerge::load(bytes)
                    .map_err(|e| Error::Protocol(format!("changes that do not load: {e}")))?;
                format!("snapshot/{}", hex_sha256(bytes))
            }
        };
        Ok(Chunk { name, bytes: bytes.to_vec() })
    }
}

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Every chunk of `doc_id`, merged; `None` if it has none, an error if one does not load.
pub fn stored_document(conn: &Connection, doc_id: &str) -> Result<Option<(AutoCommit, usize)>> {
    let mut stmt = conn.prepare_cached("SELECT data FROM sync_storage WHERE key >= ?1 AND key < ?2")?;
    // Keys below `doc` are `doc/…`; '0' is the character after '/'.
    let chunks = stmt
        .query_map(params![format!("{doc_id}/"), format!("{doc_id}0")], |r| r.get::<_, Vec<u8>>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    if chunks.is_empty() {
        return Ok(None);
    }
    let mut doc = AutoCommit::new();
    for chunk in &chunks {
        doc.load_incremental(chunk).map_err(|e| Error::Protocol(format!("stored document {doc_id}: {e}")))?;
    }
    Ok(Some((doc, chunks.len())))
}

/// What a document says about its access (events: draft and visibility). Its owner is not in it.
pub fn event_facts(doc: &AutoCommit, doc_id: &str) -> Option<(bool, Visibility)> {
    match rally_core::document::kind(doc, doc_id) {
        Ok(rally_core::document::Kind::Event) => {
            rally_core::document::read_event(doc, doc_id).ok().map(|e| (e.details.draft, e.details.visibility))
        }
        _ => None,
    }
}

impl DocStore {
    pub fn new(db: Arc<Mutex<Connection>>) -> Self {
        DocStore { db }
    }

    async fn run<T: Send + 'static>(&self, f: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static) -> Result<T> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = db.lock().map_err(|_| Error::Poisoned)?;
            f(&mut conn)
        })
        .await
        .map_err(|e| Error::Protocol(format!("storage task: {e}")))?
    }

    /// Loads a document with its facts; `None` if the relay has never stored it.
    pub async fn load(&self, doc_id: &str) -> Result<Option<Stored>> {
        let id = doc_id.to_string();
        self.run(move |conn| {
            let owner: Option<String> = conn
                .query_row("SELECT owner FROM sync_documents WHERE id = ?1", [&id], |r| r.get(0))
                .optional()?
                .flatten();
            Ok(stored_document(conn, &id)?.map(|(doc, chunks)| {
                let event = event_facts(&doc, &id);
                Stored { doc, chunks, facts: DocFacts { owner, event } }
            }))
        })
        .await
    }

    /// Appends received chunks, committed when this returns, and records `owner` as the document's
    /// owner unless one is recorded already; the owner on record is returned.
    pub async fn append(&self, doc_id: &str, owner: Option<&str>, chunks: Vec<Chunk>) -> Result<Option<String>> {
        let (id, owner) = (doc_id.to_string(), owner.map(str::to_string));
        self.run(move |conn| {
            let tx = conn.transaction()?;
            let owner = match owner {
                Some(owner) => tx.query_row(
                    "INSERT INTO sync_documents (id, owner) VALUES (?1, ?2)
                     ON CONFLICT (id) DO UPDATE SET owner = coalesce(sync_documents.owner, excluded.owner)
                     RETURNING owner",
                    params![id, owner],
                    |r| r.get(0),
                )?,
                None => None,
            };
            {
                let mut insert = tx.prepare_cached(
                    "INSERT INTO sync_storage (key, data) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
                )?;
                for chunk in &chunks {
                    insert.execute(params![format!("{id}/{}", chunk.name), chunk.bytes])?;
                }
            }
            tx.commit()?;
            Ok(owner)
        })
        .await
    }

    /// Replaces every chunk of the document with one snapshot, in one transaction.
    pub async fn compact(&self, doc_id: &str, snapshot: Vec<u8>) -> Result<()> {
        let id = doc_id.to_string();
        self.run(move |conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "DELETE FROM sync_storage WHERE key >= ?1 AND key < ?2",
                params![format!("{id}/"), format!("{id}0")],
            )?;
            tx.execute(
                "INSERT INTO sync_storage (key, data) VALUES (?1, ?2)",
                params![format!("{id}/snapshot/{}", hex_sha256(&snapshot)), snapshot],
            )?;
            Ok(tx.commit()?)
        })
        .await
    }

    /// Records an event's draft and visibility, as the rest of the relay (public pages, feeds) reads them.
    pub async fn set_facts(&self, doc_id: &str, facts: &DocFacts) -> Result<()> {
        let id = doc_id.to_string();
        let (draft, visibility) = match facts.event {
            Some((draft, visibility)) => (Some(draft), Some(visibility.as_str())),
            None => (None, None),
        };
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO sync_documents (id, draft, visibility) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET draft = excluded.draft, visibility = excluded.visibility",
                params![id, draft, visibility],
            )?;
            Ok(())
        })
        .await
    }
}
