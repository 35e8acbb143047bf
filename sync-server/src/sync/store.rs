//! Documents on the relay's disk: their chunks in `sync_storage` (key `<doc>/snapshot/<sha256>` for a
//! saved document, `<doc>/incremental/<change hash>` for one change, the layout samod uses) and their
//! access facts in `sync_documents`; each change is handed to the [`Projection`] in the same transaction. Received changes are
//! appended, and committed, before the relay acknowledges them, so nothing it acknowledges can be
//! lost; a document with many chunks is compacted into one snapshot.
//!
//! Writes go through one writer task that commits whatever is queued in one transaction (group
//! commit): a burst of changes, from one device catching up or from many, costs one sync to disk per
//! batch rather than per change. Each write's [`Committed`] resolves once its batch is on disk.

use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot};

use automerge::AutoCommit;
use rusqlite::{params, Connection, OptionalExtension};

use super::access::DocFacts;
use super::view::{document_view, DocumentChanged, DocumentView, Projection};
use crate::{Error, Result};

#[derive(Clone)]
pub struct DocStore {
    db: Arc<Mutex<Connection>>,
    writes: mpsc::UnboundedSender<(Write, oneshot::Sender<Outcome>)>,
}

/// What becomes of one document on disk, in one go: its new chunks (with the account that offered
/// them, who owns a new document), its change (handed to the [`Projection`] in the same transaction),
/// and a snapshot that replaces all its chunks.
#[derive(Default)]
pub struct Write {
    pub doc_id: String,
    pub owner: Option<String>,
    pub chunks: Vec<Chunk>,
    pub change: Option<DocumentChanged>,
    pub snapshot: Option<Vec<u8>>,
    /// The group it now belongs to (`Some(None)`: none any more).
    pub group: Option<Option<String>>,
}

impl Write {
    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty() && self.change.is_none() && self.snapshot.is_none() && self.group.is_none()
    }
}

/// A batch's fate: on disk, or why not.
pub type Outcome = std::result::Result<(), String>;
/// Resolves once a write's batch is committed (or failed).
pub type Committed = oneshot::Receiver<Outcome>;

/// The most writes one transaction takes.
const MAX_BATCH: usize = 512;

/// A document as stored: merged chunks, how many there were, its facts and what it says.
pub struct Stored {
    pub doc: AutoCommit,
    pub chunks: usize,
    pub facts: DocFacts,
    pub view: DocumentView,
}

/// A received change (or whole document) ready to append, under its storage name.
pub struct Chunk {
    name: String,
    bytes: Vec<u8>,
}

impl Chunk {
    /// Checks that `bytes` is no larger than [`MAX_CHUNK_BYTES`], and names it: a change by its hash,
    /// anything else as a saved document by its SHA-256. Whether a document's bytes load is found
    /// when they are applied, before anything is stored ([`super::SyncHub`] stores only what applied):
    /// loading them here too cost a second copy of the document in memory and as much time again.
    pub fn parse(bytes: &[u8]) -> Result<Chunk> {
        if bytes.len() > MAX_CHUNK_BYTES {
            return Err(Error::Protocol(format!(
                "a change of {} MiB: at most {} MiB (pictures are re-encoded far smaller)",
                bytes.len() / (1024 * 1024),
                MAX_CHUNK_BYTES / (1024 * 1024)
            )));
        }
        let name = match automerge::Change::from_bytes(bytes.to_vec()) {
            Ok(change) => format!("incremental/{}", change.hash()),
            Err(_) => format!("snapshot/{}", hex_sha256(bytes)),
        };
        Ok(Chunk { name, bytes: bytes.to_vec() })
    }
}

/// The largest change (or whole document) accepted at once. A picture, re-encoded by core, is at most
/// a few hundred KiB; an account's initial upload of a long-lived document fits too.
pub const MAX_CHUNK_BYTES: usize = 8 * 1024 * 1024;

impl Chunk {
    /// Its size on disk.
    pub fn bytes(&self) -> usize {
        self.bytes.len()
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

impl DocStore {
    /// Starts the writer; `forget` is told the documents of a batch that failed to commit, whose
    /// state in memory ran ahead of the disk.
    pub fn new(
        db: Arc<Mutex<Connection>>,
        projection: Arc<dyn Projection>,
        forget: impl Fn(&[String]) + Send + 'static,
    ) -> Self {
        let (writes, queued) = mpsc::unbounded_channel();
        tokio::spawn(write_batches(db.clone(), projection, queued, forget));
        DocStore { db, writes }
    }

    async fn run<T: Send + 'static>(&self, f: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static) -> Result<T> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = crate::lock(&db);
            f(&mut conn)
        })
        .await
        .map_err(|e| Error::Protocol(format!("storage task: {e}")))?
    }

    /// Loads a document with its facts; `None` if the relay has never stored it nor registered it
    /// (a group's document is registered before its first changes arrive).
    pub async fn load(&self, doc_id: &str) -> Result<Option<Stored>> {
        let id = doc_id.to_string();
        self.run(move |conn| {
            let known: Option<(Option<String>, Option<String>)> = conn
                .query_row("SELECT owner, group_id FROM sync_documents WHERE id = ?1", [&id], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?;
            let stored = stored_document(conn, &id)?;
            let (owner, group) = match (&stored, known) {
                (None, None | Some((None, None))) => return Ok(None),
                (_, known) => known.unwrap_or_default(),
            };
            let (doc, chunks) = stored.unwrap_or_default();
            let view = if chunks == 0 { DocumentView::Other } else { document_view(&doc, &id) };
            let hidden =
                crate::moderation::hiding::hidden_because(conn, &id, owner.as_deref(), group.as_deref(), &view)?
                    .is_some();
            let facts = DocFacts { owner, event: view.event_facts(), offered_by: Vec::new(), group, hidden };
            Ok(Some(Stored { doc, chunks, facts, view }))
        })
        .await
    }

    /// Queues a write; it is committed with whatever else is queued when the writer gets to it.
    pub fn queue(&self, write: Write) -> Committed {
        let (done, committed) = oneshot::channel();
        if let Err(mpsc::error::SendError((_, done))) = self.writes.send((write, done)) {
            let _ = done.send(Err("the relay's writer has stopped".into()));
        }
        committed
    }

    /// Writes and waits until it is on disk.
    pub async fn write(&self, write: Write) -> Result<()> {
        self.queue(write)
            .await
            .map_err(|_| Error::Protocol("the relay's writer has stopped".into()))?
            .map_err(Error::Protocol)
    }
}

/// The writer: takes every write waiting, commits them in one transaction, and tells each caller.
async fn write_batches(
    db: Arc<Mutex<Connection>>,
    projection: Arc<dyn Projection>,
    mut queued: mpsc::UnboundedReceiver<(Write, oneshot::Sender<Outcome>)>,
    forget: impl Fn(&[String]) + Send + 'static,
) {
    while let Some(first) = queued.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queued.try_recv() {
                Ok(more) => batch.push(more),
                Err(_) => break,
            }
        }
        let (writes, done): (Vec<Write>, Vec<oneshot::Sender<Outcome>>) = batch.into_iter().unzip();
        let ids: Vec<String> = writes.iter().map(|w| w.doc_id.clone()).collect();
        let (db, projection) = (db.clone(), projection.clone());
        let outcome = match tokio::task::spawn_blocking(move || commit(&db, &*projection, writes)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(e) => Err(format!("the relay's writer failed: {e}")),
        };
        if let Err(e) = &outcome {
            eprintln!("rally-server: storing changes: {e}");
            forget(&ids);
        }
        for done in done {
            let _ = done.send(outcome.clone());
        }
    }
}

fn commit(db: &Mutex<Connection>, projection: &dyn Projection, writes: Vec<Write>) -> Result<()> {
    let mut conn = crate::lock(db);
    let tx = conn.transaction()?;
    for w in writes {
        let id = &w.doc_id;
        if let Some(owner) = &w.owner {
            tx.execute(
                "INSERT INTO sync_documents (id, owner) VALUES (?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET owner = coalesce(sync_documents.owner, excluded.owner)",
                params![id, owner],
            )?;
        }
        if let Some(group) = &w.group {
            tx.execute(
                "INSERT INTO sync_documents (id, group_id) VALUES (?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET group_id = excluded.group_id",
                params![id, group],
            )?;
        }
        {
            let mut insert =
                tx.prepare_cached("INSERT INTO sync_storage (key, data) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING")?;
            for chunk in &w.chunks {
                insert.execute(params![format!("{id}/{}", chunk.name), chunk.bytes])?;
            }
        }
        if let Some(change) = &w.change {
            let (draft, visibility) = match change.after.event_facts() {
                Some((draft, visibility)) => (Some(draft), Some(visibility.as_str())),
                None => (None, None),
            };
            tx.execute(
                "INSERT INTO sync_documents (id, draft, visibility) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET draft = excluded.draft, visibility = excluded.visibility",
                params![id, draft, visibility],
            )?;
            projection.document_changed(&tx, change)?;
        }
        if let Some(snapshot) = w.snapshot {
            tx.execute(
                "DELETE FROM sync_storage WHERE key >= ?1 AND key < ?2",
                params![format!("{id}/"), format!("{id}0")],
            )?;
            tx.execute(
                "INSERT INTO sync_storage (key, data) VALUES (?1, ?2)",
                params![format!("{id}/snapshot/{}", hex_sha256(&snapshot)), snapshot],
            )?;
        }
    }
    Ok(tx.commit()?)
}
