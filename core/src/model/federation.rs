//! Following remote actors and taking part in remote events through the relay (ActivityPub), as the
//! relay's API and its clients exchange them.

use serde::{Deserialize, Serialize};

/// One of an account's identities following a remote actor (a person, a group, an instance).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Follow {
    pub identity_id: String,
    /// The actor's URL.
    pub actor: String,
    /// `@name@host`.
    pub handle: String,
    pub name: String,
    /// The other server answered `Accept`: the actor's public events come here from now on.
    pub accepted: bool,
}

/// `POST /api/v1/follows`: who follows whom (`@name@host` or an actor's URL).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowRequest {
    pub identity_id: String,
    pub handle: String,
}

/// Where one of an account's identities stands with a remote event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemoteParticipationStatus {
    /// The `Join` is sent; its server has not answered yet.
    Requested,
    Going,
    Refused,
    Left,
}

impl RemoteParticipationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Going => "going",
            Self::Refused => "refused",
            Self::Left => "left",
        }
    }

    /// As people read it: "As @bob: going".
    pub fn label(self) -> &'static str {
        match self {
            Self::Requested => "asked to join, waiting for its server",
            Self::Going => "going",
            Self::Refused => "refused",
            Self::Left => "left",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Requested, Self::Going, Self::Refused, Self::Left].into_iter().find(|v| v.as_str() == s)
    }
}

/// One of an account's identities taking part (or asking to) in a remote event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemoteParticipation {
    /// The remote event's id on this relay (as `GET /api/v1/remote-events` lists it).
    pub event_id: String,
    pub event_url: String,
    pub identity_id: String,
    pub status: RemoteParticipationStatus,
    pub message: String,
}

/// `POST /api/v1/remote-events/{id}/participations`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemoteJoinRequest {
    pub identity_id: String,
    #[serde(default)]
    pub message: String,
}

/// An event of another server, as the relay received it from an actor one of this account's
/// identities follows. Read-only here: its organizer's server owns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemoteEvent {
    /// Its id on this relay (`r` and hex), its details as validated on arrival.
    #[serde(flatten)]
    pub event: super::Event,
    /// Its page on its own server.
    pub url: String,
    /// Its organizer, `@name@host` (the actor's URL while the relay has not fetched that actor).
    pub organizer: String,
    pub organizer_name: String,
    /// The group it belongs to, or that announced it, `@name@host`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

/// What an account has of other servers, as the relay last told it: kept on each device, so that
/// followed people's events and where one stands with them show offline.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FederationSnapshot {
    pub follows: Vec<Follow>,
    pub events: Vec<RemoteEvent>,
    pub participations: Vec<RemoteParticipation>,
}

/// Someone of another server who asked to follow a group that approves its followers, waiting for
/// an administrator (`GET /api/v1/groups/{id}/followers`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingFollower {
    /// The actor's URL.
    pub actor: String,
    /// `@name@host`.
    pub handle: String,
    pub name: String,
}

/// An administrator's answer to a pending follower (`POST /api/v1/groups/{id}/followers`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowerDecision {
    pub actor: String,
    pub accept: bool,
}
