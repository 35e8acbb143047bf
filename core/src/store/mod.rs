//! The local SQLite store of one profile.
//!
//! - [`migrations`]: the versioned schema of the tables that hold documents (the truth).
//! - [`documents`]: documents as a compacted snapshot plus incremental chunks, one row each.
//! - [`participations`]: the relay's last word on participations, and decisions not sent yet.
//! - [`memberships`]: the relay's last word on the account's groups.
//! - [`remote`]: the relay's last word on other servers: follows, their events, taking part in them.
//! - [`moderation`]: a moderator's desk as the relay last said it, and steps not sent yet.
//! - [`index`]: tables derived from documents for listing, time ranges and full-text search. They carry
//!   their own version; when it changes they are dropped and rebuilt from the documents, so an index
//!   change never needs a data migration.
//!
//! Every write is one IMMEDIATE transaction that saves the document and its index rows together, and
//! the database runs in WAL mode with `synchronous=FULL`: once a write call returns, the event survives
//! a crash of the process or of the machine.

pub mod documents;
pub mod index;
pub mod memberships;
pub mod migrations;
pub mod moderation;
pub mod participations;
pub mod remote;

use std::path::Path;

use automerge::ActorId;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior};

use crate::document::{self, Kind};
use crate::Result;
pub use documents::StoredDoc;

pub struct Store {
    conn: Connection,
    /// This device's Automerge actor, kept in the store so that its changes carry one identity.
    actor: ActorId,
}

impl Store {
    pub fn open(path: &Path) -> Result<Store> {
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrations::run(&mut conn)?;
        let actor = device_actor(&mut conn)?;
        let mut store = Store { conn, actor };
        if index::needs_rebuild(&store.conn)? {
            store.rebuild_index()?;
        }
        Ok(store)
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// A new, unsaved document of `kind` written by this device.
    pub(crate) fn new_doc(&self, kind: Kind, now: chrono::DateTime<chrono::Utc>) -> Result<StoredDoc> {
        let mut doc = document::create(kind, now)?;
        doc.set_actor(self.actor.clone());
        Ok(StoredDoc::new(document::new_id(), kind, doc))
    }

    /// A document that arrived from elsewhere, not yet saved here, with this device as its writer.
    pub(crate) fn adopt(&self, id: &str, kind: Kind, mut doc: automerge::AutoCommit) -> StoredDoc {
        doc.set_actor(self.actor.clone());
        StoredDoc::new(id.to_string(), kind, doc)
    }

    pub(crate) fn load(&self, id: &str) -> Result<Option<StoredDoc>> {
        let mut loaded = documents::load(&self.conn, id)?;
        if let Some(stored) = loaded.as_mut() {
            stored.doc.set_actor(self.actor.clone());
        }
        Ok(loaded)
    }

    /// Runs `f` in one IMMEDIATE transaction: all of it is stored, or none.
    pub(crate) fn write<T>(&mut self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// A value of the store's `meta` table (device settings that are not documents).
    pub(crate) fn meta(&self, key: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    pub(crate) fn set_meta(&self, key: &str, value: Option<&[u8]>) -> Result<()> {
        match value {
            Some(value) => self.conn.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                rusqlite::params![key, value],
            )?,
            None => self.conn.execute("DELETE FROM meta WHERE key = ?1", [key])?,
        };
        Ok(())
    }

    /// Drops the derived tables and fills them again from the documents.
    pub fn rebuild_index(&mut self) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        index::recreate(&tx)?;
        for id in documents::ids(&tx)? {
            if let Some(stored) = documents::load(&tx, &id)? {
                index::put_document(&tx, &stored)?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}

fn device_actor(conn: &mut Connection) -> Result<ActorId> {
    let existing: Option<Vec<u8>> =
        conn.query_row("SELECT value FROM meta WHERE key = 'actor'", [], |r| r.get(0)).optional()?;
    if let Some(bytes) = existing {
        return Ok(ActorId::from(bytes));
    }
    let actor = ActorId::random();
    conn.execute("INSERT INTO meta (key, value) VALUES ('actor', ?1)", [actor.to_bytes()])?;
    Ok(actor)
}
