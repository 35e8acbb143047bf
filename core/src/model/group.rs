//! Groups (issue 12's model, first part): a collective with a name, an `@username` and a shared
//! calendar; its members are identities with a role, or a pending state, which the relay records.

use serde::{Deserialize, Serialize};

use super::{ImageChange, Visibility};

/// How people come in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupOpenness {
    /// Anyone joins at once.
    Open,
    /// An administrator approves each request.
    #[default]
    Moderated,
    /// Only people an administrator invites.
    InviteOnly,
}

/// What a person types to create or edit a group; [`crate::validate::group`] checks it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GroupInput {
    pub name: String,
    /// Its `@username`, unique on the relay across identities and groups.
    pub username: String,
    pub summary: String,
    pub visibility: Visibility,
    pub openness: GroupOpenness,
    pub place_name: String,
    pub address: String,
    pub avatar: ImageChange,
    pub banner: ImageChange,
}

/// What a member may do, from most to least.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupRole {
    /// Manages members and settings, and the group's events.
    Administrator,
    /// Creates, edits and deletes the group's events, drafts included.
    Moderator,
    /// Reads the group's calendar, drafts excepted.
    Member,
}

impl GroupRole {
    pub fn manages_members(self) -> bool {
        self == GroupRole::Administrator
    }

    /// Writes the group's events (and reads its drafts).
    pub fn edits_events(self) -> bool {
        matches!(self, GroupRole::Administrator | GroupRole::Moderator)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            GroupRole::Administrator => "administrator",
            GroupRole::Moderator => "moderator",
            GroupRole::Member => "member",
        }
    }
}

/// Where an identity stands with a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "role")]
pub enum MemberState {
    /// An administrator invited it; it has not answered.
    Invited,
    /// It asked to join a moderated group; no administrator has answered.
    Requested,
    /// A member, with its role.
    Member(GroupRole),
}

impl MemberState {
    /// The role, once a member.
    pub fn role(self) -> Option<GroupRole> {
        match self {
            MemberState::Member(role) => Some(role),
            _ => None,
        }
    }
}
