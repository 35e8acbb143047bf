//! Groups: a collective with a name, an `@username` and a shared calendar. The group itself is an
//! Automerge document its administrators write; its members are identities with a role, or a pending
//! state, which the relay records (as it records participation).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ImageChange, Place, Visibility};

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

impl GroupOpenness {
    pub fn as_str(self) -> &'static str {
        match self {
            GroupOpenness::Open => "open",
            GroupOpenness::Moderated => "moderated",
            GroupOpenness::InviteOnly => "invite_only",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [GroupOpenness::Open, GroupOpenness::Moderated, GroupOpenness::InviteOnly].into_iter().find(|o| o.as_str() == s)
    }
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

    pub fn parse(s: &str) -> Option<Self> {
        [GroupRole::Administrator, GroupRole::Moderator, GroupRole::Member].into_iter().find(|r| r.as_str() == s)
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

/// A group as its document says it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub id: String,
    pub name: String,
    pub username: String,
    pub summary: String,
    pub visibility: Visibility,
    pub openness: GroupOpenness,
    pub place: Option<Place>,
    pub has_avatar: bool,
    pub has_banner: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Its automerge-repo URL.
    pub url: String,
}

impl GroupInput {
    /// The form filled with a group as it is (its images left as they are).
    pub fn from_group(g: &Group) -> GroupInput {
        let place = g.place.clone().unwrap_or_default();
        GroupInput {
            name: g.name.clone(),
            username: g.username.clone(),
            summary: g.summary.clone(),
            visibility: g.visibility,
            openness: g.openness,
            place_name: place.name,
            address: place.address,
            avatar: ImageChange::Keep,
            banner: ImageChange::Keep,
        }
    }
}

/// One of the account's groups as the relay tells it: where the account's identity stands, and the
/// documents of the group the account may sync (the group's own, and its events it may read).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyGroup {
    pub group_id: String,
    pub username: String,
    /// The group's name as last read by the relay ("" before its document arrived there).
    pub name: String,
    /// The account's identity in the group.
    pub identity_id: String,
    pub state: MemberState,
    /// Only for members: the documents they may read.
    #[serde(default)]
    pub documents: Vec<String>,
}

impl MyGroup {
    pub fn role(&self) -> Option<GroupRole> {
        self.state.role()
    }
}

/// A member, an invitation or a request, as the group's administrators see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub identity_id: String,
    pub username: String,
    pub display_name: String,
    pub state: MemberState,
    /// What a requester wrote.
    #[serde(default)]
    pub message: String,
    pub since: DateTime<Utc>,
}

/// A group found by its `@username`, as anyone on the relay may see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupSummary {
    pub group_id: String,
    pub username: String,
    pub name: String,
    pub openness: GroupOpenness,
}

/// Registers a group on the relay: its document (created on the device), the identity that founds
/// it (its first administrator) and its `@username`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateGroup {
    pub group_id: String,
    pub identity_id: String,
    pub username: String,
}

/// Joins, requests, accepts an invitation, or leaves: with which identity, and a message for a request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GroupJoin {
    pub identity_id: String,
    pub message: String,
}

/// What an administrator does to a member, a request or an invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action", content = "role")]
pub enum MemberAction {
    Approve,
    Refuse,
    Role(GroupRole),
    Remove,
}

/// An administrator invites someone by username.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupInvite {
    pub username: String,
}

/// One of the account's groups as the app lists it: where the account stands, and the group's
/// document when this device has it (an invitation's group has none yet).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupOverview {
    pub membership: MyGroup,
    pub group: Option<Group>,
}

/// A decision an administrator made on the group's members, kept on the device until the relay has
/// it (made offline, it is sent with the next sync; one another administrator made first wins).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum GroupDecision {
    Act { identity_id: String, action: MemberAction },
    Invite { username: String },
}

/// A decision waiting to be sent, with when it was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingGroupDecision {
    pub id: i64,
    pub group_id: String,
    pub decision: GroupDecision,
    pub decided_at: DateTime<Utc>,
}

/// A group's members as its page shows them: the relay's last word, decisions not sent yet, and
/// what became of decisions that did not apply.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupMembers {
    pub members: Vec<Member>,
    pub pending: Vec<PendingGroupDecision>,
    /// "Not applied: …", newest first.
    pub notes: Vec<String>,
    /// Why this is what the device last heard, when the relay could not be asked.
    #[serde(default)]
    pub offline: Option<String>,
}
