//! Our people following remote actors: a `Follow` from one of the account's identities, counted once
//! the other server answers `Accept`; the events of followed actors, kept here read-only.

use std::sync::Arc;

use chrono::Utc;
use rally_core::model::{Follow, RemoteEvent};
use rusqlite::OptionalExtension;
use serde_json::json;

use super::actors::local_identity;
use super::store;
use super::wire::{self, PUBLIC};
use super::{outbox, Federation};
use crate::{Error, Result};

impl Federation {
    /// `identity_id` (an identity of `account` shown on this relay) follows `handle` (`@name@host` or
    /// an actor's URL). The follow waits for the other server's `Accept`.
    pub async fn follow(self: &Arc<Self>, account: &str, identity_id: &str, handle: &str) -> Result<Follow> {
        if !self.settings.enabled {
            return Err(Error::Forbidden {
                code: "federation_off",
                message: "federation is switched off on this relay".into(),
            });
        }
        self.check_identity(account, identity_id)?;
        self.may_ask(account)?;
        let remote = self.resolve(handle).await?;
        let (account, identity) = (account.to_string(), identity_id.to_string());
        let urls = self.urls.clone();
        let followed = remote.clone();
        self.transaction(move |tx| {
            let local = local_identity(tx, &identity)?.ok_or_else(|| not_yours(&identity))?;
            let activity_id = urls.new_activity();
            store::add_follow(tx, &account, &identity, &followed.id, &activity_id, Utc::now())?;
            let follow = json!({
                "@context": wire::context(),
                "id": activity_id,
                "type": "Follow",
                "actor": local.url(&urls),
                "object": followed.id,
                "to": [followed.id, PUBLIC],
            });
            outbox::queue(tx, std::slice::from_ref(&followed.inbox), &local, &urls, &follow)
        })
        .await?;
        self.wake.notify_one();
        Ok(Follow {
            identity_id: identity_id.to_string(),
            handle: format!("@{}@{}", remote.username, remote.host),
            name: remote.name,
            actor: remote.id,
            accepted: false,
        })
    }

    pub fn follows(&self, account: &str) -> Result<Vec<Follow>> {
        store::follows_of(&self.db(), account)
    }

    /// The events of the actors the account's identities follow, soonest first.
    pub fn remote_events(&self, account: &str) -> Result<Vec<RemoteEvent>> {
        store::remote_events_for(&self.db(), account)
    }

    /// Counts one follow or join the account asks for, refusing past [`super::ASKS_PER_HOUR`].
    pub(crate) fn may_ask(&self, account: &str) -> Result<()> {
        let conn = self.db();
        let key = format!("federation-ask:{account}");
        crate::limits::attempt(&conn, &key, super::ASKS_PER_HOUR, chrono::Duration::hours(1))?.map_err(
            |retry_after_secs| Error::RateLimited {
                code: "rate_limited",
                message: format!(
                    "too many follows and joins of other servers' events; try again in {retry_after_secs} s"
                ),
                retry_after_secs,
            },
        )
    }

    pub(crate) fn check_identity(&self, account: &str, identity: &str) -> Result<()> {
        let owner: Option<Option<String>> = self
            .db()
            .query_row(
                "SELECT d.owner FROM identities i JOIN sync_documents d ON d.id = i.id WHERE i.id = ?1",
                [identity],
                |r| r.get(0),
            )
            .optional()?;
        match owner {
            Some(Some(owner)) if owner == account => Ok(()),
            _ => Err(not_yours(identity)),
        }
    }
}

pub(crate) fn not_yours(identity: &str) -> Error {
    Error::Forbidden {
        code: "not_your_identity",
        message: format!("{identity} is no identity of this account shown here (sync it first)"),
    }
}
