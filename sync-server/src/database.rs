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
    // 7: the relay trusts nobody. A username is claimed by an account for good (pointing at the
    // identity that now uses it, if any); documents kept off pages are listed, with why, for their
    // owners; attempts counted per address and per IP for rate limits (`key` names both kind and who).
    "CREATE TABLE username_claims (username TEXT PRIMARY KEY, account_id TEXT NOT NULL, identity_id TEXT);
     INSERT INTO username_claims (username, account_id, identity_id)
         SELECT u.username, d.owner, u.identity_id FROM usernames u JOIN sync_documents d ON d.id = u.identity_id
         WHERE d.owner IS NOT NULL;
     CREATE INDEX username_claims_identity ON username_claims (identity_id);
     DROP TABLE usernames;
     CREATE TABLE withheld_documents (
         id TEXT PRIMARY KEY,
         account_id TEXT,
         reason TEXT NOT NULL,
         message TEXT NOT NULL,
         since INTEGER NOT NULL
     );
     CREATE INDEX withheld_documents_account ON withheld_documents (account_id, reason);
     CREATE INDEX sync_documents_owner ON sync_documents (owner);
     CREATE TABLE attempts (key TEXT NOT NULL, at INTEGER NOT NULL);
     CREATE INDEX attempts_key ON attempts (key, at);
     CREATE INDEX attempts_at ON attempts (at);
     DROP TABLE login_failures;",
    // 8: the pictures of public events and the avatars of identities, as pages serve them (only
    // formats browsers show as images), kept beside the public rows they belong to.
    "CREATE TABLE public_images (
         owner TEXT PRIMARY KEY,
         media_type TEXT NOT NULL,
         bytes BLOB NOT NULL,
         etag TEXT NOT NULL
     );",
    // 9: groups. A group's username is claimed as identities' are; its members are identities with a
    // role or a pending state; a document belongs to at most one group (the group's own document,
    // or an event of the group), which decides who reads and writes it; public events keep theirs
    // for the group's page and feed.
    "ALTER TABLE username_claims ADD COLUMN group_id TEXT;
     ALTER TABLE sync_documents ADD COLUMN group_id TEXT;
     CREATE INDEX sync_documents_group ON sync_documents (group_id) WHERE group_id IS NOT NULL;
     ALTER TABLE public_events ADD COLUMN group_id TEXT;
     CREATE TABLE groups (
         id TEXT PRIMARY KEY,
         username TEXT NOT NULL UNIQUE,
         founded_by TEXT NOT NULL,
         created_at INTEGER NOT NULL,
         -- From its document, once it passed core's checks (empty before).
         name TEXT NOT NULL DEFAULT '',
         summary TEXT NOT NULL DEFAULT '',
         visibility TEXT NOT NULL DEFAULT 'private',
         openness TEXT NOT NULL DEFAULT 'invite_only',
         place TEXT NOT NULL DEFAULT ''
     );
     CREATE TABLE group_members (
         group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
         identity_id TEXT NOT NULL,
         account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
         state TEXT NOT NULL,
         role TEXT,
         message TEXT NOT NULL DEFAULT '',
         since INTEGER NOT NULL,
         PRIMARY KEY (group_id, identity_id)
     );
     CREATE INDEX group_members_account ON group_members (account_id);",
    // 10: federation over ActivityPub. Each local actor's key pair (identities and groups by id, the
    // instance as 'relay'); remote actors as last fetched; who follows our actors; whom our identities
    // follow (until accepted, pending); events received from followed actors, kept read-only;
    // activities already received (so that a redelivery changes nothing); deliveries, written in the
    // transaction of the change that caused them and kept until delivered or given up; domains
    // blocked or allowed by the relay's administrator.
    "CREATE TABLE actor_keys (actor TEXT PRIMARY KEY, private_pem TEXT NOT NULL, public_pem TEXT NOT NULL);
     CREATE TABLE remote_actors (
         id TEXT PRIMARY KEY,
         kind TEXT NOT NULL,
         username TEXT NOT NULL,
         host TEXT NOT NULL,
         name TEXT NOT NULL,
         inbox TEXT NOT NULL,
         shared_inbox TEXT,
         key_id TEXT NOT NULL,
         public_pem TEXT NOT NULL,
         fetched_at INTEGER NOT NULL
     );
     CREATE TABLE followers (
         local_actor TEXT NOT NULL,
         remote_actor TEXT NOT NULL REFERENCES remote_actors (id),
         since INTEGER NOT NULL,
         PRIMARY KEY (local_actor, remote_actor)
     );
     CREATE TABLE follows (
         identity_id TEXT NOT NULL,
         account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
         remote_actor TEXT NOT NULL REFERENCES remote_actors (id),
         activity_id TEXT NOT NULL UNIQUE,
         accepted INTEGER NOT NULL DEFAULT 0,
         since INTEGER NOT NULL,
         PRIMARY KEY (identity_id, remote_actor)
     );
     CREATE TABLE remote_events (
         url TEXT PRIMARY KEY,
         id TEXT NOT NULL UNIQUE,
         attributed_to TEXT NOT NULL,
         organizer TEXT NOT NULL,
         announced_by TEXT,
         starts_at INTEGER NOT NULL,
         ends_at INTEGER NOT NULL,
         event TEXT NOT NULL,
         received_at INTEGER NOT NULL
     );
     CREATE TABLE received_activities (id TEXT PRIMARY KEY, at INTEGER NOT NULL);
     CREATE TABLE deliveries (
         id INTEGER PRIMARY KEY,
         inbox TEXT NOT NULL,
         signer TEXT NOT NULL,
         key_id TEXT NOT NULL,
         activity TEXT NOT NULL,
         attempts INTEGER NOT NULL DEFAULT 0,
         next_at INTEGER NOT NULL,
         last_error TEXT,
         delivered_at INTEGER,
         given_up_at INTEGER
     );
     CREATE INDEX deliveries_due ON deliveries (next_at) WHERE delivered_at IS NULL AND given_up_at IS NULL;
     CREATE TABLE federation_domains (host TEXT PRIMARY KEY, policy TEXT NOT NULL, since INTEGER NOT NULL);
     -- A remote person's participation in one of our events: its identity_id is the actor's URL, and
     -- remote_activity the Join it sent (what Accept or Reject answer).
     ALTER TABLE participations ADD COLUMN remote_activity TEXT;
     -- Reports (Flag) other servers sent about what is here, kept for the moderators.
     CREATE TABLE federated_reports (
         activity_id TEXT PRIMARY KEY,
         reporter TEXT NOT NULL,
         content TEXT NOT NULL,
         objects TEXT NOT NULL,
         received_at INTEGER NOT NULL
     );
     -- Our identities' participations in remote events: the Join sent, and what its server answered.
     CREATE TABLE remote_participations (
         event_url TEXT NOT NULL,
         identity_id TEXT NOT NULL,
         account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
         join_id TEXT NOT NULL UNIQUE,
         status TEXT NOT NULL,
         message TEXT NOT NULL DEFAULT '',
         updated_at INTEGER NOT NULL,
         PRIMARY KEY (event_url, identity_id)
     );",
    // 11: remote public events in the relay's own feed and home page, as its local ones are: whether
    // listed, and their VEVENT written once on arrival.
    "ALTER TABLE remote_events ADD COLUMN listed INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE remote_events ADD COLUMN zone TEXT;
     ALTER TABLE remote_events ADD COLUMN vevent TEXT NOT NULL DEFAULT '';",
    // 12: other instances this relay's instance actor follows, as its administrator asked (the running
    // relay resolves the handle and sends the Follow): their public events come to its feed.
    "CREATE TABLE instance_follows (
         handle TEXT PRIMARY KEY,
         state TEXT NOT NULL,
         remote_actor TEXT,
         activity_id TEXT UNIQUE,
         error TEXT,
         since INTEGER NOT NULL
     );",
    // 13: a follower of a group that approves followers waits for an administrator: the Follow's id
    // is kept until then (it is what the Accept names); nothing is delivered to it meanwhile.
    "ALTER TABLE followers ADD COLUMN pending_follow TEXT;",
    // 14: moderation: each account's role on the relay, and the append-only log of what moderators
    // and administrators did (`by` is an account's address, kept when the account goes).
    "ALTER TABLE accounts ADD COLUMN role TEXT NOT NULL DEFAULT 'user';
     CREATE TABLE moderation_log (
         id INTEGER PRIMARY KEY,
         at INTEGER NOT NULL,
         by TEXT NOT NULL,
         action TEXT NOT NULL,
         target TEXT NOT NULL,
         reason TEXT NOT NULL DEFAULT ''
     );
     CREATE TRIGGER moderation_log_append_only_update BEFORE UPDATE ON moderation_log
         BEGIN SELECT RAISE(ABORT, 'the moderation log is append-only'); END;
     CREATE TRIGGER moderation_log_append_only_delete BEFORE DELETE ON moderation_log
         BEGIN SELECT RAISE(ABORT, 'the moderation log is append-only'); END;",
    // 15: reports, with a copy of what they name as it was (JSON), who reported (shown to moderators
    // only), and moderators' notes.
    "CREATE TABLE reports (
         id TEXT PRIMARY KEY,
         state TEXT NOT NULL,
         target_kind TEXT NOT NULL,
         target_id TEXT NOT NULL,
         content TEXT NOT NULL,
         reporter TEXT NOT NULL,
         reporter_account TEXT,
         comment TEXT NOT NULL,
         events TEXT NOT NULL,
         created_at INTEGER NOT NULL,
         updated_at INTEGER NOT NULL
     );
     CREATE INDEX reports_state ON reports (state, created_at);
     CREATE TABLE report_notes (
         id INTEGER PRIMARY KEY,
         report_id TEXT NOT NULL REFERENCES reports (id),
         at INTEGER NOT NULL,
         by TEXT NOT NULL,
         text TEXT NOT NULL
     );",
    // 16: what moderators hid (an event's or identity's document; its writers keep it) and suspended
    // accounts (the reason, or NULL); anonymous reporters' addresses (a report without an account
    // waits in state 'unconfirmed' until its address confirms it); where a report was forwarded.
    "CREATE TABLE hidden_documents (
         id TEXT PRIMARY KEY,
         reason TEXT NOT NULL,
         by TEXT NOT NULL,
         at INTEGER NOT NULL
     );
     ALTER TABLE accounts ADD COLUMN suspended TEXT;
     ALTER TABLE reports ADD COLUMN reporter_email TEXT;
     ALTER TABLE reports ADD COLUMN forwarded_to TEXT;",
    // 17: people of other servers this relay's moderators suspended: their activities are refused.
    "CREATE TABLE suspended_actors (actor TEXT PRIMARY KEY, reason TEXT NOT NULL, by TEXT NOT NULL, at INTEGER NOT NULL);",
];

/// The version [`open`] migrates to.
pub const SCHEMA_VERSION: i64 = STEPS.len() as i64;

/// Makes a file or folder of the data folder its owner's alone: 0700 for folders, 0600 for files. The
/// database holds the relay's link secret and the outbox holds reset links.
pub fn keep_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = if path.is_dir() { 0o700 } else { 0o600 };
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

pub fn open(dir: &Path) -> Result<Connection> {
    use std::os::unix::fs::OpenOptionsExt;
    let folder_error = |source| Error::DataFolder { path: dir.display().to_string(), source };
    std::fs::create_dir_all(dir).map_err(folder_error)?;
    keep_private(dir).map_err(folder_error)?;
    // Created 0600 before SQLite opens it: SQLite gives its -wal and -shm files the same mode.
    let file = dir.join(FILE);
    std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(&file).map_err(folder_error)?;
    keep_private(&file).map_err(folder_error)?;
    let mut conn = Connection::open(&file)?;
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
