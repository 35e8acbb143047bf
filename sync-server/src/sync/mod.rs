//! Document sync over the automerge-repo WebSocket protocol: the relay's own hub, written for a relay
//! (state per document and per connection that asked for it, nothing per idle pair; documents leave
//! memory when idle; changes on disk before they are acknowledged).
//!
//! - [`wire`]: the protocol's CBOR messages.
//! - [`access`]: who may read and write, a pure function, checked on every message.
//! - [`store`]: documents and their facts in SQLite.
//! - [`quota`]: bytes each account keeps on the relay, against its quota.
//! - [`view`]: what a document says, checked with core's rules, and the change handed to a [`Projection`].
//! - [`document`]: one document in memory and each connection's sync state (no IO).
//! - [`peer`]: a connected peer, and peer ids bound to accounts.
//! - [`connection`]: one authenticated socket, from handshake to goodbye.
//!
//! A connection is accepted only with a valid session token (checked by the HTTP layer).

pub mod access;
mod connection;
mod document;
pub mod peer;
mod quota;
pub mod store;
pub mod view;
pub mod wire;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension};

use access::Access;
use document::LiveDoc;
use peer::{Peer, PeerBook};
use store::{Chunk, DocStore};
pub use view::{DocumentChanged, DocumentView, Projection};
use wire::Message;

use crate::{Error, Result};

/// The relay's own peer id in the protocol.
pub const RELAY_PEER_ID: &str = "rally-relay";
/// A document nobody has synced for this long leaves memory (it is all on disk).
const IDLE: Duration = Duration::from_secs(300);
const SWEEP_EVERY: Duration = Duration::from_secs(60);
/// More chunks than this on disk and a document is rewritten as one snapshot.
const COMPACT_AFTER_CHUNKS: usize = 64;

/// A sync message carrying more than this is checked and applied off the async workers' queue.
const HEAVY_BYTES: usize = 256 * 1024;

/// Runs the checking and applying of a large message (a picture, an account's first upload: up to
/// a second of CPU unoptimised) so that it does not hold up the other tasks of its worker thread,
/// the relay's health and every other socket among them: they move to another worker meanwhile.
fn heavy<T>(bytes: usize, work: impl FnOnce() -> T) -> T {
    let multi_thread = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    if bytes >= HEAVY_BYTES && multi_thread {
        tokio::task::block_in_place(work)
    } else {
        work()
    }
}

/// Tells the group's documents in memory that its roles changed: connections that waited for one
/// and may now read it start syncing (those that lost access hear nothing more, as on every message).
async fn roles_changed(docs: &Mutex<HashMap<String, Slot>>, group: &str) {
    let slots: Vec<Slot> = crate::lock(docs).values().cloned().collect();
    for slot in slots {
        let mut guard = slot.lock().await;
        if let Some(live) = guard.as_mut().filter(|live| live.facts.group.as_deref() == Some(group)) {
            for (to, frame) in live.access_changed() {
                to.send(frame);
            }
        }
    }
}

/// A document's place in memory: empty while it is being loaded, or after it was found missing.
type Slot = Arc<tokio::sync::Mutex<Option<LiveDoc>>>;

pub struct SyncHub {
    store: DocStore,
    projection: Arc<dyn Projection>,
    quota: quota::Quota,
    docs: Arc<Mutex<HashMap<String, Slot>>>,
    peers: PeerBook,
    /// Accounts' roles in groups, which the group service keeps up to date.
    roles: Arc<access::Roles>,
    next_connection: AtomicU64,
    db: Arc<Mutex<Connection>>,
    /// One root document per account, even when two devices ask at once.
    root_lock: tokio::sync::Mutex<()>,
    sweeper: tokio::task::JoinHandle<()>,
    /// Lets waiting connections in when their group's roles change.
    readmitter: tokio::task::JoinHandle<()>,
}

impl SyncHub {
    /// Starts the hub; `projection` is handed every committed change.
    pub async fn start(
        db: Arc<Mutex<Connection>>,
        projection: Arc<dyn Projection>,
        limits: &crate::limits::Limits,
    ) -> Result<SyncHub> {
        let docs: Arc<Mutex<HashMap<String, Slot>>> = Arc::default();
        let sweeper = tokio::spawn({
            let docs = docs.clone();
            async move {
                let mut every = tokio::time::interval(SWEEP_EVERY);
                loop {
                    every.tick().await;
                    evict_idle(&docs);
                }
            }
        });
        // A batch that did not reach the disk: those documents reload from it on next use.
        let forget = {
            let docs = docs.clone();
            move |ids: &[String]| {
                let mut docs = crate::lock(&docs);
                for id in ids {
                    docs.remove(id);
                }
            }
        };
        let store = DocStore::new(db.clone(), projection.clone(), forget);
        let roles: Arc<access::Roles> = Arc::default();
        let readmitter = tokio::spawn({
            let (docs, roles) = (docs.clone(), roles.clone());
            async move {
                loop {
                    for group in roles.changed().await {
                        roles_changed(&docs, &group).await;
                    }
                }
            }
        });
        Ok(SyncHub {
            projection,
            store,
            quota: quota::Quota::new(db.clone(), limits.account_quota),
            docs,
            peers: PeerBook::default(),
            roles,
            next_connection: AtomicU64::new(1),
            db,
            root_lock: tokio::sync::Mutex::new(()),
            sweeper,
            readmitter,
        })
    }

    /// The account's root document, created (owned by the account) the first time it is asked for.
    pub async fn root_document(&self, account_id: &str) -> Result<String> {
        let _one_at_a_time = self.root_lock.lock().await;
        let known: Option<String> = {
            let db = crate::lock(&self.db);
            db.query_row("SELECT root_document FROM accounts WHERE id = ?1", [account_id], |r| r.get(0))
                .optional()?
                .flatten()
        };
        if let Some(id) = known {
            return Ok(id);
        }
        let id = rally_core::document::new_id();
        let mut root = rally_core::document::create(rally_core::document::Kind::Account, chrono::Utc::now())
            .map_err(|e| Error::Config(e.to_string()))?;
        let write = store::Write {
            doc_id: id.clone(),
            owner: Some(account_id.to_string()),
            chunks: vec![Chunk::parse(&root.save())?],
            ..Default::default()
        };
        self.store.write(write).await?;
        let db = crate::lock(&self.db);
        db.execute("UPDATE accounts SET root_document = ?2 WHERE id = ?1", [account_id, &id])?;
        Ok(id)
    }

    /// Serves one WebSocket of `account` until it closes, or until its session ends.
    pub async fn serve(
        self: Arc<Self>,
        socket: axum::extract::ws::WebSocket,
        account: String,
        ending: crate::accounts::live::Ending,
    ) {
        connection::serve(self, socket, account, ending).await
    }

    /// Removes every document of a deleted account from the relay: each is handed over as deleted
    /// (its pages and feeds go; the participants of its events are told they are cancelled), and its
    /// stored changes go. A group's documents are the group's: they stay, owned by nobody (roles
    /// decide who writes them).
    pub async fn remove_account(&self, account_id: &str) -> Result<()> {
        let (db, projection, account) = (self.db.clone(), self.projection.clone(), account_id.to_string());
        let ids = tokio::task::spawn_blocking(move || {
            let mut conn = crate::lock(&db);
            let tx = conn.transaction()?;
            tx.execute("UPDATE sync_documents SET owner = NULL WHERE owner = ?1 AND group_id IS NOT NULL", [&account])?;
            let ids: Vec<String> = tx
                .prepare("SELECT id FROM sync_documents WHERE owner = ?1")?
                .query_map([&account], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for id in &ids {
                let before = match store::stored_document(&tx, id) {
                    Ok(Some((doc, _))) => view::document_view(&doc, id),
                    _ => DocumentView::Other,
                };
                projection
                    .document_changed(&tx, &DocumentChanged { id: id.clone(), before, after: DocumentView::Deleted })?;
                tx.execute(
                    "DELETE FROM sync_storage WHERE key >= ?1 AND key < ?2",
                    rusqlite::params![format!("{id}/"), format!("{id}0")],
                )?;
                tx.execute("DELETE FROM sync_documents WHERE id = ?1", [id])?;
            }
            tx.commit()?;
            Ok::<_, Error>(ids)
        })
        .await
        .map_err(|e| Error::Protocol(format!("removing documents: {e}")))??;
        let mut docs = crate::lock(&self.docs);
        for id in ids {
            docs.remove(&id);
        }
        Ok(())
    }

    /// Records a moderators' measure (`measure` answers the documents it touches) and re-derives, in
    /// the same transaction, what each of them shows: a hidden public event leaves pages and feeds and
    /// is withdrawn from other servers (`Delete`), a restored one is published again. Then their
    /// connections are told, as after a change of roles: those who may no longer read one hear
    /// nothing more of it, those who may again resume.
    pub async fn moderate<T: Send + 'static>(
        &self,
        measure: impl FnOnce(&rusqlite::Transaction) -> Result<(T, Vec<String>)> + Send + 'static,
    ) -> Result<T> {
        let (db, projection) = (self.db.clone(), self.projection.clone());
        let (answer, ids) = tokio::task::spawn_blocking(move || {
            let mut conn = crate::lock(&db);
            let tx = conn.transaction()?;
            let (answer, ids) = measure(&tx)?;
            for id in &ids {
                // A stored document that no longer loads stays as it was: withheld as invalid.
                if let Ok(Some((doc, _))) = store::stored_document(&tx, id) {
                    let view = view::document_view(&doc, id);
                    let change = DocumentChanged { id: id.clone(), before: view.clone(), after: view };
                    projection.document_changed(&tx, &change)?;
                }
            }
            tx.commit()?;
            Ok::<_, Error>((answer, ids))
        })
        .await
        .map_err(|e| Error::Protocol(format!("a moderation measure: {e}")))??;
        for id in ids {
            let Some(slot) = crate::lock(&self.docs).get(&id).cloned() else { continue };
            let mut guard = slot.lock().await;
            let Some(live) = guard.as_mut() else { continue };
            live.facts.hidden = {
                let conn = crate::lock(&self.db);
                let (owner, group) = (live.facts.owner.as_deref(), live.facts.group.as_deref());
                crate::moderation::hiding::hidden_because(&conn, &id, owner, group, live.view())?.is_some()
            };
            for (to, frame) in live.access_changed() {
                to.send(frame);
            }
        }
        Ok(answer)
    }

    /// Deletes an event for good, as its moderators decided: the relay writes the deletion mark into
    /// the document (stored and projected like any change: pages, feeds, participants told,
    /// `Delete` to other servers) and every device syncing it, its owner's first, gets the mark.
    pub async fn delete_for_good(&self, doc_id: &str) -> Result<()> {
        let slot = self.slot(doc_id)?;
        let mut guard = slot.lock().await;
        let live = self.live(&mut guard, doc_id).await?;
        if !matches!(live.view(), DocumentView::Event(..)) {
            return Err(Error::NotFound);
        }
        let (bytes, change) = live.change_here(|doc| rally_core::document::mark_deleted(doc, chrono::Utc::now()))?;
        let write = store::Write {
            doc_id: doc_id.to_string(),
            chunks: vec![Chunk::parse(&bytes)?],
            change: Some(change),
            ..Default::default()
        };
        self.store.write(write).await?;
        live.chunks += 1;
        for (to, frame) in live.access_changed() {
            to.send(frame);
        }
        Ok(())
    }

    /// The roles every message is checked against; the group service records changes here.
    pub fn roles(&self) -> Arc<access::Roles> {
        self.roles.clone()
    }

    /// Makes a document a group's own (at the group's registration): from then on roles decide who
    /// reads and writes it, on the connections open too. `account` owns it if nobody did.
    pub async fn tie_to_group(&self, doc_id: &str, account: &str, group: &str) -> Result<()> {
        let slot = self.slot(doc_id)?;
        let mut guard = slot.lock().await;
        self.store
            .write(store::Write {
                doc_id: doc_id.to_string(),
                owner: Some(account.to_string()),
                group: Some(Some(group.to_string())),
                ..Default::default()
            })
            .await?;
        if let Some(live) = guard.as_mut() {
            live.facts.owner.get_or_insert_with(|| account.to_string());
            live.facts.offered_by.clear();
            live.facts.group = Some(group.to_string());
        }
        Ok(())
    }

    pub async fn stop(&self) {
        self.sweeper.abort();
        self.readmitter.abort();
    }

    fn slot(&self, doc_id: &str) -> Result<Slot> {
        let mut docs = crate::lock(&self.docs);
        Ok(docs.entry(doc_id.to_string()).or_default().clone())
    }

    /// The document in its slot, loaded from the disk if it is not in memory (as missing if the relay
    /// has nothing of it).
    async fn live<'a>(&self, slot: &'a mut Option<LiveDoc>, id: &str) -> Result<&'a mut LiveDoc> {
        let live = match slot.take() {
            Some(live) => live,
            None => match self.store.load(id).await? {
                Some(s) => LiveDoc::new(id.into(), s.doc, s.facts, s.chunks, s.view, self.roles.clone()),
                None => LiveDoc::missing(id.into(), self.roles.clone()),
            },
        };
        Ok(slot.insert(live))
    }

    fn unavailable(peer: &Peer, document: &str) {
        peer.send(wire::encode(&Message::DocUnavailable { document: document.into() }, RELAY_PEER_ID, &peer.peer_id));
    }

    /// A `sync` or `request` from `peer`. Its changes, if the peer may write, are applied and passed on
    /// to the other peers at once, and queued for the disk; the answer to the sender, the only message
    /// that acknowledges them, goes out once they are committed. The next frame is read meanwhile, so
    /// a burst of changes is committed together.
    ///
    /// Answers whether the sender was told the document is unavailable.
    async fn receive(&self, peer: &Arc<Peer>, document: &str, data: &[u8], request: bool) -> Result<bool> {
        if !rally_core::document::is_id(document) {
            // Not a document id at all: nothing to wait for.
            Self::unavailable(peer, document);
            return Ok(true);
        }
        let message = automerge::sync::Message::decode(data)
            .map_err(|e| Error::Protocol(format!("a sync message for {document} that does not decode: {e}")))?;
        let slot = self.slot(document)?;
        let mut guard = slot.lock().await;
        let live = self.live(&mut guard, document).await?;
        let facts_before = live.facts.clone();
        // Only the owner writes (or, for a document the relay has nothing of, whoever offered it and
        // sends changes first); changes are checked before anything is applied.
        let checked_and_applied = heavy(data.len(), || {
            let has_changes = !message.changes.is_empty();
            let chunks = if live.admit(peer, request, has_changes) == Access::ReadWrite && has_changes {
                let chunks = message.changes.iter().map(Chunk::parse).collect::<Result<Vec<_>>>()?;
                self.quota.take(&peer.account, chunks.iter().map(|c| c.bytes() as u64).sum())?;
                chunks
            } else {
                Vec::new()
            };
            Ok::<_, Error>((chunks, live.receive(peer, message)?))
        });
        let (chunks, received) = match checked_and_applied {
            Ok(done) => done,
            Err(e) => {
                *guard = None; // reloaded from disk on next use
                return Err(e);
            }
        };
        // The other peers hear of a change at once; the sender's answer, which tells it the relay has
        // its changes, waits until they are committed (a new document's owner goes on disk with them).
        let (to_sender, to_others): (Vec<_>, Vec<_>) =
            received.outgoing.into_iter().partition(|(to, _)| to.connection == peer.connection);
        for (to, frame) in to_others {
            to.send(frame);
        }
        let mut write = store::Write { doc_id: document.to_string(), ..Default::default() };
        if !chunks.is_empty() {
            live.chunks += chunks.len();
            write.owner = live.facts.owner.clone();
            write.chunks = chunks;
        }
        if live.facts.group != facts_before.group {
            write.group = Some(live.facts.group.clone());
        }
        if let Some(change) = received.changed {
            if live.facts != facts_before || !matches!(change.after, DocumentView::Other) {
                write.change = Some(change);
            }
            if live.chunks > COMPACT_AFTER_CHUNKS {
                write.snapshot = Some(live.save());
                live.chunks = 1;
                if let Some(owner) = &live.facts.owner {
                    self.quota.recount(owner);
                }
            }
        }
        let frames: Vec<Vec<u8>> = to_sender.into_iter().map(|(_, frame)| frame).collect();
        if write.is_empty() {
            frames.into_iter().for_each(|frame| peer.send(frame));
        } else {
            peer.send_when(self.store.queue(write), frames);
        }
        Ok(received.unavailable)
    }

    /// Passes an ephemeral message on to the document's other readers, if the sender may read it.
    async fn ephemeral(
        &self,
        peer: &Peer,
        document: String,
        frame: Vec<(ciborium::Value, ciborium::Value)>,
    ) -> Result<()> {
        let Some(slot) = crate::lock(&self.docs).get(&document).cloned() else { return Ok(()) };
        let message = Message::Ephemeral { document, frame };
        let guard = slot.lock().await;
        if let Some(live) = guard.as_ref().filter(|live| live.access(peer) != Access::None) {
            for reader in live.readers_except(peer.connection) {
                reader.send(wire::encode(&message, &peer.peer_id, &reader.peer_id));
            }
        }
        Ok(())
    }

    /// Forgets a closed connection's sync states.
    async fn disconnect(&self, peer: &Peer, documents: HashSet<String>) {
        for document in documents {
            let slot = crate::lock(&self.docs).get(&document).cloned();
            if let Some(slot) = slot {
                if let Some(live) = slot.lock().await.as_mut() {
                    live.leave(peer.connection);
                }
            }
        }
    }

    fn next_connection(&self) -> u64 {
        self.next_connection.fetch_add(1, Ordering::Relaxed)
    }
}

/// Drops documents nobody syncs and nobody has used for [`IDLE`], and slots of missing documents.
/// A slot someone holds (a clone of its `Arc`, only taken under the map's lock) stays.
fn evict_idle(docs: &Mutex<HashMap<String, Slot>>) {
    let mut docs = crate::lock(docs);
    docs.retain(|_, slot| {
        if Arc::strong_count(slot) > 1 {
            return true;
        }
        match slot.try_lock() {
            Ok(live) => live.as_ref().is_some_and(|live| live.has_peers() || live.last_used.elapsed() < IDLE),
            Err(_) => true,
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(live: Option<LiveDoc>) -> Slot {
        Arc::new(tokio::sync::Mutex::new(live))
    }

    fn idle_doc() -> LiveDoc {
        let mut live = LiveDoc::missing(rally_core::document::new_id(), Arc::default());
        live.last_used = std::time::Instant::now().checked_sub(IDLE + Duration::from_secs(1)).expect("uptime");
        live
    }

    #[test]
    fn idle_documents_leave_memory_and_used_or_held_ones_stay() {
        let docs = Mutex::new(HashMap::new());
        let held = slot(Some(idle_doc()));
        let holder = held.clone();
        {
            let mut map = docs.lock().expect("lock");
            map.insert(
                "recent".to_string(),
                slot(Some(LiveDoc::missing(rally_core::document::new_id(), Arc::default()))),
            );
            map.insert("idle".to_string(), slot(Some(idle_doc())));
            map.insert("never loaded".to_string(), slot(None));
            map.insert("held".to_string(), held);
        }
        evict_idle(&docs);
        let mut left: Vec<String> = docs.lock().expect("lock").keys().cloned().collect();
        left.sort();
        assert_eq!(left, ["held", "recent"]);
        drop(holder);
        evict_idle(&docs);
        assert_eq!(docs.lock().expect("lock").keys().cloned().collect::<Vec<_>>(), ["recent"]);
    }
}
