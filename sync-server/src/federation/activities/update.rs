//! `Update` of an `Event`: the copy kept here changes (or is kept now, if its actor is followed).
//! `Update` of the signer itself (a person or group renamed, a new picture or key): the copy of the
//! actor kept here changes, checked as a fetched one is.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction};

use super::event_on_host;
use crate::federation::store::{self, RemoteActor};
use crate::federation::wire::Activity;
use crate::Result;

pub fn receive(tx: &Transaction, signer: &RemoteActor, activity: &Activity, now: DateTime<Utc>) -> Result<()> {
    if activity.object.get("id").and_then(serde_json::Value::as_str) == Some(signer.id.as_str()) {
        let actor = crate::federation::actors::remote_actor_from(&activity.object, &signer.id)
            .map_err(|e| crate::Error::bad_request("invalid_actor", e.to_string()))?;
        return store::put_actor(tx, &actor, now);
    }
    let Some(event) = event_on_host(&activity.object, &signer.host, now)? else { return Ok(()) };
    let kept =
        tx.query_row("SELECT 1 FROM remote_events WHERE url = ?1", [&event.url], |_| Ok(())).optional()?.is_some();
    if kept || store::is_followed(tx, &event.attributed_to)? || store::is_followed(tx, &signer.id)? {
        store::put_remote_event(tx, &event, None, now)?;
    }
    Ok(())
}
