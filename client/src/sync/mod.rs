//! Keeping a logged-in profile in step with the relay.
//!
//! The engine runs a samod repo whose storage is the profile itself ([`storage::ProfileStorage`]), so
//! changes from the relay land in the profile's documents and index as they arrive, and documents are
//! read from the profile when samod opens them. The account's root document lists every document id:
//! the engine adds the profile's documents to it and opens every document it lists, which is how a new
//! device receives everything and how deletions (marks in documents) travel. The documents of the
//! account's groups are opened too, as the relay last listed them (`crate::groups::refresh`).

pub mod background;
pub mod storage;

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use automerge::{ActorId, AutoCommit};
use rally_core::profile::Profile;
use samod::{BackoffConfig, ConnectionId, DialerHandle, DocHandle, DocumentId, PeerId, Repo};
use tokio::sync::broadcast;

use crate::relay_api::RelayApi;
use crate::token_store::TokenStore;
use crate::{Error, Result};

const RELAY_PEER_ID: &str = "rally-relay";
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

pub struct SyncEngine {
    repo: Repo,
    profile: Arc<Mutex<Profile>>,
    root: DocHandle,
    connection: ConnectionId,
    /// The connection to the relay, which samod re-dials with backoff when it drops.
    dialer: DialerHandle<std::convert::Infallible>,
    handles: tokio::sync::Mutex<HashMap<String, DocHandle>>,
    changed: broadcast::Sender<String>,
    /// This engine's writer for the root document.
    actor: ActorId,
}

fn lock(profile: &Arc<Mutex<Profile>>) -> Result<std::sync::MutexGuard<'_, Profile>> {
    profile.lock().map_err(|_| Error::Protocol("the profile lock was poisoned".into()))
}

fn sync_url(server: &str, token: &str) -> Result<samod::Url> {
    let ws = if let Some(rest) = server.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = server.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        return Err(Error::Protocol(format!("cannot sync with {server}: not an http(s) URL")));
    };
    samod::Url::parse(&format!("{ws}/sync?access_token={token}")).map_err(|e| Error::Protocol(e.to_string()))
}

fn doc_id(id: &str) -> Result<DocumentId> {
    DocumentId::from_str(id).map_err(|e| Error::Protocol(format!("{id}: {e}")))
}

impl SyncEngine {
    /// Connects the profile's logged-in account to its relay and opens every document to sync.
    pub async fn connect(profile: Arc<Mutex<Profile>>) -> Result<SyncEngine> {
        let (link, profile_id) = {
            let p = lock(&profile)?;
            (p.account_link()?.ok_or(Error::NotLoggedIn)?, p.profile_id()?)
        };
        let token = TokenStore::for_profile(&profile_id)?.get()?.ok_or(Error::NotLoggedIn)?;
        let session = RelayApi::new(&link.server)?.session(&token).await?;
        let (changed, _) = broadcast::channel(1024);
        let repo = Repo::build_tokio()
            .with_peer_id(PeerId::from_string(session.peer_id.clone()))
            .with_storage(storage::ProfileStorage::new(profile.clone(), changed.clone()))
            .load()
            .await;
        let backoff = BackoffConfig {
            initial_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            max_retries: None,
        };
        let dialer = repo
            .dial_websocket(sync_url(&link.server, &token)?, backoff)
            .map_err(|_| Error::Protocol("sync stopped".into()))?;
        let connection =
            match tokio::time::timeout(CONNECT_TIMEOUT, repo.when_connected(PeerId::from_string(RELAY_PEER_ID.into())))
                .await
            {
                Ok(Ok(connection)) => connection.id(),
                Ok(Err(_)) => return Err(Error::Protocol("sync stopped".into())),
                Err(_) => {
                    repo.stop().await;
                    return Err(Error::Unreachable {
                        server: link.server,
                        reason: "no sync connection within 10 s".into(),
                    });
                }
            };
        let root = match repo.find(doc_id(&session.root_document)?).await {
            Ok(Some(root)) => root,
            _ => {
                return Err(Error::Protocol(format!(
                    "the relay did not give the account's root document {}",
                    session.root_document
                )))
            }
        };
        let engine = SyncEngine {
            repo,
            profile,
            root,
            connection,
            dialer,
            handles: tokio::sync::Mutex::new(HashMap::new()),
            changed,
            actor: ActorId::random(),
        };
        engine.reconcile().await?;
        Ok(engine)
    }

    /// Lists the profile's documents in the root document and opens every listed one.
    pub async fn reconcile(&self) -> Result<()> {
        let plan = lock(&self.profile)?.sync_plan()?;
        let listed = self.listed()?;
        let missing: Vec<&str> = plan.own.iter().filter(|id| !listed.contains(id)).map(String::as_str).collect();
        if !missing.is_empty() {
            self.edit_root(|doc| rally_core::document::list_documents(doc, missing.iter().copied()))?;
        }
        // A group's document listed here by an older version is synced only as the group allows.
        let mut all: Vec<String> = listed.into_iter().filter(|id| !plan.tied.contains(id)).collect();
        all.extend(plan.own);
        all.extend(plan.groups);
        all.sort();
        all.dedup();
        for id in all {
            self.open(&id).await?;
        }
        Ok(())
    }

    fn listed(&self) -> Result<Vec<String>> {
        self.root.with_document(|am| {
            let doc = AutoCommit::load(&am.save()).map_err(|e| Error::Protocol(e.to_string()))?;
            Ok(rally_core::document::listed_documents(&doc)?)
        })
    }

    fn edit_root(&self, change: impl FnOnce(&mut AutoCommit) -> rally_core::Result<()>) -> Result<()> {
        self.root.with_document(|am| {
            let mut copy = AutoCommit::load(&am.save()).map_err(|e| Error::Protocol(e.to_string()))?;
            copy.set_actor(self.actor.clone());
            let before = copy.get_heads();
            change(&mut copy)?;
            am.load_incremental(&copy.save_after(&before)).map_err(|e| Error::Protocol(e.to_string()))?;
            Ok(())
        })
    }

    /// Opens a document for sync: from the profile if it has it, else from the relay.
    async fn open(&self, id: &str) -> Result<Option<DocHandle>> {
        let mut handles = self.handles.lock().await;
        if let Some(handle) = handles.get(id) {
            return Ok(Some(handle.clone()));
        }
        let found = self.repo.find(doc_id(id)?).await.map_err(|_| Error::Protocol("sync stopped".into()))?;
        if let Some(handle) = &found {
            handles.insert(id.to_string(), handle.clone());
        }
        Ok(found)
    }

    /// One round: connects, sends every document of this profile and takes the relay's, then
    /// disconnects. Returns how many documents changed here.
    pub async fn round(profile: Arc<Mutex<Profile>>, timeout: Duration) -> Result<usize> {
        // The account's groups first: their documents are synced too.
        crate::groups::refresh(&profile).await?;
        let engine = SyncEngine::connect(profile).await?;
        let mut changes = engine.changes();
        let settled = engine.settle(timeout).await;
        let mut changed = 0;
        while changes.try_recv().is_ok() {
            changed += 1;
        }
        engine.stop().await;
        settled.map(|()| changed)
    }

    /// Hands a local write of document `id` to sync (the app calls this after each change it makes).
    pub async fn push(&self, id: &str) -> Result<()> {
        let bytes = lock(&self.profile)?.document_bytes(id)?;
        let Some(bytes) = bytes else { return Ok(()) };
        let tied = lock(&self.profile)?.sync_plan()?.tied.iter().any(|t| t == id);
        if !tied && !self.listed()?.iter().any(|listed| listed == id) {
            self.edit_root(|doc| rally_core::document::list_documents(doc, [id]))?;
        }
        let Some(handle) = self.open(id).await? else { return Ok(()) };
        handle.with_document(|am| {
            for chunk in std::iter::once(&bytes.snapshot).chain(bytes.chunks.iter()) {
                am.load_incremental(chunk).map_err(|e| Error::Protocol(e.to_string()))?;
            }
            Ok(())
        })
    }

    /// Waits until the relay has every change of every open document, and this device has the
    /// relay's, or until `timeout`.
    pub async fn settle(&self, timeout: Duration) -> Result<()> {
        self.reconcile().await?;
        let handles: Vec<DocHandle> = self.handles.lock().await.values().cloned().chain([self.root.clone()]).collect();
        let all = async {
            // The connection of now: the dialer may have reconnected since the engine started.
            let connection = match self.repo.when_connected(PeerId::from_string(RELAY_PEER_ID.into())).await {
                Ok(connection) => connection.id(),
                Err(_) => self.connection,
            };
            for handle in &handles {
                handle.they_have_our_changes(connection).await;
                handle.we_have_their_changes(connection).await;
            }
        };
        tokio::time::timeout(timeout, all)
            .await
            .map_err(|_| Error::Protocol(format!("the relay did not catch up within {} s", timeout.as_secs())))
    }

    /// Whether the connection to the relay is up now (samod re-dials it on its own when it drops).
    pub fn is_connected(&self) -> bool {
        self.dialer.is_connected()
    }

    /// Ids of documents that changed here because of sync, as they change.
    pub fn changes(&self) -> broadcast::Receiver<String> {
        self.changed.subscribe()
    }

    pub async fn stop(self) {
        self.repo.stop().await;
    }
}
