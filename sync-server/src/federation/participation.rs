//! Taking part across servers. Remote people joining our events: their `Join` goes through
//! participation's rules (`ParticipationService::join_remote_in`) and is answered `Accept` or `Reject`
//! when its status says so ([`answer`], called where a local participant would be mailed). Our people
//! joining remote events: a `Join` to the organizer's server, its answer kept in
//! `remote_participations`.

use std::sync::Arc;

use chrono::Utc;
use rally_core::model::{Event, ParticipationStatus, RemoteParticipation, RemoteParticipationStatus};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;

use super::actors::local_identity;
use super::wire::{self, PUBLIC};
use super::{outbox, store, Federation, Urls};
use crate::{Error, Result};

/// Answers a remote person's `Join` as its participation's status says: `Accept` when going,
/// `Reject` when refused; nothing while it waits.
pub fn answer(
    conn: &Connection,
    public_url: &str,
    actor: &str,
    join_id: &str,
    status: ParticipationStatus,
    event: &Event,
) -> Result<()> {
    let verb = match status {
        ParticipationStatus::Going => "Accept",
        ParticipationStatus::Refused => "Reject",
        _ => return Ok(()),
    };
    send_answer(conn, &Urls { base: public_url.to_string() }, verb, actor, join_id, event)
}

/// `Accept` or `Reject` of a `Join`, from the event's organizer to the person who sent it.
pub fn send_answer(
    conn: &Connection,
    urls: &Urls,
    verb: &str,
    actor: &str,
    join_id: &str,
    event: &Event,
) -> Result<()> {
    let Some(organizer) = local_identity(conn, &event.details.organizer_id)? else { return Ok(()) };
    let Some(remote) = store::actor(conn, actor)? else { return Ok(()) };
    let activity = json!({
        "@context": wire::context(),
        "id": urls.new_activity(),
        "type": verb,
        "actor": organizer.url(urls),
        "object": {"id": join_id, "type": "Join", "actor": actor, "object": urls.event(&event.id)},
        "to": [actor],
    });
    outbox::queue(conn, std::slice::from_ref(&remote.inbox), &organizer, urls, &activity)
}

/// Marks our `Join` answered, if the answer comes from the event's server. Returns whether it did.
pub fn answered(conn: &Connection, join_id: &str, status: &str, signer_host: &str) -> Result<bool> {
    let event_url: Option<String> = conn
        .query_row("SELECT event_url FROM remote_participations WHERE join_id = ?1", [join_id], |r| r.get(0))
        .optional()?;
    match event_url {
        Some(url) if super::host_of(&url).as_deref() == Some(signer_host) => Ok(conn.execute(
            "UPDATE remote_participations SET status = ?2, updated_at = ?3 WHERE join_id = ?1 AND status != 'left'",
            params![join_id, status, Utc::now().timestamp_millis()],
        )? == 1),
        _ => Ok(false),
    }
}

impl Federation {
    /// One of the account's identities asks to join a remote event (by its id here): a `Join`, with the
    /// message, to the event's organizer.
    pub async fn join_remote(
        self: &Arc<Self>,
        account: &str,
        identity_id: &str,
        event_id: &str,
        message: &str,
    ) -> Result<RemoteParticipation> {
        self.check_identity(account, identity_id)?;
        let message = crate::participation::bounded_message(message)?;
        self.may_ask(account)?;
        let (event_url, organizer) = self.remote_event_and_organizer(event_id).await?;
        let (account, identity, urls) = (account.to_string(), identity_id.to_string(), self.urls.clone());
        let url = event_url.clone();
        let text = message.clone();
        self.transaction(move |tx| {
            let local = local_identity(tx, &identity)?.ok_or_else(|| super::follows::not_yours(&identity))?;
            let join_id = urls.new_activity();
            tx.execute(
                "INSERT INTO remote_participations (event_url, identity_id, account_id, join_id, status, message, updated_at)
                 VALUES (?1, ?2, ?3, ?4, 'requested', ?5, ?6)
                 ON CONFLICT (event_url, identity_id) DO UPDATE SET join_id = excluded.join_id, status = 'requested',
                     message = excluded.message, updated_at = excluded.updated_at",
                params![url, identity, account, join_id, text, Utc::now().timestamp_millis()],
            )?;
            let join = json!({
                "@context": wire::context(),
                "id": join_id,
                "type": "Join",
                "actor": local.url(&urls),
                "object": url,
                "participationMessage": text,
                "to": [organizer.id, PUBLIC],
            });
            outbox::queue(tx, std::slice::from_ref(&organizer.inbox), &local, &urls, &join)
        })
        .await?;
        self.wake.notify_one();
        Ok(RemoteParticipation {
            event_id: event_id.to_string(),
            event_url,
            identity_id: identity_id.to_string(),
            status: RemoteParticipationStatus::Requested,
            message,
        })
    }

    /// Leaves a remote event: a `Leave` to its organizer.
    pub async fn leave_remote(self: &Arc<Self>, account: &str, identity_id: &str, event_id: &str) -> Result<()> {
        self.check_identity(account, identity_id)?;
        let (event_url, organizer) = self.remote_event_and_organizer(event_id).await?;
        let (identity, urls) = (identity_id.to_string(), self.urls.clone());
        self.transaction(move |tx| {
            let changed = tx.execute(
                "UPDATE remote_participations SET status = 'left', updated_at = ?3
                 WHERE event_url = ?1 AND identity_id = ?2 AND status != 'left'",
                params![event_url, identity, Utc::now().timestamp_millis()],
            )?;
            if changed == 0 {
                return Err(Error::Unknown {
                    code: "not_participating",
                    message: format!("identity {identity} does not take part in {event_url}"),
                });
            }
            let local = local_identity(tx, &identity)?.ok_or_else(|| super::follows::not_yours(&identity))?;
            let leave = json!({
                "@context": wire::context(),
                "id": urls.new_activity(),
                "type": "Leave",
                "actor": local.url(&urls),
                "object": event_url,
                "to": [organizer.id],
            });
            outbox::queue(tx, std::slice::from_ref(&organizer.inbox), &local, &urls, &leave)
        })
        .await?;
        self.wake.notify_one();
        Ok(())
    }

    /// A remote event's URL and its organizer, who answers `Join`s and hears `Leave`s.
    async fn remote_event_and_organizer(self: &Arc<Self>, event_id: &str) -> Result<(String, store::RemoteActor)> {
        let (event_url, organizer): (String, String) = self
            .db()
            .query_row("SELECT url, organizer FROM remote_events WHERE id = ?1", [event_id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?
            .ok_or_else(|| Error::Unknown {
                code: "unknown_event",
                message: format!("no remote event {event_id} here"),
            })?;
        Ok((event_url, self.remote_actor(&organizer, false).await?))
    }

    /// The account's participations in remote events.
    pub fn remote_participations(&self, account: &str) -> Result<Vec<RemoteParticipation>> {
        let conn = self.db();
        let mut stmt = conn.prepare_cached(
            "SELECT e.id, p.event_url, p.identity_id, p.status, p.message FROM remote_participations p
             JOIN remote_events e ON e.url = p.event_url WHERE p.account_id = ?1 ORDER BY e.starts_at",
        )?;
        let rows = stmt.query_map([account], |r| {
            Ok(RemoteParticipation {
                event_id: r.get(0)?,
                event_url: r.get(1)?,
                identity_id: r.get(2)?,
                status: RemoteParticipationStatus::parse(&r.get::<_, String>(3)?)
                    .unwrap_or(RemoteParticipationStatus::Left),
                message: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
