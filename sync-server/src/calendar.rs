//! Public calendars and pages: one event's .ics, an identity's or a group's feed and the instance's feed, read from the public
//! tables sync keeps (`public_events`, `identities`, `feed_revisions`), where drafts and private events
//! never are. Each event's VEVENT is written once, when it changes; a feed puts them together.
//!
//! A calendar's [`Version`] (its ETag) comes from its revision, bumped whenever one of its events
//! changes, so answering `If-None-Match` reads one row.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use rally_core::ical::{self, CalendarMeta};
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};

use crate::{Error, Result};

/// How often subscribers should fetch a feed again.
const REFRESH_MINUTES: i64 = 60;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Calendar {
    /// One published event, public or unlisted, by id.
    Event(String),
    /// The public events of an identity or a group, by username (or identity id).
    Handle(String),
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
    /// The home page as last drawn, with what it was drawn from (the instance feed's version and the
    /// minute): anyone may ask for it as often as they like, and it changes far less often.
    home: Mutex<Option<(String, i64, String)>>,
}

/// What a calendar is, once its name is resolved.
struct Resolved {
    /// Its row in `feed_revisions`.
    feed: String,
    /// X-WR-CALNAME.
    name: Option<String>,
    /// Which rows of `public_events` it holds.
    filter: Filter,
}

enum Filter {
    Event(String),
    Organizer(String),
    Group(String),
    Listed,
}

/// Whose image a page asks for.
pub enum ImageOf {
    Event(String),
    /// An identity's or a group's, by username.
    Handle(String),
}

fn read_event(json: &str) -> Result<rally_core::model::Event> {
    serde_json::from_str(json).map_err(|e| Error::Config(format!("a public event that does not read back: {e}")))
}

impl Calendars {
    pub fn new(db: Arc<Mutex<Connection>>, public_url: String, instance_name: String) -> Calendars {
        Calendars { db, public_url, instance_name, home: Mutex::new(None) }
    }

    /// The public page of an event, or `None` for a draft, a private event or a missing id.
    pub fn event_page(&self, id: &str) -> Result<Option<String>> {
        let conn = crate::lock(&self.db);
        let row = conn
            .prepare_cached(
                "SELECT e.event, i.username, i.display_name,
                     EXISTS (SELECT 1 FROM public_images WHERE owner = e.id),
                     EXISTS (SELECT 1 FROM public_images WHERE owner = e.organizer_id)
                 FROM public_events e LEFT JOIN identities i ON i.id = e.organizer_id WHERE e.id = ?1",
            )?
            .query_row([id], |r| {
                let names: (Option<String>, Option<String>) = (r.get(1)?, r.get(2)?);
                Ok((r.get::<_, String>(0)?, names, r.get::<_, bool>(3)?, r.get::<_, bool>(4)?))
            })
            .optional()?;
        let Some((json, (username, display_name), has_picture, has_avatar)) = row else { return Ok(None) };
        let event = read_event(&json)?;
        let going: u32 = conn.query_row(
            "SELECT count(*) FROM participations WHERE event_id = ?1 AND status = 'going'",
            [id],
            |r| r.get(0),
        )?;
        let organizer = match (username, display_name) {
            (Some(username), Some(display_name)) => {
                Some(crate::event_page::Organizer { username, display_name, has_avatar })
            }
            _ => None,
        };
        Ok(Some(crate::event_page::render(&crate::event_page::PageInput {
            event: &event,
            organizer: organizer.as_ref(),
            public_url: &self.public_url,
            instance_name: &self.instance_name,
            now: Utc::now(),
            going,
            has_picture,
        })))
    }

    /// A public event's picture, or an identity's avatar (by username): media type, bytes, ETag. Only
    /// what a page of this relay shows: the picture of an event with a page, the avatar of an identity
    /// with a name here.
    pub fn image(&self, of: ImageOf) -> Result<Option<(String, Vec<u8>, String)>> {
        let conn = crate::lock(&self.db);
        let (sql, key) = match &of {
            ImageOf::Event(id) => (
                "SELECT media_type, bytes, etag FROM public_images WHERE owner = ?1
                     AND EXISTS (SELECT 1 FROM public_events WHERE id = ?1)",
                id,
            ),
            ImageOf::Handle(username) => (
                "SELECT p.media_type, p.bytes, p.etag FROM username_claims c
                     JOIN public_images p ON p.owner = coalesce(c.identity_id, c.group_id)
                 WHERE c.username = ?1 AND (c.identity_id IN (SELECT id FROM identities)
                     OR c.group_id IN (SELECT id FROM groups WHERE visibility != 'private'))",
                username,
            ),
        };
        let found = conn.prepare_cached(sql)?.query_row([key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).optional()?;
        Ok(found)
    }

    /// A public or unlisted group's page, by username; `None` for a private group or none.
    pub fn group_page(&self, username: &str) -> Result<Option<String>> {
        let now = Utc::now();
        let conn = crate::lock(&self.db);
        let Some(group) = shown_group(&conn, username)? else { return Ok(None) };
        let has_avatar = conn
            .prepare_cached("SELECT 1 FROM public_images WHERE owner = ?1")?
            .query_row([&group.id], |_| Ok(()))
            .optional()?
            .is_some();
        let cards = Self::cards(&conn, now, Some(&group.id))?;
        Ok(Some(crate::group_page::render(crate::group_page::PageInput {
            group: &group,
            has_avatar,
            cards,
            public_url: &self.public_url,
            instance_name: &self.instance_name,
        })))
    }

    /// Upcoming public events (of one group, or of all), each at its next date.
    fn cards(conn: &Connection, now: DateTime<Utc>, group: Option<&str>) -> Result<Vec<crate::home_page::Card>> {
        let mut cards = Vec::new();
        let mut rows = conn.prepare_cached(
            "SELECT e.event, coalesce(i.username, ''), coalesce(i.display_name, ''),
                 EXISTS (SELECT 1 FROM public_images WHERE owner = e.id)
             FROM public_events e LEFT JOIN identities i ON i.id = e.organizer_id
             WHERE e.listed = 1 AND e.ends_at > ?1 AND (?3 IS NULL OR e.group_id = ?3) ORDER BY e.starts_at LIMIT ?2",
        )?;
        let found = rows.query_map(params![now.timestamp(), crate::home_page::SCANNED, group], |r| {
            Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        for row in found {
            let (json, username, display_name, has_picture) = row?;
            let event = read_event(&json)?;
            // A repeating event shows at its next date.
            let next = rally_core::recurrence::occurrences(&event.details, Some(now), None, 4)
                .into_iter()
                .find(|o| !o.cancelled);
            if let Some(next) = next {
                cards.push(crate::home_page::Card {
                    link: format!("/events/{}", event.id),
                    event,
                    username,
                    display_name,
                    has_picture,
                    starts_at: next.starts_at,
                    ends_at: next.ends_at,
                });
            }
        }
        if group.is_none() {
            // Public events of other servers that people here follow, linked to their own pages.
            let remote = crate::federation::store::remote_events_where(
                conn,
                "e.listed = 1 AND e.ends_at > ?1",
                Some(crate::home_page::SCANNED),
                [now.timestamp()],
            )?;
            for r in remote {
                cards.push(crate::home_page::Card {
                    starts_at: r.event.details.starts_at,
                    ends_at: r.event.details.ends_at,
                    link: r.url,
                    event: r.event,
                    username: r.organizer.trim_start_matches('@').to_string(),
                    display_name: r.organizer_name,
                    has_picture: false,
                });
            }
        }
        Ok(cards)
    }

    /// The relay's home page: its upcoming public events, each at its next date.
    pub fn home_page(&self) -> Result<String> {
        let now = Utc::now();
        let version = self.version(&Calendar::Instance)?.map(|v| v.etag).unwrap_or_default();
        let minute = now.timestamp() / 60;
        if let Some((v, m, page)) = crate::lock(&self.home).as_ref() {
            if *v == version && *m == minute {
                return Ok(page.clone());
            }
        }
        let page = self.draw_home(now)?;
        *crate::lock(&self.home) = Some((version, minute, page.clone()));
        Ok(page)
    }

    fn draw_home(&self, now: DateTime<Utc>) -> Result<String> {
        let conn = crate::lock(&self.db);
        let cards = Self::cards(&conn, now, None)?;
        Ok(crate::home_page::render(&self.instance_name, &self.public_url, cards))
    }

    fn resolve(&self, conn: &Connection, which: &Calendar) -> Result<Option<Resolved>> {
        Ok(match which {
            Calendar::Event(id) => {
                let exists = conn
                    .prepare_cached("SELECT 1 FROM public_events WHERE id = ?1")?
                    .query_row([id], |_| Ok(()))
                    .optional()?;
                exists.map(|()| Resolved { feed: format!("event:{id}"), name: None, filter: Filter::Event(id.clone()) })
            }
            Calendar::Handle(handle) => match conn
                .prepare_cached(
                    "SELECT id, username, display_name FROM identities
                     WHERE id = coalesce((SELECT identity_id FROM username_claims WHERE username = ?1), ?1)",
                )?
                .query_row(params![handle], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
                })
                .optional()?
                .map(|(id, username, display_name)| Resolved {
                    feed: format!("identity:{id}"),
                    name: Some(format!("{display_name} (@{username}) · {}", self.instance_name)),
                    filter: Filter::Organizer(id),
                }) {
                Some(identity) => Some(identity),
                None => shown_group(conn, handle)?.map(|g| Resolved {
                    feed: format!("group:{}", g.id),
                    name: Some(format!("{} (@{}) · {}", g.name, g.username, self.instance_name)),
                    filter: Filter::Group(g.id),
                }),
            },
            Calendar::Instance => Some(Resolved {
                feed: "instance".into(),
                name: Some(self.instance_name.clone()),
                filter: Filter::Listed,
            }),
        })
    }

    fn version_of(conn: &Connection, resolved: &Resolved) -> Result<Version> {
        let (revision, changed_at): (i64, Option<i64>) = conn
            .prepare_cached("SELECT revision, changed_at FROM feed_revisions WHERE feed = ?1")?
            .query_row([&resolved.feed], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .unwrap_or((0, None));
        let mut hash = Sha256::new();
        hash.update(format!("rally-calendar-1\0{}\0{revision}\0", resolved.feed).as_bytes());
        hash.update(resolved.name.as_deref().unwrap_or_default().as_bytes());
        let hex: String = hash.finalize()[..16].iter().map(|b| format!("{b:02x}")).collect();
        Ok(Version { etag: format!("\"{hex}\""), last_modified: changed_at.and_then(DateTime::from_timestamp_millis) })
    }

    /// The calendar's version, or `None` if there is no such calendar (a draft, a private event and a
    /// missing id are all `None`).
    pub fn version(&self, which: &Calendar) -> Result<Option<Version>> {
        let conn = crate::lock(&self.db);
        match self.resolve(&conn, which)? {
            Some(resolved) => Ok(Some(Self::version_of(&conn, &resolved)?)),
            None => Ok(None),
        }
    }

    /// The calendar as an .ics file, with its version.
    pub fn render(&self, which: &Calendar) -> Result<Option<(Version, String)>> {
        let conn = crate::lock(&self.db);
        let Some(resolved) = self.resolve(&conn, which)? else { return Ok(None) };
        let version = Self::version_of(&conn, &resolved)?;
        let (sql, key): (&str, &dyn rusqlite::ToSql) = match &resolved.filter {
            Filter::Event(id) => ("SELECT zone, starts_at, ends_at, vevent FROM public_events WHERE id = ?1", id),
            Filter::Organizer(id) => (
                "SELECT zone, starts_at, ends_at, vevent FROM public_events
                 WHERE organizer_id = ?1 AND listed = 1 ORDER BY starts_at, id",
                id,
            ),
            Filter::Group(id) => (
                "SELECT zone, starts_at, ends_at, vevent FROM public_events
                 WHERE group_id = ?1 AND listed = 1 ORDER BY starts_at, id",
                id,
            ),
            // Public events of other servers that people here follow are in the instance's feed too.
            Filter::Listed => (
                "SELECT zone, starts_at, ends_at, vevent, id FROM public_events WHERE listed = ?1
                 UNION ALL SELECT zone, starts_at, ends_at, vevent, id FROM remote_events WHERE listed = ?1
                 ORDER BY 2, 5",
                &1,
            ),
        };
        let mut stmt = conn.prepare_cached(sql)?;
        let mut rows = stmt.query([key])?;
        let (mut spans, mut vevents) = (Vec::new(), Vec::new());
        while let Some(row) = rows.next()? {
            let zone: Option<String> = row.get(0)?;
            if let Some(tz) = zone.as_deref().and_then(|z| z.parse::<Tz>().ok()) {
                let at = |secs: i64| DateTime::from_timestamp(secs, 0).unwrap_or_default();
                spans.push((tz, at(row.get(1)?), at(row.get(2)?)));
            }
            vevents.push(row.get::<_, String>(3)?);
        }
        let meta = CalendarMeta {
            name: resolved.name.clone(),
            refresh: (!matches!(which, Calendar::Event(_))).then(|| Duration::minutes(REFRESH_MINUTES)),
        };
        Ok(Some((version, ical::assemble(&meta, spans, vevents.iter().map(String::as_str)))))
    }
}

/// A group with a page: registered, its document arrived and passed the checks, not private.
fn shown_group(conn: &Connection, username: &str) -> Result<Option<crate::groups::store::GroupRow>> {
    Ok(crate::groups::store::group_by_username(conn, username)?
        .filter(|g| !g.name.is_empty() && g.visibility != rally_core::model::Visibility::Private))
}
