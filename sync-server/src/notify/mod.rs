//! Notifications by mail. Whatever has something to tell puts a mail in the `mail_queue` table, in the
//! same transaction as the change it tells of; a worker sends what is due through the [`Mailer`] (SMTP
//! or the outbox folder), retries a failed send with backoff, and marks what it sent. A mail is never
//! dropped on failure, and its `key` (what it is about and for whom) is unique, so nobody gets one
//! twice.
//!
//! - Requests to join reach the organizer as a digest: requests that arrive within
//!   [`Timing::digest_delay`] of the first go out in one mail.
//! - Sync leaves news of a public event that changed in `event_news`; the worker waits
//!   [`Timing::change_delay`] (edits come in bursts), then tells each participant once what changed.
//! - Reminders go out before each occurrence an address takes part in, as early as its setting says.
//! - Each address chooses which kinds it gets, on the page every mail links to ([`settings`]).

mod letter;
pub mod settings;

use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use rally_core::model::{Event, EventDetails, EventStatus};
use rusqlite::{params, Connection, OptionalExtension};
use tokio::sync::Notify;

pub use letter::Letter;

use crate::links::Links;
use crate::mail::{Mail, Mailer};
use crate::{Error, Result};

/// The kinds of mail, as the settings page offers to turn them off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// To an organizer: people ask to join.
    Request,
    /// To a participant: accepted, refused, or a place freed up.
    Decision,
    /// To participants: the time or the place changed.
    EventChanged,
    EventCancelled,
    Reminder,
    /// To moderators: new reports, in a digest.
    Report,
    /// A link someone asked for (confirming an address): always sent.
    Confirmation,
    /// To an author or a reporter: what moderators decided, and why. Always sent.
    Moderation,
}

impl Kind {
    pub const CHOOSABLE: [Kind; 6] =
        [Kind::Request, Kind::Decision, Kind::EventChanged, Kind::EventCancelled, Kind::Reminder, Kind::Report];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Request => "request",
            Kind::Decision => "decision",
            Kind::EventChanged => "event_changed",
            Kind::EventCancelled => "event_cancelled",
            Kind::Reminder => "reminder",
            Kind::Report => "report",
            Kind::Confirmation => "confirmation",
            Kind::Moderation => "moderation",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Request => "Requests to join the events I organize",
            Kind::Decision => "Answers to my requests (accepted, refused, a place freed up)",
            Kind::EventChanged => "An event I take part in changes its time or place",
            Kind::EventCancelled => "An event I take part in is cancelled",
            Kind::Reminder => "Reminders before an event I take part in",
            Kind::Report => "New reports to moderate (for moderators)",
            Kind::Confirmation => "Confirmation links",
            Kind::Moderation => "Moderators' decisions about my content and my reports",
        }
    }
}

/// How long the worker waits before it tells of things that come in bursts.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub digest_delay: Duration,
    pub change_delay: Duration,
    /// How often it looks for reminders due and requests that expired.
    pub scan_every: Duration,
    /// The first wait after a failed send; it doubles with each failure, up to an hour.
    pub retry_after: Duration,
}

/// A mail to queue.
pub struct Outgoing<'a> {
    /// What it is about and for whom: a second mail with the same key is not queued.
    pub key: String,
    pub kind: Kind,
    pub to: &'a str,
    pub subject: String,
    pub letter: Letter,
    pub send_after: DateTime<Utc>,
}

/// Queues a mail (inside the caller's transaction), unless its key was queued before or its recipient
/// turned its kind off. Returns whether it was queued.
pub fn enqueue(conn: &Connection, links: &Links, mail: Outgoing) -> Result<bool> {
    if settings::is_off(conn, mail.to, mail.kind)? {
        return Ok(false);
    }
    let (text, html) = mail.letter.render(links, mail.to, mail.kind != Kind::Confirmation);
    let added = conn.execute(
        "INSERT INTO mail_queue (key, kind, recipient, subject, text, html, send_after) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (key) DO NOTHING",
        params![mail.key, mail.kind.as_str(), mail.to, mail.subject, text, html, mail.send_after.timestamp_millis()],
    )?;
    Ok(added > 0)
}

/// Puts `mail` in its recipient's waiting digest: the mail of the same kind whose key starts with
/// `key_prefix` and that is not sent yet is written again with this subject and letter; if there is
/// none, `mail` is queued (its key should start with `key_prefix`). So a burst of news is one mail.
pub fn into_digest(conn: &Connection, links: &Links, key_prefix: &str, mail: Outgoing) -> Result<()> {
    let waiting: Option<i64> = conn
        .query_row(
            "SELECT id FROM mail_queue WHERE kind = ?1 AND recipient = ?2 AND key LIKE ?3 AND sent_at IS NULL",
            params![mail.kind.as_str(), mail.to, format!("{key_prefix}%")],
            |r| r.get(0),
        )
        .optional()?;
    match waiting {
        Some(id) => {
            let (text, html) = mail.letter.render(links, mail.to, true);
            conn.execute(
                "UPDATE mail_queue SET subject = ?2, text = ?3, html = ?4 WHERE id = ?1",
                params![id, mail.subject, text, html],
            )?;
        }
        None => {
            enqueue(conn, links, mail)?;
        }
    }
    Ok(())
}

/// An event as mail tells it: title, time in its zone, place (the text a share carries).
pub fn describe(d: &EventDetails) -> String {
    rally_core::share::text(d, None)
}

/// A request to join, added to the organizer's digest: the first request of a while opens one, mailed
/// after `delay`; later ones join it, and the mail is written again with all of them.
pub fn request_to_organizer(
    conn: &Connection,
    links: &Links,
    organizer_email: &str,
    participation_id: &str,
    delay: Duration,
) -> Result<()> {
    if settings::is_off(conn, organizer_email, Kind::Request)? {
        return Ok(());
    }
    let open: Option<i64> = conn
        .query_row(
            "SELECT id FROM mail_queue WHERE kind = 'request' AND recipient = ?1 AND sent_at IS NULL",
            [organizer_email],
            |r| r.get(0),
        )
        .optional()?;
    let mail_id = match open {
        Some(id) => id,
        None => {
            let queued = enqueue(
                conn,
                links,
                Outgoing {
                    key: format!("request:{participation_id}"),
                    kind: Kind::Request,
                    to: organizer_email,
                    subject: String::new(),
                    letter: Letter::default(),
                    send_after: Utc::now() + delay,
                },
            )?;
            if !queued {
                return Ok(());
            }
            conn.last_insert_rowid()
        }
    };
    conn.execute(
        "INSERT INTO digest_items (mail_id, participation_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        params![mail_id, participation_id],
    )?;
    let mut stmt = conn.prepare_cached(
        "SELECT p.name, p.username, p.message, e.event FROM digest_items i
         JOIN participations p ON p.id = i.participation_id JOIN public_events e ON e.id = p.event_id
         WHERE i.mail_id = ?1 ORDER BY p.created_at",
    )?;
    let items = stmt
        .query_map([mail_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut letter = Letter::default();
    let mut events = Vec::new();
    for (name, username, message, event) in &items {
        let event = parse_event(event)?;
        let who = match username {
            Some(u) => format!("{name} (@{u})"),
            None => format!("{name} (without an account)"),
        };
        let mut line =
            format!("{who} asks to join \"{}\" ({}).", event.details.title, rally_core::when::describe(&event.details));
        if !message.trim().is_empty() {
            line.push_str(&format!("\nTheir message: \"{}\"", message.trim()));
        }
        letter = letter.line(line);
        if !events.iter().any(|(id, _)| *id == event.id) {
            events.push((event.id.clone(), event.details.title.clone()));
        }
    }
    letter = letter.line("Open Rally to accept or refuse: your decisions apply even if you make them offline.");
    for (id, title) in &events {
        letter = letter.link(format!("\"{title}\""), links.event_page(id));
    }
    let subject = match items.as_slice() {
        [(name, _, _, _)] => {
            format!("{name} asks to join \"{}\"", events.first().map(|(_, t)| t.as_str()).unwrap_or(""))
        }
        many => format!("{} requests to join your events", many.len()),
    };
    let (text, html) = letter.render(links, organizer_email, true);
    conn.execute(
        "UPDATE mail_queue SET subject = ?2, text = ?3, html = ?4 WHERE id = ?1",
        params![mail_id, subject, text, html],
    )?;
    Ok(())
}

pub fn parse_event(json: &str) -> Result<Event> {
    serde_json::from_str(json).map_err(|e| Error::Config(format!("a public event that does not read back: {e}")))
}

/// Sends what is due, tells of event news and reminders, forgets expired requests: in the background,
/// until stopped.
pub struct Notifications {
    db: Arc<Mutex<Connection>>,
    mailer: Arc<Mailer>,
    links: Links,
    timing: Timing,
    wake: Notify,
    stop: Notify,
}

/// Longest wait before the worker looks again, however quiet things are.
const IDLE: StdDuration = StdDuration::from_secs(1);

impl Notifications {
    pub fn start(db: Arc<Mutex<Connection>>, mailer: Arc<Mailer>, links: Links, timing: Timing) -> Arc<Notifications> {
        let this = Arc::new(Notifications { db, mailer, links, timing, wake: Notify::new(), stop: Notify::new() });
        let worker = this.clone();
        tokio::spawn(async move { worker.run().await });
        this
    }

    pub fn links(&self) -> &Links {
        &self.links
    }

    pub fn timing(&self) -> Timing {
        self.timing
    }

    /// An address's mail settings, for whoever holds its settings link.
    pub fn settings(&self, email: &str, token: &str) -> Result<settings::MailSettings> {
        self.check_settings_link(email, token)?;
        settings::read(&*self.db()?, email)
    }

    pub fn save_settings(&self, email: &str, token: &str, chosen: &settings::MailSettings) -> Result<()> {
        self.check_settings_link(email, token)?;
        settings::write(&*self.db()?, email, chosen)
    }

    fn check_settings_link(&self, email: &str, token: &str) -> Result<()> {
        if self.links.grants(token, &format!("settings:{email}")) {
            Ok(())
        } else {
            Err(Error::Unknown {
                code: "invalid_link",
                message: "this settings link is not valid: open the one in your latest mail".into(),
            })
        }
    }

    /// Something was queued: look now rather than at the next tick.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub fn stop(&self) {
        self.stop.notify_one();
    }

    async fn run(self: Arc<Self>) {
        let mut last_scan: Option<DateTime<Utc>> = None;
        loop {
            tokio::select! {
                _ = self.stop.notified() => return,
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(IDLE) => {}
            }
            let now = Utc::now();
            if last_scan.is_none_or(|t| now - t >= self.timing.scan_every) {
                last_scan = Some(now);
                let this = self.clone();
                if let Err(e) = tokio::task::spawn_blocking(move || this.scan(now))
                    .await
                    .map_err(|e| Error::Mail(e.to_string()))
                    .and_then(|r| r)
                {
                    eprintln!("rally-server: notifications: {e}");
                }
            }
            let this = self.clone();
            match tokio::task::spawn_blocking(move || this.tell_news(now)).await {
                Ok(Err(e)) => eprintln!("rally-server: event news: {e}"),
                Err(e) => eprintln!("rally-server: event news: {e}"),
                Ok(Ok(())) => {}
            }
            if let Err(e) = self.send_due().await {
                eprintln!("rally-server: mail: {e}");
            }
        }
    }

    fn db(&self) -> Result<std::sync::MutexGuard<'_, Connection>> {
        Ok(crate::lock(&self.db))
    }

    /// Sends every due mail; one that fails waits longer each time (30 s, 1 min, … up to an hour).
    /// A mail is marked sent right after the server took it: a crash between the two sends it again.
    async fn send_due(&self) -> Result<()> {
        let now = Utc::now().timestamp_millis();
        let due: Vec<(i64, String, String, String, String, i64)> = {
            let db = self.db()?;
            let mut stmt = db.prepare_cached(
                "SELECT id, recipient, subject, text, html, attempts FROM mail_queue
                 WHERE sent_at IS NULL AND send_after <= ?1 ORDER BY send_after LIMIT 100",
            )?;
            let rows =
                stmt.query_map([now], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for (id, to, subject, text, html, attempts) in due {
            match self.mailer.send(Mail { to, subject, text, html }).await {
                Ok(()) => {
                    self.db()?.execute(
                        "UPDATE mail_queue SET sent_at = ?2, attempts = attempts + 1 WHERE id = ?1",
                        params![id, Utc::now().timestamp_millis()],
                    )?;
                }
                Err(e) => {
                    let wait = (self.timing.retry_after * (1_i32 << attempts.clamp(0, 7))).min(Duration::hours(1));
                    self.db()?.execute(
                        "UPDATE mail_queue SET attempts = attempts + 1, last_error = ?2, send_after = ?3 WHERE id = ?1",
                        params![id, e.to_string(), (Utc::now() + wait).timestamp_millis()],
                    )?;
                }
            }
        }
        Ok(())
    }

    /// Reminders now due, and anonymous requests never confirmed (forgotten after their time).
    fn scan(&self, now: DateTime<Utc>) -> Result<()> {
        let mut db = self.db()?;
        let tx = db.transaction()?;
        tx.execute(
            "DELETE FROM participations WHERE status = 'unconfirmed' AND expires_at < ?1",
            [now.timestamp_millis()],
        )?;
        let going: Vec<(String, Option<String>, String)> = tx
            .prepare_cached(
                "SELECT p.id, coalesce(a.email, p.email), e.event FROM participations p
                 JOIN public_events e ON e.id = p.event_id LEFT JOIN accounts a ON a.id = p.account_id
                 WHERE p.status = 'going'",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (participation, email, event) in going {
            let (Some(email), Ok(event)) = (email, parse_event(&event)) else { continue };
            let d = &event.details;
            if d.status == EventStatus::Cancelled {
                continue;
            }
            let hours = settings::reminder_hours(&tx, &email)?;
            let next = rally_core::recurrence::occurrences(d, Some(now), Some(now + Duration::hours(hours.into())), 8)
                .into_iter()
                .find(|o| !o.cancelled && o.starts_at > now);
            let Some(next) = next else { continue };
            let when = rally_core::when::span_text(
                next.starts_at,
                next.ends_at,
                d.all_day,
                d.timezone.parse().unwrap_or(chrono_tz::UTC),
            );
            let letter = Letter::default()
                .line(format!("A reminder: \"{}\" is coming up, {when} ({}).", d.title, d.timezone))
                .line(describe(d))
                .link("The event", self.links.event_page(&event.id));
            enqueue(
                &tx,
                &self.links,
                Outgoing {
                    key: format!("reminder:{participation}:{}", next.original_start.timestamp()),
                    kind: Kind::Reminder,
                    to: &email,
                    subject: format!("Reminder: \"{}\", {when}", d.title),
                    letter,
                    send_after: now,
                },
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// News of events that changed, once the burst of edits is over: each going or waiting participant
    /// hears once what changed, comparing the first state with the last.
    fn tell_news(&self, now: DateTime<Utc>) -> Result<()> {
        let mut db = self.db()?;
        let quiet_since = (now - self.timing.change_delay).timestamp_millis();
        let events: Vec<String> = db
            .prepare_cached("SELECT event_id FROM event_news GROUP BY event_id HAVING max(at) <= ?1")?
            .query_map([quiet_since], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for event_id in events {
            let tx = db.transaction()?;
            let (first_id, before, after): (i64, String, String) = tx.query_row(
                "SELECT min(id), (SELECT before FROM event_news WHERE event_id = ?1 ORDER BY id LIMIT 1),
                        (SELECT after FROM event_news WHERE event_id = ?1 ORDER BY id DESC LIMIT 1)
                 FROM event_news WHERE event_id = ?1",
                [&event_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            tx.execute("DELETE FROM event_news WHERE event_id = ?1", [&event_id])?;
            let (before, after) = (parse_event(&before)?, parse_event(&after)?);
            if let Some((kind, subject, letter)) = news_letter(&self.links, &before, &after) {
                let people: Vec<(String, String)> = tx
                    .prepare_cached(
                        "SELECT p.id, coalesce(a.email, p.email) FROM participations p LEFT JOIN accounts a ON a.id = p.account_id
                         WHERE p.event_id = ?1 AND p.status IN ('going', 'waitlisted') AND coalesce(a.email, p.email) IS NOT NULL",
                    )?
                    .query_map([&event_id], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<_>>()?;
                for (participation, email) in people {
                    let key = format!("{}:{event_id}:{first_id}:{participation}", kind.as_str());
                    let mail = Outgoing {
                        key,
                        kind,
                        to: &email,
                        subject: subject.clone(),
                        letter: letter.clone(),
                        send_after: now,
                    };
                    enqueue(&tx, &self.links, mail)?;
                }
            }
            tx.commit()?;
        }
        Ok(())
    }
}

/// What participants are told of a change, if anything they care about changed: cancelled, or the
/// time, or the place.
fn news_letter(links: &Links, before: &Event, after: &Event) -> Option<(Kind, String, Letter)> {
    let (b, a) = (&before.details, &after.details);
    let page = links.event_page(&after.id);
    if a.status == EventStatus::Cancelled && b.status != EventStatus::Cancelled {
        let letter = Letter::default()
            .line(format!("\"{}\" is cancelled.", a.title))
            .line(format!("It was to be:\n{}", describe(b)))
            .link("The event", page);
        return Some((Kind::EventCancelled, format!("Cancelled: \"{}\"", a.title), letter));
    }
    let time = (b.starts_at, b.ends_at, &b.timezone, b.all_day, &b.repeat, &b.occurrence_changes)
        != (a.starts_at, a.ends_at, &a.timezone, a.all_day, &a.repeat, &a.occurrence_changes);
    let place = (&b.place, &b.online_url) != (&a.place, &a.online_url);
    if !time && !place {
        return None;
    }
    let what = match (time, place) {
        (true, true) => "time and place",
        (true, false) => "time",
        _ => "place",
    };
    let mut letter = Letter::default().line(format!("\"{}\" changed its {what}.", a.title));
    if time {
        letter =
            letter.line(format!("Now: {}\nBefore: {}", rally_core::when::describe(a), rally_core::when::describe(b)));
        if let Some(rule) = rally_core::recurrence::describe(a) {
            letter = letter.line(format!("It repeats: {rule}."));
        }
    }
    if place {
        let place = |d: &EventDetails| match (&d.place, &d.online_url) {
            (Some(p), _) => p.one_line(),
            (None, Some(url)) => format!("online: {url}"),
            (None, None) => "no place given".into(),
        };
        letter = letter.line(format!("Where, now: {}\nBefore: {}", place(a), place(b)));
    }
    Some((Kind::EventChanged, format!("Changed: \"{}\" ({what})", a.title), letter.link("The event", page)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn unconfirmed_requests_are_forgotten_once_expired() {
        let dir = tempfile::tempdir().expect("tempdir");
        let conn = crate::database::open(dir.path()).expect("db");
        let links = Links::open(&conn, "http://relay", "Rally").expect("links");
        let db = Arc::new(Mutex::new(conn));
        let mailer =
            Arc::new(Mailer::new("Rally <noreply@relay.example>", None, dir.path().join("outbox")).expect("mailer"));
        let second = Duration::seconds(1);
        let timing =
            Timing { digest_delay: second, change_delay: second, scan_every: Duration::hours(1), retry_after: second };
        let notifications = Notifications::start(db.clone(), mailer, links, timing);
        let now = Utc::now();
        {
            let conn = db.lock().expect("db");
            for (id, expires) in [("old", now - Duration::minutes(1)), ("fresh", now + Duration::hours(47))] {
                conn.execute(
                    "INSERT INTO participations (id, event_id, name, email, status, created_at, updated_at, expires_at)
                     VALUES (?1, 'e', 'Zoé', 'zoe@example.net', 'unconfirmed', 0, 0, ?2)",
                    params![id, expires.timestamp_millis()],
                )
                .expect("insert");
            }
        }
        notifications.scan(now).expect("scan");
        let left: Vec<String> = db
            .lock()
            .expect("db")
            .prepare("SELECT id FROM participations")
            .expect("query")
            .query_map([], |r| r.get(0))
            .expect("rows")
            .collect::<rusqlite::Result<_>>()
            .expect("ids");
        assert_eq!(left, ["fresh"]);
        notifications.stop();
    }
}
