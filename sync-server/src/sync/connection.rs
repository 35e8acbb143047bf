//! One authenticated WebSocket, as samod sees it. The relay reads each incoming frame's header first
//! ([`super::wire`]): the peer id a `join` announces is bound to the session's account (a peer id
//! belongs to one account, ever), and the first account to send a `sync` for a document the relay does
//! not know owns it. Outgoing messages wait for pending writes ([`super::durable`]). A frame that is
//! not a protocol message ends this connection only.

use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket};
use futures::{SinkExt, StreamExt};

use super::durable::PersistGate;
use super::registry::Registry;
use super::wire::{self, Frame};

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct FrameError(String);

pub fn transport(
    socket: WebSocket,
    account: String,
    registry: Arc<Registry>,
    gate: Arc<PersistGate>,
) -> samod::Transport {
    let (sink, stream) = socket.split();
    let incoming = stream
        .take_while(|frame| futures::future::ready(!matches!(frame, Ok(Message::Close(_)))))
        .filter_map(move |frame| {
            let (registry, account) = (registry.clone(), account.clone());
            async move {
                let bytes = match frame {
                    Ok(Message::Binary(bytes)) => bytes,
                    Ok(Message::Text(_)) => {
                        return Some(Err(FrameError("a text frame: the protocol sends binary CBOR".into())))
                    }
                    Ok(_) => return None,
                    Err(e) => return Some(Err(FrameError(e.to_string()))),
                };
                let checked = match wire::inspect(&bytes) {
                    Ok(Frame::Join { sender }) => registry.bind_peer(&sender, &account),
                    Ok(Frame::Sync { document }) => {
                        registry.note_writer(&document, &account);
                        Ok(())
                    }
                    Ok(Frame::Other) => Ok(()),
                    Err(e) => Err(e),
                };
                Some(checked.map(|()| bytes.to_vec()).map_err(FrameError))
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
