//! Moderation on a relay, as its API and its clients exchange it: instance roles and the action log.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What an account may do on its relay beyond its own things.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstanceRole {
    User,
    /// Reads reports and acts on content and accounts.
    Moderator,
    /// A moderator who also grants and takes back roles.
    Administrator,
}

impl InstanceRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Moderator => "moderator",
            Self::Administrator => "administrator",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::User, Self::Moderator, Self::Administrator].into_iter().find(|r| r.as_str() == s)
    }
}

/// `POST /api/v1/moderation/roles`: gives the account with this address a role (`user` takes one back).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleGrant {
    pub email: String,
    pub role: InstanceRole,
}

/// One line of the append-only action log: who did what to what, when, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModerationAction {
    pub at: DateTime<Utc>,
    /// The acting account's address, or "the relay's machine" for `rally-server admin`.
    pub by: String,
    /// `grant_role`, and later `hide_event`, `suspend_account`…
    pub action: String,
    pub target: String,
    #[serde(default)]
    pub reason: String,
}
