//! A connected peer (one authenticated WebSocket) and the book of which account each peer id belongs to.
//!
//! Any automerge-repo client picks its own peer id; the relay binds it to the session's account the
//! first time it is seen and refuses it to every other account, so a peer id names one account.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, Notify};

use super::store::Committed;

/// Frames, and bytes, waiting to be written to one socket; a peer that lets more pile up is too slow
/// and is disconnected rather than allowed to grow the relay's memory.
pub const OUTBOX_FRAMES: usize = 4096;
pub const OUTBOX_BYTES: usize = 32 * 1024 * 1024;
/// The longest peer id accepted (automerge-repo's are UUIDs; the relay's suggestions about 50 bytes).
const MAX_PEER_ID: usize = 200;

/// What waits in a peer's outbox, written in order: a frame, or frames that acknowledge changes and
/// go only once those changes are on disk (the socket's later frames wait behind them).
pub enum Outgoing {
    Now(Vec<u8>),
    WhenCommitted(Committed, Vec<Vec<u8>>),
}

impl Outgoing {
    pub fn bytes(&self) -> usize {
        match self {
            Outgoing::Now(frame) => frame.len(),
            Outgoing::WhenCommitted(_, frames) => frames.iter().map(Vec::len).sum(),
        }
    }
}

pub struct Peer {
    /// Unique per connection, for the life of the relay.
    pub connection: u64,
    pub peer_id: String,
    pub account: String,
    outbox: mpsc::Sender<Outgoing>,
    /// Bytes queued and not yet written; the writer takes off what it wrote.
    pub queued_bytes: Arc<AtomicUsize>,
    too_slow: AtomicBool,
    pub dropped: Notify,
}

impl Peer {
    pub fn new(connection: u64, peer_id: String, account: String, outbox: mpsc::Sender<Outgoing>) -> Peer {
        Peer {
            connection,
            peer_id,
            account,
            outbox,
            queued_bytes: Arc::default(),
            too_slow: AtomicBool::new(false),
            dropped: Notify::new(),
        }
    }

    /// Queues a frame for the socket; a full queue ends the connection.
    pub fn send(&self, frame: Vec<u8>) {
        self.queue(Outgoing::Now(frame));
    }

    /// Queues frames that go once `committed` says their changes are on disk.
    pub fn send_when(&self, committed: Committed, frames: Vec<Vec<u8>>) {
        self.queue(Outgoing::WhenCommitted(committed, frames));
    }

    fn queue(&self, item: Outgoing) {
        let bytes = item.bytes();
        let over = self.queued_bytes.fetch_add(bytes, Ordering::SeqCst) + bytes > OUTBOX_BYTES;
        if (over || self.outbox.try_send(item).is_err()) && !self.too_slow.swap(true, Ordering::SeqCst) {
            self.dropped.notify_one();
        }
    }
}

#[derive(Default)]
pub struct PeerBook {
    accounts: Mutex<HashMap<String, String>>,
}

impl PeerBook {
    /// Binds `peer_id` to `account`, or refuses it if it is bound to another account. The relay's own
    /// id is nobody's, and the ids the relay suggests (`rally-<account>-…`) belong to their account
    /// before any of its devices connects, so that no one can take them first.
    pub fn bind(&self, peer_id: &str, account: &str) -> Result<(), String> {
        if peer_id.is_empty() || peer_id.len() > MAX_PEER_ID {
            return Err(format!("a peer id must have 1 to {MAX_PEER_ID} bytes"));
        }
        if peer_id == super::RELAY_PEER_ID {
            return Err(format!("peer id {peer_id} is the relay's own"));
        }
        if peer_id.strip_prefix("rally-").is_some_and(|rest| !rest.starts_with(&format!("{account}-"))) {
            return Err(format!("peer id {peer_id} belongs to another account"));
        }
        let mut accounts = crate::lock(&self.accounts);
        match accounts.get(peer_id) {
            Some(owner) if owner != account => Err(format!("peer id {peer_id} belongs to another account")),
            Some(_) => Ok(()),
            None => {
                accounts.insert(peer_id.to_string(), account.to_string());
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_peer_id_belongs_to_the_first_account_that_uses_it() {
        let book = PeerBook::default();
        assert_eq!(book.bind("phone", "ana"), Ok(()));
        assert_eq!(book.bind("phone", "ana"), Ok(()), "the same account again");
        assert!(book.bind("phone", "bob").is_err(), "another account");
    }

    #[test]
    fn the_relays_id_and_other_accounts_suggested_ids_cannot_be_taken() {
        let book = PeerBook::default();
        assert!(book.bind("rally-relay", "ana").is_err());
        assert!(book.bind("rally-bob-0a1b2c", "ana").is_err(), "bob's suggested id, before bob connects");
        assert_eq!(book.bind("rally-ana-0a1b2c", "ana"), Ok(()));
        assert!(book.bind(&"x".repeat(201), "ana").is_err());
    }
}
