//! Replies wait for writes in progress. samod applies a change, queues its reply and hands the write
//! to storage, in no fixed order; a reply can tell a client "I have your change" while the change is
//! still in memory, and a crash then loses an acknowledged change. Storage counts the writes it has
//! been handed and not finished, and every message to a peer waits until that count is zero.
//!
//! This narrows the window but does not close it: when samod queues the reply before handing over the
//! write, the count is still zero. Measured with SIGKILL mid-burst: 8–9 of 150 acknowledged changes
//! lost without the gate, up to 5 with it. Closing it needs the write ordered before the reply.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::Notify;

#[derive(Default)]
pub struct PersistGate {
    pending: AtomicUsize,
    idle: Notify,
}

/// One pending write; it ends when dropped (committed, failed, or its future abandoned).
pub struct PendingWrite(Arc<PersistGate>);

impl Drop for PendingWrite {
    fn drop(&mut self) {
        if self.0.pending.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

impl PersistGate {
    /// Called when storage is handed a write, before it starts.
    pub fn begin(self: &Arc<Self>) -> PendingWrite {
        self.pending.fetch_add(1, Ordering::SeqCst);
        PendingWrite(self.clone())
    }

    /// Resolves once no write is pending.
    pub async fn idle(&self) {
        loop {
            let notified = self.idle.notified();
            if self.pending.load(Ordering::SeqCst) == 0 {
                return;
            }
            notified.await;
        }
    }
}
