//! Tables derived from the documents: what listing, time ranges and search read, so that no listing
//! ever loads an Automerge document. Rebuilt whole when [`INDEX_VERSION`] changes.

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::StoredDoc;
use crate::document::{self, Kind};
use crate::model::{DraftFilter, Event, EventFilter, EventStatus, EventView, Group, Identity};
use crate::recurrence;
use crate::{Error, Result};

/// 2: events carry their sequence. 3: and the UID they were imported with. 4: repeating events, with
/// the span their occurrences may cover. 5: groups, and the group of each event.
pub const INDEX_VERSION: i64 = 5;

const SCHEMA: &str = "
    DROP TABLE IF EXISTS identity_index;
    DROP TABLE IF EXISTS event_index;
    DROP TABLE IF EXISTS event_search;
    DROP TABLE IF EXISTS group_index;
    DROP TABLE IF EXISTS group_documents;
    -- Every document tied to a group (the group's own, its events, deleted ones too): synced as the
    -- relay lists the account's groups, never listed as the account's own.
    CREATE TABLE group_documents (id TEXT PRIMARY KEY, group_id TEXT NOT NULL);
    CREATE TABLE group_index (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL,
        group_json TEXT NOT NULL
    );
    CREATE TABLE identity_index (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        identity_json TEXT NOT NULL
    );
    CREATE TABLE event_index (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        organizer_id TEXT NOT NULL,
        group_id TEXT,
        starts_at INTEGER NOT NULL,
        ends_at INTEGER NOT NULL,
        draft INTEGER NOT NULL,
        event_json TEXT NOT NULL,
        -- Repeating events: the earliest start and latest end (NULL: no end) any occurrence may have.
        series_from INTEGER,
        series_until INTEGER
    );
    CREATE INDEX event_index_starts ON event_index (starts_at);
    CREATE INDEX event_index_series ON event_index (series_from) WHERE series_from IS NOT NULL;
    CREATE INDEX event_index_organizer ON event_index (organizer_id, starts_at);
    CREATE INDEX event_index_draft ON event_index (draft, starts_at);
    CREATE INDEX event_index_group ON event_index (group_id, starts_at) WHERE group_id IS NOT NULL;
    CREATE VIRTUAL TABLE event_search USING fts5 (
        title, description, tags, place,
        content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2'
    );
";

pub(crate) fn needs_rebuild(conn: &Connection) -> Result<bool> {
    let version: Option<i64> = conn
        .query_row("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'index_version'", [], |r| r.get(0))
        .optional()?;
    Ok(version != Some(INDEX_VERSION))
}

pub(crate) fn recreate(conn: &Connection) -> Result<()> {
    conn.execute_batch(SCHEMA)?;
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('index_version', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [INDEX_VERSION],
    )?;
    Ok(())
}

/// Indexes a document as it now is (or drops it from the index if it is marked deleted).
pub(crate) fn put_document(conn: &Connection, stored: &StoredDoc) -> Result<()> {
    let deleted = document::is_deleted(&stored.doc)?;
    let group = match stored.kind {
        Kind::Group => Some(stored.id.clone()),
        Kind::Event => document::read_event(&stored.doc, &stored.id).ok().and_then(|e| e.details.group_id),
        _ => None,
    };
    match group {
        Some(group) => conn.execute(
            "INSERT INTO group_documents (id, group_id) VALUES (?1, ?2)
             ON CONFLICT (id) DO UPDATE SET group_id = excluded.group_id",
            params![stored.id, group],
        )?,
        None => conn.execute("DELETE FROM group_documents WHERE id = ?1", [&stored.id])?,
    };
    match stored.kind {
        Kind::Identity if deleted => remove_identity(conn, &stored.id),
        Kind::Identity => put_identity(conn, &document::read_identity(&stored.doc, &stored.id)?),
        Kind::Event if deleted => remove_event(conn, &stored.id),
        Kind::Event => put_event(conn, &document::read_event(&stored.doc, &stored.id)?),
        Kind::Group if deleted => remove_group(conn, &stored.id),
        Kind::Group => put_group(conn, &document::read_group(&stored.doc, &stored.id)?),
        Kind::Account => Ok(()),
    }
}

/// As [`put_document`], for a document that came from elsewhere: one that does not read as a whole
/// item yet (some of its changes still on their way) is left out of the index until it does.
pub(crate) fn put_received(conn: &Connection, stored: &StoredDoc) -> Result<()> {
    match put_document(conn, stored) {
        Err(Error::Document { .. }) => match stored.kind {
            Kind::Identity => remove_identity(conn, &stored.id),
            Kind::Event => remove_event(conn, &stored.id),
            Kind::Group => remove_group(conn, &stored.id),
            Kind::Account => Ok(()),
        },
        other => other,
    }
}

fn put_identity(conn: &Connection, identity: &Identity) -> Result<()> {
    let taken: Option<String> = conn
        .query_row(
            "SELECT id FROM identity_index WHERE username = ?1 AND id <> ?2",
            params![identity.username, identity.id],
            |r| r.get(0),
        )
        .optional()?;
    if taken.is_some() {
        return Err(Error::invalid("username", format!("@{} is already taken in this profile", identity.username)));
    }
    conn.execute(
        "INSERT INTO identity_index (id, username, identity_json) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET username = excluded.username, identity_json = excluded.identity_json",
        params![identity.id, identity.username, to_json(identity)?],
    )?;
    Ok(())
}

fn remove_identity(conn: &Connection, id: &str) -> Result<()> {
    conn.execute("DELETE FROM identity_index WHERE id = ?1", [id])?;
    Ok(())
}

fn put_group(conn: &Connection, group: &Group) -> Result<()> {
    conn.execute(
        "INSERT INTO group_index (id, username, group_json) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET username = excluded.username, group_json = excluded.group_json",
        params![group.id, group.username, to_json(group)?],
    )?;
    Ok(())
}

fn remove_group(conn: &Connection, id: &str) -> Result<()> {
    conn.execute("DELETE FROM group_index WHERE id = ?1", [id])?;
    Ok(())
}

/// Documents tied to a group, with their group.
pub(crate) fn group_documents(conn: &Connection) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached("SELECT id, group_id FROM group_documents")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn groups(conn: &Connection) -> Result<Vec<Group>> {
    let mut stmt = conn.prepare_cached("SELECT group_json FROM group_index ORDER BY username")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    rows.map(|json| from_json(&json?)).collect()
}

/// A group by document id or by username.
pub(crate) fn group(conn: &Connection, key: &str) -> Result<Option<Group>> {
    let key = key.trim().trim_start_matches('@');
    let json: Option<String> = conn
        .query_row("SELECT group_json FROM group_index WHERE id = ?1 OR username = ?1", [key], |r| r.get(0))
        .optional()?;
    json.map(|j| from_json(&j)).transpose()
}

fn put_event(conn: &Connection, event: &Event) -> Result<()> {
    let d = &event.details;
    let (series_from, series_until) = if d.repeats() {
        let (from, until) = recurrence::bounds(d);
        (Some(from.timestamp_millis()), until.map(|u| u.timestamp_millis()))
    } else {
        (None, None)
    };
    let rowid: i64 = conn.query_row(
        "INSERT INTO event_index (id, organizer_id, starts_at, ends_at, draft, event_json, series_from, series_until,
             group_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (id) DO UPDATE SET organizer_id = excluded.organizer_id, group_id = excluded.group_id,
             starts_at = excluded.starts_at,
             ends_at = excluded.ends_at, draft = excluded.draft, event_json = excluded.event_json,
             series_from = excluded.series_from, series_until = excluded.series_until
         RETURNING rowid",
        params![
            event.id,
            d.organizer_id,
            d.starts_at.timestamp_millis(),
            d.ends_at.timestamp_millis(),
            d.draft,
            to_json(event)?,
            series_from,
            series_until,
            d.group_id
        ],
        |r| r.get(0),
    )?;
    let place = d.place.as_ref().map(|p| format!("{} {}", p.name, p.address)).unwrap_or_default();
    conn.execute("DELETE FROM event_search WHERE rowid = ?1", [rowid])?;
    conn.execute(
        "INSERT INTO event_search (rowid, title, description, tags, place) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![rowid, d.title, d.description, d.tags.join(" "), place],
    )?;
    Ok(())
}

fn remove_event(conn: &Connection, id: &str) -> Result<()> {
    let rowid: Option<i64> =
        conn.query_row("SELECT rowid FROM event_index WHERE id = ?1", [id], |r| r.get(0)).optional()?;
    if let Some(rowid) = rowid {
        conn.execute("DELETE FROM event_search WHERE rowid = ?1", [rowid])?;
        conn.execute("DELETE FROM event_index WHERE rowid = ?1", [rowid])?;
    }
    Ok(())
}

pub(crate) fn identities(conn: &Connection) -> Result<Vec<Identity>> {
    let mut stmt = conn.prepare_cached("SELECT identity_json FROM identity_index ORDER BY username")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    rows.map(|json| from_json(&json?)).collect()
}

/// An identity by document id or by username.
pub(crate) fn identity(conn: &Connection, key: &str) -> Result<Option<Identity>> {
    let key = key.trim().trim_start_matches('@');
    let json: Option<String> = conn
        .query_row("SELECT identity_json FROM identity_index WHERE id = ?1 OR username = ?1", [key], |r| r.get(0))
        .optional()?;
    json.map(|j| from_json(&j)).transpose()
}

/// The events an identity organizes on its own (not a group's: those stay the group's).
pub(crate) fn organized_by(conn: &Connection, organizer_id: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached("SELECT id FROM event_index WHERE organizer_id = ?1 AND group_id IS NULL")?;
    let ids = stmt.query_map([organizer_id], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(ids)
}

const VIEW_COLUMNS: &str = "e.event_json, coalesce(i.username, '')
    FROM event_index e LEFT JOIN identity_index i ON i.id = e.organizer_id";

fn view(row: &Row<'_>) -> rusqlite::Result<(String, String)> {
    Ok((row.get(0)?, row.get(1)?))
}

fn to_view((json, organizer): (String, String)) -> Result<EventView> {
    let event: Event = from_json(&json)?;
    let url = crate::model::document_url(&event.id);
    Ok(EventView { event, organizer, url, occurrence: None, read_only: false, group: None })
}

pub(crate) fn event(conn: &Connection, id: &str) -> Result<Option<EventView>> {
    let row = conn.query_row(&format!("SELECT {VIEW_COLUMNS} WHERE e.id = ?1"), [id], view).optional()?;
    row.map(to_view).transpose()
}

/// Events that overlap `[from, to)`, a repeating one once per occurrence (unless `filter.series`).
pub(crate) fn events(conn: &Connection, filter: &EventFilter) -> Result<Vec<EventView>> {
    if filter.series {
        return query(conn, filter, Rows::Series);
    }
    let mut views = query(conn, filter, Rows::Single)?;
    for series in query(conn, filter, Rows::Repeating)? {
        // Bounded by the range's end, the whole range is needed (a "past" list wants the last ones).
        let cap = if filter.to.is_some() { usize::MAX } else { recurrence::LISTING_CAP };
        let cap = filter.limit.filter(|_| !filter.descending).map_or(cap, |l| cap.min(l as usize));
        for occurrence in recurrence::occurrences(&series.event.details, filter.from, filter.to, cap) {
            let mut view = series.clone();
            view.event.details.starts_at = occurrence.starts_at;
            view.event.details.ends_at = occurrence.ends_at;
            if occurrence.cancelled {
                view.event.details.status = EventStatus::Cancelled;
            }
            if let Some(text) =
                series.event.details.occurrence_texts.iter().find(|t| t.original_start == occurrence.original_start)
            {
                text.apply(&mut view.event.details);
            }
            view.occurrence = Some(occurrence);
            views.push(view);
        }
    }
    views.sort_by(|a, b| {
        let key = |v: &EventView| (v.event.details.starts_at, v.event.id.clone());
        if filter.descending {
            key(b).cmp(&key(a))
        } else {
            key(a).cmp(&key(b))
        }
    });
    if let Some(limit) = filter.limit {
        views.truncate(limit as usize);
    }
    Ok(views)
}

/// Which rows a query reads: events that do not repeat (by their times), repeating ones (by the span
/// of their occurrences), or every event once (by its first occurrence).
#[derive(Clone, Copy, PartialEq)]
enum Rows {
    Single,
    Repeating,
    Series,
}

/// Overlap is `starts_at < to AND ends_at > from`; the lower bound on `starts_at` (from minus the
/// longest event) lets SQLite walk the start index over a narrow range.
fn query(conn: &Connection, filter: &EventFilter, rows: Rows) -> Result<Vec<EventView>> {
    let mut sql = format!("SELECT {VIEW_COLUMNS} WHERE 1 = 1");
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    match rows {
        Rows::Single | Rows::Series => {
            if rows == Rows::Single {
                sql.push_str(" AND e.series_from IS NULL");
            }
            if let Some(from) = filter.from {
                let from = from.timestamp_millis();
                sql.push_str(
                    " AND e.ends_at > ? AND e.starts_at >= ? - (SELECT coalesce(max(ends_at - starts_at), 0) FROM event_index)",
                );
                args.push(from.into());
                args.push(from.into());
            }
            if let Some(to) = filter.to {
                sql.push_str(" AND e.starts_at < ?");
                args.push(to.timestamp_millis().into());
            }
        }
        Rows::Repeating => {
            sql.push_str(" AND e.series_from IS NOT NULL");
            if let Some(from) = filter.from {
                sql.push_str(" AND (e.series_until IS NULL OR e.series_until > ?)");
                args.push(from.timestamp_millis().into());
            }
            if let Some(to) = filter.to {
                sql.push_str(" AND e.series_from < ?");
                args.push(to.timestamp_millis().into());
            }
        }
    }
    match filter.drafts {
        DraftFilter::Include => {}
        DraftFilter::Only => sql.push_str(" AND e.draft = 1"),
        DraftFilter::Exclude => sql.push_str(" AND e.draft = 0"),
    }
    if let Some(organizer) = &filter.organizer_id {
        sql.push_str(" AND e.organizer_id = ?");
        args.push(organizer.clone().into());
    }
    if let Some(group) = &filter.group_id {
        sql.push_str(" AND e.group_id = ?");
        args.push(group.clone().into());
    }
    if rows != Rows::Repeating {
        sql.push_str(if filter.descending {
            " ORDER BY e.starts_at DESC, e.id"
        } else {
            " ORDER BY e.starts_at, e.id"
        });
        if let Some(limit) = filter.limit {
            sql.push_str(" LIMIT ?");
            args.push(i64::from(limit).into());
        }
    }
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), view)?;
    rows.map(|row| to_view(row?)).collect()
}

/// Full-text search over titles, descriptions, tags and places; every word must match, the last one as
/// a prefix (so results come while typing). Best matches first.
pub(crate) fn search(conn: &Connection, text: &str, limit: u32) -> Result<Vec<EventView>> {
    let words: Vec<String> =
        text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(|w| format!("\"{w}\"")).collect();
    let Some(last) = words.last() else {
        return Err(Error::invalid("text", "give at least one word to search for"));
    };
    let query = format!("{} {last}*", words[..words.len() - 1].join(" "));
    let mut stmt = conn.prepare_cached(
        "SELECT e.event_json, coalesce(i.username, '')
         FROM event_search s JOIN event_index e ON e.rowid = s.rowid
         LEFT JOIN identity_index i ON i.id = e.organizer_id
         WHERE s.event_search MATCH ?1 ORDER BY s.rank, e.starts_at LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![query.trim(), limit], view)?;
    rows.map(|row| to_view(row?)).collect()
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Document { id: "(index)".into(), message: e.to_string() })
}

fn from_json<T: serde::de::DeserializeOwned>(json: &str) -> Result<T> {
    serde_json::from_str(json).map_err(|e| Error::Document { id: "(index)".into(), message: e.to_string() })
}
