//! A device's side of the relay, shared by the CLI and the desktop app.
//!
//! - [`relay_api`]: the relay's HTTP API, typed with rally-core's wire types.
//! - [`token_store`]: the session token in the OS keyring (Secret Service on Linux), never in a file.
//! - [`account`]: logging a profile in and out, and what it knows of its account.
//! - [`groups`]: creating groups, membership and roles (the relay's word kept on the profile).
//! - [`participation`]: joining events, and the organizer's decisions (kept here, sent when online).
//! - [`sync`]: the profile's documents kept in step with the relay (samod, automerge-repo protocol),
//!   with the profile's own store as samod's storage, so there is one copy of each document.

pub mod account;
mod error;
pub mod federation;
pub mod groups;
pub mod moderation;
pub mod participation;
pub mod relay_api;
pub mod sync;
pub mod token_store;

pub use error::{Error, Result};
