//! `Delete` of an object (a `Tombstone` or its URL): a remote event kept here goes, if the signer's
//! server is the one it came from.

use rusqlite::Transaction;

use crate::federation::store::{self, RemoteActor};
use crate::federation::wire::{id_of, Activity};
use crate::Result;

pub fn receive(tx: &Transaction, signer: &RemoteActor, activity: &Activity) -> Result<()> {
    if let Some(url) = id_of(&activity.object) {
        store::delete_remote_event(tx, url, &signer.host)?;
    }
    Ok(())
}
