//! Reports (M1): anyone with an identity here reports an identity, a published event or a group,
//! with a comment and some of the reported person's events; a copy of what was reported is kept with
//! the report, since its author may edit or delete it. Moderators read them by state, leave notes for
//! each other, and resolve or close them; each step goes to the action log.

use chrono::{DateTime, Utc};
use rally_core::model::{
    AnonymousReport, Report, ReportInput, ReportNote, ReportState, Reported, ReportedContent, StateChange,
};
use rusqlite::{params, Connection, OptionalExtension};

use super::{log, ModerationService, Staff};
use crate::{Error, Result};

/// The longest comment or note, and the most events one report names.
const MAX_TEXT: usize = 5_000;
const MAX_EVENTS: usize = 20;
/// Reports one account makes per hour.
pub const REPORTS_PER_HOUR: u32 = 20;
/// Reports one address makes per hour without an account.
pub const ANONYMOUS_PER_HOUR: u32 = 5;
/// How long the link that confirms an anonymous report is valid.
const CONFIRM_WITHIN_HOURS: i64 = 48;

fn too_long(field: &'static str) -> Error {
    Error::bad_request("too_long", format!("the {field} is longer than {MAX_TEXT} characters"))
}

/// What an event was, from its public row (drafts and private events are nobody else's to report).
fn event_content(conn: &Connection, id: &str) -> Result<Option<ReportedContent>> {
    let row: Option<(String, Option<String>)> = conn
        .query_row(
            "SELECT e.event, i.username FROM public_events e LEFT JOIN identities i ON i.id = e.organizer_id
             WHERE e.id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((json, organizer)) = row else { return Ok(None) };
    let event: rally_core::model::Event =
        serde_json::from_str(&json).map_err(|e| Error::Config(format!("a public event that does not read: {e}")))?;
    Ok(Some(ReportedContent {
        title: event.details.title,
        text: event.details.description,
        author: format!("@{}", organizer.unwrap_or_default()),
    }))
}

fn content(conn: &Connection, reported: &Reported) -> Result<ReportedContent> {
    let missing = |what: &str, id: &str| Error::Unknown {
        code: "unknown_target",
        message: format!("there is no {what} {id} to report here"),
    };
    match reported {
        Reported::Event(id) => event_content(conn, id)?.ok_or_else(|| missing("published event", id)),
        Reported::Identity(id) => conn
            .query_row("SELECT username, display_name FROM identities WHERE id = ?1", [id], |r| {
                Ok(ReportedContent {
                    title: r.get(1)?,
                    text: String::new(),
                    author: format!("@{}", r.get::<_, String>(0)?),
                })
            })
            .optional()?
            .ok_or_else(|| missing("identity", id)),
        Reported::Group(id) => conn
            .query_row("SELECT username, name, summary FROM groups WHERE id = ?1 AND name != ''", [id], |r| {
                Ok(ReportedContent {
                    title: r.get(1)?,
                    text: r.get(2)?,
                    author: format!("@{}", r.get::<_, String>(0)?),
                })
            })
            .optional()?
            .ok_or_else(|| missing("group", id)),
        Reported::Remote(url) => {
            remote_content(conn, url)?.ok_or_else(|| missing("event or person of another server", url))
        }
    }
}

/// What an event or actor of another server was, as this relay received it.
fn remote_content(conn: &Connection, url: &str) -> Result<Option<ReportedContent>> {
    let event: Option<(String, String)> = conn
        .query_row("SELECT event, attributed_to FROM remote_events WHERE url = ?1", [url], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    if let Some((json, attributed_to)) = event {
        let event: rally_core::model::Event = serde_json::from_str(&json)
            .map_err(|e| Error::Config(format!("a remote event that does not read: {e}")))?;
        let author = match crate::federation::store::actor(conn, &attributed_to)? {
            Some(a) => format!("@{}@{}", a.username, a.host),
            None => attributed_to,
        };
        return Ok(Some(ReportedContent { title: event.details.title, text: event.details.description, author }));
    }
    Ok(crate::federation::store::actor(conn, url)?.map(|a| ReportedContent {
        title: a.name.clone(),
        text: String::new(),
        author: format!("@{}@{}", a.username, a.host),
    }))
}

/// Sends a report of another server's event or person there: a `Flag` from this relay's instance
/// actor naming the event and its organizer, with the comment and nothing of who reported. Answers
/// the server it goes to.
fn forward(conn: &Connection, urls: &crate::federation::Urls, url: &str, comment: &str) -> Result<String> {
    use crate::federation::{actors::LocalActor, outbox, store};
    let attributed_to: Option<String> =
        conn.query_row("SELECT attributed_to FROM remote_events WHERE url = ?1", [url], |r| r.get(0)).optional()?;
    let mut objects = vec![url.to_string()];
    let actor = match attributed_to {
        Some(organizer) => {
            objects.push(organizer.clone());
            store::actor(conn, &organizer)?
        }
        None => store::actor(conn, url)?,
    };
    let Some(actor) = actor else {
        return Err(Error::Unknown {
            code: "unknown_target",
            message: format!("no server to forward the report of {url} to"),
        });
    };
    let flag = serde_json::json!({
        "@context": crate::federation::wire::context(),
        "id": urls.new_activity(),
        "type": "Flag",
        "actor": urls.instance(),
        "content": comment,
        "object": objects,
        "to": [actor.id],
    });
    outbox::queue(conn, &[actor.delivery_inbox().to_string()], &LocalActor::Instance, urls, &flag)?;
    Ok(actor.host)
}

fn reported_columns(reported: &Reported) -> (&'static str, &str) {
    match reported {
        Reported::Identity(id) => ("identity", id),
        Reported::Event(id) => ("event", id),
        Reported::Group(id) => ("group", id),
        Reported::Remote(url) => ("remote", url),
    }
}

fn read_report(conn: &Connection, row: &rusqlite::Row<'_>) -> Result<Report> {
    let (id, state, kind, target): (String, String, String, String) =
        (row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?);
    let reported = match kind.as_str() {
        "identity" => Reported::Identity(target),
        "group" => Reported::Group(target),
        "remote" => Reported::Remote(target),
        _ => Reported::Event(target),
    };
    let mut stmt = conn.prepare_cached("SELECT at, by, text FROM report_notes WHERE report_id = ?1 ORDER BY id")?;
    let notes = stmt
        .query_map([&id], |r| {
            Ok(ReportNote {
                at: DateTime::from_timestamp_millis(r.get(0)?).unwrap_or_default(),
                by: r.get(1)?,
                text: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Report {
        state: ReportState::parse(&state).unwrap_or(ReportState::Open),
        reported,
        content: parse(&row.get::<_, String>(4)?)?,
        reporter: row.get(5)?,
        comment: row.get(6)?,
        events: parse(&row.get::<_, String>(7)?)?,
        created_at: DateTime::from_timestamp_millis(row.get(8)?).unwrap_or_default(),
        forwarded_to: row.get(9)?,
        notes,
        id,
    })
}

/// Keeps one report; its id.
#[allow(clippy::too_many_arguments)]
fn insert(
    conn: &Connection,
    reported: &Reported,
    content: &ReportedContent,
    reporter: &str,
    account: Option<&str>,
    comment: &str,
    events: &[ReportedContent],
    now: DateTime<Utc>,
) -> Result<String> {
    let id = rally_core::document::new_id();
    let (kind, target) = reported_columns(reported);
    conn.execute(
        "INSERT INTO reports (id, state, target_kind, target_id, content, reporter, reporter_account, comment,
             events, created_at, updated_at)
         VALUES (?1, 'open', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
        params![id, kind, target, json(content), reporter, account, comment, json(&events), now.timestamp_millis()],
    )?;
    Ok(id)
}

/// Another server's `Flag` (sent by its instance actor, as Mastodon and Mobilizon do) becomes a
/// report of the first of our actors or events it names, the events among the rest with it; its
/// reporter is that instance. One that names nothing of ours makes none.
pub fn from_flag(
    conn: &Connection,
    urls: &crate::federation::Urls,
    notify: &crate::notify::Notifications,
    reporter: &str,
    comment: &str,
    objects: &[&str],
    now: DateTime<Utc>,
) -> Result<Option<String>> {
    let mut named = Vec::new();
    for url in objects {
        if let Some(id) = url.strip_prefix(&format!("{}/events/", urls.base)) {
            if event_content(conn, id)?.is_some() {
                named.push(Reported::Event(id.to_string()));
            }
        } else if let Some(username) = url.strip_prefix(&format!("{}/@", urls.base)) {
            let identity: Option<String> =
                conn.query_row("SELECT id FROM identities WHERE username = ?1", [username], |r| r.get(0)).optional()?;
            let group: Option<String> =
                conn.query_row("SELECT id FROM groups WHERE username = ?1", [username], |r| r.get(0)).optional()?;
            named.extend(identity.map(Reported::Identity).or(group.map(Reported::Group)));
        }
    }
    let Some(first) = named.first() else { return Ok(None) };
    let content = content(conn, first)?;
    let mut events = Vec::new();
    for other in &named[1..] {
        if let Reported::Event(id) = other {
            events.extend(event_content(conn, id)?);
        }
    }
    let id = insert(conn, first, &content, reporter, None, comment, &events, now)?;
    super::letters::reports_digest(conn, notify.links(), notify.timing().digest_delay, now)?;
    Ok(Some(id))
}

const REPORT_COLUMNS: &str =
    "id, state, target_kind, target_id, content, reporter, comment, events, created_at, forwarded_to";

fn one(conn: &Connection, id: &str) -> Result<Report> {
    let sql = format!("SELECT {REPORT_COLUMNS} FROM reports WHERE id = ?1 AND state != 'unconfirmed'");
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query([id])?;
    match rows.next()? {
        Some(row) => read_report(conn, row),
        None => Err(Error::Unknown { code: "unknown_report", message: format!("there is no report {id}") }),
    }
}

impl ModerationService {
    /// One of `account`'s identities reports something; the report's id.
    pub fn report(&self, account: &str, input: &ReportInput) -> Result<String> {
        if input.comment.chars().count() > MAX_TEXT {
            return Err(too_long("comment"));
        }
        if input.events.len() > MAX_EVENTS {
            return Err(Error::bad_request("too_many_events", format!("a report names at most {MAX_EVENTS} events")));
        }
        let mut conn = self.db();
        let reporter: Option<String> = conn
            .query_row(
                "SELECT i.username FROM identities i JOIN sync_documents d ON d.id = i.id WHERE i.id = ?1 AND d.owner = ?2",
                params![input.reporter_identity, account],
                |r| r.get(0),
            )
            .optional()?;
        let Some(reporter) = reporter else {
            return Err(Error::Forbidden {
                code: "not_your_identity",
                message: format!("{} is not an identity of this account", input.reporter_identity),
            });
        };
        crate::limits::attempt(&conn, &format!("report:{account}"), REPORTS_PER_HOUR, chrono::Duration::hours(1))?
            .map_err(|retry_after_secs| Error::RateLimited {
                code: "rate_limited",
                message: format!("too many reports from this account; try again in {retry_after_secs} s"),
                retry_after_secs,
            })?;
        let content = content(&conn, &input.reported)?;
        let mut events = Vec::new();
        for id in &input.events {
            events.push(event_content(&conn, id)?.ok_or_else(|| Error::Unknown {
                code: "unknown_target",
                message: format!("there is no published event {id} to report here"),
            })?);
        }
        let tx = conn.transaction()?;
        let id = insert(
            &tx,
            &input.reported,
            &content,
            &format!("@{reporter}"),
            Some(account),
            &input.comment,
            &events,
            Utc::now(),
        )?;
        if let (true, Reported::Remote(url)) = (input.forward, &input.reported) {
            let urls = self.federation.as_ref().ok_or_else(|| {
                Error::bad_request("federation_off", "this relay does not federate: there is nowhere to forward to")
            })?;
            let host = forward(&tx, urls, url, &input.comment)?;
            tx.execute("UPDATE reports SET forwarded_to = ?2 WHERE id = ?1", params![id, host])?;
        }
        super::letters::reports_digest(&tx, self.notify.links(), self.notify.timing().digest_delay, Utc::now())?;
        tx.commit()?;
        Ok(id)
    }

    /// Someone without an account reports a public event from its page: the report waits, unseen,
    /// until the address follows the link mailed to it. An address makes [`ANONYMOUS_PER_HOUR`]
    /// reports (so gets as many mails) an hour; an IP makes as many requests as anonymous
    /// participation allows. Answers the address the link went to.
    pub fn report_anonymously(&self, event: &str, input: &AnonymousReport, ip: std::net::IpAddr) -> Result<String> {
        let comment = input.comment.trim();
        if comment.chars().count() > MAX_TEXT {
            return Err(too_long("comment"));
        }
        if comment.is_empty() {
            return Err(Error::bad_request("empty_comment", "say what is wrong with the event"));
        }
        let email = crate::accounts::normalise_email(&input.email)?;
        let mut conn = self.db();
        crate::limits::attempt(
            &conn,
            &format!("report-address:{email}"),
            ANONYMOUS_PER_HOUR,
            chrono::Duration::hours(1),
        )?
        .map_err(|retry_after_secs| Error::RateLimited {
            code: "too_many_reports",
            message: format!(
                "{email} has sent {ANONYMOUS_PER_HOUR} reports in the last hour, the most one address may: \
                     try again in {retry_after_secs} s"
            ),
            retry_after_secs,
        })?;
        let l = &self.limits;
        crate::limits::limit(&conn, &format!("report-ip:{ip}"), l.requests_per_ip, l.ip_window, "reports")?;
        let content = event_content(&conn, event)?.ok_or_else(|| Error::Unknown {
            code: "unknown_target",
            message: format!("there is no published event {event} to report here"),
        })?;
        let now = Utc::now();
        let tx = conn.transaction()?;
        tx.execute(
            "DELETE FROM reports WHERE state = 'unconfirmed' AND created_at < ?1",
            [(now - chrono::Duration::hours(CONFIRM_WITHIN_HOURS)).timestamp_millis()],
        )?;
        // Each report its own link: the address limit above bounds the mails a stranger can send it.
        let reporter = format!("{email} (without an account)");
        let id = insert(&tx, &Reported::Event(event.to_string()), &content, &reporter, None, comment, &[], now)?;
        tx.execute("UPDATE reports SET state = 'unconfirmed', reporter_email = ?2 WHERE id = ?1", params![id, email])?;
        super::letters::confirm_report(&tx, self.notify.links(), &id, &email, &content, now)?;
        tx.commit()?;
        self.notify.wake();
        Ok(email)
    }

    /// The mailed link followed: the report counts from now on, and moderators hear of it.
    pub fn confirm_report(&self, id: &str, token: &str) -> Result<ReportedContent> {
        let invalid = || Error::Unknown {
            code: "invalid_link",
            message: "this link is not valid: it expired (48 hours), was mistyped, or the report is gone".into(),
        };
        if !self.notify.links().grants(token, &format!("report:{id}")) {
            return Err(invalid());
        }
        let now = Utc::now();
        let mut conn = self.db();
        let tx = conn.transaction()?;
        let waiting: Option<String> = tx
            .query_row(
                "SELECT content FROM reports WHERE id = ?1 AND state IN ('unconfirmed', 'open') AND created_at >= ?2",
                params![id, (now - chrono::Duration::hours(CONFIRM_WITHIN_HOURS)).timestamp_millis()],
                |r| r.get(0),
            )
            .optional()?;
        let content: ReportedContent = parse(&waiting.ok_or_else(invalid)?)?;
        let confirmed = tx.execute(
            "UPDATE reports SET state = 'open', updated_at = ?2 WHERE id = ?1 AND state = 'unconfirmed'",
            params![id, now.timestamp_millis()],
        )?;
        if confirmed > 0 {
            super::letters::reports_digest(&tx, self.notify.links(), self.notify.timing().digest_delay, now)?;
        }
        tx.commit()?;
        self.notify.wake();
        Ok(content)
    }

    /// Reports in one state (all when `None`), newest first.
    pub fn reports(&self, _by: &Staff, state: Option<ReportState>) -> Result<Vec<Report>> {
        let conn = self.db();
        let sql = format!(
            "SELECT {REPORT_COLUMNS} FROM reports WHERE state != 'unconfirmed' AND (?1 IS NULL OR state = ?1) ORDER BY created_at DESC LIMIT 500"
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut rows = stmt.query([state.map(ReportState::as_str)])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(read_report(&conn, row)?);
        }
        Ok(out)
    }

    /// A note for the other moderators; the report as it is now.
    pub fn add_note(&self, by: &Staff, id: &str, text: &str) -> Result<Report> {
        if text.chars().count() > MAX_TEXT {
            return Err(too_long("note"));
        }
        if text.trim().is_empty() {
            return Err(Error::bad_request("empty_note", "a note says something"));
        }
        let conn = self.db();
        one(&conn, id)?;
        let author = super::email_of(&conn, &by.account)?;
        conn.execute(
            "INSERT INTO report_notes (report_id, at, by, text) VALUES (?1, ?2, ?3, ?4)",
            params![id, Utc::now().timestamp_millis(), author, text.trim()],
        )?;
        log(&conn, &author, "note_report", id, "", Utc::now())?;
        one(&conn, id)
    }

    /// Resolves, closes or reopens a report, with a reason for the log; a resolved report's reporter
    /// is told, if they gave an address. Only an open report is resolved or closed: of two decisions
    /// on one report (one taken offline), the first wins; reopening it is always possible.
    pub fn set_state(&self, by: &Staff, id: &str, change: &StateChange) -> Result<Report> {
        if change.reason.chars().count() > MAX_TEXT {
            return Err(too_long("reason"));
        }
        let mut conn = self.db();
        let tx = conn.transaction()?;
        match change.state {
            ReportState::Open => drop(one(&tx, id)?),
            _ => take_open(&tx, id)?,
        }
        let author = super::email_of(&tx, &by.account)?;
        let now = Utc::now();
        set(&tx, id, change.state, now)?;
        log(&tx, &author, &format!("report_{}", change.state.as_str()), id, &change.reason, now)?;
        if change.state == ReportState::Resolved {
            tell_reporter(&tx, self.notify.links(), id, now)?;
        }
        let report = one(&tx, id)?;
        tx.commit()?;
        Ok(report)
    }
}

fn set(conn: &Connection, id: &str, state: ReportState, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "UPDATE reports SET state = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, state.as_str(), now.timestamp_millis()],
    )?;
    Ok(())
}

/// Checks that a report is open, for a measure taken from it: of two decisions on one report (one
/// taken offline), the first wins and the second is refused with `report_decided`.
pub fn take_open(conn: &Connection, id: &str) -> Result<()> {
    let report = one(conn, id)?;
    if report.state != ReportState::Open {
        return Err(Error::Conflict {
            code: "report_decided",
            message: format!("the report {id} is {} already: another decision came first", report.state.as_str()),
        });
    }
    Ok(())
}

/// Resolves a report by a measure taken from it.
pub fn resolve(
    conn: &Connection,
    links: &crate::links::Links,
    by: &str,
    id: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    set(conn, id, ReportState::Resolved, now)?;
    log(conn, by, "report_resolved", id, reason, now)?;
    tell_reporter(conn, links, id, now)
}

/// Mails the reporter of a resolved report: the account's address, or the address an anonymous
/// reporter confirmed. Another server's reporter hears nothing from here.
fn tell_reporter(conn: &Connection, links: &crate::links::Links, id: &str, now: DateTime<Utc>) -> Result<()> {
    let (email, content): (Option<String>, String) = conn.query_row(
        "SELECT coalesce(a.email, r.reporter_email), r.content FROM reports r
         LEFT JOIN accounts a ON a.id = r.reporter_account WHERE r.id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let Some(email) = email else { return Ok(()) };
    let content: ReportedContent = parse(&content)?;
    super::letters::report_resolved(conn, links, &email, id, &content, now)
}

fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| Error::Config(format!("a report that does not read: {e}")))
}

/// The JSON a report keeps of what it names (these types always serialize).
fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}
