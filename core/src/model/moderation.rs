//! Moderation on a relay, as its API and its clients exchange it: instance roles and the action log.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What an account may do on its relay beyond its own things.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstanceRole {
    #[default]
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

/// What a report is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Reported {
    /// An identity, by document id.
    Identity(String),
    /// A published event, by document id.
    Event(String),
    /// A group, by document id.
    Group(String),
    /// An event or a person of another server, by its ActivityPub id (as this relay received it).
    Remote(String),
}

/// `POST /api/v1/reports`: one of the account's identities reports something, with a comment and,
/// optionally, some of the reported person's events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportInput {
    pub reporter_identity: String,
    pub reported: Reported,
    pub comment: String,
    #[serde(default)]
    pub events: Vec<String>,
    /// For something of another server: send the report there too (a `Flag` from this relay's
    /// instance actor, with the comment but not who reported), as Mastodon and Mobilizon offer.
    #[serde(default)]
    pub forward: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    Open,
    Resolved,
    Closed,
}

impl ReportState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Open, Self::Resolved, Self::Closed].into_iter().find(|r| r.as_str() == s)
    }
}

/// The reported content as it was when reported (its author may edit or delete it since).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportedContent {
    /// An event's title, an identity's or a group's name.
    pub title: String,
    /// An event's description, a group's summary.
    pub text: String,
    /// `@username` of its author (an event's organizer, the identity itself, the group).
    pub author: String,
}

/// A moderator's note on a report, for the other moderators.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportNote {
    pub at: DateTime<Utc>,
    pub by: String,
    pub text: String,
}

/// A report as moderators read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub id: String,
    pub state: ReportState,
    pub reported: Reported,
    pub content: ReportedContent,
    /// Who reported: `@username` of an identity here (shown to moderators only).
    pub reporter: String,
    pub comment: String,
    /// The reported person's events the reporter chose too, as they were.
    pub events: Vec<ReportedContent>,
    pub created_at: DateTime<Utc>,
    pub notes: Vec<ReportNote>,
    /// The server it was forwarded to, if it was.
    #[serde(default)]
    pub forwarded_to: Option<String>,
}

/// `POST /api/v1/moderation/reports/{id}/notes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoteInput {
    pub text: String,
}

/// `POST /api/v1/moderation/reports/{id}/state`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateChange {
    pub state: ReportState,
    #[serde(default)]
    pub reason: String,
}

/// What moderators do to content or to an account. Each is undone by its `Restore…` twin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// An event leaves pages, feeds, federation and other accounts' sync; its writers keep it, marked.
    HideEvent,
    RestoreEvent,
    /// An identity and the events it organizes are hidden so.
    SuspendIdentity,
    RestoreIdentity,
    /// The account of an identity cannot log in or sync, and everything it published is hidden.
    SuspendAccount,
    RestoreAccount,
    /// A person of another server (target: their actor, or one of their events, by URL): their
    /// activities are refused at the inbox, and their events leave this relay.
    SuspendRemote,
    RestoreRemote,
    /// An event deleted for good: the relay marks it deleted (its writers' devices get the mark),
    /// and it stays hidden if anyone brings it back. No twin.
    DeleteEvent,
}

impl Measure {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HideEvent => "hide_event",
            Self::RestoreEvent => "restore_event",
            Self::SuspendIdentity => "suspend_identity",
            Self::RestoreIdentity => "restore_identity",
            Self::SuspendAccount => "suspend_account",
            Self::RestoreAccount => "restore_account",
            Self::SuspendRemote => "suspend_remote",
            Self::RestoreRemote => "restore_remote",
            Self::DeleteEvent => "delete_event",
        }
    }

    /// Whether it takes something away (as opposed to giving it back).
    pub fn hides(self) -> bool {
        matches!(
            self,
            Self::HideEvent | Self::SuspendIdentity | Self::SuspendAccount | Self::SuspendRemote | Self::DeleteEvent
        )
    }
}

/// `POST /api/v1/moderation/measures`: a measure on an event (its id) or an identity (its id; for an
/// account, one of its identities), with a reason its author is told. Taken from a report, it
/// resolves the report, and only while the report is open: of two moderators acting on one report
/// (one of them offline), the first wins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeasureRequest {
    pub measure: Measure,
    pub target: String,
    pub reason: String,
    #[serde(default)]
    pub report: Option<String>,
}

/// `POST /api/v1/events/{id}/report`: someone without an account reports a public event from its
/// page; the report counts once the address confirms it by the mailed link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnonymousReport {
    pub email: String,
    pub comment: String,
}

impl InstanceRole {
    pub fn moderates(self) -> bool {
        self != InstanceRole::User
    }
}

/// One thing a moderator does from the app. Taken offline, it waits on the device and is sent on
/// the next sync; the relay applies the first decision on a report, and says why it refused a later one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum ModerationStep {
    Measure(MeasureRequest),
    Note { report: String, text: String },
    State { report: String, change: StateChange },
}

impl ModerationStep {
    /// The report it is about, if any.
    pub fn report(&self) -> Option<&str> {
        match self {
            Self::Measure(m) => m.report.as_deref(),
            Self::Note { report, .. } | Self::State { report, .. } => Some(report),
        }
    }
}

/// What a moderator's device keeps of the relay's moderation, to read offline: its role, the
/// reports and the log as last fetched, the steps taken here and not sent yet, and why the relay
/// refused the ones it did not apply.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModerationDesk {
    pub role: InstanceRole,
    pub reports: Vec<Report>,
    pub log: Vec<ModerationAction>,
    pub pending: Vec<ModerationStep>,
    pub not_applied: Vec<String>,
    pub fetched_at: Option<DateTime<Utc>>,
}
