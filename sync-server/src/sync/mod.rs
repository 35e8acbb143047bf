//! Document sync over the automerge-repo WebSocket protocol, with samod doing the protocol and this
//! module deciding access.
//!
//! - [`access`]: the rule, a pure function.
//! - [`registry`]: per-document facts and the decision streams samod subscribes to.
//! - [`storage`]: samod's storage in SQLite, deriving facts as documents are written.
//!
//! A connection is accepted only with a valid session token, and is bound to the peer id that session
//! implies (`rally-<account>-<tag>`): a client cannot claim another's identity in the handshake, so the
//! account read from a peer id can be trusted.

pub mod access;
pub mod registry;
pub mod storage;

use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use samod::{AcceptorHandle, PeerId, Repo};

use crate::{Error, Result};

/// The relay's own peer id in the protocol.
pub const RELAY_PEER_ID: &str = "rally-relay";

pub struct SyncHub {
    repo: Repo,
    acceptor: AcceptorHandle,
}

impl SyncHub {
    pub async fn start(db: Arc<Mutex<Connection>>) -> Result<SyncHub> {
        let registry = Arc::new(registry::Registry::new(db.clone()));
        let storage = storage::SqliteStorage::new(db, registry.clone());
        let repo = Repo::build_tokio()
            .with_peer_id(PeerId::from_string(RELAY_PEER_ID.to_string()))
            .with_storage(storage)
            .with_share_policy(move |doc, peer| registry.decisions(doc, peer))
            .load()
            .await;
        let url = samod::Url::parse("ws://relay.invalid/sync").map_err(|e| Error::Config(e.to_string()))?;
        let acceptor = repo.make_acceptor(url).map_err(|_| Error::Config("the sync repo stopped".into()))?;
        Ok(SyncHub { repo, acceptor })
    }

    /// Serves one authenticated WebSocket until it closes.
    pub fn accept(&self, socket: axum::extract::ws::WebSocket, peer_id: String) -> Result<()> {
        self.acceptor
            .accept_axum(socket, Some(PeerId::from_string(peer_id)))
            .map(|_| ())
            .map_err(|_| Error::Config("the sync repo stopped".into()))
    }

    pub async fn stop(&self) {
        self.repo.stop().await;
    }
}
