//! `Announce` of an `Event` (how a Mobilizon or Rally group shares its events): kept when the group
//! is followed here. An object sent inline must be the signer's server's; one named by URL was
//! fetched from its own server (by the inbox, before this transaction).

use chrono::{DateTime, Utc};
use rusqlite::Transaction;
use serde_json::Value;

use super::event_on_host;
use crate::federation::host_of;
use crate::federation::store::{self, RemoteActor};
use crate::federation::wire::Activity;
use crate::Result;

pub fn receive(
    tx: &Transaction,
    signer: &RemoteActor,
    activity: &Activity,
    fetched: Option<Value>,
    now: DateTime<Utc>,
) -> Result<()> {
    if !store::is_followed(tx, &signer.id)? {
        return Ok(());
    }
    let (object, host) = match (&fetched, &activity.object) {
        (Some(object), Value::String(url)) => (object, host_of(url).unwrap_or_default()),
        _ => (&activity.object, signer.host.clone()),
    };
    if let Some(event) = event_on_host(object, &host, now)? {
        store::put_remote_event(tx, &event, Some(&signer.id), now)?;
    }
    Ok(())
}
