//! A group that approves its followers (one that is not open): a `Follow` from another server waits
//! for one of its administrators, who accepts it (an `Accept` goes back and the group's events are
//! delivered from then on) or refuses it (a `Reject`).

use std::sync::Arc;

use rally_core::model::{FollowerDecision, PendingFollower};
use rusqlite::Connection;
use serde_json::json;

use super::wire;
use super::{actors, outbox, store, Federation};
use crate::{Error, Result};

/// Only the group's administrators see and answer its followers' requests.
fn may_manage(conn: &Connection, group: &str, account: &str) -> Result<()> {
    let acting = crate::groups::store::account_state(conn, group, account)?.map(|(_, state)| state);
    crate::groups::rules::may_manage(acting)
}

fn pending(conn: &Connection, group: &str) -> Result<Vec<PendingFollower>> {
    Ok(store::pending_followers(conn, group)?
        .into_iter()
        .map(|(actor, handle, name, _)| PendingFollower { actor, handle, name })
        .collect())
}

impl Federation {
    pub fn pending_followers(&self, account: &str, group: &str) -> Result<Vec<PendingFollower>> {
        let conn = self.db();
        may_manage(&conn, group, account)?;
        pending(&conn, group)
    }

    /// Accepts or refuses one waiting follower; the followers still waiting.
    pub async fn decide_follower(
        self: &Arc<Self>,
        account: &str,
        group: &str,
        decision: FollowerDecision,
    ) -> Result<Vec<PendingFollower>> {
        let (account, group, urls) = (account.to_string(), group.to_string(), self.urls.clone());
        let left = self
            .transaction(move |tx| {
                may_manage(tx, &group, &account)?;
                let waiting = store::pending_followers(tx, &group)?;
                let Some((actor, _, _, follow)) = waiting.into_iter().find(|(a, ..)| *a == decision.actor) else {
                    return Err(Error::Unknown {
                        code: "no_such_follower",
                        message: format!("{} is not waiting to follow this group", decision.actor),
                    });
                };
                let local = actors::local_group(tx, &group)?.ok_or(Error::NotFound)?;
                let remote = store::actor(tx, &actor)?.ok_or(Error::NotFound)?;
                let verb = if decision.accept {
                    store::approve_follower(tx, local.key(), &actor)?;
                    "Accept"
                } else {
                    store::remove_follower(tx, local.key(), &actor)?;
                    "Reject"
                };
                let group_url = local.url(&urls);
                let answer = json!({
                    "@context": wire::context(),
                    "id": urls.new_activity(),
                    "type": verb,
                    "actor": group_url,
                    "object": {"id": follow, "type": "Follow", "actor": actor, "object": group_url},
                    "to": [actor],
                });
                outbox::queue(tx, std::slice::from_ref(&remote.inbox), &local, &urls, &answer)?;
                pending(tx, &group)
            })
            .await?;
        self.wake.notify_one();
        Ok(left)
    }
}
