//! The relay's SQLite database, `relay.sqlite3` in the data folder, with versioned migrations in
//! `PRAGMA user_version` (append steps, never edit shipped ones).

use std::path::Path;

use rusqlite::Connection;

use crate::{Error, Result};

pub const FILE: &str = "relay.sqlite3";

const STEPS: &[&str] = &[
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
    // 2: accounts, their sessions and one-time links, and failed logins for throttling.
    "CREATE TABLE accounts (
         id TEXT PRIMARY KEY,
         email TEXT NOT NULL UNIQUE,
         password_hash TEXT NOT NULL,
         confirmed_at INTEGER,
         created_at INTEGER NOT NULL
     );
     CREATE TABLE sessions (
         token_digest BLOB PRIMARY KEY,
         account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
         created_at INTEGER NOT NULL,
         last_used_at INTEGER NOT NULL
     );
     CREATE INDEX sessions_account ON sessions (account_id);
     CREATE TABLE account_tokens (
         token_digest BLOB PRIMARY KEY,
         account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
         purpose TEXT NOT NULL,
         expires_at INTEGER NOT NULL
     );
     CREATE TABLE login_failures (email TEXT NOT NULL, at INTEGER NOT NULL);
     CREATE INDEX login_failures_email ON login_failures (email, at);",
    // 3: samod's document storage, and what the relay derives from each document for access.
    "CREATE TABLE sync_storage (key TEXT PRIMARY KEY, data BLOB NOT NULL);
     CREATE TABLE sync_documents (
         id TEXT PRIMARY KEY,
         owner TEXT,
         draft INTEGER,
         visibility TEXT
     );",
    // 4: each account's root document, which lists the account's documents for new devices.
    "ALTER TABLE accounts ADD COLUMN root_document TEXT;",
    // 5: what pages and calendar feeds show, derived from documents as they sync: events readable by
    // anyone (published, public or unlisted; `listed` when public) with their VEVENT written once,
    // identities' public names (a username is addressable by the first identity that used it on this
    // relay), and a revision per feed for ETags.
    "CREATE TABLE public_events (
         id TEXT PRIMARY KEY,
         organizer_id TEXT NOT NULL,
         listed INTEGER NOT NULL,
         starts_at INTEGER NOT NULL,
         ends_at INTEGER NOT NULL,
         zone TEXT,
         vevent TEXT NOT NULL,
         event TEXT NOT NULL
     );
     CREATE INDEX public_events_listed ON public_events (listed, starts_at);
     CREATE INDEX public_events_organizer ON public_events (organizer_id, listed, starts_at);
     CREATE TABLE identities (
         id TEXT PRIMARY KEY,
         username TEXT NOT NULL,
         display_name TEXT NOT NULL
     );
     CREATE TABLE usernames (username TEXT PRIMARY KEY, identity_id TEXT NOT NULL);
     CREATE TABLE feed_revisions (feed TEXT PRIMARY KEY, revision INTEGER NOT NULL, changed_at INTEGER NOT NULL);",
    // 6: participation, which the relay owns (a participant never writes into the organizer's
    // document): requests and decisions, invitations; mail waiting to be sent, kept until it is (a
    // `key` per mail so that nobody gets one twice); what each address wants mailed; the generation of
    // each account's private feed (its secret address changes with it); news of public events that
    // changed, which sync leaves for the mail worker to tell their participants.
    "CREATE TABLE participations (
         id TEXT PRIMARY KEY,
         event_id TEXT NOT NULL,
         identity_id TEXT,
         account_id TEXT,
         name TEXT NOT NULL,
         username TEXT,
         email TEXT,
         message TEXT NOT NULL DEFAULT '',
         status TEXT NOT NULL,
         created_at INTEGER NOT NULL,
         updated_at INTEGER NOT NULL,
         expires_at INTEGER
     );
     CREATE UNIQUE INDEX participations_identity ON participations (event_id, identity_id)
         WHERE identity_id IS NOT NULL;
     CREATE INDEX participations_event ON participations (event_id, status, created_at);
     CREATE INDEX participations_account ON participations (account_id);
     CREATE TABLE invitations (
         event_id TEXT NOT NULL,
         identity_id TEXT NOT NULL,
         invited_at INTEGER NOT NULL,
         PRIMARY KEY (event_id, identity_id)
     );
     CREATE TABLE mail_queue (
         id INTEGER PRIMARY KEY,
         key TEXT NOT NULL UNIQUE,
         kind TEXT NOT NULL,
         recipient TEXT NOT NULL,
         subject TEXT NOT NULL,
         text TEXT NOT NULL,
         html TEXT NOT NULL,
         send_after INTEGER NOT NULL,
         attempts INTEGER NOT NULL DEFAULT 0,
         last_error TEXT,
         sent_at INTEGER
     );
     CREATE INDEX mail_queue_due ON mail_queue (send_after) WHERE sent_at IS NULL;
     CREATE TABLE digest_items (mail_id INTEGER NOT NULL, participation_id TEXT NOT NULL,
         PRIMARY KEY (mail_id, participation_id));
     CREATE TABLE mail_settings (
         email TEXT PRIMARY KEY,
         disabled TEXT NOT NULL DEFAULT '',
         reminder_hours INTEGER NOT NULL DEFAULT 24
     );
     CREATE TABLE private_feeds (account_id TEXT PRIMARY KEY, generation INTEGER NOT NULL);
     CREATE TABLE event_news (
         id INTEGER PRIMARY KEY,
         event_id TEXT NOT NULL,
         before TEXT NOT NULL,
         after TEXT NOT NULL,
         at INTEGER NOT NULL
     );",
];

/// The version [`open`] migrates to.
pub const SCHEMA_VERSION: i64 = STEPS.len() as i64;

pub fn open(dir: &Path) -> Result<Connection> {
    std::fs::create_dir_all(dir).map_err(|source| Error::DataFolder { path: dir.display().to_string(), source })?;
    let mut conn = Connection::open(dir.join(FILE))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (version, step) in (1_i64..).zip(STEPS) {
        if version > current {
            let tx = conn.transaction()?;
            tx.execute_batch(step)?;
            tx.pragma_update(None, "user_version", version)?;
            tx.commit()?;
        }
    }
    Ok(conn)
}

pub fn schema_version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}
