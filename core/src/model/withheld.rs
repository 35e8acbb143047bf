use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Why a relay shows nothing of one of an account's documents (it still stores and syncs it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WithheldReason {
    /// It fails core's checks (a date out of range, a field too long, a document that does not read).
    Invalid,
    /// Its organizer is no identity the relay has yet: it is shown once that identity syncs.
    OrganizerUnknown,
    /// Its organizer is an identity of another account.
    OrganizerNotYours,
    /// Its username belongs to another account on this relay.
    UsernameTaken,
    /// It names a group whose events its writer does not edit, or a group the relay did not register.
    GroupNotYours,
    /// The relay's moderators hid it (the message is their reason); it still syncs to its writers.
    HiddenByModerators,
}

impl WithheldReason {
    pub fn as_str(self) -> &'static str {
        match self {
            WithheldReason::Invalid => "invalid",
            WithheldReason::OrganizerUnknown => "organizer_unknown",
            WithheldReason::OrganizerNotYours => "organizer_not_yours",
            WithheldReason::UsernameTaken => "username_taken",
            WithheldReason::GroupNotYours => "group_not_yours",
            WithheldReason::HiddenByModerators => "hidden_by_moderators",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Invalid,
            Self::OrganizerUnknown,
            Self::OrganizerNotYours,
            Self::UsernameTaken,
            Self::GroupNotYours,
            Self::HiddenByModerators,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// `GET /api/v1/documents/withheld`: one of the account's documents that the relay keeps off its
/// pages, feeds and invitations, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WithheldDocument {
    pub document_id: String,
    pub reason: WithheldReason,
    /// Said for people: which field, or whose username.
    pub message: String,
    pub since: DateTime<Utc>,
}

/// `GET /api/v1/usernames/{name}`: whether the asking account may use a username on this relay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsernameAvailability {
    pub username: String,
    /// Free, or already this account's.
    pub available: bool,
}
