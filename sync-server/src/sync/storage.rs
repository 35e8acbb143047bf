//! samod's key-value storage in the relay's SQLite database (`sync_storage`), one row per key. After
//! each write to a document, its access facts are derived again from all its stored chunks and handed
//! to the [`Registry`], so a decision can change the moment a draft is published.
//!
//! Changes a peer sends are also written here *before* samod sees them ([`SqliteStorage::keep_received`]),
//! under the keys samod gives them, so a change the relay has acknowledged is on disk even if the
//! process dies the next instant: samod may queue its reply before it hands the write to storage.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use automerge::AutoCommit;
use rusqlite::{params, Connection};
use samod::storage::{Storage, StorageKey};

use super::access::DocFacts;
use super::registry::Registry;

#[derive(Clone)]
pub struct SqliteStorage {
    db: Arc<Mutex<Connection>>,
    registry: Arc<Registry>,
}

fn key_text(key: &StorageKey) -> String {
    key.into_iter().map(String::as_str).collect::<Vec<_>>().join("/")
}

fn parse_key(text: &str) -> Option<StorageKey> {
    StorageKey::from_parts(text.split('/')).ok()
}

impl SqliteStorage {
    pub fn new(db: Arc<Mutex<Connection>>, registry: Arc<Registry>) -> Self {
        SqliteStorage { db, registry }
    }

    /// Stores the changes an incoming sync message (`message`, the frame's `data`) carries for
    /// `doc_id`, committed before this returns. Each change goes under `<doc>/incremental/<hash>`,
    /// the key samod itself uses, so samod's own later write of it is the same row; a whole-document
    /// chunk (sync protocol v2) goes under the SHA-256 of its bytes. samod loads both on restart.
    pub async fn keep_received(&self, doc_id: &str, message: &[u8]) -> Result<(), String> {
        let message = automerge::sync::Message::decode(message)
            .map_err(|e| format!("a sync message for {doc_id} that does not decode: {e}"))?;
        let mut rows = Vec::with_capacity(message.changes.len());
        for chunk in message.changes.iter() {
            let name = match automerge::Change::from_bytes(chunk.to_vec()) {
                Ok(change) => change.hash().to_string(),
                Err(_) => {
                    automerge::Automerge::load(chunk)
                        .map_err(|e| format!("a sync message for {doc_id} with changes that do not load: {e}"))?;
                    hex_sha256(chunk)
                }
            };
            rows.push((format!("{doc_id}/incremental/{name}"), chunk.to_vec()));
        }
        if rows.is_empty() {
            return Ok(());
        }
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = db.lock().map_err(|_| "the database lock was poisoned".to_string())?;
            let tx = conn.transaction().map_err(|e| e.to_string())?;
            {
                let mut insert = tx
                    .prepare_cached("INSERT INTO sync_storage (key, data) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING")
                    .map_err(|e| e.to_string())?;
                for (key, data) in &rows {
                    insert.execute(params![key, data]).map_err(|e| e.to_string())?;
                }
            }
            tx.commit().map_err(|e| format!("storing received changes: {e}"))
        })
        .await
        .map_err(|e| e.to_string())?
    }

    fn with_db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> impl Future<Output = Option<T>> + Send + 'static {
        let db = self.db.clone();
        async move {
            let done = tokio::task::spawn_blocking(move || {
                let conn = db.lock().map_err(|_| "database lock poisoned".to_string())?;
                f(&conn).map_err(|e| e.to_string())
            })
            .await;
            match done {
                Ok(Ok(value)) => Some(value),
                Ok(Err(e)) => {
                    // samod's storage API has no error channel: say it loudly rather than lose it.
                    eprintln!("rally-server: sync storage: {e}");
                    None
                }
                Err(e) => {
                    eprintln!("rally-server: sync storage task: {e}");
                    None
                }
            }
        }
    }
}

/// A document as the relay has stored it: every chunk under its id, merged. `None` if a chunk does
/// not load.
pub fn stored_document(conn: &Connection, doc_id: &str) -> rusqlite::Result<Option<AutoCommit>> {
    let mut stmt = conn.prepare_cached("SELECT data FROM sync_storage WHERE key >= ?1 AND key < ?2")?;
    let chunks = stmt
        .query_map(params![format!("{doc_id}/"), format!("{doc_id}0")], |r| r.get::<_, Vec<u8>>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut doc = AutoCommit::new();
    for chunk in &chunks {
        if doc.load_incremental(chunk).is_err() {
            return Ok(None);
        }
    }
    Ok(Some(doc))
}

/// What a stored document says about its access: for events, draft and visibility. (Its owner is
/// not in it: the relay records who first wrote it.)
fn facts_of(conn: &Connection, doc_id: &str) -> rusqlite::Result<Option<DocFacts>> {
    let Some(doc) = stored_document(conn, doc_id)? else { return Ok(None) };
    let event = match rally_core::document::kind(&doc, doc_id) {
        Ok(rally_core::document::Kind::Event) => {
            rally_core::document::read_event(&doc, doc_id).ok().map(|e| (e.details.draft, e.details.visibility))
        }
        _ => None,
    };
    Ok(Some(DocFacts { owner: None, event }))
}

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

impl Storage for SqliteStorage {
    fn load(&self, key: StorageKey) -> impl Future<Output = Option<Vec<u8>>> + Send {
        let key = key_text(&key);
        let read = self.with_db(move |conn| {
            use rusqlite::OptionalExtension;
            conn.query_row("SELECT data FROM sync_storage WHERE key = ?1", [key], |r| r.get(0)).optional()
        });
        async move { read.await.flatten() }
    }

    fn load_range(&self, prefix: StorageKey) -> impl Future<Output = HashMap<StorageKey, Vec<u8>>> + Send {
        let prefix = key_text(&prefix);
        let read = self.with_db(move |conn| {
            // Keys below `prefix` are `prefix/…`; '0' is the character after '/'.
            let mut stmt =
                conn.prepare_cached("SELECT key, data FROM sync_storage WHERE key = ?1 OR (key >= ?2 AND key < ?3)")?;
            let rows = stmt.query_map(params![prefix, format!("{prefix}/"), format!("{prefix}0")], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
            })?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        });
        async move { read.await.unwrap_or_default().into_iter().filter_map(|(k, v)| Some((parse_key(&k)?, v))).collect() }
    }

    fn put(&self, key: StorageKey, data: Vec<u8>) -> impl Future<Output = ()> + Send {
        let doc_id: Option<String> = (&key).into_iter().next().cloned();
        let key = key_text(&key);
        let registry = self.registry.clone();
        let write = self.with_db(move |conn| {
            conn.execute(
                "INSERT INTO sync_storage (key, data) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET data = excluded.data",
                params![key, data],
            )?;
            match doc_id.filter(|id| rally_core::document::is_id(id)) {
                Some(id) => Ok(facts_of(conn, &id)?.map(|facts| (id, facts))),
                None => Ok(None),
            }
        });
        async move {
            if let Some((id, facts)) = write.await.flatten() {
                registry.stored(&id, facts);
            }
        }
    }

    fn delete(&self, key: StorageKey) -> impl Future<Output = ()> + Send {
        let key = key_text(&key);
        let write = self.with_db(move |conn| conn.execute("DELETE FROM sync_storage WHERE key = ?1", [key]));
        async move {
            write.await;
        }
    }
}
