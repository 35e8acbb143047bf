use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where a person stands with an event. The relay is the authority: it records requests and decisions
/// (a participant never writes into the organizer's document).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParticipationStatus {
    /// An anonymous request whose email address is not confirmed yet.
    Unconfirmed,
    /// Waiting for the organizer's approval.
    Pending,
    Going,
    /// The event is full: in line for the next free place.
    Waitlisted,
    Refused,
    /// Left, or cancelled by the person.
    Left,
}

impl ParticipationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ParticipationStatus::Unconfirmed => "unconfirmed",
            ParticipationStatus::Pending => "pending",
            ParticipationStatus::Going => "going",
            ParticipationStatus::Waitlisted => "waitlisted",
            ParticipationStatus::Refused => "refused",
            ParticipationStatus::Left => "left",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "unconfirmed" => ParticipationStatus::Unconfirmed,
            "pending" => ParticipationStatus::Pending,
            "going" => ParticipationStatus::Going,
            "waitlisted" => ParticipationStatus::Waitlisted,
            "refused" => ParticipationStatus::Refused,
            "left" => ParticipationStatus::Left,
            _ => return None,
        })
    }

    /// How the person reads it: "going", "waiting for approval", …
    pub fn label(self) -> &'static str {
        match self {
            ParticipationStatus::Unconfirmed => "waiting for the email address to be confirmed",
            ParticipationStatus::Pending => "waiting for approval",
            ParticipationStatus::Going => "going",
            ParticipationStatus::Waitlisted => "on the waiting list",
            ParticipationStatus::Refused => "refused",
            ParticipationStatus::Left => "left",
        }
    }
}

/// What an event is, for the person who takes part in it: enough to show and remind it offline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventSummary {
    pub id: String,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub timezone: String,
    pub all_day: bool,
    #[serde(default)]
    pub place: Option<String>,
    /// The organizing identity's username.
    #[serde(default)]
    pub organizer: String,
    /// Its public page on the relay.
    pub url: String,
}

/// One person's participation in one event, as the relay records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Participation {
    pub id: String,
    pub event_id: String,
    /// The Rally identity taking part; `None` for an anonymous participant.
    #[serde(default)]
    pub identity_id: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    /// The identity's display name, or the name an anonymous participant gave.
    pub name: String,
    /// Anonymous participants only, and only in their own list: organizers do not see it.
    #[serde(default)]
    pub email: Option<String>,
    /// What the person wrote to the organizer.
    #[serde(default)]
    pub message: String,
    pub status: ParticipationStatus,
    /// 1 for the first in line, while on the waiting list.
    #[serde(default)]
    pub waitlist_position: Option<u32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The event, in the participant's own list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<EventSummary>,
}

impl Participation {
    /// What the person is told after asking to join or leaving.
    pub fn outcome(&self) -> String {
        match (self.status, self.waitlist_position) {
            (ParticipationStatus::Going, _) => "You are going.".into(),
            (ParticipationStatus::Pending, _) => {
                "Your request is sent: the organizer approves each participant, you will hear back.".into()
            }
            (ParticipationStatus::Waitlisted, Some(n)) => {
                format!("The event is full: you are number {n} on the waiting list, and move up when someone leaves.")
            }
            (ParticipationStatus::Waitlisted, None) => {
                "The event is full: you are on the waiting list, and move up when someone leaves.".into()
            }
            (ParticipationStatus::Unconfirmed, _) => "Confirm your email address with the link we sent.".into(),
            (ParticipationStatus::Refused, _) => "The organizer refused this request.".into(),
            (ParticipationStatus::Left, _) => "You left the event.".into(),
        }
    }
}

/// `POST /api/v1/events/{id}/participations`: join as one of one's identities.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JoinRequest {
    pub identity_id: String,
    #[serde(default)]
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Accept,
    Refuse,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Accept => "accept",
            Decision::Refuse => "refuse",
        }
    }
}

/// An organizer's decision on one request, made when it was made (maybe offline, applied later).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionRequest {
    pub participation_id: String,
    pub decision: Decision,
    pub decided_at: DateTime<Utc>,
}

/// What became of a decision: applied, or not (another device decided first, the event is full…).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionResult {
    pub participation_id: String,
    pub decision: Decision,
    pub applied: bool,
    /// The participation as it now stands.
    pub status: ParticipationStatus,
    /// Why it was not applied, in words.
    #[serde(default)]
    pub note: Option<String>,
}

/// Everything one account's devices keep of participations: its identities' own, and the requests
/// to the events it organizes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Participations {
    pub mine: Vec<Participation>,
    pub organizing: Vec<Participation>,
}

/// The secret address of an account's "events I attend" feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrivateFeed {
    pub url: String,
    pub webcal: String,
}

/// A request to an organizer's event as their device shows it: the relay's last word, the decision
/// taken here and not sent yet, and why an earlier decision did not apply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParticipantEntry {
    #[serde(flatten)]
    pub participation: Participation,
    #[serde(default)]
    pub pending: Option<Decision>,
    #[serde(default)]
    pub note: Option<String>,
}

/// `GET /api/v1/events/{id}`: a published event, for whoever wants to join it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicEvent {
    pub event: super::Event,
    /// The organizing identity's username.
    #[serde(default)]
    pub organizer: String,
    pub going: u32,
    /// Free places, when the event has a capacity.
    #[serde(default)]
    pub remaining: Option<u32>,
    /// Its public page.
    pub url: String,
}
