//! Mail about moderation (N1): the relay's moderators hear of new reports in one digest, however
//! many arrive — the first report of a while opens a mail, sent after the digest delay; later ones
//! rewrite it while it waits.

use chrono::{DateTime, Duration, Utc};
use rally_core::model::{Measure, ReportedContent};
use rusqlite::{Connection, OptionalExtension};

use crate::links::Links;
use crate::notify::{self, Kind, Letter, Outgoing};
use crate::Result;

/// The newest open reports a digest names one by one; it counts the rest.
const LISTED: usize = 20;

/// Puts the open reports in each moderator's (and administrator's) waiting digest.
pub fn reports_digest(conn: &Connection, links: &Links, delay: Duration, now: DateTime<Utc>) -> Result<()> {
    let open: i64 = conn.query_row("SELECT count(*) FROM reports WHERE state = 'open'", [], |r| r.get(0))?;
    if open == 0 {
        return Ok(());
    }
    let mut stmt = conn.prepare_cached(
        "SELECT target_kind, content, comment FROM reports WHERE state = 'open' ORDER BY created_at DESC LIMIT ?1",
    )?;
    let rows = stmt
        .query_map([LISTED as i64], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
    let mut letter = Letter::default();
    for row in rows {
        let (kind, content, comment) = row?;
        let content: rally_core::model::ReportedContent = match serde_json::from_str(&content) {
            Ok(c) => c,
            Err(_) => continue,
        };
        let comment: String = comment.chars().take(300).collect();
        letter = letter.line(format!("{kind} \"{}\" by {}: {}", content.title, content.author, comment.trim()));
    }
    if open as usize > LISTED {
        letter = letter.line(format!("and {} more.", open as usize - LISTED));
    }
    letter = letter
        .line("Open Rally's Moderation page to read them, leave notes and act.")
        .link("The relay", links.public_url.clone());
    let subject = match open {
        1 => "A report to moderate".to_string(),
        n => format!("{n} reports to moderate"),
    };
    let mut staff = conn.prepare_cached("SELECT email FROM accounts WHERE role IN ('moderator', 'administrator')")?;
    let emails: Vec<String> = staff.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    for email in emails {
        let mail = Outgoing {
            key: format!("reports:{email}:{}", now.timestamp_millis()),
            kind: Kind::Report,
            to: &email,
            subject: subject.clone(),
            letter: letter.clone(),
            send_after: now + delay,
        };
        notify::into_digest(conn, links, "reports:", mail)?;
    }
    Ok(())
}

/// Tells an author what moderators did to their content, and why (always sent).
pub fn measure_to_author(
    conn: &Connection,
    links: &Links,
    account: &str,
    measure: Measure,
    what: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let email: Option<String> =
        conn.query_row("SELECT email FROM accounts WHERE id = ?1", [account], |r| r.get(0)).optional()?;
    let Some(email) = email else { return Ok(()) };
    let (subject, told) = match measure {
        Measure::DeleteEvent => ("deleted", format!("The moderators of {} deleted {what}: it is gone from the relay, from other servers and from your devices.", links.instance_name)),
        Measure::HideEvent => ("hid", format!("The moderators of {} hid {what}: it is off the relay's pages, feeds and other servers, and nobody else receives it. You still have it.", links.instance_name)),
        Measure::SuspendIdentity => ("suspended", format!("The moderators of {} suspended {what}: it and the events it organizes are hidden from everyone else.", links.instance_name)),
        Measure::SuspendAccount => ("suspended", format!("The moderators of {} suspended {what}: it cannot log in or sync, and what it published is hidden.", links.instance_name)),
        // Another server's people hear nothing from here: their server is theirs to tell.
        Measure::SuspendRemote | Measure::RestoreRemote => return Ok(()),
        Measure::RestoreEvent | Measure::RestoreIdentity | Measure::RestoreAccount => {
            ("restored", format!("The moderators of {} restored {what}: it is shown again.", links.instance_name))
        }
    };
    let letter = Letter::default()
        .line(told)
        .line(format!("Their reason: {reason}"))
        .link("The relay", links.public_url.clone());
    notify::enqueue(
        conn,
        links,
        Outgoing {
            key: format!("measure:{account}:{}:{}", measure.as_str(), now.timestamp_millis()),
            kind: Kind::Moderation,
            to: &email,
            subject: format!("Moderators {subject} {what}"),
            letter,
            send_after: now,
        },
    )?;
    Ok(())
}

/// Tells a reporter that moderators acted on their report (the measure itself is the author's to know).
pub fn report_resolved(
    conn: &Connection,
    links: &Links,
    email: &str,
    report: &str,
    content: &ReportedContent,
    now: DateTime<Utc>,
) -> Result<()> {
    let letter = Letter::default()
        .line(format!(
            "The moderators of {} resolved your report of \"{}\" by {}. Thank you for telling them.",
            links.instance_name, content.title, content.author
        ))
        .link("The relay", links.public_url.clone());
    notify::enqueue(
        conn,
        links,
        Outgoing {
            key: format!("report-resolved:{report}"),
            kind: Kind::Moderation,
            to: email,
            subject: format!("Your report of \"{}\" was resolved", content.title),
            letter,
            send_after: now,
        },
    )?;
    Ok(())
}

/// The link that confirms a report made without an account (valid 48 hours).
pub fn confirm_report(
    conn: &Connection,
    links: &Links,
    id: &str,
    email: &str,
    content: &ReportedContent,
    now: DateTime<Utc>,
) -> Result<()> {
    let token = links.capability(&format!("report:{id}"));
    let letter = Letter::default()
        .line(format!(
            "Someone, probably you, reported \"{}\" by {} to the moderators of {}.",
            content.title, content.author, links.instance_name
        ))
        .line("Confirm it to send it (the link is valid for 48 hours); you will hear when it is resolved. If it was not you, ignore this mail.")
        .link("Confirm my report", format!("{}/reports/{id}/confirm?token={token}", links.public_url));
    notify::enqueue(
        conn,
        links,
        Outgoing {
            key: format!("confirm-report:{id}"),
            kind: Kind::Confirmation,
            to: email,
            subject: format!("Confirm your report of \"{}\"", content.title),
            letter,
            send_after: now,
        },
    )?;
    Ok(())
}
