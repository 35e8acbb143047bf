//! `Follow` of one of our actors: the follower is kept and answered with an `Accept`, or, for a group
//! that approves its followers, kept waiting for an administrator.

use chrono::{DateTime, Utc};
use rusqlite::Transaction;
use serde_json::json;

use crate::federation::actors::{local_by_username, LocalActor};
use crate::federation::store::{self, RemoteActor};
use crate::federation::wire::{self, id_of, Activity};
use crate::federation::{outbox, Urls};
use crate::{Error, Result};

pub fn receive(
    tx: &Transaction,
    urls: &Urls,
    signer: &RemoteActor,
    activity: &Activity,
    now: DateTime<Utc>,
) -> Result<()> {
    let target = id_of(&activity.object).unwrap_or_default();
    let local = local_actor_at(tx, urls, target)?
        .ok_or_else(|| Error::Unknown { code: "unknown_actor", message: format!("{target} is no actor here") })?;
    if crate::federation::actors::approves_followers(&local) && !store::is_follower(tx, local.key(), &signer.id)? {
        // Waits for an administrator (see `crate::federation::group_followers`).
        return store::add_follower(tx, local.key(), &signer.id, now, Some(&activity.id));
    }
    store::add_follower(tx, local.key(), &signer.id, now, None)?;
    let accept = json!({
        "@context": wire::context(),
        "id": urls.new_activity(),
        "type": "Accept",
        "actor": local.url(urls),
        "object": {"id": activity.id, "type": "Follow", "actor": signer.id, "object": target},
        "to": [signer.id],
    });
    outbox::queue(tx, std::slice::from_ref(&signer.inbox), &local, urls, &accept)
}

/// Our actor at this URL.
pub fn local_actor_at(tx: &Transaction, urls: &Urls, url: &str) -> Result<Option<LocalActor>> {
    if url == urls.instance() {
        return Ok(Some(LocalActor::Instance));
    }
    match url.strip_prefix(&format!("{}/@", urls.base)) {
        Some(username) => local_by_username(tx, username),
        None => Ok(None),
    }
}
