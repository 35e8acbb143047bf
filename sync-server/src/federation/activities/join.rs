//! `Join` of one of our events by a remote person: participation's rules decide, as for a local
//! request. Free events answer `Accept` at once; approval events wait for the organizer (who may
//! decide offline); a full, closed or past event answers `Reject` with why.

use rusqlite::Transaction;
use serde_json::Value;

use super::{local_event, Context};
use crate::federation::participation::send_answer;
use crate::federation::store::RemoteActor;
use crate::federation::wire::{id_of, Activity};
use crate::participation::RemoteJoin;
use crate::{Error, Result};

pub fn receive(tx: &Transaction, cx: &Context, signer: &RemoteActor, activity: &Activity) -> Result<()> {
    let url = id_of(&activity.object).unwrap_or_default();
    let event_id = local_event(cx.urls, url)
        .ok_or_else(|| Error::Unknown { code: "unknown_event", message: format!("{url} is no event here") })?;
    let actor = id_of(&activity.actor).unwrap_or_default().to_string();
    // The person may be another actor of the signer's server (checked by the inbox); its name is the
    // signer's when the signer is that person.
    let (name, username) = match actor == signer.id {
        true => (signer.name.clone(), format!("{}@{}", signer.username, signer.host)),
        false => (actor.clone(), actor.clone()),
    };
    let message = activity
        .participation_message
        .clone()
        .or_else(|| activity.object.get("participationMessage").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_default();
    let remote = RemoteJoin { actor: actor.clone(), activity_id: activity.id.clone(), name, username, message };
    match cx.participation.join_remote_in(tx, &event_id, &remote) {
        Ok(_) => Ok(()),
        Err(Error::Conflict { code: "already_joined", .. }) => Ok(()),
        Err(Error::Conflict { .. }) => {
            let Some(event) = crate::participation::published_event(tx, &event_id)? else { return Ok(()) };
            send_answer(tx, cx.urls, "Reject", &actor, &activity.id, &event)
        }
        Err(e) => Err(e),
    }
}
