//! Document sync over the automerge-repo WebSocket protocol, with samod doing the protocol and this
//! module deciding access.
//!
//! - [`access`]: the rule, a pure function.
//! - [`registry`]: per-document facts and the decision streams samod subscribes to.
//! - [`storage`]: samod's storage in SQLite, deriving facts as documents are written.
//! - [`connection`]: one authenticated socket: peer ids bound to accounts, first writers recorded,
//!   received changes stored before samod applies them; [`wire`] reads the frame headers.
//!
//! A connection is accepted only with a valid session token. Any automerge-repo client may pick its own
//! peer id; the relay binds it to the session's account the first time it is seen, and refuses it to
//! every other account, so the account behind a peer id can be trusted.

pub mod access;
mod connection;
pub mod registry;
pub mod storage;
pub mod wire;

use std::sync::{Arc, Mutex};

use automerge::Automerge;
use rusqlite::{Connection, OptionalExtension};
use samod::{AcceptorHandle, PeerId, Repo};

use crate::{Error, Result};

/// The relay's own peer id in the protocol.
pub const RELAY_PEER_ID: &str = "rally-relay";

pub struct SyncHub {
    repo: Repo,
    registry: Arc<registry::Registry>,
    storage: storage::SqliteStorage,
    acceptor: AcceptorHandle,
    db: Arc<Mutex<Connection>>,
    /// One root document per account, even when two devices ask at once.
    root_lock: tokio::sync::Mutex<()>,
}

impl SyncHub {
    pub async fn start(db: Arc<Mutex<Connection>>) -> Result<SyncHub> {
        let registry = Arc::new(registry::Registry::new(db.clone()));
        let storage = storage::SqliteStorage::new(db.clone(), registry.clone());
        let repo = Repo::build_tokio()
            .with_peer_id(PeerId::from_string(RELAY_PEER_ID.to_string()))
            .with_storage(storage.clone())
            .with_share_policy({
                let registry = registry.clone();
                move |doc, peer| registry.decisions(doc, peer)
            })
            .load()
            .await;
        let url = samod::Url::parse("ws://relay.invalid/sync").map_err(|e| Error::Config(e.to_string()))?;
        let acceptor = repo.make_acceptor(url).map_err(|_| Error::Config("the sync repo stopped".into()))?;
        Ok(SyncHub { repo, registry, storage, acceptor, db, root_lock: tokio::sync::Mutex::new(()) })
    }

    /// The account's root document, created (owned by the account) the first time it is asked for.
    pub async fn root_document(&self, account_id: &str) -> Result<String> {
        let _one_at_a_time = self.root_lock.lock().await;
        let known: Option<String> = {
            let db = self.db.lock().map_err(|_| Error::Poisoned)?;
            db.query_row("SELECT root_document FROM accounts WHERE id = ?1", [account_id], |r| r.get(0))
                .optional()?
                .flatten()
        };
        if let Some(id) = known {
            return Ok(id);
        }
        let now = chrono::Utc::now();
        let mut root = rally_core::document::create(rally_core::document::Kind::Account, now)
            .map_err(|e| Error::Config(e.to_string()))?;
        let root = Automerge::load(&root.save()).map_err(|e| Error::Config(e.to_string()))?;
        let handle = self.repo.create(root).await.map_err(|_| Error::Config("the sync repo stopped".into()))?;
        let id = handle.document_id().to_string();
        self.registry.note_writer(&id, account_id);
        let db = self.db.lock().map_err(|_| Error::Poisoned)?;
        db.execute("UPDATE accounts SET root_document = ?2 WHERE id = ?1", [account_id, &id])?;
        Ok(id)
    }

    /// Serves one WebSocket of `account` until it closes.
    pub fn accept(&self, socket: axum::extract::ws::WebSocket, account: String) -> Result<()> {
        let transport = connection::transport(socket, account, self.registry.clone(), self.storage.clone());
        self.acceptor.accept(transport).map(|_| ()).map_err(|_| Error::Config("the sync repo stopped".into()))
    }

    pub async fn stop(&self) {
        self.repo.stop().await;
    }
}
