//! Our objects as other servers fetch them: a published public or unlisted event as an `Event`.

use rally_core::model::Event;
use rusqlite::{Connection, OptionalExtension};

use super::actors::{local_group, local_identity};
use super::convert::{event_to_wire, EventActors};
use super::wire;
use super::Urls;
use crate::Result;

/// The event's object, if it has a public row (drafts and private events have none).
pub fn event(conn: &Connection, urls: &Urls, id: &str) -> Result<Option<wire::Event>> {
    let json: Option<String> =
        conn.query_row("SELECT event FROM public_events WHERE id = ?1", [id], |r| r.get(0)).optional()?;
    let Some(event) = json.and_then(|json| serde_json::from_str::<Event>(&json).ok()) else { return Ok(None) };
    let Some(organizer) = local_identity(conn, &event.details.organizer_id)? else { return Ok(None) };
    let group = match &event.details.group_id {
        Some(group) => local_group(conn, group)?,
        None => None,
    };
    let organizer_url = organizer.url(urls);
    let followers = format!("{organizer_url}/followers");
    let group_url = group.map(|g| g.url(urls));
    let actors =
        EventActors { organizer: &organizer_url, organizer_followers: &followers, group: group_url.as_deref() };
    let mut object = event_to_wire(&event, &urls.event(id), &actors);
    object.context = Some(wire::context());
    Ok(Some(object))
}
