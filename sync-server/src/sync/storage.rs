//! samod's key-value storage in the relay's SQLite database (`sync_storage`), one row per key. After
//! each write to a document, its access facts are derived again from all its stored chunks and handed
//! to the [`Registry`], so a decision can change the moment a draft is published.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use automerge::AutoCommit;
use rusqlite::{params, Connection};
use samod::storage::{Storage, StorageKey};

use super::access::DocFacts;
use super::durable::PersistGate;
use super::registry::Registry;

#[derive(Clone)]
pub struct SqliteStorage {
    db: Arc<Mutex<Connection>>,
    registry: Arc<Registry>,
    gate: Arc<PersistGate>,
}

fn key_text(key: &StorageKey) -> String {
    key.into_iter().map(String::as_str).collect::<Vec<_>>().join("/")
}

fn parse_key(text: &str) -> Option<StorageKey> {
    StorageKey::from_parts(text.split('/')).ok()
}

impl SqliteStorage {
    pub fn new(db: Arc<Mutex<Connection>>, registry: Arc<Registry>, gate: Arc<PersistGate>) -> Self {
        SqliteStorage { db, registry, gate }
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
        // Counted from the moment samod hands the write over, so no reply overtakes it.
        let pending = self.gate.begin();
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
            drop(pending);
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
