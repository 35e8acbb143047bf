//! `Undo` of a `Follow`: that follower goes.

use rusqlite::Transaction;
use serde_json::Value;

use super::follow::local_actor_at;
use crate::federation::store::{self, RemoteActor};
use crate::federation::wire::{id_of, Activity};
use crate::federation::Urls;
use crate::Result;

pub fn receive(tx: &Transaction, urls: &Urls, signer: &RemoteActor, activity: &Activity) -> Result<()> {
    if activity.object.get("type").and_then(Value::as_str) != Some("Follow") {
        return Ok(());
    }
    let target = activity.object.get("object").and_then(id_of).unwrap_or_default();
    if let Some(local) = local_actor_at(tx, urls, target)? {
        store::remove_follower(tx, local.key(), &signer.id)?;
    }
    Ok(())
}
