//! `Update` of an `Event`: the copy kept here changes (or is kept now, if its actor is followed).

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction};

use super::event_on_host;
use crate::federation::store::{self, RemoteActor};
use crate::federation::wire::Activity;
use crate::Result;

pub fn receive(tx: &Transaction, signer: &RemoteActor, activity: &Activity, now: DateTime<Utc>) -> Result<()> {
    let Some(event) = event_on_host(&activity.object, &signer.host, now)? else { return Ok(()) };
    let kept =
        tx.query_row("SELECT 1 FROM remote_events WHERE url = ?1", [&event.url], |_| Ok(())).optional()?.is_some();
    if kept || store::is_followed(tx, &event.attributed_to)? || store::is_followed(tx, &signer.id)? {
        store::put_remote_event(tx, &event, None, now)?;
    }
    Ok(())
}
