//! Versioned schema of the tables that hold the truth, tracked in `PRAGMA user_version`. Append a
//! step to [`STEPS`]; never edit one that has shipped.

use rusqlite::Connection;

use crate::Result;

const STEPS: &[&str] = &[
    // 1: documents as a snapshot plus incremental chunks; a key/value table for the device.
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
     CREATE TABLE documents (
         id TEXT PRIMARY KEY,
         kind TEXT NOT NULL,
         snapshot BLOB NOT NULL,
         deleted INTEGER NOT NULL DEFAULT 0,
         updated_at INTEGER NOT NULL
     );
     CREATE TABLE document_chunks (
         document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
         seq INTEGER NOT NULL,
         data BLOB NOT NULL,
         PRIMARY KEY (document_id, seq)
     );",
    // 2: bytes from sync that cannot be applied yet (their dependencies have not arrived), kept until
    // they can, so that nothing received is lost.
    "CREATE TABLE incoming_chunks (document_id TEXT NOT NULL, data BLOB NOT NULL);
     CREATE INDEX incoming_chunks_document ON incoming_chunks (document_id);",
    // 3: participations, which the relay owns: its last word kept here (`side` 'mine': this account's
    // own, 'organizing': requests to its events), so that they show and can be decided offline; the
    // organizer's decisions waiting to reach the relay; and what became of those that did not apply.
    "CREATE TABLE participations (
         side TEXT NOT NULL,
         id TEXT NOT NULL,
         event_id TEXT NOT NULL,
         json TEXT NOT NULL,
         PRIMARY KEY (side, id)
     );
     CREATE INDEX participations_event ON participations (event_id);
     CREATE TABLE pending_decisions (
         participation_id TEXT PRIMARY KEY,
         event_id TEXT NOT NULL,
         decision TEXT NOT NULL,
         decided_at INTEGER NOT NULL
     );
     CREATE TABLE decision_notes (participation_id TEXT PRIMARY KEY, note TEXT NOT NULL);",
    // 4: the account's groups as the relay last told them (where its identities stand, which
    // documents it may sync), so that roles are known offline.
    "CREATE TABLE memberships (group_id TEXT PRIMARY KEY, json TEXT NOT NULL);",
    // 5: a group's members as last heard (so that administrators decide offline), their decisions
    // waiting to reach the relay, and what became of those that did not apply.
    "CREATE TABLE group_members (group_id TEXT PRIMARY KEY, json TEXT NOT NULL);
     CREATE TABLE pending_group_decisions (
         id INTEGER PRIMARY KEY,
         group_id TEXT NOT NULL,
         decision TEXT NOT NULL,
         decided_at INTEGER NOT NULL
     );
     CREATE TABLE group_notes (id INTEGER PRIMARY KEY, group_id TEXT NOT NULL, note TEXT NOT NULL);",
    // 6: what the account has of other servers as the relay last said (follows, the followed
    // people's events, where its identities stand with them), so that they show offline.
    "CREATE TABLE follows (identity_id TEXT NOT NULL, actor TEXT NOT NULL, json TEXT NOT NULL,
         PRIMARY KEY (identity_id, actor));
     CREATE TABLE remote_events (
         id TEXT PRIMARY KEY,
         starts_at INTEGER NOT NULL,
         ends_at INTEGER NOT NULL,
         json TEXT NOT NULL
     );
     CREATE TABLE remote_participations (event_id TEXT NOT NULL, identity_id TEXT NOT NULL, json TEXT NOT NULL,
         PRIMARY KEY (event_id, identity_id));",
    // 7: a moderator's desk as the relay last said (role, reports, log), to read offline, and the
    // moderation steps taken here and not sent yet, in order.
    "CREATE TABLE moderation_desk (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL);
     CREATE TABLE moderation_steps (id INTEGER PRIMARY KEY, json TEXT NOT NULL);",
];

pub fn run(conn: &mut Connection) -> Result<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (version, step) in (1_i64..).zip(STEPS) {
        if version <= current {
            continue;
        }
        let tx = conn.transaction()?;
        tx.execute_batch(step)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}
