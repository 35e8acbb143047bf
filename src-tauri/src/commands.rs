//! Tauri commands: one line each over the profile, errors as `{code, message, field}`.

use std::sync::Mutex;

use base64::Engine;
use rally_core::model::{ErrorBody, EventFilter, EventInput, EventView, Identity, IdentityInput};
use rally_core::profile::Profile;
use tauri::State;

type Shared<'a> = State<'a, Mutex<Profile>>;
type Reply<T> = Result<T, ErrorBody>;

fn with<T>(profile: &Shared<'_>, f: impl FnOnce(&mut Profile) -> rally_core::Result<T>) -> Reply<T> {
    let mut guard = profile.lock().map_err(|_| ErrorBody {
        code: rally_core::model::ErrorCode::Internal,
        message: "the profile is unavailable after an earlier failure; restart Rally".into(),
        field: None,
    })?;
    f(&mut guard).map_err(|e| ErrorBody::from(&e))
}

/// Images go to the page as data URLs: no file paths, no extra protocol.
fn data_url(bytes: Option<Vec<u8>>) -> Option<String> {
    let bytes = bytes?;
    let mime = if bytes.starts_with(&[0x89, b'P', b'N', b'G']) { "image/png" } else { "image/jpeg" };
    Some(format!("data:{mime};base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes)))
}

#[tauri::command]
pub fn list_identities(profile: Shared<'_>) -> Reply<Vec<Identity>> {
    with(&profile, |p| p.identities())
}

#[tauri::command]
pub fn create_identity(profile: Shared<'_>, input: IdentityInput) -> Reply<Identity> {
    with(&profile, |p| p.create_identity(input))
}

#[tauri::command]
pub fn update_identity(profile: Shared<'_>, id: String, input: IdentityInput) -> Reply<Identity> {
    with(&profile, |p| p.update_identity(&id, input))
}

#[tauri::command]
pub fn delete_identity(profile: Shared<'_>, id: String) -> Reply<()> {
    with(&profile, |p| p.delete_identity(&id))
}

#[tauri::command]
pub fn identity_avatar(profile: Shared<'_>, id: String) -> Reply<Option<String>> {
    with(&profile, |p| p.avatar(&id)).map(data_url)
}

#[tauri::command]
pub fn list_events(profile: Shared<'_>, filter: EventFilter) -> Reply<Vec<EventView>> {
    with(&profile, |p| p.events(&filter))
}

#[tauri::command]
pub fn search_events(profile: Shared<'_>, text: String) -> Reply<Vec<EventView>> {
    with(&profile, |p| p.search_events(&text))
}

#[tauri::command]
pub fn get_event(profile: Shared<'_>, id: String) -> Reply<EventView> {
    with(&profile, |p| p.event(&id))
}

#[tauri::command]
pub fn event_picture(profile: Shared<'_>, id: String) -> Reply<Option<String>> {
    with(&profile, |p| p.event_picture(&id)).map(data_url)
}

#[tauri::command]
pub fn create_event(profile: Shared<'_>, input: EventInput) -> Reply<EventView> {
    with(&profile, |p| p.create_event(input))
}

#[tauri::command]
pub fn update_event(profile: Shared<'_>, id: String, input: EventInput) -> Reply<EventView> {
    with(&profile, |p| p.update_event(&id, input))
}

#[tauri::command]
pub fn publish_event(profile: Shared<'_>, id: String) -> Reply<EventView> {
    with(&profile, |p| p.publish_event(&id))
}

#[tauri::command]
pub fn delete_event(profile: Shared<'_>, id: String) -> Reply<()> {
    with(&profile, |p| p.delete_event(&id))
}
