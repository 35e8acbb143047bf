//! `Accept` of one of our `Follow`s: the follow counts from now on (its actor's events are kept).

use rusqlite::Transaction;

use crate::federation::store::{self, RemoteActor};
use crate::federation::wire::{id_of, Activity};
use crate::Result;

pub fn receive(tx: &Transaction, signer: &RemoteActor, activity: &Activity) -> Result<()> {
    if let Some(follow) = id_of(&activity.object) {
        store::accept_follow(tx, follow, &signer.id)?;
    }
    Ok(())
}
