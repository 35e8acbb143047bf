//! `Reject` of one of our `Follow`s (the follow goes) or of one of our `Join`s (refused).

use rusqlite::{params, Transaction};

use crate::federation::participation::answered;
use crate::federation::store::RemoteActor;
use crate::federation::wire::{id_of, Activity};
use crate::Result;

pub fn receive(tx: &Transaction, signer: &RemoteActor, activity: &Activity) -> Result<()> {
    if let Some(ours) = id_of(&activity.object) {
        let unfollowed =
            tx.execute("DELETE FROM follows WHERE activity_id = ?1 AND remote_actor = ?2", params![ours, signer.id])?;
        let instance = tx.execute(
            "UPDATE instance_follows SET state = 'failed', error = 'refused by the other instance'
             WHERE activity_id = ?1 AND remote_actor = ?2",
            params![ours, signer.id],
        )?;
        if unfollowed + instance == 0 {
            answered(tx, ours, "refused", &signer.host)?;
        }
    }
    Ok(())
}
