//! Rally's domain library, shared by the desktop app, the CLI, the relay and (without the `store`
//! feature) the wasm UI.
//!
//! Layout:
//! - [`model`]: the types every boundary speaks (identities, events, inputs, filters, error bodies).
//!   Serde types, no IO, so the UI compiles them to wasm and never keeps a copy of its own.
//! - [`validate`]: the one place where raw input becomes trusted values (names, lengths, times, zones).
//! - [`when`]: reading and writing event times: instants in UTC plus an IANA zone, all-day days.
//! - [`lenient`], [`zone_search`], [`fold`]: what people type, read kindly: "2/12/2026 18h",
//!   "Paris" for Europe/Paris, "Jérôme" as "jerome".
//! - [`calendar`]: the arithmetic of month, week and agenda views over a list of occurrences.
//! - [`recurrence`]: repeating events: the occurrences a rule gives, in the event's zone, and the rule in words.
//! - [`ical`]: events as iCalendar files and feeds, with their time zones.
//! - [`share`]: the text and links that share an event by mail or on social networks.
//! - [`document`] *(store)*: the Automerge schema; the only code that knows document keys.
//! - [`image`] *(store)*: avatars and pictures are decoded and re-encoded, never stored as given.
//! - [`store`] *(store)*: SQLite: documents as snapshots plus incremental chunks, and index tables
//!   (listing, time ranges, full-text search) derived from them.
//! - [`profile`] *(store)*: the service the app and the CLI call: one data folder, every use case.
//! - [`data_dir`] *(store)*: where a profile lives (`--data`, `RALLY_DATA`, or the XDG data dir).
//!
//! Documents are the truth; every table other than `documents` can be rebuilt from them
//! ([`store::Store::rebuild_index`]). That is what lets sync (later) merge documents and simply re-index.

pub mod calendar;
pub mod error;
pub mod fold;
pub mod ical;
pub mod lenient;
pub mod model;
pub mod recurrence;
pub mod share;
pub mod validate;
pub mod when;
pub mod zone_search;

#[cfg(feature = "store")]
pub mod data_dir;
#[cfg(feature = "store")]
pub mod document;
#[cfg(feature = "store")]
pub mod image;
#[cfg(feature = "store")]
pub mod profile;
#[cfg(feature = "store")]
pub mod store;

pub use error::{Error, Result};
