//! What participation tells people by mail: a participant what became of them, an organizer of a
//! request (in a digest) or of a deleted account's place, an anonymous participant the link that
//! confirms their address.

use chrono::Utc;
use rally_core::model::{Participation, ParticipationStatus};
use rusqlite::Connection;

use super::store::{self, millis, EventRow};
use crate::links::Links;
use crate::notify::{self, Kind, Letter, Notifications, Outgoing};
use crate::Result;

/// The link that cancels an anonymous participation (a capability: nothing stored).
pub fn cancel_link(links: &Links, participation_id: &str) -> String {
    format!(
        "{}/participations/{participation_id}/cancel?token={}",
        links.public_url,
        links.capability(&format!("participation:{participation_id}"))
    )
}

/// Tells a participant what became of them (accepted, refused, on the waiting list, moved up).
/// A remote person is told by ActivityPub (`Accept` or `Reject` of their `Join`), not by mail.
pub fn to_participant(conn: &Connection, links: &Links, p: &Participation, e: &EventRow, why: &str) -> Result<()> {
    if let Some((actor, join)) = store::remote_activity(conn, &p.id)? {
        return crate::federation::participation::answer(conn, &links.public_url, &actor, &join, p.status, &e.event);
    }
    let Some(email) = store::email_of(conn, &p.id)? else { return Ok(()) };
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
        letter = letter.link("Cancel my participation", cancel_link(links, &p.id));
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
pub fn to_organizer(conn: &Connection, notify: &Notifications, p: &Participation, e: &EventRow) -> Result<()> {
    if let (ParticipationStatus::Pending, Some(email)) = (p.status, &e.organizer_email) {
        notify::request_to_organizer(conn, notify.links(), email, &p.id, notify.timing().digest_delay)?;
    }
    Ok(())
}

/// Tells the organizer that a deleted account's place is free.
pub fn withdrawn(conn: &Connection, links: &Links, p: &Participation, e: &EventRow) -> Result<()> {
    let Some(email) = &e.organizer_email else { return Ok(()) };
    let d = &e.event.details;
    let letter = Letter::default()
        .line(format!(
            "{} deleted their account: they no longer take part in \"{}\", and their place is free.",
            p.name, d.title
        ))
        .line(notify::describe(d))
        .link("The event", links.event_page(&e.event.id));
    notify::enqueue(
        conn,
        links,
        Outgoing {
            key: format!("withdrawn:{}", p.id),
            kind: Kind::Request,
            to: email,
            subject: format!("{} no longer takes part in \"{}\"", p.name, d.title),
            letter,
            send_after: Utc::now(),
        },
    )?;
    Ok(())
}

/// The link that confirms an anonymous participant's address (valid 48 hours), with one to cancel.
pub fn confirmation(conn: &Connection, links: &Links, id: &str, name: &str, email: &str, e: &EventRow) -> Result<()> {
    let d = &e.event.details;
    let token = links.capability(&format!("participation:{id}"));
    let confirm = format!("{}/participations/{id}/confirm?token={token}", links.public_url);
    let letter = Letter::default()
        .line(format!("Someone, probably you, asked to take part in \"{}\" as {name}.", d.title))
        .line(notify::describe(d))
        .line("Confirm your address to send the request (the link is valid for 48 hours). If it was not you, ignore this mail.")
        .link("Confirm my participation", confirm)
        .link("Cancel it", cancel_link(links, id))
        .link("The event", links.event_page(&e.event.id));
    notify::enqueue(
        conn,
        links,
        Outgoing {
            key: format!("confirm:{id}"),
            kind: Kind::Confirmation,
            to: email,
            subject: format!("Confirm your participation in \"{}\"", d.title),
            letter,
            send_after: Utc::now(),
        },
    )?;
    Ok(())
}
