//! Groups: the relay is the authority on membership, as it is on participation. A group's document
//! (name, summary, settings) is written by its administrators and synced like any document; who is
//! in the group, with which role, is recorded here and read by `sync::access` on every message.
//!
//! - [`rules`]: who may join and how, who manages members, what keeps a group administered (no IO).
//! - [`store`]: all of the groups' SQL.
//! - [`service`]: the calls, each in one transaction with its mail.
//! - [`letters`]: invitations, requests to administrators (gathered), answers.

mod letters;
pub mod rules;
pub mod service;
pub mod store;

pub use service::GroupService;
