//! What the relay knows about each document's access (its [`DocFacts`]), kept in `sync_documents`, and
//! the decision streams samod subscribes to: one per (document, peer), re-decided whenever the facts
//! of that document change.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures::Stream;
use rally_core::model::Visibility;
use rusqlite::{params, Connection, OptionalExtension};
use samod::{DocumentId, PeerId, ShareConfig};
use tokio::sync::watch;

use super::access::{decide, DocFacts};

/// What the relay knows of a document: its facts, `None` if it has never seen it, or an error if the
/// database could not be read (then every decision is a refusal: access never fails open).
type Lookup = Result<Option<DocFacts>, String>;

pub struct Registry {
    db: Arc<Mutex<Connection>>,
    watches: Mutex<HashMap<String, watch::Sender<Lookup>>>,
    /// Which account each peer id belongs to: bound on its first connection, for good.
    peers: Mutex<HashMap<String, String>>,
}

impl Registry {
    pub fn new(db: Arc<Mutex<Connection>>) -> Self {
        Registry { db, watches: Mutex::new(HashMap::new()), peers: Mutex::new(HashMap::new()) }
    }

    /// Binds a peer id to the account of the connection that announces it; refuses one already bound
    /// to another account, so that no connection can speak as another account's peer.
    pub fn bind_peer(&self, peer: &str, account: &str) -> Result<(), String> {
        let mut peers = self.peers.lock().map_err(|_| "peer registry poisoned".to_string())?;
        match peers.get(peer) {
            Some(owner) if owner != account => Err(format!("peer id {peer} belongs to another account")),
            Some(_) => Ok(()),
            None => {
                peers.insert(peer.to_string(), account.to_string());
                Ok(())
            }
        }
    }

    fn account_of(&self, peer: &str) -> Option<String> {
        self.peers.lock().ok()?.get(peer).cloned()
    }

    /// The account that first sends changes to a document the relay has no owner for becomes its
    /// owner (before samod even sees those changes, so the decision is in place when they land).
    pub fn note_writer(&self, doc_id: &str, account: &str) {
        if !rally_core::document::is_id(doc_id) {
            return;
        }
        match self.load(doc_id) {
            Ok(Some(DocFacts { owner: Some(_), .. })) => return,
            Ok(_) => {}
            Err(e) => {
                eprintln!("rally-server: reading the owner of {doc_id}: {e}");
                return;
            }
        }
        if let Ok(db) = self.db.lock() {
            let saved = db.execute(
                "INSERT INTO sync_documents (id, owner) VALUES (?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET owner = coalesce(sync_documents.owner, excluded.owner)",
                params![doc_id, account],
            );
            if let Err(e) = saved {
                eprintln!("rally-server: recording the owner of {doc_id}: {e}");
                return;
            }
        }
        let facts = self.load(doc_id);
        if let Ok(watches) = self.watches.lock() {
            if let Some(tx) = watches.get(doc_id) {
                tx.send_modify(|known| *known = facts);
            }
        }
    }

    fn load(&self, doc_id: &str) -> Lookup {
        let db = self.db.lock().map_err(|_| "the database lock was poisoned".to_string())?;
        let row: Option<(Option<String>, Option<i64>, Option<String>)> = db
            .query_row("SELECT owner, draft, visibility FROM sync_documents WHERE id = ?1", [doc_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()
            .map_err(|e| e.to_string())?;
        Ok(row.map(|(owner, draft, visibility)| DocFacts {
            owner,
            event: match (draft, visibility.as_deref().and_then(Visibility::parse)) {
                (Some(draft), Some(visibility)) => Some((draft != 0, visibility)),
                _ => None,
            },
        }))
    }

    /// Records what a new stored version says (the owner is the relay's, never the document's).
    pub fn stored(&self, doc_id: &str, mut facts: DocFacts) {
        // An unreadable owner is left as stored: the update below never replaces one.
        facts.owner = self.load(doc_id).ok().flatten().and_then(|f| f.owner);
        if let Ok(db) = self.db.lock() {
            let (draft, visibility) = match facts.event {
                Some((draft, visibility)) => (Some(draft), Some(visibility.as_str())),
                None => (None, None),
            };
            let saved = db.execute(
                "INSERT INTO sync_documents (id, owner, draft, visibility) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET owner = coalesce(sync_documents.owner, excluded.owner),
                     draft = excluded.draft, visibility = excluded.visibility",
                params![doc_id, facts.owner, draft, visibility],
            );
            if let Err(e) = saved {
                eprintln!("rally-server: recording access facts of {doc_id}: {e}");
            }
        }
        if let Ok(watches) = self.watches.lock() {
            if let Some(tx) = watches.get(doc_id) {
                tx.send_modify(|known| *known = Ok(Some(facts)));
            }
        }
    }

    fn subscribe(&self, doc_id: &str) -> watch::Receiver<Lookup> {
        let mut watches = self.watches.lock().unwrap_or_else(|p| p.into_inner());
        watches.retain(|_, tx| tx.receiver_count() > 0);
        watches.entry(doc_id.to_string()).or_insert_with(|| watch::channel(self.load(doc_id)).0).subscribe()
    }

    /// The decisions for `peer` on `doc`: now, and again whenever the document's facts change.
    pub fn decisions(
        self: &Arc<Self>,
        doc: DocumentId,
        peer: PeerId,
    ) -> impl Stream<Item = ShareConfig> + Send + 'static {
        let account = self.account_of(peer.as_str());
        let rx = self.subscribe(&doc.to_string());
        futures::stream::unfold((rx, true), move |(mut rx, first)| {
            let account = account.clone();
            async move {
                if !first {
                    rx.changed().await.ok()?;
                }
                let decision = match (&account, &*rx.borrow_and_update()) {
                    (Some(account), Ok(facts)) => decide(facts.as_ref(), account),
                    _ => ShareConfig::none(),
                };
                Some((decision, (rx, false)))
            }
        })
    }
}
