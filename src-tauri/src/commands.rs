//! Tauri commands: one line each over the profile or the client, errors as `{code, message, field}`.
//! Commands that write tell background sync, which pushes the change when the relay is reachable.

use base64::Engine;
use chrono::{DateTime, Utc};
use rally_client::account::{self, AccountStatus};
use rally_client::{federation, groups, participation};
use rally_core::model::{
    AccountLink, CalendarEntry, Credentials, Decision, ErrorBody, EventFilter, EventInput, EventLinks, EventView,
    FederationSnapshot, Follow, FollowerDecision, Group, GroupDecision, GroupInput, GroupMembers, GroupOverview,
    GroupSummary, Identity, IdentityInput, ImportReport, ModerationDesk, ModerationStep, MyGroup, Occurrence,
    OccurrenceEdit, ParticipantEntry, Participation, PendingFollower, PrivateFeed, PublicEvent, RemoteParticipation,
    Reported, SyncStatus, WithheldDocument,
};
use rally_core::profile::{ImportMode, Profile};
use tauri::State;
use tauri_plugin_opener::OpenerExt;

use crate::Desktop;

type Shared<'a> = State<'a, Desktop>;
type Reply<T> = Result<T, ErrorBody>;

fn unavailable() -> ErrorBody {
    ErrorBody {
        code: rally_core::model::ErrorCode::Internal,
        message: "the profile is unavailable after an earlier failure; restart Rally".into(),
        field: None,
    }
}

fn read<T>(desktop: &Shared<'_>, f: impl FnOnce(&Profile) -> rally_core::Result<T>) -> Reply<T> {
    let guard = desktop.profile.lock().map_err(|_| unavailable())?;
    f(&guard).map_err(|e| ErrorBody::from(&e))
}

fn write<T>(desktop: &Shared<'_>, f: impl FnOnce(&mut Profile) -> rally_core::Result<T>) -> Reply<T> {
    let result = {
        let mut guard = desktop.profile.lock().map_err(|_| unavailable())?;
        f(&mut guard).map_err(|e| ErrorBody::from(&e))
    };
    if result.is_ok() {
        desktop.sync.written();
    }
    result
}

/// Images go to the page as data URLs: no file paths, no extra protocol.
fn data_url(bytes: Option<Vec<u8>>) -> Option<String> {
    let bytes = bytes?;
    let mime = if bytes.starts_with(&[0x89, b'P', b'N', b'G']) { "image/png" } else { "image/jpeg" };
    Some(format!("data:{mime};base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes)))
}

#[tauri::command]
pub fn list_identities(desktop: Shared<'_>) -> Reply<Vec<Identity>> {
    read(&desktop, |p| p.identities())
}

/// A username another account claimed on the relay is refused next to the field, when the relay
/// answers; offline, a clash shows on the Account page after the next sync.
async fn check_username(desktop: &Shared<'_>, username: &str) -> Reply<()> {
    let (link, profile_id) = {
        let guard = desktop.profile.lock().map_err(|_| unavailable())?;
        (guard.account_link().map_err(|e| ErrorBody::from(&e))?, guard.profile_id().map_err(|e| ErrorBody::from(&e))?)
    };
    account::check_username(link.as_ref(), &profile_id, username).await.map_err(|e| ErrorBody::from(&e))
}

#[tauri::command]
pub async fn create_identity(desktop: Shared<'_>, input: IdentityInput) -> Reply<Identity> {
    check_username(&desktop, &input.username).await?;
    write(&desktop, |p| p.create_identity(input))
}

#[tauri::command]
pub async fn update_identity(desktop: Shared<'_>, id: String, input: IdentityInput) -> Reply<Identity> {
    let current = read(&desktop, |p| p.identity(&id))?;
    if input.username.trim() != current.username {
        check_username(&desktop, &input.username).await?;
    }
    write(&desktop, |p| p.update_identity(&id, input))
}

#[tauri::command]
pub fn delete_identity(desktop: Shared<'_>, id: String) -> Reply<()> {
    write(&desktop, |p| p.delete_identity(&id))
}

#[tauri::command]
pub fn identity_avatar(desktop: Shared<'_>, id: String) -> Reply<Option<String>> {
    read(&desktop, |p| p.avatar(&id)).map(data_url)
}

#[tauri::command]
pub fn list_events(desktop: Shared<'_>, filter: EventFilter) -> Reply<Vec<EventView>> {
    read(&desktop, |p| p.events(&filter))
}

/// What the calendar views and the list draw between two instants (open-ended where missing).
#[tauri::command]
pub fn calendar(
    desktop: Shared<'_>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Reply<Vec<CalendarEntry>> {
    read(&desktop, |p| p.calendar(from, to))
}

#[tauri::command]
pub fn search_events(desktop: Shared<'_>, text: String) -> Reply<Vec<EventView>> {
    read(&desktop, |p| p.search_events(&text))
}

#[tauri::command]
pub fn get_event(desktop: Shared<'_>, id: String) -> Reply<EventView> {
    read(&desktop, |p| p.event(&id))
}

#[tauri::command]
pub fn event_picture(desktop: Shared<'_>, id: String) -> Reply<Option<String>> {
    read(&desktop, |p| p.event_picture(&id)).map(data_url)
}

#[tauri::command]
pub fn create_event(desktop: Shared<'_>, input: EventInput) -> Reply<EventView> {
    write(&desktop, |p| p.create_event(input))
}

#[tauri::command]
pub fn update_event(desktop: Shared<'_>, id: String, input: EventInput) -> Reply<EventView> {
    write(&desktop, |p| p.update_event(&id, input))
}

#[tauri::command]
pub fn publish_event(desktop: Shared<'_>, id: String) -> Reply<EventView> {
    write(&desktop, |p| p.publish_event(&id))
}

/// Occurrences of a repeating event overlapping `[from, to)`, the first `limit` of them.
#[tauri::command]
pub fn event_occurrences(
    desktop: Shared<'_>,
    id: String,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    limit: Option<usize>,
) -> Reply<Vec<Occurrence>> {
    read(&desktop, |p| p.occurrences(&id, from, to, limit))
}

#[tauri::command]
pub fn edit_occurrence(desktop: Shared<'_>, id: String, at: String, edit: OccurrenceEdit) -> Reply<EventView> {
    write(&desktop, |p| p.edit_occurrence(&id, &at, edit))
}

/// "Undo" after deleting a draft.
#[tauri::command]
pub fn restore_draft(desktop: Shared<'_>, id: String) -> Reply<EventView> {
    write(&desktop, |p| p.restore_draft(&id))
}

#[tauri::command]
pub fn delete_event(desktop: Shared<'_>, id: String) -> Reply<()> {
    write(&desktop, |p| p.delete_event(&id))
}

#[tauri::command]
pub async fn account_status(desktop: Shared<'_>) -> Reply<AccountStatus> {
    account::status(&desktop.profile).await.map_err(|e| ErrorBody::from(&e))
}

/// The account's documents the relay shows nowhere, and why.
#[tauri::command]
pub async fn withheld_documents(desktop: Shared<'_>) -> Reply<Vec<WithheldDocument>> {
    account::withheld(&desktop.profile).await.map_err(|e| ErrorBody::from(&e))
}

#[tauri::command]
pub async fn sign_up(server: String, credentials: Credentials) -> Reply<rally_core::model::Account> {
    account::sign_up(&server, &credentials).await.map_err(|e| ErrorBody::from(&e))
}

#[tauri::command]
pub async fn log_in(desktop: Shared<'_>, server: String, credentials: Credentials) -> Reply<AccountLink> {
    let link = account::log_in(&desktop.profile, &server, &credentials).await.map_err(|e| ErrorBody::from(&e))?;
    desktop.sync.restart();
    Ok(link)
}

#[tauri::command]
pub async fn log_out(desktop: Shared<'_>) -> Reply<()> {
    account::log_out(&desktop.profile).await.map_err(|e| ErrorBody::from(&e))?;
    desktop.sync.restart();
    Ok(())
}

#[tauri::command]
pub async fn request_password_reset(server: String, email: String) -> Reply<()> {
    rally_client::relay_api::RelayApi::new(&server)
        .map_err(|e| ErrorBody::from(&e))?
        .request_password_reset(&email)
        .await
        .map_err(|e| ErrorBody::from(&e))
}

#[tauri::command]
pub fn sync_status(desktop: Shared<'_>) -> SyncStatus {
    desktop.sync.status()
}

/// "Add to calendar": the event's .ics, saved in the downloads folder; returns its path.
#[tauri::command]
pub fn save_event_ics(desktop: Shared<'_>, id: String) -> Reply<String> {
    read(&desktop, |p| p.save_event_ics(&id, &desktop.downloads)).map(|path| path.display().to_string())
}

#[tauri::command]
pub fn event_links(desktop: Shared<'_>, id: String) -> Reply<EventLinks> {
    read(&desktop, |p| p.event_links(&id))
}

/// "Import .ics": the file's events as drafts of `identity` (`dry_run`: only what would happen;
/// `only`: the UIDs chosen from the preview, else all).
#[tauri::command]
pub fn import_ics(
    desktop: Shared<'_>,
    bytes: Vec<u8>,
    identity: String,
    tz: String,
    dry_run: bool,
    only: Option<Vec<String>>,
) -> Reply<ImportReport> {
    if dry_run {
        // A dry run writes nothing, but needs the profile as writable: it checks like an import does.
        let mut guard = desktop.profile.lock().map_err(|_| unavailable())?;
        return guard.import_ics(&bytes, &identity, &tz, ImportMode::Preview).map_err(|e| ErrorBody::from(&e));
    }
    let mode = only.as_deref().map_or(ImportMode::All, ImportMode::Only);
    write(&desktop, |p| p.import_ics(&bytes, &identity, &tz, mode))
}

/// A published event on this profile's relay, to join (by its id or its page's address).
#[tauri::command]
pub async fn public_event(desktop: Shared<'_>, event: String) -> Reply<PublicEvent> {
    participation::public_event(&desktop.profile, &event).await.map_err(|e| ErrorBody::from(&e))
}

#[tauri::command]
pub async fn join_event(desktop: Shared<'_>, event: String, identity: String, message: String) -> Reply<Participation> {
    let joined =
        participation::join(&desktop.profile, &event, &identity, &message).await.map_err(|e| ErrorBody::from(&e))?;
    desktop.sync.written();
    Ok(joined)
}

#[tauri::command]
pub async fn leave_event(desktop: Shared<'_>, event: String, identity: String) -> Reply<Participation> {
    participation::leave(&desktop.profile, &event, &identity).await.map_err(|e| ErrorBody::from(&e))
}

/// This account's participations as last heard from the relay (offline too).
#[tauri::command]
pub fn my_participations(desktop: Shared<'_>) -> Reply<Vec<Participation>> {
    read(&desktop, |p| p.my_participations())
}

/// The requests to one of this profile's events, decisions not sent yet included.
#[tauri::command]
pub fn event_requests(desktop: Shared<'_>, id: String) -> Reply<Vec<ParticipantEntry>> {
    read(&desktop, |p| p.requests(&id))
}

/// Accepts or refuses requests, offline too: sync sends them.
#[tauri::command]
pub fn decide(
    desktop: Shared<'_>,
    id: String,
    participations: Vec<String>,
    decision: Decision,
) -> Reply<Vec<ParticipantEntry>> {
    write(&desktop, |p| p.decide(&id, &participations, decision))
}

/// The participant list as CSV, saved in the downloads folder; returns its path.
#[tauri::command]
pub fn save_participants_csv(desktop: Shared<'_>, id: String) -> Reply<String> {
    read(&desktop, |p| p.save_participants_csv(&id, &desktop.downloads)).map(|path| path.display().to_string())
}

#[tauri::command]
pub async fn private_feed(desktop: Shared<'_>, reset: bool) -> Reply<PrivateFeed> {
    participation::private_feed(&desktop.profile, reset).await.map_err(|e| ErrorBody::from(&e))
}

fn refused(message: String) -> ErrorBody {
    ErrorBody { code: rally_core::model::ErrorCode::Invalid, message, field: None }
}

/// A link leaves the app for the system's own handler: web pages, mail, calendar subscriptions, and
/// nothing else (a `file:` or custom-scheme link in an event's text must not start a program).
#[tauri::command]
pub fn open_link(app: tauri::AppHandle, url: String) -> Reply<()> {
    let parsed = url::Url::parse(url.trim()).map_err(|e| refused(format!("\"{url}\" is not a link: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https" | "mailto" | "webcal") {
        return Err(refused(format!("Rally opens only web, mail and calendar links, not {}: links", parsed.scheme())));
    }
    app.opener()
        .open_url(parsed.as_str(), None::<&str>)
        .map_err(|e| refused(format!("The system could not open {parsed}: {e}")))
}

/// The event page a `rally:` link asked to open, once.
#[tauri::command]
pub fn take_opened_link(desktop: Shared<'_>) -> Option<String> {
    desktop.opened.lock().unwrap_or_else(|p| p.into_inner()).take()
}

/// Opens a file Rally saved (an .ics, a CSV) with the system's program for it; only files in the
/// downloads folder Rally writes to.
#[tauri::command]
pub fn open_saved_file(app: tauri::AppHandle, desktop: Shared<'_>, path: String) -> Reply<()> {
    let inside = std::fs::canonicalize(&path)
        .ok()
        .zip(std::fs::canonicalize(&desktop.downloads).ok())
        .is_some_and(|(file, folder)| file.starts_with(folder) && file.is_file());
    if !inside {
        return Err(refused(format!("{path} is not a file Rally saved")));
    }
    app.opener().open_path(&path, None::<&str>).map_err(|e| refused(format!("The system could not open {path}: {e}")))
}

// Groups: membership through the relay (the profile keeps its last word); the group's document and
// calendar on the profile, offline too.

fn client_error(e: rally_client::Error) -> ErrorBody {
    ErrorBody::from(&e)
}

/// The account's groups, invitations and requests, as last heard (offline too).
#[tauri::command]
pub fn my_groups(desktop: Shared<'_>) -> Reply<Vec<GroupOverview>> {
    read(&desktop, |p| p.group_overviews())
}

/// Asks the relay again, then answers as [`my_groups`].
#[tauri::command]
pub async fn refresh_groups(desktop: Shared<'_>) -> Reply<Vec<GroupOverview>> {
    groups::refresh(&desktop.profile).await.map_err(client_error)?;
    desktop.sync.written();
    read(&desktop, |p| p.group_overviews())
}

#[tauri::command]
pub async fn create_group(desktop: Shared<'_>, founder: String, input: GroupInput) -> Reply<Group> {
    let created = groups::create(&desktop.profile, &founder, input, GROUP_SETTLE).await.map_err(client_error)?;
    desktop.sync.written();
    Ok(created)
}

/// How long creating a group waits for an identity made offline to reach the relay.
const GROUP_SETTLE: std::time::Duration = std::time::Duration::from_secs(15);

#[tauri::command]
pub fn update_group(desktop: Shared<'_>, id: String, input: GroupInput) -> Reply<Group> {
    write(&desktop, |p| p.update_group(&id, input))
}

#[tauri::command]
pub fn group_avatar(desktop: Shared<'_>, id: String) -> Reply<Option<String>> {
    read(&desktop, |p| p.group_image(&id, "avatar")).map(data_url)
}

#[tauri::command]
pub fn group_calendar(
    desktop: Shared<'_>,
    id: String,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Reply<Vec<CalendarEntry>> {
    read(&desktop, |p| p.group_calendar(&id, from, to))
}

#[tauri::command]
pub async fn find_group(desktop: Shared<'_>, name: String) -> Reply<GroupSummary> {
    groups::find(&desktop.profile, &name).await.map_err(client_error)
}

/// Joins an open group, asks to join a moderated one, or accepts an invitation.
#[tauri::command]
pub async fn join_group(desktop: Shared<'_>, group: String, identity: String, message: String) -> Reply<MyGroup> {
    let joined = groups::join(&desktop.profile, &group, &identity, &message).await.map_err(client_error)?;
    desktop.sync.written();
    Ok(joined)
}

/// Leaves a group, declines an invitation, or takes back a request.
#[tauri::command]
pub async fn leave_group(desktop: Shared<'_>, group: String) -> Reply<()> {
    groups::leave(&desktop.profile, &group).await.map_err(client_error)
}

/// A group's members: the relay's list, or offline the list last heard.
#[tauri::command]
pub async fn group_members(desktop: Shared<'_>, group: String) -> Reply<GroupMembers> {
    groups::members(&desktop.profile, &group).await.map_err(client_error)
}

/// An administrator's decision (an invitation, approving, refusing, a role, removal), offline too:
/// kept and sent with the next sync.
#[tauri::command]
pub async fn decide_on_member(desktop: Shared<'_>, group: String, decision: GroupDecision) -> Reply<GroupMembers> {
    let after = groups::decide(&desktop.profile, &group, decision).await.map_err(client_error)?;
    desktop.sync.written();
    Ok(after)
}

/// Whom this account's identities follow on other servers, their events and where one stands with
/// them, as the relay last said (offline too).
#[tauri::command]
pub fn federation_kept(desktop: Shared<'_>) -> Reply<FederationSnapshot> {
    read(&desktop, |p| p.federation_kept())
}

/// `identity` follows someone of another server, by `@name@host` or their page's address.
#[tauri::command]
pub async fn follow(desktop: Shared<'_>, identity: String, handle: String) -> Reply<Follow> {
    federation::follow(&desktop.profile, &identity, &handle).await.map_err(client_error)
}

/// Asks to join another server's event as `identity` (its server answers later).
#[tauri::command]
pub async fn join_remote(
    desktop: Shared<'_>,
    event: String,
    identity: String,
    message: String,
) -> Reply<RemoteParticipation> {
    federation::join(&desktop.profile, &event, &identity, &message).await.map_err(client_error)
}

#[tauri::command]
pub async fn leave_remote(desktop: Shared<'_>, event: String, identity: String) -> Reply<()> {
    federation::leave(&desktop.profile, &event, &identity).await.map_err(client_error)
}

/// People of other servers waiting to follow a group (its administrators only; needs the relay).
#[tauri::command]
pub async fn group_followers(desktop: Shared<'_>, group: String) -> Reply<Vec<PendingFollower>> {
    groups::followers(&desktop.profile, &group).await.map_err(client_error)
}

#[tauri::command]
pub async fn decide_follower(
    desktop: Shared<'_>,
    group: String,
    decision: FollowerDecision,
) -> Reply<Vec<PendingFollower>> {
    groups::decide_follower(&desktop.profile, &group, &decision).await.map_err(client_error)
}

/// A moderator's desk: the reports, the log and the steps waiting, as last fetched (offline too).
#[tauri::command]
pub fn moderation_desk(desktop: Shared<'_>) -> Reply<ModerationDesk> {
    read(&desktop, |p| p.moderation_desk())
}

/// A moderation step (a measure, a note, a report closed): kept here and sent on the next sync, at
/// once when the relay is reachable.
#[tauri::command]
pub fn moderate(desktop: Shared<'_>, step: ModerationStep) -> Reply<ModerationDesk> {
    write(&desktop, |p| {
        p.queue_moderation(&step)?;
        p.moderation_desk()
    })
}

/// Reports something to the relay's moderators as one of this profile's identities; the report's id.
#[tauri::command]
pub async fn report(
    desktop: Shared<'_>,
    identity: String,
    reported: Reported,
    comment: String,
    forward: bool,
) -> Reply<String> {
    rally_client::moderation::report(&desktop.profile, &identity, reported, &comment, forward)
        .await
        .map_err(client_error)
}
