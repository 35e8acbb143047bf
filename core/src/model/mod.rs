//! The types that cross every boundary: Tauri commands, CLI JSON, and later the relay's API. One
//! definition each, used on both sides.

mod account;
mod calendar;
mod error_body;
mod event;
mod federation;
mod group;
mod identity;
mod moderation;
mod participation;
mod recurrence;
mod sync_status;
mod withheld;

pub use account::{
    Account, AccountLink, AccountStatus, Credentials, NewSession, RelayError, RelayErrorDetail, SessionInfo,
};
pub use calendar::CalendarEntry;
pub use error_body::{ErrorBody, ErrorCode};
pub use event::{
    Category, DraftFilter, Event, EventDetails, EventFilter, EventInput, EventLinks, EventStatus, EventView,
    ExportSelection, ImportReport, ImportedEvent, JoinMode, Place, ShareLink, SkippedEvent, Visibility,
};
pub use federation::{
    FederationSnapshot, Follow, FollowRequest, FollowerDecision, PendingFollower, RemoteEvent, RemoteJoinRequest,
    RemoteParticipation, RemoteParticipationStatus,
};
pub use group::{
    CreateGroup, Group, GroupDecision, GroupInput, GroupInvite, GroupJoin, GroupMembers, GroupOpenness, GroupOverview,
    GroupRole, GroupSummary, Member, MemberAction, MemberState, MyGroup, PendingGroupDecision,
};
pub use identity::{Identity, IdentityInput, ImageChange};
pub use moderation::{
    AnonymousReport, InstanceRole, Measure, MeasureRequest, ModerationAction, ModerationDesk, ModerationStep,
    NoteInput, Report, ReportInput, ReportNote, ReportState, Reported, ReportedContent, RoleGrant, StateChange,
};
pub use participation::{
    Decision, DecisionRequest, DecisionResult, EventSummary, JoinRequest, ParticipantEntry, Participation,
    ParticipationStatus, Participations, PrivateFeed, PublicEvent,
};
pub use recurrence::{
    Change, Frequency, MonthlyBy, Occurrence, OccurrenceChange, OccurrenceEdit, OccurrenceText, RepeatRule,
};
pub use sync_status::{SyncState, SyncStatus};
pub use withheld::{UsernameAvailability, WithheldDocument, WithheldReason};

/// The automerge-repo URL of a document id, so that any automerge-repo client can find it.
pub fn document_url(id: &str) -> String {
    format!("automerge:{id}")
}
