//! All of federation's SQL: remote actors, followers and follows, remote events, received activity
//! ids, deliveries, domain policies.

use chrono::{DateTime, Utc};
use rally_core::model::{Event, Follow, RemoteEvent};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::{Error, Result};

/// A remote actor as last fetched: where to deliver to it and the key it signs with.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteActor {
    pub id: String,
    pub kind: String,
    pub username: String,
    pub host: String,
    pub name: String,
    pub inbox: String,
    pub shared_inbox: Option<String>,
    pub key_id: String,
    pub public_pem: String,
}

impl RemoteActor {
    /// Where deliveries to it go: its server's shared inbox when it has one.
    pub fn delivery_inbox(&self) -> &str {
        self.shared_inbox.as_deref().unwrap_or(&self.inbox)
    }
}

const ACTOR_COLUMNS: &str = "id, kind, username, host, name, inbox, shared_inbox, key_id, public_pem";

fn actor_row(r: &rusqlite::Row) -> rusqlite::Result<RemoteActor> {
    Ok(RemoteActor {
        id: r.get(0)?,
        kind: r.get(1)?,
        username: r.get(2)?,
        host: r.get(3)?,
        name: r.get(4)?,
        inbox: r.get(5)?,
        shared_inbox: r.get(6)?,
        key_id: r.get(7)?,
        public_pem: r.get(8)?,
    })
}

pub fn put_actor(conn: &Connection, a: &RemoteActor, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "INSERT INTO remote_actors (id, kind, username, host, name, inbox, shared_inbox, key_id, public_pem, fetched_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, username = excluded.username, name = excluded.name,
             inbox = excluded.inbox, shared_inbox = excluded.shared_inbox, key_id = excluded.key_id,
             public_pem = excluded.public_pem, fetched_at = excluded.fetched_at",
        params![
            a.id,
            a.kind,
            a.username,
            a.host,
            a.name,
            a.inbox,
            a.shared_inbox,
            a.key_id,
            a.public_pem,
            now.timestamp_millis()
        ],
    )?;
    Ok(())
}

pub fn actor(conn: &Connection, id: &str) -> Result<Option<RemoteActor>> {
    Ok(conn
        .query_row(&format!("SELECT {ACTOR_COLUMNS} FROM remote_actors WHERE id = ?1"), [id], actor_row)
        .optional()?)
}

pub fn actor_by_key(conn: &Connection, key_id: &str) -> Result<Option<RemoteActor>> {
    Ok(conn
        .query_row(&format!("SELECT {ACTOR_COLUMNS} FROM remote_actors WHERE key_id = ?1"), [key_id], actor_row)
        .optional()?)
}

/// Whether this activity id was received before; records it if not.
pub fn first_time(tx: &Transaction, activity_id: &str, now: DateTime<Utc>) -> Result<bool> {
    Ok(tx.execute(
        "INSERT INTO received_activities (id, at) VALUES (?1, ?2) ON CONFLICT (id) DO NOTHING",
        params![activity_id, now.timestamp_millis()],
    )? == 1)
}

/// Keeps a follower; `pending_follow`: the id of a Follow that waits for an administrator.
pub fn add_follower(
    tx: &Transaction,
    local: &str,
    remote: &str,
    now: DateTime<Utc>,
    pending_follow: Option<&str>,
) -> Result<()> {
    tx.execute(
        "INSERT INTO followers (local_actor, remote_actor, since, pending_follow) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT DO UPDATE SET pending_follow = excluded.pending_follow WHERE pending_follow IS NOT NULL",
        params![local, remote, now.timestamp_millis(), pending_follow],
    )?;
    Ok(())
}

/// Followers waiting for an administrator of `local`: actor, `@name@host`, name, the Follow's id.
pub fn pending_followers(conn: &Connection, local: &str) -> Result<Vec<(String, String, String, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.id, '@' || a.username || '@' || a.host, a.name, f.pending_follow
         FROM followers f JOIN remote_actors a ON a.id = f.remote_actor
         WHERE f.local_actor = ?1 AND f.pending_follow IS NOT NULL ORDER BY f.since",
    )?;
    let rows = stmt.query_map([local], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Whether `remote` follows `local` (accepted, not waiting).
pub fn is_follower(conn: &Connection, local: &str, remote: &str) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM followers WHERE local_actor = ?1 AND remote_actor = ?2 AND pending_follow IS NULL",
            params![local, remote],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

pub fn approve_follower(tx: &Transaction, local: &str, remote: &str) -> Result<()> {
    tx.execute(
        "UPDATE followers SET pending_follow = NULL WHERE local_actor = ?1 AND remote_actor = ?2",
        params![local, remote],
    )?;
    Ok(())
}

pub fn remove_follower(tx: &Transaction, local: &str, remote: &str) -> Result<()> {
    tx.execute("DELETE FROM followers WHERE local_actor = ?1 AND remote_actor = ?2", params![local, remote])?;
    Ok(())
}

/// The inboxes the followers of these local actors are delivered to, each once.
pub fn follower_inboxes(tx: &Transaction, locals: &[&str]) -> Result<Vec<String>> {
    let mut inboxes = std::collections::BTreeSet::new();
    let mut stmt = tx.prepare_cached(
        "SELECT coalesce(a.shared_inbox, a.inbox), a.host FROM followers f JOIN remote_actors a ON a.id = f.remote_actor
         WHERE f.local_actor = ?1 AND f.pending_follow IS NULL",
    )?;
    for local in locals {
        for row in stmt.query_map([local], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
            let (inbox, host) = row?;
            if !is_blocked(tx, &host)? {
                inboxes.insert(inbox);
            }
        }
    }
    Ok(inboxes.into_iter().collect())
}

pub fn follower_count(conn: &Connection, local: &str) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM followers WHERE local_actor = ?1 AND pending_follow IS NULL",
        [local],
        |r| r.get(0),
    )?)
}

pub fn add_follow(
    tx: &Transaction,
    account: &str,
    identity: &str,
    remote: &str,
    activity_id: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    tx.execute(
        "INSERT INTO follows (identity_id, account_id, remote_actor, activity_id, accepted, since)
         VALUES (?1, ?2, ?3, ?4, 0, ?5)
         ON CONFLICT (identity_id, remote_actor) DO UPDATE SET activity_id = excluded.activity_id, accepted = 0",
        params![identity, account, remote, activity_id, now.timestamp_millis()],
    )?;
    Ok(())
}

/// Marks our follow accepted, if `by` is the actor it asked. Returns whether one was.
pub fn accept_follow(tx: &Transaction, activity_id: &str, by: &str) -> Result<bool> {
    let ours = tx.execute(
        "UPDATE follows SET accepted = 1 WHERE activity_id = ?1 AND remote_actor = ?2",
        params![activity_id, by],
    )? + tx.execute(
        "UPDATE instance_follows SET state = 'accepted', error = NULL WHERE activity_id = ?1 AND remote_actor = ?2",
        params![activity_id, by],
    )?;
    Ok(ours == 1)
}

pub fn follows_of(conn: &Connection, account: &str) -> Result<Vec<Follow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT f.identity_id, a.id, a.username, a.host, a.name, f.accepted FROM follows f
         JOIN remote_actors a ON a.id = f.remote_actor WHERE f.account_id = ?1 ORDER BY f.since",
    )?;
    let rows = stmt.query_map([account], |r| {
        Ok(Follow {
            identity_id: r.get(0)?,
            actor: r.get(1)?,
            handle: format!("@{}@{}", r.get::<_, String>(2)?, r.get::<_, String>(3)?),
            name: r.get(4)?,
            accepted: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Whether anyone here follows `actor` (accepted), or the instance does.
/// Whether someone here follows `actor`: one of our identities, or this relay following its instance.
pub fn is_followed(conn: &Connection, actor: &str) -> Result<bool> {
    let host = super::host_of(actor).unwrap_or_default();
    Ok(conn
        .query_row(
            "SELECT 1 FROM follows WHERE remote_actor = ?1 AND accepted = 1
             UNION ALL SELECT 1 FROM instance_follows i JOIN remote_actors a ON a.id = i.remote_actor
                 WHERE i.state = 'accepted' AND a.host = ?2
             LIMIT 1",
            params![actor, host],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// One instance this relay follows, or is asked to: the handle its administrator gave, where it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceFollow {
    pub handle: String,
    /// `asked` (not sent yet), `sent` (waiting for its Accept), `accepted`, `unfollowing`, `failed`.
    pub state: String,
    pub remote_actor: Option<String>,
    pub activity_id: Option<String>,
    pub error: Option<String>,
}

pub fn ask_instance_follow(conn: &Connection, handle: &str, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "INSERT INTO instance_follows (handle, state, since) VALUES (?1, 'asked', ?2)
         ON CONFLICT (handle) DO UPDATE SET state = 'asked', error = NULL
             WHERE state IN ('failed', 'unfollowing')",
        params![handle, now.timestamp_millis()],
    )?;
    Ok(())
}

/// Marks a followed instance to be unfollowed; whether there was one.
pub fn ask_instance_unfollow(conn: &Connection, handle: &str) -> Result<bool> {
    Ok(conn.execute("UPDATE instance_follows SET state = 'unfollowing' WHERE handle = ?1", [handle])? == 1)
}

pub fn instance_follows(conn: &Connection, states: &[&str]) -> Result<Vec<InstanceFollow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT handle, state, remote_actor, activity_id, error FROM instance_follows ORDER BY since, handle",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(InstanceFollow {
            handle: r.get(0)?,
            state: r.get(1)?,
            remote_actor: r.get(2)?,
            activity_id: r.get(3)?,
            error: r.get(4)?,
        })
    })?;
    let all = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(all.into_iter().filter(|f| states.is_empty() || states.contains(&f.state.as_str())).collect())
}

pub fn set_instance_follow(
    conn: &Connection,
    handle: &str,
    state: &str,
    remote_actor: Option<&str>,
    activity_id: Option<&str>,
    error: Option<&str>,
) -> Result<()> {
    conn.execute(
        "UPDATE instance_follows SET state = ?2, remote_actor = coalesce(?3, remote_actor),
             activity_id = coalesce(?4, activity_id), error = ?5 WHERE handle = ?1",
        params![handle, state, remote_actor, activity_id, error],
    )?;
    Ok(())
}

pub fn forget_instance_follow(conn: &Connection, handle: &str) -> Result<()> {
    conn.execute("DELETE FROM instance_follows WHERE handle = ?1", [handle])?;
    Ok(())
}

pub fn put_remote_event(
    tx: &Transaction,
    e: &super::convert::RemoteEvent,
    announced_by: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    let (from, to) = rally_core::recurrence::bounds(&e.event.details);
    let to = to.unwrap_or(rally_core::recurrence::OPEN_END);
    let json = serde_json::to_string(&e.event).map_err(|err| Error::Protocol(err.to_string()))?;
    // A public one is in the relay's feed and on its home page; its page is on its own server.
    let listed = e.event.details.visibility == rally_core::model::Visibility::Public;
    let vevent =
        rally_core::ical::vevent(&rally_core::ical::IcsEvent { event: &e.event, page_url: Some(e.url.clone()) });
    let zone = rally_core::ical::zone_span(&e.event).map(|(tz, _, _)| tz.name());
    let was_listed = remote_listed(tx, &e.url)?;
    tx.execute(
        "INSERT INTO remote_events (url, id, attributed_to, organizer, announced_by, starts_at, ends_at, event,
             received_at, listed, zone, vevent)
         VALUES (?1, ?2, ?3, ?9, ?4, ?5, ?6, ?7, ?8, ?10, ?11, ?12)
         ON CONFLICT (url) DO UPDATE SET attributed_to = excluded.attributed_to, organizer = excluded.organizer,
             announced_by = coalesce(excluded.announced_by, announced_by), starts_at = excluded.starts_at,
             ends_at = excluded.ends_at, event = excluded.event, received_at = excluded.received_at,
             listed = excluded.listed, zone = excluded.zone, vevent = excluded.vevent",
        params![
            e.url,
            e.event.id,
            e.attributed_to,
            announced_by,
            from.timestamp(),
            to.timestamp(),
            json,
            now.timestamp_millis(),
            e.event.details.organizer_id,
            listed,
            zone,
            vevent
        ],
    )?;
    if listed || was_listed {
        crate::projections::public_tables::bump(tx, "instance")?;
    }
    Ok(())
}

fn remote_listed(tx: &Transaction, url: &str) -> Result<bool> {
    Ok(tx
        .query_row("SELECT listed FROM remote_events WHERE url = ?1", [url], |r| r.get::<_, bool>(0))
        .optional()?
        .unwrap_or(false))
}

/// Removes a remote event, if it is attributed to an actor on `host`. Returns whether one went.
pub fn delete_remote_event(tx: &Transaction, url: &str, host: &str) -> Result<bool> {
    let attributed: Option<String> =
        tx.query_row("SELECT attributed_to FROM remote_events WHERE url = ?1", [url], |r| r.get(0)).optional()?;
    match attributed {
        Some(actor) if super::host_of(&actor).as_deref() == Some(host) => {
            if remote_listed(tx, url)? {
                crate::projections::public_tables::bump(tx, "instance")?;
            }
            tx.execute("DELETE FROM remote_events WHERE url = ?1", [url])?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Remote events attributed to (or announced by) the actors `account`'s identities follow.
pub fn remote_events_for(conn: &Connection, account: &str) -> Result<Vec<RemoteEvent>> {
    remote_events_where(
        conn,
        "e.url IN (SELECT e.url FROM remote_events e JOIN follows f
           ON f.remote_actor IN (e.attributed_to, e.organizer, e.announced_by) AND f.accepted = 1
         WHERE f.account_id = ?1)",
        None,
        [account],
    )
}

/// Remote events chosen by `condition` (on `remote_events e`), with their organizer and group as
/// `@name@host` where the relay knows those actors, soonest first, at most `limit`. A row that no
/// longer reads as an event (written by an older relay) is left out.
pub fn remote_events_where(
    conn: &Connection,
    condition: &str,
    limit: Option<i64>,
    args: impl rusqlite::Params,
) -> Result<Vec<RemoteEvent>> {
    let sql = format!(
        "SELECT e.event, e.url, e.organizer, o.username, o.host, o.name,
                CASE WHEN e.attributed_to != e.organizer THEN e.attributed_to ELSE e.announced_by END,
                g.username, g.host
         FROM remote_events e
         LEFT JOIN remote_actors o ON o.id = e.organizer
         LEFT JOIN remote_actors g ON g.id = CASE WHEN e.attributed_to != e.organizer THEN e.attributed_to
                                                  ELSE e.announced_by END
         WHERE {condition} ORDER BY e.starts_at, e.url LIMIT {}",
        limit.unwrap_or(-1)
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let handle = |username: Option<String>, host: Option<String>| match (username, host) {
        (Some(u), Some(h)) => Some(format!("@{u}@{h}")),
        _ => None,
    };
    let rows = stmt.query_map(args, |r| {
        let organizer_url: String = r.get(2)?;
        let organizer = handle(r.get(3)?, r.get(4)?).unwrap_or_else(|| organizer_url.clone());
        let group_url: Option<String> = r.get(6)?;
        let group = handle(r.get(7)?, r.get(8)?).or(group_url);
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, organizer, r.get::<_, Option<String>>(5)?, group))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (json, url, organizer, name, group) = row?;
        if let Ok(event) = serde_json::from_str::<Event>(&json) {
            let organizer_name = name.unwrap_or_else(|| organizer.clone());
            out.push(RemoteEvent { event, url, organizer, organizer_name, group });
        }
    }
    Ok(out)
}

/// A delivery waiting: its activity, signed by `signer`'s key when sent.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: i64,
    pub inbox: String,
    pub signer: String,
    pub key_id: String,
    pub activity: String,
    pub attempts: u32,
}

pub fn enqueue(
    tx: &Connection,
    inbox: &str,
    signer: &str,
    key_id: &str,
    activity: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    tx.execute(
        "INSERT INTO deliveries (inbox, signer, key_id, activity, next_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![inbox, signer, key_id, activity, now.timestamp_millis()],
    )?;
    Ok(())
}

pub fn due(conn: &Connection, now: DateTime<Utc>, limit: u32) -> Result<Vec<Delivery>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, inbox, signer, key_id, activity, attempts FROM deliveries
         WHERE delivered_at IS NULL AND given_up_at IS NULL AND next_at <= ?1 ORDER BY next_at, id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![now.timestamp_millis(), limit], |r| {
        Ok(Delivery {
            id: r.get(0)?,
            inbox: r.get(1)?,
            signer: r.get(2)?,
            key_id: r.get(3)?,
            activity: r.get(4)?,
            attempts: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn delivered(conn: &Connection, id: i64, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "UPDATE deliveries SET delivered_at = ?2, last_error = NULL WHERE id = ?1",
        params![id, now.timestamp_millis()],
    )?;
    Ok(())
}

/// A failed attempt: tried again at `next`, or given up (`None`), the reason kept either way.
pub fn failed(conn: &Connection, id: i64, error: &str, next: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Result<()> {
    match next {
        Some(next) => conn.execute(
            "UPDATE deliveries SET attempts = attempts + 1, next_at = ?2, last_error = ?3 WHERE id = ?1",
            params![id, next.timestamp_millis(), error],
        )?,
        None => conn.execute(
            "UPDATE deliveries SET attempts = attempts + 1, given_up_at = ?2, last_error = ?3 WHERE id = ?1",
            params![id, now.timestamp_millis(), error],
        )?,
    };
    Ok(())
}

/// Deliveries not (yet) delivered, for the administrator: inbox, attempts, last error, given up.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DeliveryState {
    pub inbox: String,
    pub kind: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub given_up: bool,
}

pub fn undelivered(conn: &Connection) -> Result<Vec<DeliveryState>> {
    let mut stmt = conn.prepare_cached(
        "SELECT inbox, json_extract(activity, '$.type'), attempts, last_error, given_up_at IS NOT NULL
         FROM deliveries WHERE delivered_at IS NULL ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(DeliveryState {
            inbox: r.get(0)?,
            kind: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
            attempts: r.get(2)?,
            last_error: r.get(3)?,
            given_up: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Whether this relay's moderators suspended a person of another server (see `moderation::hiding`).
pub fn is_suspended(conn: &Connection, actor: &str) -> Result<bool> {
    Ok(conn.query_row("SELECT 1 FROM suspended_actors WHERE actor = ?1", [actor], |_| Ok(())).optional()?.is_some())
}

pub fn is_blocked(conn: &Connection, host: &str) -> Result<bool> {
    Ok(conn
        .query_row("SELECT 1 FROM federation_domains WHERE host = ?1 AND policy = 'block'", [host], |_| Ok(()))
        .optional()?
        .is_some())
}

pub fn is_allowed(conn: &Connection, host: &str) -> Result<bool> {
    Ok(conn
        .query_row("SELECT 1 FROM federation_domains WHERE host = ?1 AND policy = 'allow'", [host], |_| Ok(()))
        .optional()?
        .is_some())
}

pub fn set_domain(conn: &Connection, host: &str, policy: Option<&str>, now: DateTime<Utc>) -> Result<()> {
    match policy {
        Some(policy) => conn.execute(
            "INSERT INTO federation_domains (host, policy, since) VALUES (?1, ?2, ?3)
             ON CONFLICT (host) DO UPDATE SET policy = excluded.policy, since = excluded.since",
            params![host, policy, now.timestamp_millis()],
        )?,
        None => conn.execute("DELETE FROM federation_domains WHERE host = ?1", [host])?,
    };
    Ok(())
}

/// Every domain with a policy, and the policy.
pub fn domains(conn: &Connection) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached("SELECT host, policy FROM federation_domains ORDER BY host")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// How long a delivered (or given up) delivery is kept, for the administrator to read.
pub const KEEP_DELIVERIES: chrono::Duration = chrono::Duration::days(7);
/// How long a received activity id is remembered, so that a redelivery changes nothing.
pub const KEEP_RECEIVED: chrono::Duration = chrono::Duration::days(30);

/// Forgets deliveries done with and activity ids old enough: neither table grows for good.
pub fn prune(conn: &Connection, now: DateTime<Utc>) -> Result<usize> {
    let deliveries = conn.execute(
        "DELETE FROM deliveries WHERE coalesce(delivered_at, given_up_at) < ?1",
        [(now - KEEP_DELIVERIES).timestamp_millis()],
    )?;
    let received =
        conn.execute("DELETE FROM received_activities WHERE at < ?1", [(now - KEEP_RECEIVED).timestamp_millis()])?;
    Ok(deliveries + received)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_deliveries_and_activity_ids_are_forgotten_and_pending_ones_kept() {
        let dir = tempfile::tempdir().expect("dir");
        let mut conn = crate::database::open(dir.path()).expect("db");
        let now = Utc::now();
        let long_ago = now - chrono::Duration::days(40);
        let tx = conn.transaction().expect("tx");
        for (inbox, at) in [("https://a.example/inbox", long_ago), ("https://b.example/inbox", now)] {
            enqueue(&tx, inbox, "relay", "k", "{}", at).expect("queue");
        }
        enqueue(&tx, "https://c.example/inbox", "relay", "k", "{}", long_ago).expect("queue");
        tx.execute(
            "UPDATE deliveries SET delivered_at = ?1 WHERE inbox != 'https://c.example/inbox'",
            [long_ago.timestamp_millis()],
        )
        .expect("delivered");
        tx.execute(
            "UPDATE deliveries SET delivered_at = ?1 WHERE inbox = 'https://b.example/inbox'",
            [now.timestamp_millis()],
        )
        .expect("delivered now");
        assert!(first_time(&tx, "https://a.example/old", long_ago).expect("old"));
        assert!(first_time(&tx, "https://a.example/new", now).expect("new"));
        tx.commit().expect("commit");
        assert_eq!(prune(&conn, now).expect("prune"), 2);
        let left: Vec<String> = conn
            .prepare("SELECT inbox FROM deliveries ORDER BY inbox")
            .expect("stmt")
            .query_map([], |r| r.get(0))
            .expect("rows")
            .collect::<rusqlite::Result<_>>()
            .expect("inboxes");
        // Delivered long ago: gone. Delivered now, and still pending (however old): kept.
        assert_eq!(left, ["https://b.example/inbox", "https://c.example/inbox"]);
        let remembered: i64 = conn.query_row("SELECT count(*) FROM received_activities", [], |r| r.get(0)).expect("n");
        assert_eq!(remembered, 1);
    }
}
