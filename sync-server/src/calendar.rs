//! Public calendars: one event's .ics, an identity's feed and the instance's feed, read from the public
//! tables sync keeps (`public_events`, `identities`), where drafts and private events never are.
//!
//! A calendar's [`Version`] (its ETag) is computed from ids and change stamps only, so answering
//! `If-None-Match` does not build the file.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use rally_core::ical::{self, CalendarMeta, IcsEvent};
use rally_core::model::Event;
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};

use crate::{Error, Result};

/// How often subscribers should fetch a feed again.
const REFRESH: i64 = 60;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Calendar {
    /// One published event, public or unlisted, by id.
    Event(String),
    /// The public events of an identity, by username or identity id.
    Identity(String),
    /// Every public event on this relay.
    Instance,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// A strong validator, quoted as HTTP wants it.
    pub etag: String,
    pub last_modified: Option<DateTime<Utc>>,
}

pub struct Calendars {
    db: Arc<Mutex<Connection>>,
    public_url: String,
    instance_name: String,
}

/// One row of a calendar: id, change stamp (ms), sequence, and the event when it is needed.
type Row = (String, i64, i64, Option<String>);

struct Resolved {
    name: Option<String>,
    rows: Vec<Row>,
}

impl Calendars {
    pub fn new(db: Arc<Mutex<Connection>>, public_url: String, instance_name: String) -> Calendars {
        Calendars { db, public_url, instance_name }
    }

    /// The URL of an event's public page.
    pub fn event_page(&self, id: &str) -> String {
        format!("{}/events/{id}", self.public_url)
    }

    fn resolve(&self, which: &Calendar, with_events: bool) -> Result<Option<Resolved>> {
        let conn = self.db.lock().map_err(|_| Error::Poisoned)?;
        let event_column = if with_events { "event" } else { "NULL" };
        let rows = |sql: &str, key: &dyn rusqlite::ToSql| -> Result<Vec<Row>> {
            let mut stmt = conn.prepare_cached(&sql.replace("{event}", event_column))?;
            let rows = stmt.query_map([key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
            Ok(rows.collect::<rusqlite::Result<Vec<Row>>>()?)
        };
        Ok(match which {
            Calendar::Event(id) => {
                let rows = rows("SELECT id, updated_at, sequence, {event} FROM public_events WHERE id = ?1", id)?;
                (!rows.is_empty()).then_some(Resolved { name: None, rows })
            }
            Calendar::Identity(handle) => {
                let identity: Option<(String, String, String)> = conn
                    .query_row(
                        "SELECT i.id, i.username, i.display_name FROM identities i
                         WHERE i.id = (SELECT identity_id FROM usernames WHERE username = ?1) OR i.id = ?1
                         LIMIT 1",
                        params![handle],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                    )
                    .optional()?;
                match identity {
                    None => None,
                    Some((id, username, display_name)) => {
                        let rows = rows(
                            "SELECT id, updated_at, sequence, {event} FROM public_events
                             WHERE organizer_id = ?1 AND listed = 1 ORDER BY starts_at, id",
                            &id,
                        )?;
                        let name = format!("{display_name} (@{username}) · {}", self.instance_name);
                        Some(Resolved { name: Some(name), rows })
                    }
                }
            }
            Calendar::Instance => {
                let rows = rows(
                    "SELECT id, updated_at, sequence, {event} FROM public_events
                     WHERE listed = ?1 ORDER BY starts_at, id",
                    &1,
                )?;
                Some(Resolved { name: Some(self.instance_name.clone()), rows })
            }
        })
    }

    /// The calendar's version, or `None` if there is no such calendar (a draft, a private event and a
    /// missing id are all `None`).
    pub fn version(&self, which: &Calendar) -> Result<Option<Version>> {
        Ok(self.resolve(which, false)?.map(|resolved| version_of(&resolved)))
    }

    /// The calendar as an .ics file, with its version.
    pub fn render(&self, which: &Calendar) -> Result<Option<(Version, String)>> {
        let Some(resolved) = self.resolve(which, true)? else { return Ok(None) };
        let events = resolved
            .rows
            .iter()
            .map(|(_, _, _, json)| {
                serde_json::from_str::<Event>(json.as_deref().unwrap_or_default())
                    .map_err(|e| Error::Config(format!("a public event that does not read back: {e}")))
            })
            .collect::<Result<Vec<Event>>>()?;
        let items: Vec<IcsEvent> =
            events.iter().map(|event| IcsEvent { event, page_url: Some(self.event_page(&event.id)) }).collect();
        let meta = CalendarMeta {
            name: resolved.name.clone(),
            refresh: (!matches!(which, Calendar::Event(_))).then(|| Duration::minutes(REFRESH)),
        };
        Ok(Some((version_of(&resolved), ical::calendar(&items, &meta))))
    }
}

fn version_of(resolved: &Resolved) -> Version {
    let mut hash = Sha256::new();
    hash.update(b"rally-calendar-1\0");
    hash.update(resolved.name.as_deref().unwrap_or_default().as_bytes());
    for (id, updated_at, sequence, _) in &resolved.rows {
        hash.update(format!("\0{id}:{updated_at}:{sequence}").as_bytes());
    }
    let digest = hash.finalize();
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    let last = resolved.rows.iter().map(|(_, updated_at, _, _)| *updated_at).max();
    Version { etag: format!("\"{hex}\""), last_modified: last.and_then(DateTime::from_timestamp_millis) }
}
