//! Hiding (M2): moderators take an event, an identity with the events it organizes, or everything an
//! account published off the relay — its pages, feeds, federation and every other account's sync —
//! and give it back. Nothing is deleted: a hidden document still syncs with those who write it (its
//! owner, its group's editors), whose app shows it hidden, with the moderators' reason.
//!
//! The facts live in `hidden_documents` and `accounts.suspended`. [`hidden_because`] reads them for
//! both the public tables (`projections::public_tables`) and sync's access (`sync::access`), so that
//! the two always agree. [`apply`] records a measure inside the transaction in which the sync hub
//! re-derives what each touched document shows ([`crate::sync::SyncHub::moderate`]).

use chrono::{DateTime, Utc};
use rally_core::model::{Measure, MeasureRequest};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::{letters, log, reports};
use crate::links::Links;
use crate::sync::view::DocumentView;
use crate::{Error, Result};

/// The longest reason a measure gives.
const MAX_REASON: usize = 2_000;

/// Why document `id` is hidden, if it is: hidden itself, organized by a suspended identity, or owned
/// by a suspended account (a group's documents are the group's, not their creator's).
pub fn hidden_because(
    conn: &Connection,
    id: &str,
    owner: Option<&str>,
    group: Option<&str>,
    view: &DocumentView,
) -> Result<Option<String>> {
    let reason_for = |doc: &str| -> Result<Option<String>> {
        Ok(conn
            .prepare_cached("SELECT reason FROM hidden_documents WHERE id = ?1")?
            .query_row([doc], |r| r.get(0))
            .optional()?)
    };
    if let Some(reason) = reason_for(id)? {
        return Ok(Some(reason));
    }
    if let DocumentView::Event(e, _) = view {
        if let Some(reason) = reason_for(&e.details.organizer_id)? {
            return Ok(Some(format!("its organizer is suspended: {reason}")));
        }
    }
    if let (Some(owner), None) = (owner, group) {
        let suspended: Option<String> = conn
            .prepare_cached("SELECT suspended FROM accounts WHERE id = ?1")?
            .query_row([owner], |r| r.get(0))
            .optional()?
            .flatten();
        if let Some(reason) = suspended {
            return Ok(Some(format!("the account is suspended: {reason}")));
        }
    }
    Ok(None)
}

/// What a measure did.
#[derive(Debug, Default)]
pub struct Applied {
    /// The documents whose hiding it may have changed: the hub re-derives what each shows.
    pub documents: Vec<String>,
    /// An account it suspended: its sessions are gone, its open connections are to be closed.
    pub suspended: Option<String>,
    /// An event to mark deleted (the relay writes the mark into the document, see
    /// [`crate::sync::SyncHub::delete_for_good`]).
    pub delete: Option<String>,
}

fn conflict(code: &'static str, message: String) -> Error {
    Error::Conflict { code, message }
}

/// Records `request` as `by` (a moderator's address) inside `tx`: the fact, the log line, the mail
/// to the author and the reports it resolves, each reporter told: the one it was taken from (only if
/// still open: the first decision on a report wins) and, when it hides, every other open report of
/// the same thing.
pub fn apply(
    tx: &Transaction,
    links: &Links,
    by: &str,
    request: &MeasureRequest,
    now: DateTime<Utc>,
) -> Result<Applied> {
    let reason = request.reason.trim();
    if reason.is_empty() {
        return Err(Error::bad_request("reason_required", "say why: the author is told this reason"));
    }
    if reason.chars().count() > MAX_REASON {
        return Err(Error::bad_request("too_long", format!("the reason is longer than {MAX_REASON} characters")));
    }
    if let Some(report) = &request.report {
        reports::take_open(tx, report)?;
    }
    let target = request.target.trim();
    let (applied, what, author) = match request.measure {
        Measure::HideEvent | Measure::RestoreEvent => {
            let (title, owner) = event(tx, target)?;
            set_hidden(tx, target, request.measure.hides(), reason, by, now)?;
            (
                Applied { documents: vec![target.to_string()], ..Applied::default() },
                format!("the event \"{title}\""),
                owner,
            )
        }
        Measure::DeleteEvent => {
            let (title, owner) = event(tx, target)?;
            // Hidden too, for good: should anyone take the deletion back, it stays off the relay.
            tx.execute(
                "INSERT INTO hidden_documents (id, reason, by, at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET reason = excluded.reason, by = excluded.by, at = excluded.at",
                params![target, reason, by, now.timestamp_millis()],
            )?;
            let applied =
                Applied { documents: vec![target.to_string()], delete: Some(target.to_string()), ..Applied::default() };
            (applied, format!("the event \"{title}\""), owner)
        }
        Measure::SuspendIdentity | Measure::RestoreIdentity => {
            let (username, account) = identity(tx, target)?;
            // Its events are withdrawn from other servers while its actor is still there to sign the
            // `Delete`, and published again once it is back.
            let mut documents = organized_by(tx, target, &account)?;
            match request.measure.hides() {
                true => documents.push(target.to_string()),
                false => documents.insert(0, target.to_string()),
            }
            set_hidden(tx, target, request.measure.hides(), reason, by, now)?;
            (Applied { documents, ..Applied::default() }, format!("your identity @{username}"), Some(account))
        }
        Measure::SuspendAccount | Measure::RestoreAccount => {
            let (username, account) = identity(tx, target)?;
            let suspend = request.measure.hides();
            let changed = tx.execute(
                "UPDATE accounts SET suspended = ?2 WHERE id = ?1 AND (suspended IS NULL) = ?3",
                params![account, suspend.then_some(reason), suspend],
            )?;
            if changed == 0 {
                return Err(match suspend {
                    true => conflict("already_suspended", format!("the account of @{username} is already suspended")),
                    false => conflict("not_suspended", format!("the account of @{username} is not suspended")),
                });
            }
            if suspend {
                tx.execute("DELETE FROM sessions WHERE account_id = ?1", [&account])?;
            }
            // Events first when hiding, identities first when restoring (as above).
            let documents = tx
                .prepare(
                    "SELECT id FROM sync_documents WHERE owner = ?1 AND group_id IS NULL
                     ORDER BY (visibility IS NULL) = ?2, id",
                )?
                .query_map(params![account, suspend], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let applied = Applied { documents, suspended: suspend.then(|| account.clone()), ..Applied::default() };
            (applied, format!("your account (with @{username})"), Some(account))
        }
        Measure::SuspendRemote | Measure::RestoreRemote => {
            let actor = remote_actor(tx, target)?;
            suspend_remote(tx, &actor, request.measure.hides(), reason, by, now)?;
            (Applied::default(), actor, None)
        }
    };
    log(tx, by, request.measure.as_str(), &format!("{what} ({target})"), reason, now)?;
    if let Some(account) = author {
        letters::measure_to_author(tx, links, &account, request.measure, &what, reason, now)?;
    }
    // Every open report of what it hid is resolved by it (each reporter told), the one it was taken
    // from first.
    if request.measure.hides() {
        let kind = match request.measure {
            Measure::HideEvent | Measure::DeleteEvent => "event",
            Measure::SuspendRemote => "remote",
            _ => "identity",
        };
        let open: Vec<String> = tx
            .prepare("SELECT id FROM reports WHERE state = 'open' AND target_kind = ?1 AND target_id = ?2 ORDER BY created_at")?
            .query_map([kind, target], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let first = request.report.iter().cloned();
        for report in first.chain(open.into_iter().filter(|id| Some(id) != request.report.as_ref())) {
            reports::resolve(tx, links, by, &report, reason, now)?;
        }
    } else if let Some(report) = &request.report {
        reports::resolve(tx, links, by, report, reason, now)?;
    }
    Ok(applied)
}

/// An event the relay stores: its title and its owner's account.
fn event(tx: &Transaction, id: &str) -> Result<(String, Option<String>)> {
    let owner: Option<Option<String>> = tx
        .query_row("SELECT owner FROM sync_documents WHERE id = ?1 AND visibility IS NOT NULL", [id], |r| r.get(0))
        .optional()?;
    let Some(owner) = owner else {
        return Err(Error::Unknown {
            code: "unknown_target",
            message: format!("there is no event {id} on this relay"),
        });
    };
    let title = match crate::sync::store::stored_document(tx, id) {
        Ok(Some((doc, _))) => match crate::sync::view::document_view(&doc, id) {
            DocumentView::Event(e, _) => e.details.title,
            _ => id.to_string(),
        },
        _ => id.to_string(),
    };
    Ok((title, owner))
}

/// An identity of an account here: its username and its account.
fn identity(tx: &Transaction, id: &str) -> Result<(String, String)> {
    tx.query_row("SELECT username, account_id FROM username_claims WHERE identity_id = ?1", [id], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
    .optional()?
    .ok_or_else(|| Error::Unknown {
        code: "unknown_target",
        message: format!("there is no identity {id} on this relay"),
    })
}

/// The events an identity organizes, shown or hidden (a hidden one is withheld from its account).
fn organized_by(tx: &Transaction, identity: &str, account: &str) -> Result<Vec<String>> {
    Ok(tx
        .prepare(
            "SELECT id FROM public_events WHERE organizer_id = ?1
             UNION SELECT id FROM withheld_documents WHERE account_id = ?2
                 AND reason IN ('hidden_by_moderators', 'organizer_unknown')",
        )?
        .query_map([identity, account], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

fn set_hidden(tx: &Transaction, id: &str, hide: bool, reason: &str, by: &str, now: DateTime<Utc>) -> Result<()> {
    if hide {
        let added = tx.execute(
            "INSERT INTO hidden_documents (id, reason, by, at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (id) DO NOTHING",
            params![id, reason, by, now.timestamp_millis()],
        )?;
        if added == 0 {
            return Err(conflict("already_hidden", format!("{id} is already hidden")));
        }
    } else if tx.execute("DELETE FROM hidden_documents WHERE id = ?1", [id])? == 0 {
        return Err(conflict("not_hidden", format!("{id} is not hidden")));
    }
    Ok(())
}

/// The actor a remote measure is about: an actor this relay knows, or the one a remote event it
/// received is attributed to.
fn remote_actor(tx: &Transaction, target: &str) -> Result<String> {
    let of_event: Option<String> =
        tx.query_row("SELECT attributed_to FROM remote_events WHERE url = ?1", [target], |r| r.get(0)).optional()?;
    if let Some(actor) = of_event {
        return Ok(actor);
    }
    match crate::federation::store::actor(tx, target)? {
        Some(actor) => Ok(actor.id),
        None => Err(Error::Unknown {
            code: "unknown_target",
            message: format!("this relay knows nobody of another server at {target}"),
        }),
    }
}

/// Suspends a person of another server (their activities refused from now on, their events gone from
/// this relay) or lifts it.
fn suspend_remote(
    tx: &Transaction,
    actor: &str,
    suspend: bool,
    reason: &str,
    by: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    if !suspend {
        if tx.execute("DELETE FROM suspended_actors WHERE actor = ?1", [actor])? == 0 {
            return Err(conflict("not_suspended", format!("{actor} is not suspended")));
        }
        return Ok(());
    }
    let added = tx.execute(
        "INSERT INTO suspended_actors (actor, reason, by, at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (actor) DO NOTHING",
        params![actor, reason, by, now.timestamp_millis()],
    )?;
    if added == 0 {
        return Err(conflict("already_suspended", format!("{actor} is already suspended")));
    }
    if tx.execute("DELETE FROM remote_events WHERE attributed_to = ?1", [actor])? > 0 {
        crate::projections::public_tables::bump(tx, "instance")?;
    }
    Ok(())
}
