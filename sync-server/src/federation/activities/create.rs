//! `Create` of an `Event` by an actor someone here follows: kept, read-only.

use chrono::{DateTime, Utc};
use rusqlite::Transaction;

use super::event_on_host;
use crate::federation::store::{self, RemoteActor};
use crate::federation::wire::Activity;
use crate::Result;

pub fn receive(tx: &Transaction, signer: &RemoteActor, activity: &Activity, now: DateTime<Utc>) -> Result<()> {
    let Some(event) = event_on_host(&activity.object, &signer.host, now)? else { return Ok(()) };
    if store::is_followed(tx, &event.attributed_to)? || store::is_followed(tx, &signer.id)? {
        store::put_remote_event(tx, &event, None, now)?;
    }
    Ok(())
}
