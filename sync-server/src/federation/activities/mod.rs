//! One file per verb Rally understands; each handles a checked activity inside one transaction.
//! Verbs Rally does not act on yet are accepted and dropped, as Mastodon does.

mod accept;
mod announce;
mod create;
mod delete;
pub mod flag;
mod follow;
mod join;
mod leave;
mod reject;
mod undo;
mod update;

use chrono::{DateTime, Utc};
use rusqlite::Transaction;
use serde_json::Value;

use super::store::RemoteActor;
use super::wire::Activity;
use super::Urls;
use crate::Result;

/// What verbs need beyond the transaction.
pub struct Context<'a> {
    pub urls: &'a Urls,
    pub participation: &'a crate::participation::ParticipationService,
}

pub fn handle(
    tx: &Transaction,
    cx: &Context,
    signer: &RemoteActor,
    activity: &Activity,
    announced: Option<Value>,
    now: DateTime<Utc>,
) -> Result<()> {
    match activity.kind.as_str() {
        "Follow" => follow::receive(tx, cx.urls, signer, activity, now),
        "Accept" => accept::receive(tx, signer, activity),
        "Reject" => reject::receive(tx, signer, activity),
        "Undo" => undo::receive(tx, cx.urls, signer, activity),
        "Join" => join::receive(tx, cx, signer, activity),
        "Leave" => leave::receive(tx, cx, signer, activity),
        "Create" => create::receive(tx, signer, activity, now),
        "Update" => update::receive(tx, signer, activity, now),
        "Delete" => delete::receive(tx, signer, activity),
        "Announce" => announce::receive(tx, signer, activity, announced, now),
        "Flag" => flag::receive(tx, cx, signer, activity, now),
        _ => Ok(()),
    }
}

/// Our event at this URL (`/events/{id}`): its id.
fn local_event(urls: &Urls, url: &str) -> Option<String> {
    url.strip_prefix(&format!("{}/events/", urls.base))
        .filter(|id| !id.is_empty() && !id.contains('/'))
        .map(str::to_string)
}

/// The remote event an activity carries, read and checked (see [`super::convert::event_from_wire`]),
/// if its object is an `Event` attributed to an actor on `host`.
fn event_on_host(object: &Value, host: &str, now: DateTime<Utc>) -> Result<Option<super::convert::RemoteEvent>> {
    if object.get("type").and_then(Value::as_str) != Some("Event") {
        return Ok(None);
    }
    let wire: super::wire::Event = serde_json::from_value(object.clone())
        .map_err(|e| crate::Error::bad_request("invalid_object", format!("the Event does not read: {e}")))?;
    let event =
        super::convert::event_from_wire(&wire, now).map_err(|e| crate::Error::bad_request("invalid_object", e))?;
    if super::host_of(&event.attributed_to).as_deref() != Some(host)
        || super::host_of(&event.url).as_deref() != Some(host)
    {
        return Err(crate::Error::Forbidden {
            code: "actor_not_signer",
            message: format!("the event {} is not {host}'s to speak for", event.url),
        });
    }
    Ok(Some(event))
}
