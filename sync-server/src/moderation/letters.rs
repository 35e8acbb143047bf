//! Mail about moderation (N1): the relay's moderators hear of new reports in one digest, however
//! many arrive — the first report of a while opens a mail, sent after the digest delay; later ones
//! rewrite it while it waits.

use chrono::{DateTime, Duration, Utc};
use rusqlite::Connection;

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
