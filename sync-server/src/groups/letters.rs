//! What groups tell people by mail: an invitation, requests to the administrators (gathered in one
//! mail per group while it is not sent), and the answer to a request.

use chrono::{DateTime, Duration, Utc};
use rusqlite::Connection;

use super::store::{self, GroupRow};
use crate::links::Links;
use crate::notify::{self, Kind, Letter, Outgoing};
use crate::Result;

fn title(g: &GroupRow) -> String {
    if g.name.is_empty() {
        format!("@{}", g.username)
    } else {
        format!("{} (@{})", g.name, g.username)
    }
}

/// To the invited identity's account.
pub fn invitation(
    conn: &Connection,
    links: &Links,
    g: &GroupRow,
    by: &str,
    invited: &str,
    account: &str,
) -> Result<()> {
    let Some(email) = store::account_email(conn, account)? else { return Ok(()) };
    let (by, who) = (store::identity_name(conn, by)?, store::identity_name(conn, invited)?);
    let letter = Letter::default()
        .line(format!("{by} invites {who} to join the group {}.", title(g)))
        .line("Open Rally, then Groups, to accept or decline the invitation.")
        .link("The group", links.group_page(&g.username));
    notify::enqueue(
        conn,
        links,
        Outgoing {
            key: format!("group-invitation:{}:{invited}", g.id),
            kind: Kind::Decision,
            to: &email,
            subject: format!("An invitation to join {}", title(g)),
            letter,
            send_after: Utc::now(),
        },
    )?;
    Ok(())
}

/// Adds the group's requests to each administrator's open digest for the group: the first request of
/// a while opens one, mailed after `delay`; later ones rewrite it with every request still waiting.
pub fn requests(conn: &Connection, links: &Links, g: &GroupRow, delay: Duration, now: DateTime<Utc>) -> Result<()> {
    let waiting: Vec<_> = store::members(conn, &g.id)?
        .into_iter()
        .filter(|m| m.state == rally_core::model::MemberState::Requested)
        .collect();
    if waiting.is_empty() {
        return Ok(());
    }
    let mut letter = Letter::default();
    for m in &waiting {
        let mut line = format!("{} asks to join {}.", store::identity_name(conn, &m.identity_id)?, title(g));
        if !m.message.trim().is_empty() {
            line.push_str(&format!("\nTheir message: \"{}\"", m.message.trim()));
        }
        letter = letter.line(line);
    }
    letter = letter
        .line("Open Rally, then the group's Members, to approve or refuse: decisions made offline apply too.")
        .link("The group", links.group_page(&g.username));
    let subject = match waiting.len() {
        1 => format!("A request to join {}", title(g)),
        n => format!("{n} requests to join {}", title(g)),
    };
    let prefix = format!("group-requests:{}:", g.id);
    for email in store::administrator_emails(conn, &g.id)? {
        let mail = Outgoing {
            key: format!("{prefix}{}", now.timestamp_millis()),
            kind: Kind::Request,
            to: &email,
            subject: subject.clone(),
            letter: letter.clone(),
            send_after: now + delay,
        };
        notify::into_digest(conn, links, &prefix, mail)?;
    }
    Ok(())
}

/// To the requester's account: approved or refused.
pub fn answer(
    conn: &Connection,
    links: &Links,
    g: &GroupRow,
    identity: &str,
    account: &str,
    approved: bool,
) -> Result<()> {
    let Some(email) = store::account_email(conn, account)? else { return Ok(()) };
    let (subject, line) = if approved {
        (format!("Welcome to {}", title(g)), format!("Your request to join {} was approved.", title(g)))
    } else {
        (
            format!("Your request to join {} was refused", title(g)),
            format!("The administrators of {} refused your request to join.", title(g)),
        )
    };
    notify::enqueue(
        conn,
        links,
        Outgoing {
            key: format!("group-answer:{}:{identity}:{}", g.id, Utc::now().timestamp_millis()),
            kind: Kind::Decision,
            to: &email,
            subject,
            letter: Letter::default().line(line).link("The group", links.group_page(&g.username)),
            send_after: Utc::now(),
        },
    )?;
    Ok(())
}
