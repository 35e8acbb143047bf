//! A device's side of the relay, shared by the CLI and the desktop app.
//!
//! - [`relay_api`]: the relay's HTTP API, typed with rally-core's wire types.
//! - [`token_store`]: the session token in the OS keyring (Secret Service on Linux), never in a file.
//! - [`account`]: logging a profile in and out, and what it knows of its account.

pub mod account;
mod error;
pub mod relay_api;
pub mod token_store;

pub use error::{Error, Result};
