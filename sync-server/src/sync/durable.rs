//! Nothing is acknowledged before it is on disk. samod applies a change, queues its reply and hands
//! the write to storage, in no fixed order; a reply can tell a client "I have your change" while the
//! change is still in memory, and a crash then loses an acknowledged change (measured: 3 of 150 lost
//! to a SIGKILL). So storage counts the writes it has been handed and not finished, and every message
//! to a peer waits until that count is zero.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket};
use futures::{SinkExt, StreamExt};
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

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct FrameError(String);

/// A samod transport over an axum WebSocket whose outgoing messages wait for pending writes.
/// Binary frames carry protocol messages; a text frame is a protocol error and ends the connection.
pub fn gated_transport(socket: WebSocket, gate: Arc<PersistGate>) -> samod::Transport {
    let (sink, stream) = socket.split();
    let incoming = stream
        .take_while(|frame| futures::future::ready(!matches!(frame, Ok(Message::Close(_)))))
        .filter_map(|frame| async move {
            match frame {
                Ok(Message::Binary(bytes)) => Some(Ok(bytes.to_vec())),
                Ok(Message::Text(_)) => Some(Err(FrameError("a text frame: the protocol sends binary CBOR".into()))),
                Ok(_) => None,
                Err(e) => Some(Err(FrameError(e.to_string()))),
            }
        });
    let outgoing = sink.sink_map_err(|e| FrameError(e.to_string())).with(move |bytes: Vec<u8>| {
        let gate = gate.clone();
        async move {
            gate.idle().await;
            Ok::<_, FrameError>(Message::Binary(bytes.into()))
        }
    });
    samod::Transport::new(Box::pin(incoming), Box::pin(outgoing))
}
