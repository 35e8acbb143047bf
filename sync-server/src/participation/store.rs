//! All of participation's SQL: `participations`, `invitations`, `private_feeds`, and the published
//! events and identities they read. One mapping of statuses (the `status` column ↔
//! [`ParticipationStatus`]), here.

use chrono::{DateTime, Utc};
use rally_core::model::{Event, EventSummary, Participation, ParticipationStatus};
use rusqlite::{params, Connection, OptionalExtension};

use crate::notify;
use crate::Result;

/// A published event as participation sees it.
pub struct EventRow {
    pub event: Event,
    /// The account whose document it is: the organizer.
    pub owner: Option<String>,
    pub organizer_email: Option<String>,
}

pub fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

pub fn new_id() -> String {
    let bytes: [u8; 12] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

const COLUMNS: &str = "id, event_id, identity_id, username, name, email, message, status, created_at, updated_at";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Participation> {
    let status: String = r.get(7)?;
    Ok(Participation {
        id: r.get(0)?,
        event_id: r.get(1)?,
        identity_id: r.get(2)?,
        username: r.get(3)?,
        name: r.get(4)?,
        email: r.get(5)?,
        message: r.get(6)?,
        status: ParticipationStatus::parse(&status).unwrap_or(ParticipationStatus::Left),
        waitlist_position: None,
        created_at: at(r.get(8)?),
        updated_at: at(r.get(9)?),
        event: None,
    })
}

pub fn event_row(conn: &Connection, id: &str) -> Result<Option<EventRow>> {
    let found: Option<(String, Option<String>, Option<String>)> = conn
        .query_row(
            "SELECT e.event, d.owner, a.email FROM public_events e
             LEFT JOIN sync_documents d ON d.id = e.id LEFT JOIN accounts a ON a.id = d.owner WHERE e.id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    found
        .map(|(json, owner, organizer_email)| {
            Ok(EventRow { event: notify::parse_event(&json)?, owner, organizer_email })
        })
        .transpose()
}

pub fn going(conn: &Connection, event_id: &str) -> Result<u32> {
    Ok(conn.query_row(
        "SELECT count(*) FROM participations WHERE event_id = ?1 AND status = 'going'",
        [event_id],
        |r| r.get(0),
    )?)
}

pub fn participation(conn: &Connection, id: &str) -> Result<Option<Participation>> {
    let mut found =
        conn.query_row(&format!("SELECT {COLUMNS} FROM participations WHERE id = ?1"), [id], row).optional()?;
    if let Some(p) = &mut found {
        place_in_line(conn, p)?;
    }
    Ok(found)
}

fn place_in_line(conn: &Connection, p: &mut Participation) -> Result<()> {
    if p.status == ParticipationStatus::Waitlisted {
        let ahead: u32 = conn.query_row(
            "SELECT count(*) FROM participations WHERE event_id = ?1 AND status = 'waitlisted'
             AND (updated_at < ?2 OR (updated_at = ?2 AND id < ?3))",
            params![p.event_id, millis(p.updated_at), p.id],
            |r| r.get(0),
        )?;
        p.waitlist_position = Some(ahead + 1);
    }
    Ok(())
}

pub fn set_status(conn: &Connection, id: &str, status: ParticipationStatus, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "UPDATE participations SET status = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, status.as_str(), millis(now)],
    )?;
    Ok(())
}

/// Where to mail a participant: their account's address, or the one they gave.
pub fn email_of(conn: &Connection, id: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT coalesce(a.email, p.email) FROM participations p LEFT JOIN accounts a ON a.id = p.account_id
             WHERE p.id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?
        .flatten())
}

/// The first on an event's waiting list.
pub fn first_in_line(conn: &Connection, event_id: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT id FROM participations WHERE event_id = ?1 AND status = 'waitlisted' ORDER BY updated_at, id LIMIT 1",
            [event_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// An identity on the relay: its account (if known), username and display name.
pub fn identity(conn: &Connection, id: &str) -> Result<Option<(Option<String>, String, String)>> {
    Ok(conn
        .query_row(
            "SELECT d.owner, i.username, i.display_name FROM identities i JOIN sync_documents d ON d.id = i.id
             WHERE i.id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?)
}

/// An identity's participation in an event, whatever its status: (id, status).
pub fn of_identity(conn: &Connection, event_id: &str, identity_id: &str) -> Result<Option<(String, String)>> {
    Ok(conn
        .query_row(
            "SELECT id, status FROM participations WHERE event_id = ?1 AND identity_id = ?2",
            params![event_id, identity_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// As [`of_identity`], only when the identity is the account's.
pub fn of_account_identity(
    conn: &Connection,
    event_id: &str,
    identity_id: &str,
    account_id: &str,
) -> Result<Option<(String, String)>> {
    Ok(conn
        .query_row(
            "SELECT id, status FROM participations WHERE event_id = ?1 AND identity_id = ?2 AND account_id = ?3",
            params![event_id, identity_id, account_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// A remote person's participation: (its actor, the `Join` it sent).
pub fn remote_activity(conn: &Connection, id: &str) -> Result<Option<(String, String)>> {
    Ok(conn
        .query_row(
            "SELECT identity_id, remote_activity FROM participations WHERE id = ?1 AND remote_activity IS NOT NULL",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

pub fn is_invited(conn: &Connection, event_id: &str, identity_id: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT count(*) > 0 FROM invitations WHERE event_id = ?1 AND identity_id = ?2",
        params![event_id, identity_id],
        |r| r.get(0),
    )?)
}

/// What an identity's request to join writes (a remote person's: no account, the `Join` it sent).
pub struct NewParticipation<'a> {
    pub id: &'a str,
    pub event_id: &'a str,
    pub identity_id: &'a str,
    pub account_id: Option<&'a str>,
    pub remote_activity: Option<&'a str>,
    pub name: &'a str,
    pub username: &'a str,
    pub message: &'a str,
    pub status: ParticipationStatus,
    pub at: DateTime<Utc>,
}

pub fn put_participation(conn: &Connection, p: &NewParticipation) -> Result<()> {
    conn.execute(
        "INSERT INTO participations (id, event_id, identity_id, account_id, name, username, message, status, created_at,
             updated_at, remote_activity)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, username = excluded.username, message = excluded.message,
             status = excluded.status, created_at = excluded.created_at, updated_at = excluded.updated_at,
             remote_activity = excluded.remote_activity",
        params![
            p.id,
            p.event_id,
            p.identity_id,
            p.account_id,
            p.name,
            p.username,
            p.message,
            p.status.as_str(),
            millis(p.at),
            p.remote_activity
        ],
    )?;
    Ok(())
}

/// The places an account holds: (participation, event).
pub fn held_by(conn: &Connection, account_id: &str) -> Result<Vec<(String, String)>> {
    let held = conn
        .prepare("SELECT id, event_id FROM participations WHERE account_id = ?1 AND status NOT IN ('left', 'refused')")?
        .query_map([account_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(held)
}

/// A deleted account's name is forgotten from every participation it had.
pub fn forget_account(conn: &Connection, account_id: &str) -> Result<()> {
    conn.execute(
        "UPDATE participations SET account_id = NULL, name = 'a deleted account', username = NULL WHERE account_id = ?1",
        [account_id],
    )?;
    Ok(())
}

/// Which participations a listing takes.
pub enum Listing<'a> {
    /// An event's, for its organizer (unconfirmed anonymous requests left out).
    Event(&'a str),
    /// An account's own, with their events.
    Account(&'a str),
    /// The requests to the events an account organizes.
    Organizing(&'a str),
}

pub fn list(conn: &Connection, which: Listing) -> Result<Vec<Participation>> {
    let (filter, key, with_event) = match which {
        Listing::Event(id) => ("p.event_id = ?1 AND p.status <> 'unconfirmed'", id, false),
        Listing::Account(id) => ("p.account_id = ?1", id, true),
        Listing::Organizing(id) => ("d.owner = ?1 AND p.status <> 'unconfirmed'", id, false),
    };
    let sql = format!(
        "SELECT p.id, p.event_id, p.identity_id, p.username, p.name, p.email, p.message, p.status, p.created_at, p.updated_at,
                e.event, i.username
         FROM participations p LEFT JOIN public_events e ON e.id = p.event_id
         LEFT JOIN identities i ON i.id = json_extract(e.event, '$.organizer_id')
         LEFT JOIN sync_documents d ON d.id = p.event_id
         WHERE {filter} ORDER BY p.created_at, p.id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows =
        stmt.query_map([key], |r| Ok((row(r)?, r.get::<_, Option<String>>(10)?, r.get::<_, Option<String>>(11)?)))?;
    let mut out = Vec::new();
    for found in rows {
        let (mut p, event, organizer) = found?;
        place_in_line(conn, &mut p)?;
        if with_event {
            if let Some(event) = event.as_deref().map(notify::parse_event).transpose()? {
                let d = &event.details;
                p.event = Some(EventSummary {
                    id: event.id.clone(),
                    title: d.title.clone(),
                    starts_at: d.starts_at,
                    ends_at: d.ends_at,
                    timezone: d.timezone.clone(),
                    all_day: d.all_day,
                    place: d.place.as_ref().map(|pl| pl.name.clone()).filter(|n| !n.is_empty()),
                    organizer: organizer.unwrap_or_default(),
                    url: String::new(),
                });
            }
        } else {
            // An anonymous participant's address is theirs, not the organizer's to see.
            p.email = None;
        }
        out.push(p);
    }
    Ok(out)
}

/// The identity a username names now (only through the claims: the identity its account gave it to).
pub fn identity_by_username(conn: &Connection, username: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT identity_id FROM username_claims WHERE username = ?1", [username], |r| r.get(0))
        .optional()?
        .flatten())
}

pub fn invite(conn: &Connection, event_id: &str, identity_id: &str, at: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "INSERT INTO invitations (event_id, identity_id, invited_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
        params![event_id, identity_id, millis(at)],
    )?;
    Ok(())
}

/// Whether an address already takes part in an event (anonymously).
pub fn address_takes_part(conn: &Connection, event_id: &str, email: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT count(*) > 0 FROM participations WHERE event_id = ?1 AND email = ?2 AND status NOT IN ('left', 'refused')",
        params![event_id, email],
        |r| r.get(0),
    )?)
}

/// An anonymous request waiting for its address to be confirmed until `expires`.
pub struct Unconfirmed<'a> {
    pub id: &'a str,
    pub event_id: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub message: &'a str,
    pub at: DateTime<Utc>,
    pub expires: DateTime<Utc>,
}

pub fn put_unconfirmed(conn: &Connection, u: &Unconfirmed) -> Result<()> {
    conn.execute(
        "INSERT INTO participations (id, event_id, name, email, message, status, created_at, updated_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'unconfirmed', ?6, ?6, ?7)",
        params![u.id, u.event_id, u.name, u.email, u.message, millis(u.at), millis(u.expires)],
    )?;
    Ok(())
}

pub fn expires_at(conn: &Connection, id: &str) -> Result<Option<DateTime<Utc>>> {
    let ms: Option<i64> = conn.query_row("SELECT expires_at FROM participations WHERE id = ?1", [id], |r| r.get(0))?;
    Ok(ms.map(at))
}

/// A confirmed anonymous request: a request like any other from now on.
pub fn confirm(conn: &Connection, id: &str, status: ParticipationStatus, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "UPDATE participations SET status = ?2, updated_at = ?3, expires_at = NULL WHERE id = ?1",
        params![id, status.as_str(), millis(now)],
    )?;
    Ok(())
}

pub fn username_of(conn: &Connection, identity_id: &str) -> Result<Option<String>> {
    Ok(conn.query_row("SELECT username FROM identities WHERE id = ?1", [identity_id], |r| r.get(0)).optional()?)
}

/// The private feed's generation (made on first ask, bumped by a reset).
pub fn feed_generation(conn: &Connection, account_id: &str, reset: bool) -> Result<i64> {
    Ok(conn.query_row(
        &format!(
            "INSERT INTO private_feeds (account_id, generation) VALUES (?1, 1)
             ON CONFLICT (account_id) DO UPDATE SET generation = generation {} RETURNING generation",
            if reset { "+ 1" } else { "" }
        ),
        [account_id],
        |r| r.get(0),
    )?)
}

pub fn current_feed_generation(conn: &Connection, account_id: &str) -> Result<Option<i64>> {
    Ok(conn
        .query_row("SELECT generation FROM private_feeds WHERE account_id = ?1", [account_id], |r| r.get(0))
        .optional()?)
}

/// An event in a feed: its zone, start and end (unix seconds), VEVENT.
pub type FeedRow = (Option<String>, i64, i64, String);

/// The events an account's identities go to.
pub fn attended(conn: &Connection, account_id: &str) -> Result<Vec<FeedRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT e.id, e.zone, e.starts_at, e.ends_at, e.vevent FROM participations p
         JOIN public_events e ON e.id = p.event_id WHERE p.account_id = ?1 AND p.status = 'going' ORDER BY e.starts_at, e.id",
    )?;
    let rows = stmt.query_map([account_id], |r| Ok((r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
