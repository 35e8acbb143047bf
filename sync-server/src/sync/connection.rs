//! One authenticated WebSocket, from the `join` handshake to its close. Frames are handled one at a
//! time, in order; a frame that breaks the protocol ends this connection only, with an `error`
//! message that names the problem.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message as Frame, WebSocket};
use futures::stream::{SplitSink, SplitStream};
use futures::{SinkExt, StreamExt};
use tokio::sync::mpsc;

use super::peer::{Outgoing, Peer, OUTBOX_FRAMES};
use super::wire::{self, Message, PROTOCOL_VERSION};
use super::{SyncHub, RELAY_PEER_ID};
use crate::accounts::live::Ending;

const JOIN_WITHIN: Duration = Duration::from_secs(30);

pub async fn serve(hub: Arc<SyncHub>, socket: WebSocket, account: String, ending: Ending) {
    let (mut sink, mut frames) = socket.split();
    let peer_id = match handshake(&hub, &mut frames, &account).await {
        Ok(peer_id) => peer_id,
        Err(problem) => {
            let _ = sink.send(error_frame(&problem, "")).await;
            let _ = sink.close().await;
            return;
        }
    };
    let (outbox, queued) = mpsc::channel(OUTBOX_FRAMES);
    let peer = Arc::new(Peer::new(hub.next_connection(), peer_id, account, outbox));
    peer.send(wire::encode(
        &Message::Peer { sender: RELAY_PEER_ID.into(), target: peer.peer_id.clone() },
        RELAY_PEER_ID,
        &peer.peer_id,
    ));
    let writer = tokio::spawn(write_all(sink, queued, peer.queued_bytes.clone()));

    let mut documents = HashSet::new();
    let outcome = tokio::select! {
        outcome = read_all(&hub, &peer, &mut frames, &mut documents) => outcome,
        () = ending.ended() => Err("the session ended (logged out, password reset or account deleted)".into()),
    };
    hub.disconnect(&peer, documents).await;
    if let Err(problem) = outcome {
        peer.send(wire::encode(&Message::Error { message: problem }, RELAY_PEER_ID, &peer.peer_id));
    }
    // The writer ends once every handle on the outbox is gone; the documents let theirs go above. A
    // peer that does not read what is left within a few seconds is cut off: the socket closes.
    drop(peer);
    let mut writer = writer;
    if tokio::time::timeout(Duration::from_secs(5), &mut writer).await.is_err() {
        writer.abort();
    }
}

fn error_frame(problem: &str, target: &str) -> Frame {
    Frame::Binary(wire::encode(&Message::Error { message: problem.into() }, RELAY_PEER_ID, target).into())
}

/// Waits for the client's `join` and binds its peer id to the session's account.
async fn handshake(hub: &SyncHub, frames: &mut SplitStream<WebSocket>, account: &str) -> Result<String, String> {
    let first = tokio::time::timeout(JOIN_WITHIN, frames.next())
        .await
        .map_err(|_| format!("no join message within {} s", JOIN_WITHIN.as_secs()))?;
    let bytes = match first {
        Some(Ok(Frame::Binary(bytes))) => bytes,
        Some(Ok(_)) => return Err("the first message must be a binary join".into()),
        Some(Err(e)) => return Err(e.to_string()),
        None => return Err("closed before joining".into()),
    };
    match wire::decode(&bytes)? {
        Message::Join { sender, versions } => {
            if !versions.iter().any(|v| v == PROTOCOL_VERSION) {
                return Err(format!(
                    "unsupported protocol versions {versions:?}: this relay speaks {PROTOCOL_VERSION}"
                ));
            }
            hub.peers.bind(&sender, account)?;
            Ok(sender)
        }
        _ => Err("the first message must be join".into()),
    }
}

/// Handles frames until the peer leaves or breaks the protocol.
async fn read_all(
    hub: &SyncHub,
    peer: &Arc<Peer>,
    frames: &mut SplitStream<WebSocket>,
    documents: &mut HashSet<String>,
) -> Result<(), String> {
    let mut unavailable = HashSet::new();
    loop {
        let frame = tokio::select! {
            frame = frames.next() => frame,
            _ = peer.dropped.notified() => return Err("too many messages waiting: the connection reads too slowly".into()),
        };
        let bytes = match frame {
            None | Some(Ok(Frame::Close(_))) => return Ok(()),
            Some(Err(e)) => return Err(e.to_string()),
            Some(Ok(Frame::Binary(bytes))) => bytes,
            Some(Ok(Frame::Text(_))) => return Err("a text frame: the protocol sends binary CBOR".into()),
            Some(Ok(_)) => continue,
        };
        let (document, data, request) = match wire::decode(&bytes)? {
            Message::Sync { document, data } => (document, data, false),
            Message::Request { document, data } => (document, data, true),
            Message::Ephemeral { document, frame } => {
                hub.ephemeral(peer, document, frame).await.map_err(|e| e.to_string())?;
                continue;
            }
            Message::Leave => return Ok(()),
            Message::Join { .. } => return Err("a second join on one connection".into()),
            // doc-unavailable, remote-heads gossip and the like: nothing for a relay to do.
            _ => continue,
        };
        if documents.len() >= MAX_DOCUMENTS && !documents.contains(&document) {
            return Err(format!("more than {MAX_DOCUMENTS} documents on one connection"));
        }
        documents.insert(document.clone());
        if hub.receive(peer, &document, &data, request).await.map_err(|e| e.to_string())? {
            unavailable.insert(document);
            if unavailable.len() > MAX_UNAVAILABLE {
                return Err(format!("more than {MAX_UNAVAILABLE} documents this relay does not have for you"));
            }
        } else {
            unavailable.remove(&document);
        }
    }
}

/// What one connection may keep the relay busy with: documents it syncs (an account's whole history
/// fits), and documents it was told are unavailable (each one waits in memory to hear if that changes).
const MAX_DOCUMENTS: usize = 100_000;
const MAX_UNAVAILABLE: usize = 1_000;

/// Writes the outbox in order. Acknowledgements wait for their changes' commit; if it failed, the peer
/// is told and the connection ends, so nothing unsaved is ever acknowledged.
async fn write_all(
    mut sink: SplitSink<WebSocket, Frame>,
    mut queued: mpsc::Receiver<Outgoing>,
    queued_bytes: Arc<AtomicUsize>,
) {
    while let Some(item) = queued.recv().await {
        queued_bytes.fetch_sub(item.bytes(), Ordering::SeqCst);
        let frames = match item {
            Outgoing::Now(frame) => vec![frame],
            Outgoing::WhenCommitted(committed, frames) => match committed.await {
                Ok(Ok(())) => frames,
                failed => {
                    let why = failed.map_or_else(|_| "its writer stopped".to_string(), |r| r.err().unwrap_or_default());
                    let problem = format!("the relay could not store changes ({why}): connect again to send them");
                    let _ = sink.send(error_frame(&problem, "")).await;
                    let _ = sink.close().await;
                    return;
                }
            },
        };
        for frame in frames {
            if sink.send(Frame::Binary(frame.into())).await.is_err() {
                return;
            }
        }
    }
    let _ = sink.close().await;
}
