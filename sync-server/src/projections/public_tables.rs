//! The tables pages, feeds and invitations read (`public_events`, `identities`, `username_claims`,
//! `groups`' public columns, `public_images`, feed revisions), and what is withheld and why, derived
//! from documents that passed core's checks and the relay's own rules of who speaks for whom: an
//! event's organizer is an identity of the same account (or, in a group, a member); a username belongs
//! to the first account that used it on this relay, for good. A document that fails is stored all the
//! same (it is its owner's data) but shown nowhere, and its owner's devices read why from
//! `GET /api/v1/documents/withheld`.

use chrono::Utc;
use rally_core::model::{Event, Group, Identity, Visibility, WithheldDocument, WithheldReason};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::sync::view::{DocumentView, PublicImage};
use crate::{Error, Result};

/// The version of what [`record`] derives; a change (or a new public URL) rebuilds the public tables
/// at start. 2: repeating events (RRULE in the VEVENT, `starts_at`/`ends_at` the span of all
/// occurrences). 3: documents checked with core's rules, organizers and usernames with the relay's.
/// 4: pictures and avatars for pages. 5: groups, and the group of each public event.
pub const PUBLIC_INDEX_VERSION: i64 = 5;

/// What `meta.public_index` holds once the public tables are built for this version and URL.
pub fn public_index_stamp(public_url: &str) -> String {
    format!("{PUBLIC_INDEX_VERSION} {public_url}")
}

/// Marks a feed as changed: its ETag changes with its revision.
pub fn bump(tx: &Transaction, feed: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO feed_revisions (feed, revision, changed_at) VALUES (?1, 1, ?2)
         ON CONFLICT (feed) DO UPDATE SET revision = revision + 1, changed_at = excluded.changed_at",
        params![feed, Utc::now().timestamp_millis()],
    )?;
    Ok(())
}

/// What recording a change did: whether the document had, and has, a row in `public_events` (so that
/// federation tells the rest of the world of a publication, an edit or a removal), and the account whose
/// identity just became showable (its events that waited for it are recorded again).
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Recorded {
    pub was_public: bool,
    pub is_public: bool,
}

/// Records, inside `tx`, what a changed document now says in the tables pages read. Returns what it
/// did, and for an identity that may now be shown, its account (see [`waiting_for_organizer`]).
pub fn record(tx: &Transaction, public_url: &str, id: &str, view: &DocumentView) -> Result<(Recorded, Option<String>)> {
    let (owner, group): (Option<String>, Option<String>) = tx
        .query_row("SELECT owner, group_id FROM sync_documents WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .unwrap_or_default();
    let withheld = vet(tx, owner.as_deref(), group.as_deref(), id, view)?;
    set_withheld(tx, id, owner.as_deref(), withheld.as_ref())?;
    let mut identity_of = None;
    let recorded = match (view, withheld) {
        (DocumentView::Event(e, picture), None) => {
            let recorded = project_event(tx, public_url, id, Some(e))?;
            put_image(tx, id, picture.as_ref().filter(|_| recorded.is_public))?;
            recorded
        }
        (DocumentView::Group(g, avatar), None) => {
            project_group(tx, g)?;
            put_image(tx, id, avatar.as_ref())?;
            Recorded::default()
        }
        (DocumentView::Group(..), Some(_)) => {
            put_image(tx, id, None)?;
            Recorded::default()
        }
        (DocumentView::Event(..), Some(_)) => project_event(tx, public_url, id, None)?,
        (DocumentView::Identity(identity, avatar), None) => {
            project_identity(tx, id, owner.as_deref().map(|owner| (owner, identity)))?;
            put_image(tx, id, avatar.as_ref().filter(|_| owner.is_some()))?;
            identity_of = owner;
            Recorded::default()
        }
        (DocumentView::Identity(..), Some(_)) => {
            project_identity(tx, id, None)?;
            Recorded::default()
        }
        (DocumentView::Invalid(_) | DocumentView::Deleted, _) => {
            let recorded = project_event(tx, public_url, id, None)?;
            project_identity(tx, id, None)?;
            recorded
        }
        (DocumentView::Other, _) => Recorded::default(),
    };
    Ok((recorded, identity_of))
}

/// The relay's own rules on a document that passed core's: whether moderators hid it, whose identity
/// organizes an event, whose a username is, which group a document belongs to. `None`: it may be shown.
fn vet(
    tx: &Transaction,
    owner: Option<&str>,
    group: Option<&str>,
    id: &str,
    view: &DocumentView,
) -> Result<Option<(WithheldReason, String)>> {
    let shown = matches!(view, DocumentView::Event(..) | DocumentView::Identity(..) | DocumentView::Group(..));
    if shown {
        if let Some(reason) = crate::moderation::hiding::hidden_because(tx, id, owner, group, view)? {
            return Ok(Some((WithheldReason::HiddenByModerators, reason)));
        }
    }
    Ok(match view {
        DocumentView::Invalid(problem) => Some((WithheldReason::Invalid, problem.clone())),
        DocumentView::Event(e, _) if e.details.group_id.as_deref() != group => Some((
            WithheldReason::GroupNotYours,
            "it names a group whose events its writer does not edit here".to_string(),
        )),
        DocumentView::Event(e, _) if group.is_some() && is_member(tx, group, &e.details.organizer_id)? => None,
        DocumentView::Group(g, _) => {
            let registered: Option<String> =
                tx.query_row("SELECT username FROM groups WHERE id = ?1", [id], |r| r.get(0)).optional()?;
            match registered {
                None => Some((WithheldReason::GroupNotYours, "the group is not registered on this relay".to_string())),
                Some(username) if username != g.username => Some((
                    WithheldReason::UsernameTaken,
                    format!("the group is @{username} on this relay: its username does not change"),
                )),
                Some(_) => None,
            }
        }
        DocumentView::Event(e, _) => {
            let organizer = &e.details.organizer_id;
            let organizers_account: Option<Option<String>> = tx
                .query_row(
                    "SELECT d.owner FROM identities i JOIN sync_documents d ON d.id = i.id WHERE i.id = ?1",
                    [organizer],
                    |r| r.get(0),
                )
                .optional()?;
            match organizers_account {
                None => Some((
                    WithheldReason::OrganizerUnknown,
                    format!("its organizer {organizer} is no identity on this relay yet: it is shown once that identity syncs"),
                )),
                Some(account) if owner.is_none() || account.as_deref() != owner => Some((
                    WithheldReason::OrganizerNotYours,
                    format!("its organizer {organizer} is an identity of another account"),
                )),
                Some(_) => None,
            }
        }
        DocumentView::Identity(identity, _) => {
            let claimed_by: Option<(String, Option<String>)> = tx
                .query_row(
                    "SELECT account_id, group_id FROM username_claims WHERE username = ?1",
                    [&identity.username],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            match claimed_by {
                Some((_, Some(_))) => Some((
                    WithheldReason::UsernameTaken,
                    format!("@{} is a group's on this relay: choose another username", identity.username),
                )),
                Some((account, None)) if Some(account.as_str()) != owner => Some((
                    WithheldReason::UsernameTaken,
                    format!("@{} belongs to another account on this relay: choose another username", identity.username),
                )),
                _ if owner.is_none() => Some((WithheldReason::Invalid, "the identity has no owner".into())),
                _ => None,
            }
        }
        DocumentView::Deleted | DocumentView::Other => None,
    })
}

fn set_withheld(
    tx: &Transaction,
    id: &str,
    owner: Option<&str>,
    withheld: Option<&(WithheldReason, String)>,
) -> Result<()> {
    match withheld {
        Some((reason, message)) => tx.execute(
            "INSERT INTO withheld_documents (id, account_id, reason, message, since) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, message = excluded.message,
                 since = CASE WHEN reason = excluded.reason THEN since ELSE excluded.since END,
                 reason = excluded.reason",
            params![id, owner, reason.as_str(), message, Utc::now().timestamp_millis()],
        )?,
        None => tx.execute("DELETE FROM withheld_documents WHERE id = ?1", [id])?,
    };
    Ok(())
}

/// Events of `account` that waited for their organizer's identity (to be recorded again when it is).
pub fn waiting_for_organizer(tx: &Transaction, account: &str) -> Result<Vec<String>> {
    Ok(tx
        .prepare_cached("SELECT id FROM withheld_documents WHERE account_id = ?1 AND reason = 'organizer_unknown'")?
        .query_map([account], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// Writes (or, with `None`, removes) a picture or avatar pages serve, under its event's or identity's id.
fn put_image(tx: &Transaction, owner: &str, image: Option<&PublicImage>) -> Result<()> {
    match image {
        Some(image) => tx.execute(
            // An edit of the event's text leaves its picture as it is: not written again.
            "INSERT INTO public_images (owner, media_type, bytes, etag) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (owner) DO UPDATE SET media_type = excluded.media_type, bytes = excluded.bytes,
                 etag = excluded.etag WHERE public_images.etag != excluded.etag",
            params![owner, image.media_type, image.bytes, image.etag()],
        )?,
        None => tx.execute("DELETE FROM public_images WHERE owner = ?1", [owner])?,
    };
    Ok(())
}

/// Writes (or, with `None`, removes) an event's row in `public_events` and bumps the feeds it is or was
/// in. Only published public or unlisted events get a row. Its picture goes when its row goes.
fn project_event(tx: &Transaction, public_url: &str, id: &str, event: Option<&Event>) -> Result<Recorded> {
    let before: Option<(String, bool, Option<String>)> = tx
        .query_row("SELECT organizer_id, listed, group_id FROM public_events WHERE id = ?1", [id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let groups: Vec<String> = before
        .as_ref()
        .and_then(|b| b.2.clone())
        .into_iter()
        .chain(event.and_then(|e| e.details.group_id.clone()))
        .collect();
    let before = before.map(|(organizer, listed, _)| (organizer, listed));
    let after = match event {
        Some(e) if !e.details.draft && e.details.visibility != Visibility::Private => {
            let page_url = Some(format!("{public_url}/events/{id}"));
            let vevent = rally_core::ical::vevent(&rally_core::ical::IcsEvent { event: e, page_url });
            let zone = rally_core::ical::zone_span(e).map(|(tz, _, _)| tz.name());
            // The span every occurrence lies in: what the feed's VTIMEZONE must cover.
            let (from, to) = rally_core::recurrence::bounds(&e.details);
            let to = to.unwrap_or(rally_core::recurrence::OPEN_END);
            let listed = e.details.visibility == Visibility::Public;
            let json = serde_json::to_string(e).map_err(|e| Error::Protocol(e.to_string()))?;
            tx.execute(
                "INSERT INTO public_events (id, organizer_id, listed, starts_at, ends_at, zone, vevent, event, group_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (id) DO UPDATE SET organizer_id = excluded.organizer_id,
                     listed = excluded.listed, starts_at = excluded.starts_at, ends_at = excluded.ends_at,
                     zone = excluded.zone, vevent = excluded.vevent, event = excluded.event,
                     group_id = excluded.group_id",
                params![
                    id,
                    e.details.organizer_id,
                    listed,
                    from.timestamp(),
                    to.timestamp(),
                    zone,
                    vevent,
                    json,
                    e.details.group_id
                ],
            )?;
            Some((e.details.organizer_id.clone(), listed))
        }
        _ => {
            tx.execute("DELETE FROM public_events WHERE id = ?1", [id])?;
            put_image(tx, id, None)?;
            None
        }
    };
    if before.is_some() || after.is_some() {
        bump(tx, &format!("event:{id}"))?;
        let organizers: std::collections::BTreeSet<&String> =
            before.iter().chain(after.iter()).map(|(organizer, _)| organizer).collect();
        for organizer in organizers {
            bump(tx, &format!("identity:{organizer}"))?;
        }
        for group in &groups {
            bump(tx, &format!("group:{group}"))?;
        }
        if before.iter().chain(after.iter()).any(|(_, listed)| *listed) {
            bump(tx, "instance")?;
        }
    }
    Ok(Recorded { was_public: before.is_some(), is_public: after.is_some() })
}

/// Whether an identity is a member of a group (a group's events may be organized by any member).
fn is_member(tx: &Transaction, group: Option<&str>, identity: &str) -> Result<bool> {
    Ok(tx
        .query_row(
            "SELECT 1 FROM group_members WHERE group_id = ?1 AND identity_id = ?2 AND state = 'member'",
            params![group, identity],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Writes what a group's page shows, from its document (vetted: registered, with its username).
fn project_group(tx: &Transaction, g: &Group) -> Result<()> {
    tx.execute(
        "UPDATE groups SET name = ?2, summary = ?3, visibility = ?4, openness = ?5, place = ?6 WHERE id = ?1",
        params![
            g.id,
            g.name,
            g.summary,
            g.visibility.as_str(),
            g.openness.as_str(),
            g.place.as_ref().map(|p| p.one_line()).unwrap_or_default()
        ],
    )?;
    bump(tx, &format!("group:{}", g.id))
}

/// Writes (or, with `None`, removes) an identity's public name. Its username is claimed for its
/// account (vetted before: free, or already the account's); a name it no longer uses stays the
/// account's, pointing at no identity.
fn project_identity(tx: &Transaction, id: &str, shown: Option<(&str, &Identity)>) -> Result<()> {
    tx.execute(
        "UPDATE username_claims SET identity_id = NULL WHERE identity_id = ?1 AND username != ?2",
        params![id, shown.map(|(_, i)| i.username.as_str())],
    )?;
    let changed = match shown {
        Some((account, identity)) => {
            tx.execute(
                "INSERT INTO identities (id, username, display_name) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET username = excluded.username, display_name = excluded.display_name",
                params![id, identity.username, identity.display_name],
            )?;
            tx.execute(
                "INSERT INTO username_claims (username, account_id, identity_id) VALUES (?1, ?2, ?3)
                 ON CONFLICT (username) DO UPDATE SET identity_id = excluded.identity_id",
                params![identity.username, account, id],
            )?;
            1
        }
        None => {
            put_image(tx, id, None)?;
            tx.execute("DELETE FROM identities WHERE id = ?1", [id])?
        }
    };
    if changed > 0 {
        bump(tx, &format!("identity:{id}"))?;
    }
    Ok(())
}

/// An account's withheld documents, oldest first.
pub fn withheld(conn: &Connection, account_id: &str) -> Result<Vec<WithheldDocument>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, reason, message, since FROM withheld_documents WHERE account_id = ?1 ORDER BY since, id",
    )?;
    let rows = stmt.query_map([account_id], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, i64>(3)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (document_id, reason, message, since) = row?;
        out.push(WithheldDocument {
            document_id,
            reason: WithheldReason::parse(&reason).unwrap_or(WithheldReason::Invalid),
            message,
            since: chrono::DateTime::from_timestamp_millis(since).unwrap_or_default(),
        });
    }
    Ok(out)
}

/// The account that claimed a username on this relay for its identities, if one did ("" for a
/// group's username: no account's identity may take it).
pub fn username_claim(conn: &Connection, username: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT CASE WHEN group_id IS NULL THEN account_id ELSE '' END FROM username_claims WHERE username = ?1",
            [username],
            |r| r.get(0),
        )
        .optional()?)
}
