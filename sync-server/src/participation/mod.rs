//! Participation: the relay is its authority. People ask to join published events with one of their
//! identities (or, where the organizer allows it, anonymously with a confirmed email address); the
//! organizer's devices fetch the requests, decide on them (offline too: decisions carry when they were
//! made, and the first decision wins), and the relay records, moves the waiting list up and queues the
//! mail. Each change happens in one transaction with the mail it causes. Groups (`crate::groups`)
//! have the same shape.
//!
//! - [`rules`]: who may join and with which status, what a decision does (no database).
//! - [`store`]: all of participation's SQL, and the one mapping of statuses.
//! - [`service`]: the calls, each in one transaction with its mail.
//! - [`letters`]: what participants and organizers are mailed.

mod letters;
pub mod rules;
pub mod service;
mod store;

/// A published event, as participation reads it (for answers sent to remote people).
pub fn published_event(conn: &rusqlite::Connection, id: &str) -> crate::Result<Option<rally_core::model::Event>> {
    Ok(store::event_row(conn, id)?.map(|row| row.event))
}

pub use service::{bounded_message, ParticipationService, RemoteJoin, MAX_MESSAGE, MAX_NAME};
