//! `GET /sync`: the automerge-repo WebSocket, for a valid session only (checked before the upgrade,
//! so a bad or revoked token gets a JSON 401 instead of a socket); it closes when the session ends.

use axum::extract::{State, WebSocketUpgrade};
use axum::response::Response;

use super::extract::CurrentSession;
use crate::{AppState, Result};

/// The largest message accepted: larger ones close the connection; other peers are unaffected.
const MAX_MESSAGE_BYTES: usize = 16 * 1024 * 1024;
/// Each connection's read buffer (tungstenite allocates 128 KiB by default, for every idle socket too);
/// a larger message is read in more steps.
const READ_BUFFER_BYTES: usize = 8 * 1024;

pub async fn connect(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    upgrade: WebSocketUpgrade,
) -> Result<Response> {
    // Registered before the upgrade: a session that ends from now on closes this socket.
    let ending = state.accounts.keep_open(&session);
    Ok(upgrade.max_message_size(MAX_MESSAGE_BYTES).read_buffer_size(READ_BUFFER_BYTES).on_upgrade(
        move |socket| async move {
            state.sync.clone().serve(socket, session.account_id.clone(), ending).await;
            // A connection is a use of its session, however long it stayed open.
            if let Err(e) = state.accounts.touch(&session) {
                eprintln!("rally-server: {e}");
            }
        },
    ))
}
