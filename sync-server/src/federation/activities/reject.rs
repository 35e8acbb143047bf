//! `Reject` of one of our `Follow`s: the follow goes.

use rusqlite::{params, Transaction};

use crate::federation::store::RemoteActor;
use crate::federation::wire::{id_of, Activity};
use crate::Result;

pub fn receive(tx: &Transaction, signer: &RemoteActor, activity: &Activity) -> Result<()> {
    if let Some(follow) = id_of(&activity.object) {
        tx.execute("DELETE FROM follows WHERE activity_id = ?1 AND remote_actor = ?2", params![follow, signer.id])?;
    }
    Ok(())
}
