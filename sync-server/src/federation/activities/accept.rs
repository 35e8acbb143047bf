//! `Accept` of one of our `Follow`s (the follow counts from now on) or of one of our `Join`s (our
//! person is going).

use rusqlite::Transaction;

use crate::federation::participation::answered;
use crate::federation::store::{self, RemoteActor};
use crate::federation::wire::{id_of, Activity};
use crate::Result;

pub fn receive(tx: &Transaction, signer: &RemoteActor, activity: &Activity) -> Result<()> {
    if let Some(ours) = id_of(&activity.object) {
        if !store::accept_follow(tx, ours, &signer.id)? {
            answered(tx, ours, "going", &signer.host)?;
        }
    }
    Ok(())
}
