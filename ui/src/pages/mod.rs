mod account;
mod event_editor;
mod event_page;
mod events;
mod following;
mod group;
mod groups;
mod identities;
mod import;
mod moderation;
mod take_part;

pub use account::AccountPage;
pub use event_editor::EventEditor;
pub use event_page::EventPage;
pub use events::EventsPage;
pub use following::{FollowingPage, RemoteEventPage};
pub use group::GroupPage;
pub use groups::GroupsPage;
pub use identities::IdentitiesPage;
pub use import::ImportPage;
pub use moderation::ModerationPage;
pub use take_part::TakePartPage;

/// Reads a file picked in an `<input type=file>` into bytes.
pub async fn read_picked_file(input: &web_sys::HtmlInputElement) -> Option<Result<Vec<u8>, String>> {
    let file = input.files()?.get(0)?;
    let file = gloo_file::File::from(file);
    Some(gloo_file::futures::read_as_bytes(&file).await.map_err(|e| e.to_string()))
}
