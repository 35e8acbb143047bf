//! What the relay makes public from documents, inside the transaction that stores their changes: the
//! tables pages, feeds and invitations read (`public_events`, `identities`, `username_claims`,
//! `public_images`), the
//! news of changed events the mail worker tells participants, and what is withheld and why.
//!
//! A document is input like a form. Nothing is derived from it before core's own checks pass
//! ([`rally_core::validate::stored_event`], [`rally_core::validate::stored_identity`]) and the
//! relay's rules of who speaks for whom: an event's organizer is an identity of the same account; a
//! username belongs to the first account that used it on this relay, for good. A document that fails
//! is stored all the same (it is its owner's data) but shown nowhere, and its owner's devices read
//! why from `GET /api/v1/documents/withheld`.

use automerge::AutoCommit;
use chrono::Utc;
use rally_core::model::{Event, EventStatus, Group, Identity, Visibility, WithheldDocument, WithheldReason};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::store::stored_document;
use crate::{Error, Result};

/// A picture or an avatar as pages serve it: only what browsers show as an image (PNG, JPEG, GIF,
/// WebP, told by their first bytes), never what a document merely calls one.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicImage {
    pub media_type: &'static str,
    pub bytes: Vec<u8>,
}

impl PublicImage {
    pub fn sniff(bytes: Vec<u8>) -> Option<PublicImage> {
        let media_type = match bytes.as_slice() {
            [0x89, b'P', b'N', b'G', ..] => "image/png",
            [0xFF, 0xD8, 0xFF, ..] => "image/jpeg",
            [b'G', b'I', b'F', b'8', ..] => "image/gif",
            [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => "image/webp",
            _ => return None,
        };
        Some(PublicImage { media_type, bytes })
    }

    fn etag(&self) -> String {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(&self.bytes);
        format!("\"{}\"", digest.iter().take(12).map(|b| format!("{b:02x}")).collect::<String>())
    }
}

/// What pages and feeds may know of a document.
#[derive(Debug, Clone, PartialEq)]
pub enum PublicView {
    /// An event that passed core's checks, with its picture; shown only while published and public
    /// or unlisted.
    Event(Box<Event>, Option<PublicImage>),
    /// An event marked deleted.
    Deleted,
    /// An identity that passed core's checks, with its avatar.
    Identity(Identity, Option<PublicImage>),
    /// A group's document that passed core's checks, with its avatar.
    Group(Box<Group>, Option<PublicImage>),
    /// An event or identity that does not read or fails core's checks, with why.
    Invalid(String),
    Other,
}

impl PublicView {
    /// What it says about access (events: draft and visibility). The owner is never in a document,
    /// and an invalid event is nobody else's to read.
    pub fn event_facts(&self) -> Option<(bool, Visibility)> {
        match self {
            PublicView::Event(e, _) => Some((e.details.draft, e.details.visibility)),
            _ => None,
        }
    }

    /// For an event: the group it names (`Some(None)`: none).
    pub fn event_group(&self) -> Option<Option<String>> {
        match self {
            PublicView::Event(e, _) => Some(e.details.group_id.clone()),
            _ => None,
        }
    }
}

/// The largest image a shown document may hold: core re-encodes pictures and avatars far smaller.
pub const MAX_IMAGE_BYTES: usize = 4 * 1024 * 1024;

fn image_too_large(doc: &AutoCommit, key: &str) -> bool {
    rally_core::document::read_bytes(doc, key).ok().flatten().is_some_and(|bytes| bytes.len() > MAX_IMAGE_BYTES)
}

fn image(doc: &AutoCommit, key: &str) -> Option<PublicImage> {
    rally_core::document::read_bytes(doc, key).ok().flatten().and_then(PublicImage::sniff)
}

fn too_large(key: &str) -> String {
    format!("{key}: larger than {} MiB (the app re-encodes images far smaller)", MAX_IMAGE_BYTES / (1024 * 1024))
}

/// Reads a document as pages would show it, with core's checks.
pub fn public_view(doc: &AutoCommit, doc_id: &str) -> PublicView {
    use rally_core::document::{self, Kind};
    use rally_core::validate;
    match document::kind(doc, doc_id) {
        Ok(Kind::Event) if document::is_deleted(doc).unwrap_or(false) => PublicView::Deleted,
        Ok(Kind::Event) => match document::read_event(doc, doc_id) {
            Ok(_) if image_too_large(doc, "picture") => PublicView::Invalid(too_large("picture")),
            Ok(e) => match validate::stored_event(&e.details) {
                Ok(()) => PublicView::Event(Box::new(e), image(doc, "picture")),
                Err(problem) => PublicView::Invalid(format!("the event is refused: {problem}")),
            },
            Err(problem) => PublicView::Invalid(format!("the event does not read: {problem}")),
        },
        Ok(Kind::Identity) => match document::read_identity(doc, doc_id) {
            Ok(_) if image_too_large(doc, "avatar") => PublicView::Invalid(too_large("avatar")),
            Ok(identity) => match validate::stored_identity(&identity) {
                Ok(()) => PublicView::Identity(identity, image(doc, "avatar")),
                Err(problem) => PublicView::Invalid(format!("the identity is refused: {problem}")),
            },
            Err(problem) => PublicView::Invalid(format!("the identity does not read: {problem}")),
        },
        Ok(Kind::Group) if document::is_deleted(doc).unwrap_or(false) => PublicView::Deleted,
        Ok(Kind::Group) => match document::read_group(doc, doc_id) {
            Ok(_) if image_too_large(doc, "avatar") => PublicView::Invalid(too_large("avatar")),
            Ok(group) => match validate::stored_group(&group) {
                Ok(()) => PublicView::Group(Box::new(group), image(doc, "avatar")),
                Err(problem) => PublicView::Invalid(format!("the group is refused: {problem}")),
            },
            Err(problem) => PublicView::Invalid(format!("the group does not read: {problem}")),
        },
        _ => PublicView::Other,
    }
}

/// The version of what [`record_in`] derives; a change (or a new public URL) rebuilds the public tables
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

/// Records, inside `tx`, what a changed document says: its access facts, and what pages may show.
pub fn record_in(tx: &Transaction, public_url: &str, id: &str, view: PublicView) -> Result<()> {
    let (draft, visibility) = match view.event_facts() {
        Some((draft, visibility)) => (Some(draft), Some(visibility.as_str())),
        None => (None, None),
    };
    tx.execute(
        "INSERT INTO sync_documents (id, draft, visibility) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET draft = excluded.draft, visibility = excluded.visibility",
        params![id, draft, visibility],
    )?;
    let (owner, group): (Option<String>, Option<String>) = tx
        .query_row("SELECT owner, group_id FROM sync_documents WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .unwrap_or_default();
    let withheld = vet(tx, owner.as_deref(), group.as_deref(), id, &view)?;
    set_withheld(tx, id, owner.as_deref(), withheld.as_ref())?;
    match (view, withheld) {
        (PublicView::Event(e, picture), None) => {
            let shown = project_event(tx, public_url, id, Some(&e), false)?;
            put_image(tx, id, picture.as_ref().filter(|_| shown))
        }
        (PublicView::Group(g, avatar), None) => {
            project_group(tx, &g)?;
            put_image(tx, id, avatar.as_ref())
        }
        (PublicView::Group(..), Some(_)) => put_image(tx, id, None),
        (PublicView::Event(..), Some(_)) => project_event(tx, public_url, id, None, false).map(drop),
        (PublicView::Deleted, _) => project_event(tx, public_url, id, None, true).map(drop),
        (PublicView::Identity(identity, avatar), None) => {
            project_identity(tx, id, owner.as_deref().map(|owner| (owner, &identity)))?;
            put_image(tx, id, avatar.as_ref().filter(|_| owner.is_some()))?;
            let owner = owner.unwrap_or_default();
            revisit_organized_by(tx, public_url, &owner)
        }
        (PublicView::Identity(..), Some(_)) => project_identity(tx, id, None),
        (PublicView::Invalid(_), _) => {
            project_event(tx, public_url, id, None, false)?;
            project_identity(tx, id, None)
        }
        (PublicView::Other, _) => Ok(()),
    }
}

/// The relay's own rules on a document that passed core's: whose identity organizes an event, whose
/// a username is, which group a document belongs to. `None`: it may be shown.
fn vet(
    tx: &Transaction,
    owner: Option<&str>,
    group: Option<&str>,
    id: &str,
    view: &PublicView,
) -> Result<Option<(WithheldReason, String)>> {
    Ok(match view {
        PublicView::Invalid(problem) => Some((WithheldReason::Invalid, problem.clone())),
        PublicView::Event(e, _) if e.details.group_id.as_deref() != group => Some((
            WithheldReason::GroupNotYours,
            "it names a group whose events its writer does not edit here".to_string(),
        )),
        PublicView::Event(e, _) if group.is_some() && is_member(tx, group, &e.details.organizer_id)? => None,
        PublicView::Group(g, _) => {
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
        PublicView::Event(e, _) => {
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
        PublicView::Identity(identity, _) => {
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
        PublicView::Deleted | PublicView::Other => None,
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

/// Events of `account` that waited for their organizer's identity: shown now if it is theirs.
fn revisit_organized_by(tx: &Transaction, public_url: &str, account: &str) -> Result<()> {
    let waiting: Vec<String> = tx
        .prepare_cached("SELECT id FROM withheld_documents WHERE account_id = ?1 AND reason = 'organizer_unknown'")?
        .query_map([account], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in waiting {
        // A stored document that no longer loads stays withheld, as it was.
        if let Ok(Some((doc, _))) = stored_document(tx, &id) {
            let view = public_view(&doc, &id);
            if matches!(view, PublicView::Event(..)) {
                record_in(tx, public_url, &id, view)?;
            }
        }
    }
    Ok(())
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

/// Writes (or, with `None`, removes) an event's row in `public_events`, tells the mail worker of news
/// for its participants, and bumps the feeds it is or was in. Only published public or unlisted
/// events get a row; returns whether it has one now. Its picture goes when its row goes.
fn project_event(tx: &Transaction, public_url: &str, id: &str, event: Option<&Event>, deleted: bool) -> Result<bool> {
    let before: Option<(String, bool, String, Option<String>)> = tx
        .query_row("SELECT organizer_id, listed, event, group_id FROM public_events WHERE id = ?1", [id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let groups: Vec<String> = before
        .as_ref()
        .and_then(|b| b.3.clone())
        .into_iter()
        .chain(event.and_then(|e| e.details.group_id.clone()))
        .collect();
    if let Some((_, _, was, _)) = &before {
        if event.is_some() || deleted {
            news(tx, id, was, event)?;
        }
    }
    let before = before.map(|(organizer, listed, _, _)| (organizer, listed));
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
    Ok(after.is_some())
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

/// Leaves news for the mail worker when a public event that people may take part in changes its time,
/// its place or its status, or is deleted (`None`, told as cancelled); it tells the participants (see
/// [`crate::notify`]). Nothing here knows about mail.
fn news(tx: &Transaction, id: &str, was: &str, now: Option<&Event>) -> Result<()> {
    let Ok(before) = serde_json::from_str::<Event>(was) else { return Ok(()) };
    let after = match now {
        Some(e) => e.clone(),
        None => {
            let mut gone = before.clone();
            gone.details.status = EventStatus::Cancelled;
            gone
        }
    };
    let (b, a) = (&before.details, &after.details);
    let told = |d: &rally_core::model::EventDetails| {
        (
            d.starts_at,
            d.ends_at,
            d.timezone.clone(),
            d.all_day,
            d.repeat.clone(),
            d.occurrence_changes.clone(),
            d.place.clone(),
            d.online_url.clone(),
            d.status,
        )
    };
    let anyone: bool = tx.query_row(
        "SELECT count(*) > 0 FROM participations WHERE event_id = ?1 AND status IN ('going', 'waitlisted')",
        [id],
        |r| r.get(0),
    )?;
    if anyone && told(b) != told(a) {
        let json = |e: &Event| serde_json::to_string(e).map_err(|e| Error::Protocol(e.to_string()));
        tx.execute(
            "INSERT INTO event_news (event_id, before, after, at) VALUES (?1, ?2, ?3, ?4)",
            params![id, json(&before)?, json(&after)?, Utc::now().timestamp_millis()],
        )?;
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

/// Takes every document of a deleted account off the relay, inside `tx`: its public rows (with news
/// for the participants of its events, told as cancelled), its withheld list, its stored changes.
/// Its username claims stay (nobody may pose as it later). Returns the documents' ids.
pub fn remove_account(tx: &Transaction, public_url: &str, account_id: &str) -> Result<Vec<String>> {
    // A group's documents are the group's: they stay, owned by nobody (roles decide who writes them).
    tx.execute("UPDATE sync_documents SET owner = NULL WHERE owner = ?1 AND group_id IS NOT NULL", [account_id])?;
    let ids: Vec<String> = tx
        .prepare("SELECT id FROM sync_documents WHERE owner = ?1")?
        .query_map([account_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in &ids {
        project_event(tx, public_url, id, None, true)?;
        project_identity(tx, id, None)?;
        tx.execute(
            "DELETE FROM sync_storage WHERE key >= ?1 AND key < ?2",
            params![format!("{id}/"), format!("{id}0")],
        )?;
        tx.execute("DELETE FROM sync_documents WHERE id = ?1", [id])?;
    }
    tx.execute("DELETE FROM withheld_documents WHERE account_id = ?1", [account_id])?;
    Ok(ids)
}
