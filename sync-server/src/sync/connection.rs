//! One authenticated WebSocket, as samod sees it. The relay reads each incoming frame's header first
//! ([`super::wire`]): the peer id a `join` announces is bound to the session's account (a peer id
//! belongs to one account, ever), and the first account to send a `sync` for a document the relay does
//! not know owns it; and the changes a `sync` carries from a peer allowed to write are stored before
//! samod sees them, so nothing samod acknowledges can be lost. A frame that is not a protocol message
//! ends this connection only.

use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket};
use futures::{SinkExt, StreamExt};

use super::registry::Registry;
use super::storage::SqliteStorage;
use super::wire::{self, Frame};

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct FrameError(String);

pub fn transport(
    socket: WebSocket,
    account: String,
    registry: Arc<Registry>,
    storage: SqliteStorage,
) -> samod::Transport {
    let (sink, stream) = socket.split();
    let incoming = stream
        .take_while(|frame| futures::future::ready(!matches!(frame, Ok(Message::Close(_)))))
        .filter_map(move |frame| {
            let (registry, account, storage) = (registry.clone(), account.clone(), storage.clone());
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
                    Ok(Frame::Sync { document, data }) => {
                        registry.note_writer(&document, &account);
                        if registry.may_write(&document, &account) {
                            storage.keep_received(&document, &data).await
                        } else {
                            Ok(())
                        }
                    }
                    Ok(Frame::Other) => Ok(()),
                    Err(e) => Err(e),
                };
                Some(checked.map(|()| bytes.to_vec()).map_err(FrameError))
            }
        });
    let outgoing = sink
        .sink_map_err(|e| FrameError(e.to_string()))
        .with(|bytes: Vec<u8>| futures::future::ready(Ok::<_, FrameError>(Message::Binary(bytes.into()))));
    samod::Transport::new(Box::pin(incoming), Box::pin(outgoing))
}
