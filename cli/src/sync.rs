use std::sync::{Arc, Mutex};
use std::time::Duration;

use rally_client::sync::SyncEngine;
use rally_client::{Error, Result};
use rally_core::profile::Profile;

const SETTLE: Duration = Duration::from_secs(30);
const TICK: Duration = Duration::from_secs(2);

pub async fn run(profile: Profile, once: bool) -> Result<()> {
    let profile = Arc::new(Mutex::new(profile));
    let engine = SyncEngine::connect(profile.clone()).await?;
    let mut changes = engine.changes();
    engine.settle(SETTLE).await?;
    let mut changed = 0;
    while changes.try_recv().is_ok() {
        changed += 1;
    }
    let total = profile.lock().map_err(|_| Error::Protocol("profile lock poisoned".into()))?.document_ids()?.len();
    println!("Synced {total} documents; {changed} changed here");
    if once {
        engine.stop().await;
        return Ok(());
    }
    // Until Ctrl-C: say what arrives, and push what other processes write to this profile.
    let mut since = chrono::Utc::now().timestamp_millis();
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            received = changes.recv() => {
                if let Ok(id) = received {
                    println!("updated {id}");
                }
            }
            _ = tokio::time::sleep(TICK) => {
                let (ids, latest) = profile.lock().map_err(|_| Error::Protocol("profile lock poisoned".into()))?.documents_changed_since(since)?;
                since = latest + 1;
                for id in ids {
                    engine.push(&id).await?;
                }
                engine.reconcile().await?;
            }
        }
    }
    engine.stop().await;
    Ok(())
}
