//! Documents on the relay's disk: their chunks in `sync_storage` (key `<doc>/snapshot/<sha256>` for a
//! saved document, `<doc>/incremental/<change hash>` for one change, the layout samod uses) and their
//! access facts in `sync_documents`, with the public tables pages and feeds read. Received changes are
//! appended, and committed, before the relay acknowledges them, so nothing it acknowledges can be
//! lost; a document with many chunks is compacted into one snapshot.
//!
//! Writes go through one writer task that commits whatever is queued in one transaction (group
//! commit): a burst of changes, from one device catching up or from many, costs one sync to disk per
//! batch rather than per change. Each write's [`Committed`] resolves once its batch is on disk.

use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot};

use automerge::AutoCommit;
use rally_core::model::{Event, Identity, Visibility};
use rusqlite::{params, Connection, OptionalExtension};

use super::access::DocFacts;
use crate::{Error, Result};

#[derive(Clone)]
pub struct DocStore {
    db: Arc<Mutex<Connection>>,
    /// Where the relay's pages are, for the URL of each event's VEVENT.
    public_url: Arc<str>,
    writes: mpsc::UnboundedSender<(Write, oneshot::Sender<Outcome>)>,
}

/// What becomes of one document on disk, in one go: its new chunks (with the account that offered
/// them, who owns a new document), what it now says (for the public tables), and a snapshot that
/// replaces all its chunks.
#[derive(Default)]
pub struct Write {
    pub doc_id: String,
    pub owner: Option<String>,
    pub chunks: Vec<Chunk>,
    pub record: Option<(DocFacts, PublicView)>,
    pub snapshot: Option<Vec<u8>>,
}

impl Write {
    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty() && self.record.is_none() && self.snapshot.is_none()
    }
}

/// A batch's fate: on disk, or why not.
pub type Outcome = std::result::Result<(), String>;
/// Resolves once a write's batch is committed (or failed).
pub type Committed = oneshot::Receiver<Outcome>;

/// The most writes one transaction takes.
const MAX_BATCH: usize = 512;

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

/// What pages and feeds may know of a document.
#[derive(Debug, Clone, PartialEq)]
pub enum PublicView {
    /// An event; shown only while published and public or unlisted.
    Event(Box<Event>),
    /// An event marked deleted.
    Deleted,
    Identity(Identity),
    Other,
}

impl PublicView {
    /// What it says about access (events: draft and visibility). The owner is never in a document.
    pub fn event_facts(&self) -> Option<(bool, Visibility)> {
        match self {
            PublicView::Event(e) => Some((e.details.draft, e.details.visibility)),
            _ => None,
        }
    }
}

pub fn public_view(doc: &AutoCommit, doc_id: &str) -> PublicView {
    use rally_core::document::{self, Kind};
    match document::kind(doc, doc_id) {
        Ok(Kind::Event) if document::is_deleted(doc).unwrap_or(false) => PublicView::Deleted,
        Ok(Kind::Event) => {
            document::read_event(doc, doc_id).map_or(PublicView::Other, |e| PublicView::Event(Box::new(e)))
        }
        Ok(Kind::Identity) => document::read_identity(doc, doc_id).map_or(PublicView::Other, PublicView::Identity),
        _ => PublicView::Other,
    }
}

/// The version of what [`record_in`] derives; a change (or a new public URL) rebuilds the public tables
/// at start. 2: repeating events (RRULE in the VEVENT, `starts_at`/`ends_at` the span of all occurrences).
pub const PUBLIC_INDEX_VERSION: i64 = 2;

/// What `meta.public_index` holds once the public tables are built for this version and URL.
pub fn public_index_stamp(public_url: &str) -> String {
    format!("{PUBLIC_INDEX_VERSION} {public_url}")
}

/// Marks a feed as changed: its ETag changes with its revision.
fn bump(tx: &rusqlite::Transaction, feed: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO feed_revisions (feed, revision, changed_at) VALUES (?1, 1, ?2)
         ON CONFLICT (feed) DO UPDATE SET revision = revision + 1, changed_at = excluded.changed_at",
        params![feed, chrono::Utc::now().timestamp_millis()],
    )?;
    Ok(())
}

/// Leaves news for the mail worker when a public event that people may take part in changes its time,
/// its place or its status, or is deleted (told as cancelled); it tells the participants (see
/// [`crate::notify`]). Nothing here knows about mail.
fn news(tx: &rusqlite::Transaction, id: &str, was: &str, now: &PublicView) -> Result<()> {
    let Ok(before) = serde_json::from_str::<Event>(was) else { return Ok(()) };
    let after = match now {
        PublicView::Event(e) => e.as_ref().clone(),
        PublicView::Deleted => {
            let mut gone = before.clone();
            gone.details.status = rally_core::model::EventStatus::Cancelled;
            gone
        }
        _ => return Ok(()),
    };
    let (b, a) = (&before.details, &after.details);
    let told = |d: &rally_core::model::EventDetails| {
        (
            d.starts_at,
            d.ends_at,
            d.timezone.clone(),
            d.all_day,
            d.repeat.clone(),
            d.occurrence_changes.clone(),
            d.place.clone(),
            d.online_url.clone(),
            d.status,
        )
    };
    let anyone: bool = tx.query_row(
        "SELECT count(*) > 0 FROM participations WHERE event_id = ?1 AND status IN ('going', 'waitlisted')",
        [id],
        |r| r.get(0),
    )?;
    if anyone && told(b) != told(a) {
        let json = |e: &Event| serde_json::to_string(e).map_err(|e| Error::Protocol(e.to_string()));
        tx.execute(
            "INSERT INTO event_news (event_id, before, after, at) VALUES (?1, ?2, ?3, ?4)",
            params![id, json(&before)?, json(&after)?, chrono::Utc::now().timestamp_millis()],
        )?;
    }
    Ok(())
}

/// Records, inside `tx`, what a changed document says (see [`DocStore::record`]).
pub fn record_in(
    tx: &rusqlite::Transaction,
    public_url: &str,
    id: &str,
    event: Option<(bool, Visibility)>,
    view: PublicView,
) -> Result<()> {
    let (draft, visibility) = match event {
        Some((draft, visibility)) => (Some(draft), Some(visibility.as_str())),
        None => (None, None),
    };
    tx.execute(
        "INSERT INTO sync_documents (id, draft, visibility) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET draft = excluded.draft, visibility = excluded.visibility",
        params![id, draft, visibility],
    )?;
    match view {
        PublicView::Event(_) | PublicView::Deleted => {
            let before: Option<(String, bool, String)> = tx
                .query_row("SELECT organizer_id, listed, event FROM public_events WHERE id = ?1", [id], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .optional()?;
            if let Some((_, _, was)) = &before {
                news(tx, id, was, &view)?;
            }
            let before = before.map(|(organizer, listed, _)| (organizer, listed));
            let after = match view {
                PublicView::Event(e) if !e.details.draft && e.details.visibility != Visibility::Private => {
                    let page_url = Some(format!("{public_url}/events/{id}"));
                    let vevent = rally_core::ical::vevent(&rally_core::ical::IcsEvent { event: &e, page_url });
                    let zone = rally_core::ical::zone_span(&e).map(|(tz, _, _)| tz.name());
                    // The span every occurrence lies in: what the feed's VTIMEZONE must cover.
                    let (from, to) = rally_core::recurrence::bounds(&e.details);
                    let to = to.unwrap_or(rally_core::recurrence::OPEN_END);
                    let listed = e.details.visibility == Visibility::Public;
                    let json = serde_json::to_string(&e).map_err(|e| Error::Protocol(e.to_string()))?;
                    tx.execute(
                        "INSERT INTO public_events (id, organizer_id, listed, starts_at, ends_at, zone, vevent, event)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                         ON CONFLICT (id) DO UPDATE SET organizer_id = excluded.organizer_id,
                             listed = excluded.listed, starts_at = excluded.starts_at, ends_at = excluded.ends_at,
                             zone = excluded.zone, vevent = excluded.vevent, event = excluded.event",
                        params![
                            id,
                            e.details.organizer_id,
                            listed,
                            from.timestamp(),
                            to.timestamp(),
                            zone,
                            vevent,
                            json
                        ],
                    )?;
                    Some((e.details.organizer_id.clone(), listed))
                }
                _ => {
                    tx.execute("DELETE FROM public_events WHERE id = ?1", [id])?;
                    None
                }
            };
            if before.is_some() || after.is_some() {
                bump(tx, &format!("event:{id}"))?;
                let organizers: std::collections::BTreeSet<&String> =
                    before.iter().chain(after.iter()).map(|(organizer, _)| organizer).collect();
                for organizer in organizers {
                    bump(tx, &format!("identity:{organizer}"))?;
                }
                if before.iter().chain(after.iter()).any(|(_, listed)| *listed) {
                    bump(tx, "instance")?;
                }
            }
        }
        PublicView::Identity(identity) => {
            tx.execute(
                "INSERT INTO identities (id, username, display_name) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET username = excluded.username, display_name = excluded.display_name",
                params![id, identity.username, identity.display_name],
            )?;
            tx.execute(
                "INSERT INTO usernames (username, identity_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                params![identity.username, id],
            )?;
            bump(tx, &format!("identity:{id}"))?;
        }
        PublicView::Other => {}
    }
    Ok(())
}

impl DocStore {
    /// Starts the writer; `forget` is told the documents of a batch that failed to commit, whose
    /// state in memory ran ahead of the disk.
    pub fn new(db: Arc<Mutex<Connection>>, public_url: &str, forget: impl Fn(&[String]) + Send + 'static) -> Self {
        let (writes, queued) = mpsc::unbounded_channel();
        let public_url: Arc<str> = public_url.into();
        tokio::spawn(write_batches(db.clone(), public_url.clone(), queued, forget));
        DocStore { db, public_url, writes }
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
                let event = public_view(&doc, &id).event_facts();
                Stored { doc, chunks, facts: DocFacts { owner, event } }
            }))
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

    /// Derives the public tables from every stored document, once per [`PUBLIC_INDEX_VERSION`] and
    /// public URL (a relay upgraded with documents already on disk, or moved).
    pub async fn ensure_public_index(&self) -> Result<()> {
        let public_url = self.public_url.clone();
        self.run(move |conn| {
            let stamp = public_index_stamp(&public_url);
            let built: Option<String> =
                conn.query_row("SELECT value FROM meta WHERE key = 'public_index'", [], |r| r.get(0)).optional()?;
            if built.as_deref() == Some(stamp.as_str()) {
                return Ok(());
            }
            let tx = conn.transaction()?;
            tx.execute("DELETE FROM public_events", [])?;
            let ids: Vec<String> = tx
                .prepare(
                    "SELECT DISTINCT substr(key, 1, instr(key, '/') - 1) FROM sync_storage WHERE instr(key, '/') > 0",
                )?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for id in ids {
                // A document that does not load is skipped here, as it is everywhere else.
                if let Ok(Some((doc, _))) = stored_document(&tx, &id) {
                    let view = public_view(&doc, &id);
                    record_in(&tx, &public_url, &id, view.event_facts(), view)?;
                }
            }
            bump(&tx, "instance")?;
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('public_index', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [&stamp],
            )?;
            Ok(tx.commit()?)
        })
        .await
    }
}

/// The writer: takes every write waiting, commits them in one transaction, and tells each caller.
async fn write_batches(
    db: Arc<Mutex<Connection>>,
    public_url: Arc<str>,
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
        let (db, url) = (db.clone(), public_url.clone());
        let outcome = match tokio::task::spawn_blocking(move || commit(&db, &url, writes)).await {
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

fn commit(db: &Mutex<Connection>, public_url: &str, writes: Vec<Write>) -> Result<()> {
    let mut conn = db.lock().map_err(|_| Error::Poisoned)?;
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
        {
            let mut insert =
                tx.prepare_cached("INSERT INTO sync_storage (key, data) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING")?;
            for chunk in &w.chunks {
                insert.execute(params![format!("{id}/{}", chunk.name), chunk.bytes])?;
            }
        }
        if let Some((facts, view)) = w.record {
            record_in(&tx, public_url, id, facts.event, view)?;
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
