use std::sync::{Arc, Mutex};
use std::time::Duration;

use rally_client::sync::background::BackgroundSync;
use rally_client::sync::SyncEngine;
use rally_client::{Error, Result};
use rally_core::model::{SyncState, SyncStatus};
use rally_core::profile::Profile;

pub const SETTLE: Duration = Duration::from_secs(30);

pub async fn run(profile: Profile, once: bool) -> Result<()> {
    let profile = Arc::new(Mutex::new(profile));
    if once {
        return sync_once(profile).await;
    }
    // Until Ctrl-C: the background sync the app runs, saying what it does.
    let sync = BackgroundSync::start(profile);
    let mut shown: Option<SyncStatus> = None;
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => return Ok(()),
            _ = tokio::time::sleep(Duration::from_millis(500)) => {
                let status = sync.status();
                if shown.as_ref() != Some(&status) {
                    println!("{}", describe(&status));
                    shown = Some(status);
                }
            }
        }
    }
}

/// One round: everything here to the relay and back, then exit.
async fn sync_once(profile: Arc<Mutex<Profile>>) -> Result<()> {
    let changed = SyncEngine::round(profile.clone(), SETTLE).await?;
    let total = profile.lock().map_err(|_| Error::Protocol("profile lock poisoned".into()))?.document_ids()?.len();
    println!("Synced {total} documents; {changed} changed here");
    // Participations: the decisions taken here go out, the relay's answer comes back.
    let news = rally_client::participation::refresh(&profile).await?;
    for p in &news.requests {
        println!("New request from {}: {}", p.name, p.id);
    }
    for p in &news.answers {
        println!("{}", p.outcome());
    }
    for r in &news.not_applied {
        println!("A decision was not applied ({}): {}", r.participation_id, r.note.as_deref().unwrap_or("refused"));
    }
    // What the relay keeps off its pages, and why (a username another account has, a bad date…).
    for w in rally_client::account::withheld(&profile).await? {
        println!("Not shown by the relay: {} ({}): {}", w.document_id, w.reason.as_str(), w.message);
    }
    Ok(())
}

fn describe(status: &SyncStatus) -> String {
    let state = match status.state {
        SyncState::LoggedOut => "not logged in: nothing to sync (rally account login)",
        SyncState::Offline => "offline",
        SyncState::Syncing => "syncing",
        SyncState::UpToDate => "up to date",
    };
    let mut line = format!("{state} · {} changes received", status.revision);
    if let Some(message) = &status.message {
        line.push_str(&format!(" ({message})"));
    }
    line
}
