//! What the relay knows about each document's access (its [`DocFacts`]), kept in `sync_documents` and
//! cached in memory, and the decision streams samod subscribes to: one per (document, peer),
//! re-decided whenever the facts of that document change.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures::stream::{BoxStream, StreamExt};
use rally_core::model::Visibility;
use rusqlite::{params, Connection, OptionalExtension};
use samod::{DocumentId, PeerId, ShareAccess, ShareConfig};
use tokio::sync::watch;

use super::access::{decide, DocFacts};

/// What the relay knows of a document: its facts, `None` if it has never seen it, or an error if the
/// database could not be read (then every decision is a refusal: access never fails open).
type Lookup = Result<Option<DocFacts>, String>;

pub struct Registry {
    db: Arc<Mutex<Connection>>,
    /// Every document looked at since start, with its facts; an error is never cached.
    docs: Mutex<HashMap<String, watch::Sender<Lookup>>>,
    /// Which account each peer id belongs to: bound on its first connection, for good.
    peers: Mutex<HashMap<String, String>>,
}

impl Registry {
    pub fn new(db: Arc<Mutex<Connection>>) -> Self {
        Registry { db, docs: Mutex::new(HashMap::new()), peers: Mutex::new(HashMap::new()) }
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
        match self.facts(doc_id) {
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
        self.publish(doc_id, self.load(doc_id));
    }

    /// Whether `account` may change the document now (so that its changes are worth keeping).
    pub fn may_write(&self, doc_id: &str, account: &str) -> bool {
        match self.facts(doc_id) {
            Ok(facts) => decide(facts.as_ref(), account).access == ShareAccess::ReadWrite,
            Err(_) => false,
        }
    }

    /// The document's facts, from memory when known.
    fn facts(&self, doc_id: &str) -> Lookup {
        let cached = self
            .docs
            .lock()
            .map_err(|_| "the registry lock was poisoned".to_string())?
            .get(doc_id)
            .map(|tx| tx.borrow().clone());
        if let Some(Ok(facts)) = cached {
            return Ok(facts);
        }
        let loaded = self.load(doc_id);
        if loaded.is_ok() {
            self.publish(doc_id, loaded.clone());
        }
        loaded
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

    /// Makes `facts` the document's known facts, waking the decision streams that watch it.
    fn publish(&self, doc_id: &str, facts: Lookup) {
        let Ok(mut docs) = self.docs.lock() else { return };
        match docs.get(doc_id) {
            Some(tx) => {
                tx.send_if_modified(|known| {
                    let changed = *known != facts;
                    *known = facts;
                    changed
                });
            }
            None => {
                docs.insert(doc_id.to_string(), watch::channel(facts).0);
            }
        }
    }

    /// Records what a new stored version says (the owner is the relay's, never the document's).
    pub fn stored(&self, doc_id: &str, mut facts: DocFacts) {
        let known = self.facts(doc_id);
        // An unreadable owner is left as stored: the update below never replaces one.
        facts.owner = known.as_ref().ok().cloned().flatten().and_then(|f| f.owner);
        if known == Ok(Some(facts.clone())) {
            return;
        }
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
                return;
            }
        }
        self.publish(doc_id, Ok(Some(facts)));
    }

    /// The decisions for `peer` on `doc`: now, and again whenever the document's facts change.
    pub fn decisions(self: &Arc<Self>, doc: DocumentId, peer: PeerId) -> BoxStream<'static, ShareConfig> {
        let doc = doc.to_string();
        let Some(account) = self.account_of(peer.as_str()) else {
            return futures::stream::once(async { ShareConfig::none() }).boxed();
        };
        // A document's owner never changes: its devices need no watch (one per document and peer,
        // which would add up with many documents and connections).
        if let Ok(Some(facts)) = self.facts(&doc) {
            if facts.owner.as_deref() == Some(account.as_str()) {
                let decision = decide(Some(&facts), &account);
                return futures::stream::once(async move { decision }).boxed();
            }
        }
        let rx = {
            let Ok(mut docs) = self.docs.lock() else {
                return futures::stream::once(async { ShareConfig::none() }).boxed();
            };
            match docs.get(&doc) {
                Some(tx) => tx.subscribe(),
                None => {
                    // `facts` could not read the database: refuse now, and decide again once it can.
                    let (tx, rx) = watch::channel(Err("not read yet".to_string()));
                    docs.insert(doc.clone(), tx);
                    rx
                }
            }
        };
        futures::stream::unfold((rx, true), move |(mut rx, first)| {
            let account = account.clone();
            async move {
                if !first {
                    rx.changed().await.ok()?;
                }
                let decision = match &*rx.borrow_and_update() {
                    Ok(facts) => decide(facts.as_ref(), &account),
                    Err(_) => ShareConfig::none(),
                };
                Some((decision, (rx, false)))
            }
        })
        .boxed()
    }
}
