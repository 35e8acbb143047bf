//! The participation calls: each checks what [`super::rules`] allow, writes through [`super::store`]
//! and queues its mail ([`super::letters`]) in one transaction.

use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Duration, Utc};
use rally_core::model::{
    DecisionRequest, DecisionResult, JoinRequest, Participation, ParticipationStatus, Participations, PublicEvent,
};
use rusqlite::{Connection, Transaction};

use super::store::{self, new_id, EventRow, Listing};
use super::{letters, rules};
use crate::notify::Notifications;
use crate::{Error, Result};

/// How long an anonymous participant has to confirm their address.
const CONFIRM_WITHIN: Duration = Duration::hours(48);
pub const MAX_MESSAGE: usize = 2_000;
pub const MAX_NAME: usize = 100;

/// A remote person's `Join`, as the inbox read it.
pub struct RemoteJoin {
    pub actor: String,
    pub activity_id: String,
    pub name: String,
    /// `name@host`.
    pub username: String,
    pub message: String,
}

pub struct ParticipationService {
    db: Arc<Mutex<Connection>>,
    notify: Arc<Notifications>,
    limits: crate::limits::Limits,
}

fn unknown_event(id: &str) -> Error {
    Error::Unknown {
        code: "event_not_found",
        message: format!("no published event {id} here (drafts and private events cannot be joined)"),
    }
}

fn not_organizer() -> Error {
    Error::Forbidden { code: "not_organizer", message: "only the organizer's account sees and decides this".into() }
}

fn vanished() -> Error {
    Error::Config("a participation vanished inside its transaction".into())
}

/// A participation `who` may (re)start: none, or one they left; refused if they are still in.
fn not_in_yet(
    conn: &Connection,
    event_id: &str,
    identity: &str,
    who: &str,
    title: &str,
) -> Result<Option<(String, String)>> {
    let existing = store::of_identity(conn, event_id, identity)?;
    if let Some((_, status)) = existing.as_ref().filter(|(_, s)| s != "left") {
        let label = ParticipationStatus::parse(status).map_or(status.as_str(), |s| s.label());
        return Err(Error::Conflict {
            code: "already_joined",
            message: format!("{who} already takes part in \"{title}\" ({label})"),
        });
    }
    Ok(existing)
}

/// A request's message, checked as a local one is (for a remote event too).
pub fn bounded_message(text: &str) -> Result<String> {
    bounded("message", text, MAX_MESSAGE)
}

fn bounded(field: &str, text: &str, max: usize) -> Result<String> {
    let text = text.trim();
    if text.chars().count() > max {
        return Err(Error::bad_request("too_long", format!("{field}: at most {max} characters")));
    }
    Ok(text.to_string())
}

fn event(conn: &Connection, id: &str) -> Result<EventRow> {
    store::event_row(conn, id)?.ok_or_else(|| unknown_event(id))
}

/// The event, for its organizer's account only.
fn organized(conn: &Connection, id: &str, account_id: &str) -> Result<EventRow> {
    let e = event(conn, id)?;
    if e.owner.as_deref() != Some(account_id) {
        return Err(not_organizer());
    }
    Ok(e)
}

impl ParticipationService {
    /// The mail queue, for others who tell people of what happens here (federation's reports).
    pub fn notifications(&self) -> &Notifications {
        &self.notify
    }

    pub fn new(db: Arc<Mutex<Connection>>, notify: Arc<Notifications>, limits: crate::limits::Limits) -> Self {
        ParticipationService { db, notify, limits }
    }

    fn db(&self) -> Result<MutexGuard<'_, Connection>> {
        Ok(crate::lock(&self.db))
    }

    /// Runs `f` in a transaction, then wakes the mail worker for whatever it queued.
    fn write<T>(&self, f: impl FnOnce(&Transaction) -> Result<T>) -> Result<T> {
        let mut db = self.db()?;
        let tx = db.transaction()?;
        let out = f(&tx)?;
        tx.commit()?;
        drop(db);
        self.notify.wake();
        Ok(out)
    }

    /// Gives free places to the first in line: in order, as long as places are free.
    fn move_up(&self, conn: &Connection, e: &EventRow, now: DateTime<Utc>) -> Result<()> {
        let d = &e.event.details;
        while rules::has_room(d, store::going(conn, &e.event.id)?) {
            let Some(id) = store::first_in_line(conn, &e.event.id)? else { break };
            store::set_status(conn, &id, rules::moved_up(d), now)?;
            let p = store::participation(conn, &id)?.ok_or_else(vanished)?;
            letters::to_participant(conn, self.notify.links(), &p, e, "A place freed up.")?;
            letters::to_organizer(conn, &self.notify, &p, e)?;
            if p.status != ParticipationStatus::Going {
                // Approval events: the organizer decides; the place stays free until then.
                break;
            }
        }
        Ok(())
    }

    /// Joins `event_id` as one of the account's identities.
    pub fn join(&self, account_id: &str, event_id: &str, request: &JoinRequest) -> Result<Participation> {
        let message = bounded("message", &request.message, MAX_MESSAGE)?;
        self.write(|tx| {
            let e = event(tx, event_id)?;
            let (username, name) = match store::identity(tx, &request.identity_id)? {
                Some((Some(owner), username, name)) if owner == account_id => (username, name),
                Some(_) => {
                    return Err(Error::Forbidden {
                        code: "not_your_identity",
                        message: format!("identity {} is not one of yours", request.identity_id),
                    })
                }
                None => {
                    return Err(Error::bad_request(
                        "unknown_identity",
                        format!("identity {} is not on this relay yet: sync first", request.identity_id),
                    ))
                }
            };
            let d = &e.event.details;
            if d.organizer_id == request.identity_id {
                return Err(Error::Conflict {
                    code: "organizer",
                    message: format!("@{username} organizes \"{}\"", d.title),
                });
            }
            let now = Utc::now();
            rules::open_to_join(d, now)?;
            let existing = not_in_yet(tx, event_id, &request.identity_id, &format!("@{username}"), &d.title)?;
            let invited = store::is_invited(tx, event_id, &request.identity_id)?;
            let status = rules::join_status(d, store::going(tx, event_id)?, invited)?;
            let id = existing.map_or_else(new_id, |(id, _)| id);
            store::put_participation(
                tx,
                &store::NewParticipation {
                    id: &id,
                    event_id,
                    identity_id: &request.identity_id,
                    account_id: Some(account_id),
                    remote_activity: None,
                    name: &name,
                    username: &username,
                    message: &message,
                    status,
                    at: now,
                },
            )?;
            let p = store::participation(tx, &id)?.ok_or_else(vanished)?;
            letters::to_organizer(tx, &self.notify, &p, &e)?;
            Ok(p)
        })
    }

    /// Leaves an event (one of the account's identities); the first in line moves up.
    pub fn leave(&self, account_id: &str, event_id: &str, identity_id: &str) -> Result<Participation> {
        self.write(|tx| {
            let e = event(tx, event_id)?;
            if e.event.details.organizer_id == identity_id {
                return Err(Error::Conflict {
                    code: "sole_organizer",
                    message: "the sole organizer cannot leave their own event: cancel or delete it instead".into(),
                });
            }
            let found = store::of_account_identity(tx, event_id, identity_id, account_id)?;
            let Some((id, _)) = found.filter(|(_, s)| s != "left" && s != "refused") else {
                return Err(Error::Unknown {
                    code: "not_participating",
                    message: format!("identity {identity_id} does not take part in \"{}\"", e.event.details.title),
                });
            };
            self.leave_in(tx, &e, &id)
        })
    }

    /// A remote person (an actor of another server) asks to join, by a `Join`: the same rules as a
    /// local identity's request; what it is answered follows from the status (see
    /// [`letters::to_participant`]: `Accept` when going, `Reject` when refused, nothing while it
    /// waits for the organizer). A refusal by the rules (full, closed, past) is returned as the error.
    pub fn join_remote_in(&self, tx: &Transaction, event_id: &str, remote: &RemoteJoin) -> Result<Participation> {
        let e = event(tx, event_id)?;
        let d = &e.event.details;
        let now = Utc::now();
        rules::open_to_join(d, now)?;
        let existing = not_in_yet(tx, event_id, &remote.actor, &remote.username, &d.title)?;
        let status = rules::join_status(d, store::going(tx, event_id)?, false)?;
        let message = remote.message.chars().take(MAX_MESSAGE).collect::<String>();
        let id = existing.map_or_else(new_id, |(id, _)| id);
        store::put_participation(
            tx,
            &store::NewParticipation {
                id: &id,
                event_id,
                identity_id: &remote.actor,
                account_id: None,
                remote_activity: Some(&remote.activity_id),
                name: &remote.name,
                username: &remote.username,
                message: &message,
                status,
                at: now,
            },
        )?;
        let p = store::participation(tx, &id)?.ok_or_else(vanished)?;
        letters::to_organizer(tx, &self.notify, &p, &e)?;
        letters::to_participant(tx, self.notify.links(), &p, &e, "")?;
        Ok(p)
    }

    /// A remote person leaves (a `Leave`); the first in line moves up. Nothing if they were not in.
    pub fn leave_remote_in(&self, tx: &Transaction, event_id: &str, actor: &str) -> Result<()> {
        let Some(e) = store::event_row(tx, event_id)? else { return Ok(()) };
        if let Some((id, status)) = store::of_identity(tx, event_id, actor)? {
            if status != "left" && status != "refused" {
                self.leave_in(tx, &e, &id)?;
            }
        }
        Ok(())
    }

    fn leave_in(&self, tx: &Transaction, e: &EventRow, id: &str) -> Result<Participation> {
        let now = Utc::now();
        store::set_status(tx, id, ParticipationStatus::Left, now)?;
        self.move_up(tx, e, now)?;
        store::participation(tx, id)?.ok_or_else(vanished)
    }

    /// A deleted account's places: each request or place it holds is given up (waiting lists move
    /// up), each organizer is told, and the participant's name is forgotten.
    pub fn withdraw_account(&self, account_id: &str) -> Result<()> {
        self.write(|tx| {
            for (id, event_id) in store::held_by(tx, account_id)? {
                let Some(e) = store::event_row(tx, &event_id)? else {
                    store::set_status(tx, &id, ParticipationStatus::Left, Utc::now())?;
                    continue;
                };
                let p = self.leave_in(tx, &e, &id)?;
                letters::withdrawn(tx, self.notify.links(), &p, &e)?;
            }
            store::forget_account(tx, account_id)
        })
    }

    /// The event's participants, for its organizer's account.
    pub fn for_event(&self, account_id: &str, event_id: &str) -> Result<Vec<Participation>> {
        let db = self.db()?;
        organized(&db, event_id, account_id)?;
        store::list(&db, Listing::Event(event_id))
    }

    /// An account's own participations (with their events) and the requests to the events it
    /// organizes: what its devices keep, to show and decide offline.
    pub fn of_account(&self, account_id: &str) -> Result<Participations> {
        let db = self.db()?;
        let mut mine = store::list(&db, Listing::Account(account_id))?;
        let links = self.notify.links();
        for p in &mut mine {
            if let Some(e) = &mut p.event {
                e.url = links.event_page(&e.id);
            }
        }
        let organizing = store::list(&db, Listing::Organizing(account_id))?;
        Ok(Participations { mine, organizing })
    }

    /// Applies an organizer's decisions, each on its own: the first decision on a request wins.
    pub fn decide(
        &self,
        account_id: &str,
        event_id: &str,
        decisions: &[DecisionRequest],
    ) -> Result<Vec<DecisionResult>> {
        self.write(|tx| {
            let e = organized(tx, event_id, account_id)?;
            let mut results = Vec::new();
            for decision in decisions {
                let Some(p) = store::participation(tx, &decision.participation_id)?.filter(|p| p.event_id == event_id)
                else {
                    return Err(Error::Unknown {
                        code: "participation_not_found",
                        message: format!("no request {} to \"{}\"", decision.participation_id, e.event.details.title),
                    });
                };
                let going = store::going(tx, event_id)?;
                let outcome = rules::decide(
                    &e.event.details,
                    p.status,
                    p.updated_at,
                    decision.decision,
                    decision.decided_at,
                    going,
                );
                let (applied, status, note) = match outcome {
                    Ok(status) if status == p.status => (true, status, None),
                    Ok(status) => {
                        let now = Utc::now();
                        let was_going = p.status == ParticipationStatus::Going;
                        store::set_status(tx, &p.id, status, now)?;
                        let changed = store::participation(tx, &p.id)?.ok_or_else(vanished)?;
                        let why = "The organizer accepted your request.";
                        letters::to_participant(tx, self.notify.links(), &changed, &e, why)?;
                        if was_going {
                            self.move_up(tx, &e, now)?;
                        }
                        (true, status, None)
                    }
                    Err(reason) => (false, p.status, Some(reason)),
                };
                results.push(DecisionResult {
                    participation_id: p.id.clone(),
                    decision: decision.decision,
                    applied,
                    status,
                    note,
                });
            }
            Ok(results)
        })
    }

    /// Invites identities, by username, to an event (invite-only events take only them).
    pub fn invite(&self, account_id: &str, event_id: &str, usernames: &[String]) -> Result<Vec<String>> {
        self.write(|tx| {
            organized(tx, event_id, account_id)?;
            let mut invited = Vec::new();
            for username in usernames {
                let username = username.trim().trim_start_matches('@');
                let identity = store::identity_by_username(tx, username)?.ok_or_else(|| Error::Unknown {
                    code: "unknown_username",
                    message: format!("nobody is @{username} on this relay"),
                })?;
                store::invite(tx, event_id, &identity, Utc::now())?;
                invited.push(username.to_string());
            }
            Ok(invited)
        })
    }

    /// Joins without an account, where the organizer allows it: the request waits for the address to
    /// be confirmed by the link mailed to it, and is forgotten if it is not within 48 hours. Answers
    /// the address the link went to, and answers the same when that address already takes part (it
    /// is not mailed again): nobody learns who takes part by asking. One address gets at most one
    /// such mail per window, and one IP makes a bounded number of requests.
    pub fn join_anonymously(
        &self,
        event_id: &str,
        name: &str,
        email: &str,
        message: &str,
        ip: std::net::IpAddr,
    ) -> Result<String> {
        let name = bounded("name", name, MAX_NAME)?;
        if name.is_empty() {
            return Err(Error::bad_request("invalid_name", "name: give the name the organizer will see"));
        }
        let email = crate::accounts::normalise_email(email)?;
        let message = bounded("message", message, MAX_MESSAGE)?;
        let l = &self.limits;
        crate::limits::limit(
            &*self.db()?,
            &format!("participate-ip:{ip}"),
            l.requests_per_ip,
            l.ip_window,
            "requests",
        )?;
        self.write(|tx| {
            let e = event(tx, event_id)?;
            let d = &e.event.details;
            if !d.anonymous_participation {
                return Err(Error::Forbidden {
                    code: "anonymous_not_allowed",
                    message: format!("\"{}\" takes only participants with an account", d.title),
                });
            }
            let now = Utc::now();
            rules::open_to_join(d, now)?;
            if d.join_mode == rally_core::model::JoinMode::Invite {
                return Err(Error::Forbidden {
                    code: "invitation_required",
                    message: format!("only people the organizer invited may join \"{}\"", d.title),
                });
            }
            let taken = store::address_takes_part(tx, event_id, &email)?;
            if taken || !crate::limits::may_mail(tx, "participate", &email, self.limits.mail_window)? {
                return Ok(email.clone());
            }
            let id = new_id();
            store::put_unconfirmed(
                tx,
                &store::Unconfirmed {
                    id: &id,
                    event_id,
                    name: &name,
                    email: &email,
                    message: &message,
                    at: now,
                    expires: now + CONFIRM_WITHIN,
                },
            )?;
            letters::confirmation(tx, self.notify.links(), &id, &name, &email, &e)?;
            Ok(email.clone())
        })
    }

    fn anonymous(&self, tx: &Transaction, participation_id: &str, token: &str) -> Result<(Participation, EventRow)> {
        let expired = || Error::Unknown {
            code: "invalid_link",
            message: "this link is not valid: it expired (48 hours), was mistyped, or the request is gone".into(),
        };
        if !self.notify.links().grants(token, &format!("participation:{participation_id}")) {
            return Err(expired());
        }
        let p = store::participation(tx, participation_id)?.filter(|p| p.identity_id.is_none()).ok_or_else(expired)?;
        let e = event(tx, &p.event_id)?;
        Ok((p, e))
    }

    /// Confirms an anonymous request: from here on it is a request like any other.
    pub fn confirm_anonymous(&self, participation_id: &str, token: &str) -> Result<Participation> {
        self.write(|tx| {
            let (p, e) = self.anonymous(tx, participation_id, token)?;
            if p.status != ParticipationStatus::Unconfirmed {
                return Ok(p);
            }
            if store::expires_at(tx, &p.id)?.is_some_and(|t| t < Utc::now()) {
                return Err(Error::Unknown {
                    code: "invalid_link",
                    message: "this link expired (48 hours): ask again from the event's page".into(),
                });
            }
            let d = &e.event.details;
            rules::open_to_join(d, Utc::now())?;
            let status = rules::join_status(d, store::going(tx, &p.event_id)?, false)?;
            store::confirm(tx, &p.id, status, Utc::now())?;
            let p = store::participation(tx, &p.id)?.ok_or_else(vanished)?;
            letters::to_organizer(tx, &self.notify, &p, &e)?;
            if p.status != ParticipationStatus::Pending {
                letters::to_participant(tx, self.notify.links(), &p, &e, "Your address is confirmed.")?;
            }
            Ok(p)
        })
    }

    /// Cancels an anonymous participation through the link in its mail.
    pub fn cancel_anonymous(&self, participation_id: &str, token: &str) -> Result<Participation> {
        self.write(|tx| {
            let (p, e) = self.anonymous(tx, participation_id, token)?;
            if p.status == ParticipationStatus::Left {
                return Ok(p);
            }
            self.leave_in(tx, &e, &p.id)
        })
    }

    /// A published event, for whoever wants to join it.
    pub fn public_event(&self, event_id: &str) -> Result<PublicEvent> {
        let db = self.db()?;
        let e = event(&db, event_id)?;
        let going = store::going(&db, event_id)?;
        let organizer = store::username_of(&db, &e.event.details.organizer_id)?;
        Ok(PublicEvent {
            remaining: e.event.details.capacity.map(|c| c.saturating_sub(going)),
            url: self.notify.links().event_page(event_id),
            organizer: organizer.unwrap_or_default(),
            going,
            event: e.event,
        })
    }

    /// The account's "events I attend" feed: its secret address, made on first ask.
    pub fn private_feed(&self, account_id: &str, reset: bool) -> Result<rally_core::model::PrivateFeed> {
        let generation = store::feed_generation(&*self.db()?, account_id, reset)?;
        let links = self.notify.links();
        let token = links.capability(&format!("feed:{account_id}:{generation}"));
        let url = format!("{}/feeds/private/{account_id}/{token}.ics", links.public_url);
        let webcal = url.split_once("://").map_or(url.clone(), |(_, rest)| format!("webcal://{rest}"));
        Ok(rally_core::model::PrivateFeed { url, webcal })
    }

    /// The events an account's identities are going to, as iCalendar; `None` for a wrong or old token.
    pub fn private_feed_ics(&self, account_id: &str, token: &str) -> Result<Option<String>> {
        let db = self.db()?;
        let generation = store::current_feed_generation(&db, account_id)?;
        let links = self.notify.links();
        let valid = generation.is_some_and(|g| links.grants(token, &format!("feed:{account_id}:{g}")));
        if !valid {
            return Ok(None);
        }
        let (mut spans, mut vevents) = (Vec::new(), Vec::new());
        for (zone, from, to, vevent) in store::attended(&db, account_id)? {
            if let Some(tz) = zone.as_deref().and_then(|z| z.parse::<chrono_tz::Tz>().ok()) {
                let t = |secs: i64| DateTime::from_timestamp(secs, 0).unwrap_or_default();
                spans.push((tz, t(from), t(to)));
            }
            vevents.push(vevent);
        }
        let meta = rally_core::ical::CalendarMeta {
            name: Some(format!("Events I attend · {}", links.instance_name)),
            refresh: Some(Duration::hours(1)),
        };
        Ok(Some(rally_core::ical::assemble(&meta, spans, vevents.iter().map(String::as_str))))
    }
}
