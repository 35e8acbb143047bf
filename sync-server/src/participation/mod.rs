//! Participation: the relay is its authority. People ask to join published events with one of their
//! identities (or, where the organizer allows it, anonymously with a confirmed email address); the
//! organizer's devices fetch the requests, decide on them (offline too: decisions carry when they were
//! made, and the first decision wins), and the relay records, moves the waiting list up and queues the
//! mail. Each change happens in one transaction with the mail it causes.
//!
//! - [`rules`]: who may join and with which status, what a decision does (no database).

pub mod rules;

use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Duration, Utc};
use rally_core::model::{
    DecisionRequest, DecisionResult, Event, EventSummary, JoinRequest, Participation, ParticipationStatus,
    Participations, PublicEvent,
};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::notify::{self, Kind, Letter, Notifications, Outgoing};
use crate::{Error, Result};

/// How long an anonymous participant has to confirm their address.
const CONFIRM_WITHIN: Duration = Duration::hours(48);
pub const MAX_MESSAGE: usize = 2_000;
pub const MAX_NAME: usize = 100;

pub struct ParticipationService {
    db: Arc<Mutex<Connection>>,
    notify: Arc<Notifications>,
    limits: crate::limits::Limits,
}

/// A published event as participation sees it.
struct EventRow {
    event: Event,
    /// The account whose document it is: the organizer.
    owner: Option<String>,
    organizer_email: Option<String>,
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

fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

fn new_id() -> String {
    let bytes: [u8; 12] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn bounded(field: &str, text: &str, max: usize) -> Result<String> {
    let text = text.trim();
    if text.chars().count() > max {
        return Err(Error::bad_request("too_long", format!("{field}: at most {max} characters")));
    }
    Ok(text.to_string())
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

impl ParticipationService {
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

    fn event_row(conn: &Connection, id: &str) -> Result<Option<EventRow>> {
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

    fn going(conn: &Connection, event_id: &str) -> Result<u32> {
        Ok(conn.query_row(
            "SELECT count(*) FROM participations WHERE event_id = ?1 AND status = 'going'",
            [event_id],
            |r| r.get(0),
        )?)
    }

    fn participation(conn: &Connection, id: &str) -> Result<Option<Participation>> {
        let mut found =
            conn.query_row(&format!("SELECT {COLUMNS} FROM participations WHERE id = ?1"), [id], row).optional()?;
        if let Some(p) = &mut found {
            Self::place_in_line(conn, p)?;
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

    fn set_status(conn: &Connection, id: &str, status: ParticipationStatus, now: DateTime<Utc>) -> Result<()> {
        conn.execute(
            "UPDATE participations SET status = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, status.as_str(), millis(now)],
        )?;
        Ok(())
    }

    /// Where to mail a participant: their account's address, or the one they gave.
    fn email_of(conn: &Connection, id: &str) -> Result<Option<String>> {
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

    /// Tells a participant what became of them (accepted, refused, on the waiting list, moved up).
    fn tell_participant(&self, conn: &Connection, p: &Participation, e: &EventRow, why: &str) -> Result<()> {
        let Some(email) = Self::email_of(conn, &p.id)? else { return Ok(()) };
        let links = self.notify.links();
        let d = &e.event.details;
        let (subject, line) = match p.status {
            ParticipationStatus::Going => {
                (format!("You are going to \"{}\"", d.title), format!("{why} You are going to \"{}\".", d.title))
            }
            ParticipationStatus::Refused => (
                format!("Your request to join \"{}\" was refused", d.title),
                format!("The organizer refused your request to join \"{}\".", d.title),
            ),
            ParticipationStatus::Waitlisted => (
                format!("On the waiting list for \"{}\"", d.title),
                format!("{why} \"{}\" is full: you are on its waiting list, and move up when someone leaves.", d.title),
            ),
            ParticipationStatus::Pending => (
                format!("A place freed up at \"{}\"", d.title),
                format!("{why} Your request to join \"{}\" now waits for the organizer's approval.", d.title),
            ),
            _ => return Ok(()),
        };
        let mut letter =
            Letter::default().line(line).line(notify::describe(d)).link("The event", links.event_page(&e.event.id));
        if p.identity_id.is_none() {
            letter = letter.link("Cancel my participation", self.cancel_link(&p.id));
        }
        notify::enqueue(
            conn,
            links,
            Outgoing {
                key: format!("decision:{}:{}:{}", p.id, p.status.as_str(), millis(p.updated_at)),
                kind: Kind::Decision,
                to: &email,
                subject,
                letter,
                send_after: Utc::now(),
            },
        )?;
        Ok(())
    }

    /// Tells the organizer of a request waiting for their decision (in a digest).
    fn tell_organizer(&self, conn: &Connection, p: &Participation, e: &EventRow) -> Result<()> {
        if let (ParticipationStatus::Pending, Some(email)) = (p.status, &e.organizer_email) {
            notify::request_to_organizer(conn, self.notify.links(), email, &p.id, self.notify.timing().digest_delay)?;
        }
        Ok(())
    }

    /// Gives free places to the first in line: in order, as long as places are free.
    fn move_up(&self, conn: &Connection, e: &EventRow, now: DateTime<Utc>) -> Result<()> {
        let d = &e.event.details;
        while rules::has_room(d, Self::going(conn, &e.event.id)?) {
            let first: Option<String> = conn
                .query_row(
                    "SELECT id FROM participations WHERE event_id = ?1 AND status = 'waitlisted' ORDER BY updated_at, id LIMIT 1",
                    [&e.event.id],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(id) = first else { break };
            Self::set_status(conn, &id, rules::moved_up(d), now)?;
            let p =
                Self::participation(conn, &id)?.ok_or_else(|| Error::Config(format!("participation {id} vanished")))?;
            self.tell_participant(conn, &p, e, "A place freed up.")?;
            self.tell_organizer(conn, &p, e)?;
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
            let e = Self::event_row(tx, event_id)?.ok_or_else(|| unknown_event(event_id))?;
            let identity: Option<(Option<String>, String, String)> = tx
                .query_row(
                    "SELECT d.owner, i.username, i.display_name FROM identities i JOIN sync_documents d ON d.id = i.id
                     WHERE i.id = ?1",
                    [&request.identity_id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let (username, name) = match identity {
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
                return Err(Error::Conflict { code: "organizer", message: format!("@{username} organizes \"{}\"", d.title) });
            }
            let now = Utc::now();
            rules::open_to_join(d, now)?;
            let existing: Option<(String, String)> = tx
                .query_row(
                    "SELECT id, status FROM participations WHERE event_id = ?1 AND identity_id = ?2",
                    params![event_id, request.identity_id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if let Some((_, status)) = existing.as_ref().filter(|(_, s)| s != "left") {
                let label = ParticipationStatus::parse(status).map_or(status.as_str(), |s| s.label());
                return Err(Error::Conflict {
                    code: "already_joined",
                    message: format!("@{username} already takes part in \"{}\" ({label})", d.title),
                });
            }
            let invited: bool = tx.query_row(
                "SELECT count(*) > 0 FROM invitations WHERE event_id = ?1 AND identity_id = ?2",
                params![event_id, request.identity_id],
                |r| r.get(0),
            )?;
            let status = rules::join_status(d, Self::going(tx, event_id)?, invited)?;
            let id = existing.map_or_else(new_id, |(id, _)| id);
            tx.execute(
                "INSERT INTO participations (id, event_id, identity_id, account_id, name, username, message, status, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, username = excluded.username, message = excluded.message,
                     status = excluded.status, created_at = excluded.created_at, updated_at = excluded.updated_at",
                params![id, event_id, request.identity_id, account_id, name, username, message, status.as_str(), millis(now)],
            )?;
            let p = Self::participation(tx, &id)?.ok_or_else(|| Error::Config("participation not written".into()))?;
            self.tell_organizer(tx, &p, &e)?;
            Ok(p)
        })
    }

    /// Leaves an event (one of the account's identities); the first in line moves up.
    pub fn leave(&self, account_id: &str, event_id: &str, identity_id: &str) -> Result<Participation> {
        self.write(|tx| {
            let e = Self::event_row(tx, event_id)?.ok_or_else(|| unknown_event(event_id))?;
            if e.event.details.organizer_id == identity_id {
                return Err(Error::Conflict {
                    code: "sole_organizer",
                    message: "the sole organizer cannot leave their own event: cancel or delete it instead".into(),
                });
            }
            let found: Option<(String, String)> = tx
                .query_row(
                    "SELECT id, status FROM participations WHERE event_id = ?1 AND identity_id = ?2 AND account_id = ?3",
                    params![event_id, identity_id, account_id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let Some((id, _)) = found.filter(|(_, s)| s != "left" && s != "refused") else {
                return Err(Error::Unknown {
                    code: "not_participating",
                    message: format!("identity {identity_id} does not take part in \"{}\"", e.event.details.title),
                });
            };
            self.leave_in(tx, &e, &id)
        })
    }

    fn leave_in(&self, tx: &Transaction, e: &EventRow, id: &str) -> Result<Participation> {
        let now = Utc::now();
        Self::set_status(tx, id, ParticipationStatus::Left, now)?;
        self.move_up(tx, e, now)?;
        Self::participation(tx, id)?.ok_or_else(|| Error::Config("participation vanished".into()))
    }

    /// A deleted account's places: each request or place it holds is given up (waiting lists move
    /// up), each organizer is told, and the participant's name is forgotten.
    pub fn withdraw_account(&self, account_id: &str) -> Result<()> {
        self.write(|tx| {
            let held: Vec<(String, String)> = tx
                .prepare(
                    "SELECT id, event_id FROM participations WHERE account_id = ?1 AND status NOT IN ('left', 'refused')",
                )?
                .query_map([account_id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            for (id, event_id) in held {
                let Some(e) = Self::event_row(tx, &event_id)? else {
                    Self::set_status(tx, &id, ParticipationStatus::Left, Utc::now())?;
                    continue;
                };
                let p = self.leave_in(tx, &e, &id)?;
                if let Some(email) = &e.organizer_email {
                    let d = &e.event.details;
                    let letter = Letter::default()
                        .line(format!(
                            "{} deleted their account: they no longer take part in \"{}\", and their place is free.",
                            p.name, d.title
                        ))
                        .line(notify::describe(d))
                        .link("The event", self.notify.links().event_page(&e.event.id));
                    notify::enqueue(
                        tx,
                        self.notify.links(),
                        Outgoing {
                            key: format!("withdrawn:{id}"),
                            kind: Kind::Request,
                            to: email,
                            subject: format!("{} no longer takes part in \"{}\"", p.name, d.title),
                            letter,
                            send_after: Utc::now(),
                        },
                    )?;
                }
            }
            tx.execute(
                "UPDATE participations SET account_id = NULL, name = 'a deleted account', username = NULL
                 WHERE account_id = ?1",
                [account_id],
            )?;
            Ok(())
        })
    }

    /// The event's participants, for its organizer's account.
    pub fn for_event(&self, account_id: &str, event_id: &str) -> Result<Vec<Participation>> {
        let db = self.db()?;
        let e = Self::event_row(&db, event_id)?.ok_or_else(|| unknown_event(event_id))?;
        if e.owner.as_deref() != Some(account_id) {
            return Err(not_organizer());
        }
        Self::list(&db, "p.event_id = ?1 AND p.status <> 'unconfirmed'", event_id, false)
    }

    fn list(conn: &Connection, filter: &str, key: &str, with_event: bool) -> Result<Vec<Participation>> {
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
            Self::place_in_line(conn, &mut p)?;
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

    /// An account's own participations (with their events) and the requests to the events it
    /// organizes: what its devices keep, to show and decide offline.
    pub fn of_account(&self, account_id: &str) -> Result<Participations> {
        let db = self.db()?;
        let mut mine = Self::list(&db, "p.account_id = ?1", account_id, true)?;
        let links = self.notify.links();
        for p in &mut mine {
            if let Some(e) = &mut p.event {
                e.url = links.event_page(&e.id);
            }
        }
        let organizing = Self::list(&db, "d.owner = ?1 AND p.status <> 'unconfirmed'", account_id, false)?;
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
            let e = Self::event_row(tx, event_id)?.ok_or_else(|| unknown_event(event_id))?;
            if e.owner.as_deref() != Some(account_id) {
                return Err(not_organizer());
            }
            let mut results = Vec::new();
            for decision in decisions {
                let Some(p) = Self::participation(tx, &decision.participation_id)?.filter(|p| p.event_id == event_id)
                else {
                    return Err(Error::Unknown {
                        code: "participation_not_found",
                        message: format!("no request {} to \"{}\"", decision.participation_id, e.event.details.title),
                    });
                };
                let going = Self::going(tx, event_id)?;
                let outcome = rules::decide(
                    &e.event.details,
                    p.status,
                    p.updated_at,
                    decision.decision,
                    decision.decided_at,
                    going,
                );
                let result = match outcome {
                    Ok(status) if status == p.status => DecisionResult {
                        participation_id: p.id.clone(),
                        decision: decision.decision,
                        applied: true,
                        status,
                        note: None,
                    },
                    Ok(status) => {
                        let now = Utc::now();
                        let was_going = p.status == ParticipationStatus::Going;
                        Self::set_status(tx, &p.id, status, now)?;
                        let changed = Self::participation(tx, &p.id)?
                            .ok_or_else(|| Error::Config("participation vanished".into()))?;
                        self.tell_participant(tx, &changed, &e, "The organizer accepted your request.")?;
                        if was_going {
                            self.move_up(tx, &e, now)?;
                        }
                        DecisionResult {
                            participation_id: p.id.clone(),
                            decision: decision.decision,
                            applied: true,
                            status,
                            note: None,
                        }
                    }
                    Err(reason) => DecisionResult {
                        participation_id: p.id.clone(),
                        decision: decision.decision,
                        applied: false,
                        status: p.status,
                        note: Some(reason),
                    },
                };
                results.push(result);
            }
            Ok(results)
        })
    }

    /// Invites identities, by username, to an event (invite-only events take only them).
    pub fn invite(&self, account_id: &str, event_id: &str, usernames: &[String]) -> Result<Vec<String>> {
        self.write(|tx| {
            let e = Self::event_row(tx, event_id)?.ok_or_else(|| unknown_event(event_id))?;
            if e.owner.as_deref() != Some(account_id) {
                return Err(not_organizer());
            }
            let mut invited = Vec::new();
            for username in usernames {
                let username = username.trim().trim_start_matches('@');
                // Only through the claims: a username names the identity its account gave it to.
                let identity: Option<String> = tx
                    .query_row("SELECT identity_id FROM username_claims WHERE username = ?1", [username], |r| r.get(0))
                    .optional()?
                    .flatten();
                let identity = identity.ok_or_else(|| Error::Unknown {
                    code: "unknown_username",
                    message: format!("nobody is @{username} on this relay"),
                })?;
                tx.execute(
                    "INSERT INTO invitations (event_id, identity_id, invited_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                    params![event_id, identity, millis(Utc::now())],
                )?;
                invited.push(username.to_string());
            }
            Ok(invited)
        })
    }

    fn cancel_link(&self, participation_id: &str) -> String {
        let links = self.notify.links();
        format!(
            "{}/participations/{participation_id}/cancel?token={}",
            links.public_url,
            links.capability(&format!("participation:{participation_id}"))
        )
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
            let e = Self::event_row(tx, event_id)?.ok_or_else(|| unknown_event(event_id))?;
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
            let taken: bool = tx.query_row(
                "SELECT count(*) > 0 FROM participations WHERE event_id = ?1 AND email = ?2 AND status NOT IN ('left', 'refused')",
                params![event_id, email],
                |r| r.get(0),
            )?;
            if taken || !crate::limits::may_mail(tx, "participate", &email, self.limits.mail_window)? {
                return Ok(email.clone());
            }
            let id = new_id();
            tx.execute(
                "INSERT INTO participations (id, event_id, name, email, message, status, created_at, updated_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'unconfirmed', ?6, ?6, ?7)",
                params![id, event_id, name, email, message, millis(now), millis(now + CONFIRM_WITHIN)],
            )?;
            let links = self.notify.links();
            let token = links.capability(&format!("participation:{id}"));
            let confirm = format!("{}/participations/{id}/confirm?token={token}", links.public_url);
            let letter = Letter::default()
                .line(format!("Someone, probably you, asked to take part in \"{}\" as {name}.", d.title))
                .line(notify::describe(d))
                .line("Confirm your address to send the request (the link is valid for 48 hours). If it was not you, ignore this mail.")
                .link("Confirm my participation", confirm)
                .link("Cancel it", self.cancel_link(&id))
                .link("The event", links.event_page(event_id));
            notify::enqueue(
                tx,
                links,
                Outgoing {
                    key: format!("confirm:{id}"),
                    kind: Kind::Confirmation,
                    to: &email,
                    subject: format!("Confirm your participation in \"{}\"", d.title),
                    letter,
                    send_after: now,
                },
            )?;
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
        let p = Self::participation(tx, participation_id)?.filter(|p| p.identity_id.is_none()).ok_or_else(expired)?;
        let e = Self::event_row(tx, &p.event_id)?.ok_or_else(|| unknown_event(&p.event_id))?;
        Ok((p, e))
    }

    /// Confirms an anonymous request: from here on it is a request like any other.
    pub fn confirm_anonymous(&self, participation_id: &str, token: &str) -> Result<Participation> {
        self.write(|tx| {
            let (p, e) = self.anonymous(tx, participation_id, token)?;
            if p.status != ParticipationStatus::Unconfirmed {
                return Ok(p);
            }
            let expires: Option<i64> =
                tx.query_row("SELECT expires_at FROM participations WHERE id = ?1", [&p.id], |r| r.get(0))?;
            if expires.is_some_and(|t| t < millis(Utc::now())) {
                return Err(Error::Unknown {
                    code: "invalid_link",
                    message: "this link expired (48 hours): ask again from the event's page".into(),
                });
            }
            let d = &e.event.details;
            rules::open_to_join(d, Utc::now())?;
            let status = rules::join_status(d, Self::going(tx, &p.event_id)?, false)?;
            tx.execute(
                "UPDATE participations SET status = ?2, updated_at = ?3, expires_at = NULL WHERE id = ?1",
                params![p.id, status.as_str(), millis(Utc::now())],
            )?;
            let p = Self::participation(tx, &p.id)?.ok_or_else(|| Error::Config("participation vanished".into()))?;
            self.tell_organizer(tx, &p, &e)?;
            if p.status != ParticipationStatus::Pending {
                self.tell_participant(tx, &p, &e, "Your address is confirmed.")?;
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
        let e = Self::event_row(&db, event_id)?.ok_or_else(|| unknown_event(event_id))?;
        let going = Self::going(&db, event_id)?;
        let organizer: Option<String> = db
            .query_row("SELECT username FROM identities WHERE id = ?1", [&e.event.details.organizer_id], |r| r.get(0))
            .optional()?;
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
        let generation: i64 = self.db()?.query_row(
            &format!(
                "INSERT INTO private_feeds (account_id, generation) VALUES (?1, 1)
                 ON CONFLICT (account_id) DO UPDATE SET generation = generation {} RETURNING generation",
                if reset { "+ 1" } else { "" }
            ),
            [account_id],
            |r| r.get(0),
        )?;
        let links = self.notify.links();
        let token = links.capability(&format!("feed:{account_id}:{generation}"));
        let url = format!("{}/feeds/private/{account_id}/{token}.ics", links.public_url);
        let webcal = url.split_once("://").map_or(url.clone(), |(_, rest)| format!("webcal://{rest}"));
        Ok(rally_core::model::PrivateFeed { url, webcal })
    }

    /// The events an account's identities are going to, as iCalendar; `None` for a wrong or old token.
    pub fn private_feed_ics(&self, account_id: &str, token: &str) -> Result<Option<String>> {
        let db = self.db()?;
        let generation: Option<i64> = db
            .query_row("SELECT generation FROM private_feeds WHERE account_id = ?1", [account_id], |r| r.get(0))
            .optional()?;
        let links = self.notify.links();
        let valid = generation.is_some_and(|g| links.grants(token, &format!("feed:{account_id}:{g}")));
        if !valid {
            return Ok(None);
        }
        let mut stmt = db.prepare_cached(
            "SELECT DISTINCT e.id, e.zone, e.starts_at, e.ends_at, e.vevent FROM participations p
             JOIN public_events e ON e.id = p.event_id WHERE p.account_id = ?1 AND p.status = 'going' ORDER BY e.starts_at, e.id",
        )?;
        let rows = stmt.query_map([account_id], |r| {
            Ok((r.get::<_, Option<String>>(1)?, r.get::<_, i64>(2)?, r.get::<_, i64>(3)?, r.get::<_, String>(4)?))
        })?;
        let (mut spans, mut vevents) = (Vec::new(), Vec::new());
        for found in rows {
            let (zone, from, to, vevent) = found?;
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
