//! A connected peer (one authenticated WebSocket) and the book of which account each peer id belongs to.
//!
//! Any automerge-repo client picks its own peer id; the relay binds it to the session's account the
//! first time it is seen and refuses it to every other account, so a peer id names one account.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use tokio::sync::{mpsc, Notify};

use super::store::Committed;

/// Frames waiting to be written to one socket; a peer that lets more pile up is too slow and is
/// disconnected rather than allowed to grow the relay's memory.
pub const OUTBOX_FRAMES: usize = 4096;

/// What waits in a peer's outbox, written in order: a frame, or frames that acknowledge changes and
/// go only once those changes are on disk (the socket's later frames wait behind them).
pub enum Outgoing {
    Now(Vec<u8>),
    WhenCommitted(Committed, Vec<Vec<u8>>),
}

pub struct Peer {
    /// Unique per connection, for the life of the relay.
    pub connection: u64,
    pub peer_id: String,
    pub account: String,
    outbox: mpsc::Sender<Outgoing>,
    too_slow: AtomicBool,
    pub dropped: Notify,
}

impl Peer {
    pub fn new(connection: u64, peer_id: String, account: String, outbox: mpsc::Sender<Outgoing>) -> Peer {
        Peer { connection, peer_id, account, outbox, too_slow: AtomicBool::new(false), dropped: Notify::new() }
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
        if self.outbox.try_send(item).is_err() && !self.too_slow.swap(true, Ordering::SeqCst) {
            self.dropped.notify_one();
        }
    }
}

#[derive(Default)]
pub struct PeerBook {
    accounts: Mutex<HashMap<String, String>>,
}

impl PeerBook {
    /// Binds `peer_id` to `account`, or refuses it if it is bound to another account.
    pub fn bind(&self, peer_id: &str, account: &str) -> Result<(), String> {
        let mut accounts = self.accounts.lock().map_err(|_| "the peer book was poisoned".to_string())?;
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
}
