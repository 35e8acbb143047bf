//! `Leave` of one of our events by a remote person: their place goes; the waiting list moves up.

use rusqlite::Transaction;

use super::{local_event, Context};
use crate::federation::store::RemoteActor;
use crate::federation::wire::{id_of, Activity};
use crate::Result;

pub fn receive(tx: &Transaction, cx: &Context, _signer: &RemoteActor, activity: &Activity) -> Result<()> {
    let url = id_of(&activity.object).unwrap_or_default();
    let Some(event_id) = local_event(cx.urls, url) else { return Ok(()) };
    let actor = id_of(&activity.actor).unwrap_or_default();
    cx.participation.leave_remote_in(tx, &event_id, actor)
}
