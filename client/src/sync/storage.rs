//! samod's storage, backed by the profile: loading a document reads the profile's snapshot and chunks;
//! every write samod makes (changes from the relay, or its own saves) is merged into the profile's
//! document and re-indexed. Keys that are not documents (samod's own storage id) go to the profile's
//! meta table. Deletions of chunks are ignored: the profile compacts on its own.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use rally_core::profile::Profile;
use samod::storage::{Storage, StorageKey};
use tokio::sync::broadcast;

#[derive(Clone)]
pub struct ProfileStorage {
    profile: Arc<Mutex<Profile>>,
    /// Ids of documents that changed because of sync, for whoever shows them.
    changed: broadcast::Sender<String>,
}

impl ProfileStorage {
    pub fn new(profile: Arc<Mutex<Profile>>, changed: broadcast::Sender<String>) -> Self {
        ProfileStorage { profile, changed }
    }

    fn run<T: Send + 'static>(
        &self,
        what: &'static str,
        f: impl FnOnce(&mut Profile) -> rally_core::Result<T> + Send + 'static,
    ) -> impl Future<Output = Option<T>> + Send + 'static {
        let profile = self.profile.clone();
        async move {
            let done = tokio::task::spawn_blocking(move || {
                let mut profile = profile.lock().map_err(|_| "the profile lock was poisoned".to_string())?;
                f(&mut profile).map_err(|e| e.to_string())
            })
            .await;
            match done {
                Ok(Ok(value)) => Some(value),
                // samod's storage API has no error channel: say it rather than lose it.
                Ok(Err(e)) => {
                    eprintln!("rally sync: {what}: {e}");
                    None
                }
                Err(e) => {
                    eprintln!("rally sync: {what}: {e}");
                    None
                }
            }
        }
    }
}

fn parts(key: &StorageKey) -> Vec<String> {
    key.into_iter().cloned().collect()
}

fn meta_key(parts: &[String]) -> String {
    format!("samod:{}", parts.join("/"))
}

impl Storage for ProfileStorage {
    fn load(&self, key: StorageKey) -> impl Future<Output = Option<Vec<u8>>> + Send {
        let parts = parts(&key);
        let read = self.run("load", move |p| p.sync_meta(&meta_key(&parts)));
        async move { read.await.flatten() }
    }

    fn load_range(&self, prefix: StorageKey) -> impl Future<Output = HashMap<StorageKey, Vec<u8>>> + Send {
        let parts = parts(&prefix);
        let read = self.run("load", move |p| {
            let (Some(doc_id), Some(section)) = (parts.first(), parts.get(1)) else {
                return Ok(None);
            };
            Ok(p.document_bytes(doc_id)?.map(|bytes| (doc_id.clone(), section.clone(), bytes.snapshot, bytes.chunks)))
        });
        async move {
            let mut found = HashMap::new();
            if let Some((doc_id, section, snapshot, chunks)) = read.await.flatten() {
                let key =
                    |name: String| StorageKey::from_parts([doc_id.as_str(), section.as_str(), name.as_str()]).ok();
                match section.as_str() {
                    "snapshot" => {
                        if let Some(k) = key("profile".into()) {
                            found.insert(k, snapshot);
                        }
                    }
                    "incremental" => {
                        for (n, chunk) in chunks.into_iter().enumerate() {
                            if let Some(k) = key(format!("profile-{n}")) {
                                found.insert(k, chunk);
                            }
                        }
                    }
                    _ => {}
                }
            }
            found
        }
    }

    fn put(&self, key: StorageKey, data: Vec<u8>) -> impl Future<Output = ()> + Send {
        let parts = parts(&key);
        let changed = self.changed.clone();
        let write = self.run("store", move |p| match parts.first().filter(|id| rally_core::document::is_id(id)) {
            Some(doc_id) => Ok(p.merge_document(doc_id, &data)?.then(|| doc_id.clone())),
            None => p.set_sync_meta(&meta_key(&parts), Some(&data)).map(|()| None),
        });
        async move {
            if let Some(id) = write.await.flatten() {
                let _ = changed.send(id);
            }
        }
    }

    fn delete(&self, key: StorageKey) -> impl Future<Output = ()> + Send {
        let parts = parts(&key);
        let write = self.run("delete", move |p| {
            if parts.first().is_some_and(|id| rally_core::document::is_id(id)) {
                return Ok(());
            }
            p.set_sync_meta(&meta_key(&parts), None)
        });
        async move {
            write.await;
        }
    }
}
