//! What a calendar view draws: one entry per occurrence, with the marks that tell kinds apart.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Category, EventStatus, EventView, ParticipationStatus};

/// One occurrence of an event in a calendar: a profile's own events (drafts included), the events
/// its identities take part in, and later a group's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalendarEntry {
    pub event_id: String,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub all_day: bool,
    /// The event's IANA zone: an all-day event covers its own days in it.
    pub timezone: String,
    /// For a repeating event, the original start of this occurrence.
    #[serde(default)]
    pub occurrence: Option<DateTime<Utc>>,
    #[serde(default)]
    pub repeats: bool,
    /// Organized by one of this profile's identities, or a group's this profile edits.
    #[serde(default)]
    pub mine: bool,
    /// The group it belongs to, by `@username`.
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub draft: bool,
    #[serde(default)]
    pub cancelled: bool,
    /// Where one of this profile's identities stands, when it takes part.
    #[serde(default)]
    pub taking_part: Option<ParticipationStatus>,
    /// The organizing identity's username.
    #[serde(default)]
    pub organizer: String,
    #[serde(default)]
    pub place: Option<String>,
    #[serde(default)]
    pub online: bool,
    #[serde(default)]
    pub category: Option<Category>,
    /// The event has a picture (the app asks for it by `event_id`).
    #[serde(default)]
    pub has_picture: bool,
    /// For another's event one takes part in: its public page, where it is read and left.
    #[serde(default)]
    pub page: Option<String>,
    /// An event of another server, from someone one of this profile's identities follows.
    #[serde(default)]
    pub remote: bool,
}

impl CalendarEntry {
    /// The entry of one of this profile's own events, at the occurrence the view carries.
    pub fn from_view(v: &EventView) -> CalendarEntry {
        let d = &v.event.details;
        CalendarEntry {
            event_id: v.event.id.clone(),
            title: d.title.clone(),
            starts_at: d.starts_at,
            ends_at: d.ends_at,
            all_day: d.all_day,
            timezone: d.timezone.clone(),
            occurrence: v.occurrence.as_ref().map(|o| o.original_start),
            repeats: d.repeats(),
            mine: !v.read_only,
            group: v.group.clone(),
            draft: d.draft,
            cancelled: d.status == EventStatus::Cancelled || v.occurrence.as_ref().is_some_and(|o| o.cancelled),
            taking_part: None,
            organizer: v.organizer.clone(),
            place: d.place.as_ref().map(|p| p.one_line()),
            online: d.online_url.is_some(),
            category: d.category,
            has_picture: v.event.has_picture,
            page: None,
            remote: false,
        }
    }
}

impl CalendarEntry {
    /// The entry of another server's event, with where this profile's identities stand with it.
    pub fn from_remote(e: &super::RemoteEvent, taking_part: Option<ParticipationStatus>) -> CalendarEntry {
        let d = &e.event.details;
        CalendarEntry {
            event_id: e.event.id.clone(),
            title: d.title.clone(),
            starts_at: d.starts_at,
            ends_at: d.ends_at,
            all_day: d.all_day,
            timezone: d.timezone.clone(),
            occurrence: None,
            repeats: false,
            mine: false,
            // Without the leading `@`, as local usernames are: views add it.
            group: e.group.as_ref().map(|g| g.trim_start_matches('@').to_string()),
            draft: false,
            cancelled: d.status == EventStatus::Cancelled,
            taking_part,
            organizer: e.organizer.trim_start_matches('@').to_string(),
            place: d.place.as_ref().map(|p| p.one_line()),
            online: d.online_url.is_some(),
            category: d.category,
            has_picture: false,
            page: Some(e.url.clone()),
            remote: true,
        }
    }
}
