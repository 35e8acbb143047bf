//! One document the relay has in memory, and the sync state of each connection that asked for it.
//! No IO here: receiving a message returns the frames to send, and the caller (the hub) has already
//! stored the changes the message carries.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use automerge::sync::{self, SyncDoc};
use automerge::AutoCommit;

use super::access::{decide, Access, DocFacts};
use super::peer::Peer;
use super::store::event_facts;
use super::wire::{self, Message};
use crate::{Error, Result};

pub struct LiveDoc {
    pub id: String,
    doc: AutoCommit,
    pub facts: DocFacts,
    /// Chunks on disk since the last compaction.
    pub chunks: usize,
    syncs: HashMap<u64, PeerSync>,
    /// Peers told the document is unavailable: they hear from it if it becomes available to them
    /// (uploaded by another device, or published), as automerge-repo expects of a relay.
    waiting: HashMap<u64, Arc<Peer>>,
    pub last_used: Instant,
}

struct PeerSync {
    peer: Arc<Peer>,
    state: sync::State,
}

/// Frames to send, each to one peer.
pub type Outgoing = Vec<(Arc<Peer>, Vec<u8>)>;

/// What receiving a message did.
pub struct Received {
    pub outgoing: Outgoing,
    /// The document changed, and with it perhaps its facts.
    pub changed: bool,
}

impl LiveDoc {
    pub fn new(id: String, doc: AutoCommit, facts: DocFacts, chunks: usize) -> LiveDoc {
        LiveDoc { id, doc, facts, chunks, syncs: HashMap::new(), waiting: HashMap::new(), last_used: Instant::now() }
    }

    /// A document the relay does not have (yet).
    pub fn missing(id: String) -> LiveDoc {
        LiveDoc::new(id, AutoCommit::new(), DocFacts::default(), 0)
    }

    /// The first account to offer a document the relay has nothing of becomes its owner.
    pub fn claim(&mut self, account: &str) {
        if self.facts.owner.is_none() && self.chunks == 0 && self.doc.get_heads().is_empty() {
            self.facts.owner = Some(account.to_string());
        }
    }

    pub fn access(&self, peer: &Peer) -> Access {
        decide(&self.facts, &peer.account)
    }

    pub fn has_peers(&self) -> bool {
        !self.syncs.is_empty() || !self.waiting.is_empty()
    }

    pub fn save(&mut self) -> Vec<u8> {
        self.doc.save()
    }

    /// Applies a sync message from `from` (whose changes, if it may write, are already stored) and
    /// answers it; if the document changed, every other peer syncing it that may still read it hears
    /// of the change.
    pub fn receive(&mut self, from: &Arc<Peer>, message: sync::Message) -> Result<Received> {
        self.last_used = Instant::now();
        let access = self.access(from);
        if access == Access::None {
            self.syncs.remove(&from.connection);
            self.waiting.insert(from.connection, from.clone());
            return Ok(Received { outgoing: vec![(from.clone(), self.unavailable(from))], changed: false });
        }
        self.waiting.remove(&from.connection);
        let entry = self.syncs.entry(from.connection).or_insert_with(|| PeerSync {
            peer: from.clone(),
            state: if access == Access::ReadWrite { sync::State::new() } else { sync::State::new_read_only() },
        });
        entry.state.set_read_only(access != Access::ReadWrite);
        let before = self.doc.get_heads();
        self.doc
            .sync()
            .receive_sync_message(&mut entry.state, message)
            .map_err(|e| Error::Protocol(format!("a sync message for {} that does not apply: {e}", self.id)))?;
        let changed = self.doc.get_heads() != before;
        if changed {
            self.facts.event = event_facts(&self.doc, &self.id);
        }
        let mut outgoing = Vec::new();
        if changed {
            self.admit_waiting();
        }
        let connections: Vec<u64> = self.syncs.keys().copied().collect();
        for connection in connections {
            if connection != from.connection && !changed {
                continue;
            }
            outgoing.extend(self.generate(connection));
        }
        Ok(Received { outgoing, changed })
    }

    /// Starts syncing with every waiting peer that may now read the document.
    fn admit_waiting(&mut self) {
        let admitted: Vec<u64> = self
            .waiting
            .iter()
            .filter(|(_, peer)| decide(&self.facts, &peer.account) != Access::None)
            .map(|(connection, _)| *connection)
            .collect();
        for connection in admitted {
            if let Some(peer) = self.waiting.remove(&connection) {
                self.syncs.insert(connection, PeerSync { peer, state: sync::State::new() });
            }
        }
    }

    /// The next sync message to one connection, if there is something to say and it may still read.
    fn generate(&mut self, connection: u64) -> Option<(Arc<Peer>, Vec<u8>)> {
        let sync = self.syncs.get(&connection)?;
        let access = decide(&self.facts, &sync.peer.account);
        if access == Access::None {
            // It lost access (an event went back to draft): it hears nothing more until it regains it.
            let sync = self.syncs.remove(&connection)?;
            self.waiting.insert(connection, sync.peer);
            return None;
        }
        let sync = self.syncs.get_mut(&connection)?;
        sync.state.set_read_only(access != Access::ReadWrite);
        let message = self.doc.sync().generate_sync_message(&mut sync.state)?;
        let frame = wire::encode(
            &Message::Sync { document: self.id.clone(), data: message.encode() },
            super::RELAY_PEER_ID,
            &sync.peer.peer_id,
        );
        Some((sync.peer.clone(), frame))
    }

    pub fn unavailable(&self, to: &Peer) -> Vec<u8> {
        wire::encode(&Message::DocUnavailable { document: self.id.clone() }, super::RELAY_PEER_ID, &to.peer_id)
    }

    /// Every other peer syncing this document that may read it, for ephemeral messages.
    pub fn readers_except(&self, connection: u64) -> Vec<Arc<Peer>> {
        self.syncs
            .values()
            .filter(|s| s.peer.connection != connection && decide(&self.facts, &s.peer.account) != Access::None)
            .map(|s| s.peer.clone())
            .collect()
    }

    pub fn leave(&mut self, connection: u64) {
        self.syncs.remove(&connection);
        self.waiting.remove(&connection);
    }
}
