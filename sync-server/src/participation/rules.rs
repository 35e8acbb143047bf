//! The rules of joining, with no database: who may join an event and with which status, and what an
//! organizer's decision does to a request. Every refusal names the problem.

use chrono::{DateTime, Utc};
use rally_core::model::{Decision, EventDetails, EventStatus, JoinMode, ParticipationStatus};

use crate::Error;

fn conflict(code: &'static str, message: impl Into<String>) -> Error {
    Error::Conflict { code, message: message.into() }
}

/// "its 12 places are taken", "its one place is taken".
pub fn places_taken(d: &EventDetails) -> String {
    match d.capacity.unwrap_or_default() {
        1 => "its one place is taken".into(),
        n => format!("its {n} places are taken"),
    }
}

/// True while a place is free.
pub fn has_room(d: &EventDetails, going: u32) -> bool {
    d.capacity.is_none_or(|c| going < c)
}

/// Whether the event takes participants at all: not cancelled, not over, not registered elsewhere.
pub fn open_to_join(d: &EventDetails, now: DateTime<Utc>) -> Result<(), Error> {
    if d.status == EventStatus::Cancelled {
        return Err(conflict("event_cancelled", format!("\"{}\" is cancelled: nobody can join it", d.title)));
    }
    let last_end = rally_core::recurrence::bounds(d).1;
    if last_end.is_some_and(|end| end <= now) {
        return Err(conflict("event_over", format!("\"{}\" is over", d.title)));
    }
    if d.join_mode == JoinMode::External {
        let at = d.registration_url.as_deref().unwrap_or("the organizer's registration page");
        return Err(conflict("external_registration", format!("people register for \"{}\" at {at}", d.title)));
    }
    Ok(())
}

/// The status a new participant gets, `going` people already counted; `invited` matters for events
/// only invited people may join.
pub fn join_status(d: &EventDetails, going: u32, invited: bool) -> Result<ParticipationStatus, Error> {
    if d.join_mode == JoinMode::Invite && !invited {
        return Err(Error::Forbidden {
            code: "invitation_required",
            message: format!("only people the organizer invited may join \"{}\"", d.title),
        });
    }
    if !has_room(d, going) {
        return if d.waiting_list {
            Ok(ParticipationStatus::Waitlisted)
        } else {
            Err(conflict("event_full", format!("\"{}\" is full: {}", d.title, places_taken(d))))
        };
    }
    Ok(match d.join_mode {
        JoinMode::Approval => ParticipationStatus::Pending,
        _ => ParticipationStatus::Going,
    })
}

/// The status the first person on the waiting list moves to when a place frees up.
pub fn moved_up(d: &EventDetails) -> ParticipationStatus {
    match d.join_mode {
        JoinMode::Approval => ParticipationStatus::Pending,
        _ => ParticipationStatus::Going,
    }
}

/// What a decision does to a participation now `status`, last changed at `changed_at`; `Err` with
/// the reason when it does not apply. A decision made before the last change was made without
/// knowing it (another device decided first, the person left): the first decision wins.
pub fn decide(
    d: &EventDetails,
    status: ParticipationStatus,
    changed_at: DateTime<Utc>,
    decision: Decision,
    decided_at: DateTime<Utc>,
    going: u32,
) -> Result<ParticipationStatus, String> {
    use ParticipationStatus::*;
    let same = matches!((status, decision), (Going | Waitlisted, Decision::Accept) | (Refused, Decision::Refuse));
    if same {
        return Ok(status);
    }
    match status {
        Unconfirmed => return Err("the person has not confirmed their address yet".into()),
        Left => return Err("the person left the event".into()),
        Going | Refused if decided_at <= changed_at => {
            let was = if status == Going { "accepted" } else { "refused" };
            return Err(format!("another decision came first: the request was {was} before this one was made"));
        }
        _ => {}
    }
    match decision {
        Decision::Refuse => Ok(Refused),
        Decision::Accept if has_room(d, going) => Ok(Going),
        Decision::Accept if d.waiting_list => Ok(Waitlisted),
        Decision::Accept => Err(format!("the event is full: {}", places_taken(d))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn event(mode: JoinMode, capacity: Option<u32>, waiting_list: bool) -> EventDetails {
        let starts_at = Utc::now() + Duration::days(3);
        EventDetails {
            organizer_id: "o".into(),
            group_id: None,
            title: "Repair café".into(),
            description: String::new(),
            starts_at,
            ends_at: starts_at + Duration::hours(2),
            timezone: "Europe/Paris".into(),
            all_day: false,
            place: None,
            online_url: None,
            status: EventStatus::Confirmed,
            visibility: rally_core::model::Visibility::Public,
            draft: false,
            join_mode: mode,
            registration_url: None,
            capacity,
            tags: vec![],
            category: None,
            repeat: None,
            extra_starts: vec![],
            occurrence_changes: vec![],
            occurrence_texts: vec![],
            waiting_list,
            anonymous_participation: false,
        }
    }

    #[test]
    fn free_joins_go_approval_joins_wait_and_full_ones_queue_or_are_refused() {
        use ParticipationStatus::*;
        assert_eq!(join_status(&event(JoinMode::Free, Some(2), false), 1, false).ok(), Some(Going));
        assert_eq!(join_status(&event(JoinMode::Approval, Some(2), false), 1, false).ok(), Some(Pending));
        assert_eq!(join_status(&event(JoinMode::Approval, Some(1), true), 1, false).ok(), Some(Waitlisted));
        let full = join_status(&event(JoinMode::Free, Some(1), false), 1, false).expect_err("full");
        assert!(full.to_string().contains("full"), "{full}");
        let uninvited = join_status(&event(JoinMode::Invite, None, false), 0, false).expect_err("invite only");
        assert!(uninvited.to_string().contains("invited"), "{uninvited}");
        assert_eq!(join_status(&event(JoinMode::Invite, None, false), 0, true).ok(), Some(Going));
    }

    #[test]
    fn the_first_decision_wins_and_a_later_one_changes_the_mind() {
        use ParticipationStatus::*;
        let d = event(JoinMode::Approval, Some(1), true);
        let t0 = Utc::now();
        assert_eq!(decide(&d, Pending, t0, Decision::Accept, t0, 0), Ok(Going));
        // Two devices decided apart; the refusal arrives second, made before the acceptance applied.
        let late = decide(&d, Going, t0 + Duration::seconds(5), Decision::Refuse, t0 + Duration::seconds(1), 1);
        assert!(late.expect_err("conflict").contains("another decision came first"));
        assert_eq!(decide(&d, Going, t0, Decision::Refuse, t0 + Duration::minutes(5), 1), Ok(Refused));
        assert_eq!(decide(&d, Pending, t0, Decision::Accept, t0, 1), Ok(Waitlisted), "full: in line");
        assert_eq!(decide(&d, Going, t0, Decision::Accept, t0, 1), Ok(Going), "the same decision twice");
        assert!(decide(&d, Left, t0, Decision::Accept, t0, 0).is_err());
    }

    #[test]
    fn cancelled_past_and_external_events_take_nobody() {
        let mut d = event(JoinMode::Free, None, false);
        d.status = EventStatus::Cancelled;
        assert!(open_to_join(&d, Utc::now()).expect_err("cancelled").to_string().contains("cancelled"));
        let d = event(JoinMode::Free, None, false);
        assert!(open_to_join(&d, d.ends_at + Duration::minutes(1)).expect_err("over").to_string().contains("over"));
        let mut d = event(JoinMode::External, None, false);
        d.registration_url = Some("https://tickets.example/e".into());
        assert!(open_to_join(&d, Utc::now()).expect_err("elsewhere").to_string().contains("tickets.example"));
    }
}
