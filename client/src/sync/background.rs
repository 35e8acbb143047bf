//! Sync that runs beside the app: connects when logged in and the relay can be reached, retries with
//! backoff when it cannot, hands local writes to the relay, and reports its state for the indicator.
//! Participations ride along: each round sends the organizer's pending decisions and fetches the
//! relay's answer ([`crate::participation::refresh`]); what it brings is offered as [`News`].
//! The app never waits on it: it works on the profile whatever this is doing.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use rally_core::model::{SyncState, SyncStatus};
use rally_core::profile::Profile;
use tokio::sync::{broadcast, mpsc, watch};

use super::SyncEngine;
use crate::participation::{self, News};
use crate::Error;

const SETTLE: Duration = Duration::from_secs(20);
const TICK: Duration = Duration::from_secs(2);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Participations are fetched every few ticks (the relay has no push for them).
const REFRESH_EVERY_TICKS: u32 = 2;

enum Signal {
    /// This device wrote something: push it now rather than at the next tick.
    Written,
    /// Logged in or out: start over.
    Restart,
}

/// The handle the app keeps: status to show, and where to say what changed.
#[derive(Clone)]
pub struct BackgroundSync {
    status: watch::Receiver<SyncStatus>,
    signals: mpsc::UnboundedSender<Signal>,
    news: broadcast::Sender<News>,
}

impl BackgroundSync {
    /// Starts the sync task on the current tokio runtime.
    pub fn start(profile: Arc<Mutex<Profile>>) -> BackgroundSync {
        let (status_tx, status) = watch::channel(SyncStatus::default());
        let (signals, rx) = mpsc::unbounded_channel();
        let (news, _) = broadcast::channel(64);
        tokio::spawn(run(profile, status_tx, rx, news.clone()));
        BackgroundSync { status, signals, news }
    }

    /// What participation refreshes bring (new requests, answers, decisions that did not apply).
    pub fn news(&self) -> broadcast::Receiver<News> {
        self.news.subscribe()
    }

    pub fn status(&self) -> SyncStatus {
        self.status.borrow().clone()
    }

    /// Call after each local write.
    pub fn written(&self) {
        let _ = self.signals.send(Signal::Written);
    }

    /// Call after logging in or out.
    pub fn restart(&self) {
        let _ = self.signals.send(Signal::Restart);
    }
}

fn set(status: &watch::Sender<SyncStatus>, state: SyncState, message: Option<String>) {
    status.send_modify(|s| {
        s.state = state;
        s.message = message;
        if state == SyncState::UpToDate {
            s.last_synced_at = Some(Utc::now());
        }
    });
}

/// Pushes every document written since `since` (by this app or another process on the profile).
async fn push_written(engine: &SyncEngine, profile: &Arc<Mutex<Profile>>, since: &mut i64) -> bool {
    let written = match profile.lock() {
        Ok(p) => p.documents_changed_since(*since),
        Err(_) => return false,
    };
    let Ok((ids, latest)) = written else { return false };
    *since = latest + 1;
    for id in ids {
        if engine.push(&id).await.is_err() {
            return false;
        }
    }
    true
}

/// Sends pending decisions and fetches participations, groups and what other servers sent; the views reload when something changed. An
/// unreachable relay leaves everything as it is, decisions included, for the next round; any other
/// failure is said in the indicator's message and the log.
async fn refresh_participations(
    profile: &Arc<Mutex<Profile>>,
    status: &watch::Sender<SyncStatus>,
    news: &broadcast::Sender<News>,
) {
    match participation::refresh(profile).await {
        Ok(found) => {
            if found.changed {
                status.send_modify(|s| s.revision += 1);
            }
            if !found.is_empty() {
                let _ = news.send(found);
            }
        }
        Err(Error::Unreachable { .. }) => {}
        Err(err) => {
            eprintln!("rally: participations: {err}");
            status.send_modify(|s| s.message = Some(format!("Participations could not be brought up to date: {err}")));
        }
    }
    let before = participation::lock(profile).and_then(|p| Ok(p.my_groups()?));
    match crate::groups::refresh(profile).await {
        Ok(after) => {
            if before.ok().as_ref() != Some(&after) {
                status.send_modify(|s| s.revision += 1);
            }
        }
        Err(Error::Unreachable { .. }) => {}
        Err(err) => {
            eprintln!("rally: groups: {err}");
            status.send_modify(|s| s.message = Some(format!("Groups could not be brought up to date: {err}")));
        }
    }
    match crate::moderation::refresh(profile).await {
        Ok(true) => status.send_modify(|s| s.revision += 1),
        Ok(false) | Err(Error::Unreachable { .. }) => {}
        Err(err) => {
            eprintln!("rally: moderation: {err}");
            status.send_modify(|s| s.message = Some(format!("Moderation could not be brought up to date: {err}")));
        }
    }
    match crate::federation::refresh(profile).await {
        Ok(true) => status.send_modify(|s| s.revision += 1),
        Ok(false) | Err(Error::Unreachable { .. }) => {}
        Err(err) => {
            eprintln!("rally: other servers: {err}");
            status.send_modify(|s| {
                s.message = Some(format!("Events of people you follow could not be brought up to date: {err}"))
            });
        }
    }
}

async fn run(
    profile: Arc<Mutex<Profile>>,
    status: watch::Sender<SyncStatus>,
    mut signals: mpsc::UnboundedReceiver<Signal>,
    news: broadcast::Sender<News>,
) {
    let mut backoff = Duration::from_millis(500);
    loop {
        let engine = match SyncEngine::connect(profile.clone()).await {
            Ok(engine) => engine,
            Err(err) => {
                let (state, wait) = match err {
                    Error::NotLoggedIn | Error::Relay { status: 401, .. } => (SyncState::LoggedOut, None),
                    _ => (SyncState::Offline, Some(backoff)),
                };
                set(&status, state, (state == SyncState::Offline).then(|| err.to_string()));
                // Wait for the backoff, or for a login/logout; local writes are picked up on reconnect.
                let waited = async {
                    loop {
                        match signals.recv().await {
                            Some(Signal::Restart) | None => return,
                            Some(Signal::Written) => {}
                        }
                    }
                };
                match wait {
                    Some(wait) => {
                        let _ = tokio::time::timeout(wait, waited).await;
                        backoff = (backoff * 2).min(MAX_BACKOFF);
                    }
                    None => waited.await,
                }
                continue;
            }
        };
        backoff = Duration::from_millis(500);
        set(&status, SyncState::Syncing, None);
        let mut changes = engine.changes();
        let root = engine.root.clone();
        let mut root_changes = root.changes();
        let mut since = 0;
        let mut healthy = engine.settle(SETTLE).await.is_ok();
        if healthy {
            refresh_participations(&profile, &status, &news).await;
            set(&status, SyncState::UpToDate, None);
        }
        let mut ticks = 0u32;
        // The engine's connection drops and comes back on its own; the indicator follows it.
        let mut connected = true;
        while healthy {
            tokio::select! {
                signal = signals.recv() => match signal {
                    Some(Signal::Written) if connected => {
                        set(&status, SyncState::Syncing, None);
                        healthy = push_written(&engine, &profile, &mut since).await && engine.settle(SETTLE).await.is_ok();
                        if healthy {
                            refresh_participations(&profile, &status, &news).await;
                            set(&status, SyncState::UpToDate, None);
                        }
                    }
                    // Handed to the engine now, sent when the connection is back.
                    Some(Signal::Written) => healthy = push_written(&engine, &profile, &mut since).await,
                    Some(Signal::Restart) | None => break,
                },
                changed = changes.recv() => {
                    if changed.is_ok() {
                        status.send_modify(|s| { s.revision += 1; s.last_synced_at = Some(Utc::now()); });
                    }
                }
                _ = futures::StreamExt::next(&mut root_changes) => {
                    // Another device listed a new document: fetch it now.
                    healthy = engine.reconcile().await.is_ok();
                }
                _ = tokio::time::sleep(TICK) => {
                    ticks += 1;
                    if connected && ticks.is_multiple_of(REFRESH_EVERY_TICKS) {
                        refresh_participations(&profile, &status, &news).await;
                    }
                    match (connected, engine.is_connected()) {
                        (true, false) => {
                            connected = false;
                            set(&status, SyncState::Offline, Some("lost the connection to the relay; reconnecting".into()));
                        }
                        (false, true) => {
                            connected = true;
                            set(&status, SyncState::Syncing, None);
                            healthy = push_written(&engine, &profile, &mut since).await
                                && engine.reconcile().await.is_ok()
                                && engine.settle(SETTLE).await.is_ok();
                            if healthy {
                                refresh_participations(&profile, &status, &news).await;
                                set(&status, SyncState::UpToDate, None);
                            }
                        }
                        (true, true) => {
                            healthy = push_written(&engine, &profile, &mut since).await && engine.reconcile().await.is_ok();
                        }
                        (false, false) => {}
                    }
                }
            }
        }
        if !healthy {
            set(&status, SyncState::Offline, Some("lost the connection to the relay".into()));
        }
        engine.stop().await;
    }
}
