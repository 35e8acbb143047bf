//! The bridge to src-tauri: one async function per command. Arguments and results are rally-core's
//! serde types, so the two sides cannot drift apart.

use chrono::{DateTime, Utc};
use rally_core::model::{
    Account, AccountLink, AccountStatus, CalendarEntry, Credentials, Decision, ErrorBody, ErrorCode, EventFilter,
    EventInput, EventLinks, EventView, FederationSnapshot, Follow, FollowerDecision, Group, GroupDecision, GroupInput,
    GroupMembers, GroupOverview, GroupSummary, Identity, IdentityInput, ImportReport, MyGroup, Occurrence,
    OccurrenceEdit, ParticipantEntry, Participation, PendingFollower, PrivateFeed, PublicEvent, RemoteParticipation,
    Reported, SyncStatus, WithheldDocument,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::json;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], catch)]
    async fn invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;
}

pub type Reply<T> = Result<T, ErrorBody>;

fn internal(message: String) -> ErrorBody {
    ErrorBody { code: ErrorCode::Internal, message, field: None }
}

async fn call<R: DeserializeOwned>(cmd: &str, args: impl Serialize) -> Reply<R> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let args = args.serialize(&serializer).map_err(|e| internal(e.to_string()))?;
    match invoke(cmd, args).await {
        Ok(value) => serde_wasm_bindgen::from_value(value).map_err(|e| internal(format!("{cmd}: {e}"))),
        Err(err) => Err(serde_wasm_bindgen::from_value::<ErrorBody>(err.clone())
            .unwrap_or_else(|_| internal(err.as_string().unwrap_or_else(|| format!("{cmd} failed"))))),
    }
}

pub async fn list_identities() -> Reply<Vec<Identity>> {
    call("list_identities", json!({})).await
}
pub async fn create_identity(input: &IdentityInput) -> Reply<Identity> {
    call("create_identity", json!({ "input": input })).await
}
pub async fn update_identity(id: &str, input: &IdentityInput) -> Reply<Identity> {
    call("update_identity", json!({ "id": id, "input": input })).await
}
pub async fn delete_identity(id: &str) -> Reply<()> {
    call("delete_identity", json!({ "id": id })).await
}
pub async fn identity_avatar(id: &str) -> Reply<Option<String>> {
    call("identity_avatar", json!({ "id": id })).await
}
pub async fn list_events(filter: &EventFilter) -> Reply<Vec<EventView>> {
    call("list_events", json!({ "filter": filter })).await
}
pub async fn calendar(from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> Reply<Vec<CalendarEntry>> {
    call("calendar", json!({ "from": from, "to": to })).await
}
pub async fn open_link(url: &str) -> Reply<()> {
    call("open_link", json!({ "url": url })).await
}
/// The event page a `rally:` link asked to open, if one did since the last call.
pub async fn take_opened_link() -> Reply<Option<String>> {
    call("take_opened_link", json!({})).await
}
pub async fn open_saved_file(path: &str) -> Reply<()> {
    call("open_saved_file", json!({ "path": path })).await
}
pub async fn search_events(text: &str) -> Reply<Vec<EventView>> {
    call("search_events", json!({ "text": text })).await
}
pub async fn get_event(id: &str) -> Reply<EventView> {
    call("get_event", json!({ "id": id })).await
}
pub async fn event_picture(id: &str) -> Reply<Option<String>> {
    call("event_picture", json!({ "id": id })).await
}
pub async fn create_event(input: &EventInput) -> Reply<EventView> {
    call("create_event", json!({ "input": input })).await
}
pub async fn update_event(id: &str, input: &EventInput) -> Reply<EventView> {
    call("update_event", json!({ "id": id, "input": input })).await
}
pub async fn publish_event(id: &str) -> Reply<EventView> {
    call("publish_event", json!({ "id": id })).await
}
/// The first `limit` occurrences that end after `from`.
pub async fn event_occurrences(id: &str, from: DateTime<Utc>, limit: usize) -> Reply<Vec<Occurrence>> {
    call("event_occurrences", json!({ "id": id, "from": from, "to": null, "limit": limit })).await
}
/// `at`: the occurrence's original start.
pub async fn edit_occurrence(id: &str, at: DateTime<Utc>, edit: &OccurrenceEdit) -> Reply<EventView> {
    call("edit_occurrence", json!({ "id": id, "at": at.to_rfc3339(), "edit": edit })).await
}
pub async fn restore_draft(id: &str) -> Reply<EventView> {
    call("restore_draft", json!({ "id": id })).await
}
pub async fn delete_event(id: &str) -> Reply<()> {
    call("delete_event", json!({ "id": id })).await
}
pub async fn account_status() -> Reply<AccountStatus> {
    call("account_status", json!({})).await
}
pub async fn withheld_documents() -> Reply<Vec<WithheldDocument>> {
    call("withheld_documents", json!({})).await
}
pub async fn sign_up(server: &str, credentials: &Credentials) -> Reply<Account> {
    call("sign_up", json!({ "server": server, "credentials": credentials })).await
}
pub async fn log_in(server: &str, credentials: &Credentials) -> Reply<AccountLink> {
    call("log_in", json!({ "server": server, "credentials": credentials })).await
}
pub async fn log_out() -> Reply<()> {
    call("log_out", json!({})).await
}
pub async fn request_password_reset(server: &str, email: &str) -> Reply<()> {
    call("request_password_reset", json!({ "server": server, "email": email })).await
}
pub async fn sync_status() -> Reply<SyncStatus> {
    call("sync_status", json!({})).await
}

pub async fn save_event_ics(id: &str) -> Reply<String> {
    call("save_event_ics", json!({ "id": id })).await
}
/// `only`: the UIDs chosen from a preview (else every event of the file).
pub async fn import_ics(
    bytes: &[u8],
    identity: &str,
    tz: &str,
    dry_run: bool,
    only: Option<&[String]>,
) -> Reply<ImportReport> {
    call("import_ics", json!({ "bytes": bytes, "identity": identity, "tz": tz, "dryRun": dry_run, "only": only })).await
}
pub async fn event_links(id: &str) -> Reply<EventLinks> {
    call("event_links", json!({ "id": id })).await
}

pub async fn public_event(event: &str) -> Reply<PublicEvent> {
    call("public_event", json!({ "event": event })).await
}
pub async fn join_event(event: &str, identity: &str, message: &str) -> Reply<Participation> {
    call("join_event", json!({ "event": event, "identity": identity, "message": message })).await
}
pub async fn leave_event(event: &str, identity: &str) -> Reply<Participation> {
    call("leave_event", json!({ "event": event, "identity": identity })).await
}
pub async fn my_participations() -> Reply<Vec<Participation>> {
    call("my_participations", json!({})).await
}
pub async fn event_requests(id: &str) -> Reply<Vec<ParticipantEntry>> {
    call("event_requests", json!({ "id": id })).await
}
pub async fn decide(id: &str, participations: &[String], decision: Decision) -> Reply<Vec<ParticipantEntry>> {
    call("decide", json!({ "id": id, "participations": participations, "decision": decision })).await
}
pub async fn save_participants_csv(id: &str) -> Reply<String> {
    call("save_participants_csv", json!({ "id": id })).await
}
pub async fn private_feed(reset: bool) -> Reply<PrivateFeed> {
    call("private_feed", json!({ "reset": reset })).await
}

pub async fn my_groups() -> Reply<Vec<GroupOverview>> {
    call("my_groups", json!({})).await
}
pub async fn refresh_groups() -> Reply<Vec<GroupOverview>> {
    call("refresh_groups", json!({})).await
}
pub async fn create_group(founder: &str, input: &GroupInput) -> Reply<Group> {
    call("create_group", json!({ "founder": founder, "input": input })).await
}
pub async fn update_group(id: &str, input: &GroupInput) -> Reply<Group> {
    call("update_group", json!({ "id": id, "input": input })).await
}
pub async fn group_avatar(id: &str) -> Reply<Option<String>> {
    call("group_avatar", json!({ "id": id })).await
}
pub async fn group_calendar(
    id: &str,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Reply<Vec<CalendarEntry>> {
    call("group_calendar", json!({ "id": id, "from": from, "to": to })).await
}
pub async fn find_group(name: &str) -> Reply<GroupSummary> {
    call("find_group", json!({ "name": name })).await
}
pub async fn join_group(group: &str, identity: &str, message: &str) -> Reply<MyGroup> {
    call("join_group", json!({ "group": group, "identity": identity, "message": message })).await
}
pub async fn leave_group(group: &str) -> Reply<()> {
    call("leave_group", json!({ "group": group })).await
}
pub async fn group_members(group: &str) -> Reply<GroupMembers> {
    call("group_members", json!({ "group": group })).await
}
/// An administrator's decision, offline too (kept and sent with the next sync).
pub async fn decide_on_member(group: &str, decision: &GroupDecision) -> Reply<GroupMembers> {
    call("decide_on_member", json!({ "group": group, "decision": decision })).await
}
/// Whom one follows on other servers, their events, where one stands with them (offline too).
pub async fn federation_kept() -> Reply<FederationSnapshot> {
    call("federation_kept", json!({})).await
}
pub async fn follow(identity: &str, handle: &str) -> Reply<Follow> {
    call("follow", json!({ "identity": identity, "handle": handle })).await
}
pub async fn join_remote(event: &str, identity: &str, message: &str) -> Reply<RemoteParticipation> {
    call("join_remote", json!({ "event": event, "identity": identity, "message": message })).await
}
pub async fn leave_remote(event: &str, identity: &str) -> Reply<()> {
    call("leave_remote", json!({ "event": event, "identity": identity })).await
}
/// People of other servers waiting to follow a group (administrators only; needs the relay).
pub async fn group_followers(group: &str) -> Reply<Vec<PendingFollower>> {
    call("group_followers", json!({ "group": group })).await
}
pub async fn decide_follower(group: &str, decision: &FollowerDecision) -> Reply<Vec<PendingFollower>> {
    call("decide_follower", json!({ "group": group, "decision": decision })).await
}
/// Reports something to the relay's moderators as `identity` (forwarded to its own server too, for
/// something of another server, when `forward`); the report's id.
pub async fn report(identity: &str, reported: &Reported, comment: &str, forward: bool) -> Reply<String> {
    call("report", json!({ "identity": identity, "reported": reported, "comment": comment, "forward": forward })).await
}
/// A moderator's desk as last fetched (offline too): reports, log, steps waiting.
pub async fn moderation_desk() -> Reply<rally_core::model::ModerationDesk> {
    call("moderation_desk", json!({})).await
}
/// A moderation step, kept on this device and sent on the next sync.
pub async fn moderate(step: &rally_core::model::ModerationStep) -> Reply<rally_core::model::ModerationDesk> {
    call("moderate", json!({ "step": step })).await
}
