use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ImageChange, Occurrence, OccurrenceChange, OccurrenceText, RepeatRule};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    Tentative,
    #[default]
    Confirmed,
    Cancelled,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    #[default]
    Public,
    Unlisted,
    Private,
}

/// How people join: at once, on the organizer's approval, on invitation, or on another site.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinMode {
    #[default]
    Free,
    Approval,
    Invite,
    External,
}

/// Mobilizon's event categories, so that federated events keep theirs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Category {
    Arts,
    BookClubs,
    Business,
    Causes,
    Comedy,
    Crafts,
    FoodDrink,
    Health,
    Music,
    AutoBoatAir,
    Community,
    FamilyEducation,
    FashionBeauty,
    FilmMedia,
    Games,
    LanguageCulture,
    Learning,
    Lgbtq,
    MovementsPolitics,
    Networking,
    Party,
    PerformingVisualArts,
    Pets,
    Photography,
    OutdoorsAdventure,
    SpiritualityReligionBeliefs,
    ScienceTech,
    Sports,
    Theatre,
    Meeting,
}

macro_rules! names {
    ($t:ty { $($v:ident => $s:literal),* $(,)? }) => {
        impl $t {
            pub const ALL: &'static [$t] = &[$(<$t>::$v),*];
            /// The name used on the wire, in the CLI and in documents.
            pub fn as_str(self) -> &'static str {
                match self { $(<$t>::$v => $s),* }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some(<$t>::$v),)* _ => None }
            }
        }
    };
}

names!(EventStatus { Tentative => "tentative", Confirmed => "confirmed", Cancelled => "cancelled" });
names!(Visibility { Public => "public", Unlisted => "unlisted", Private => "private" });
names!(JoinMode { Free => "free", Approval => "approval", Invite => "invite", External => "external" });
names!(Category {
    Arts => "ARTS", BookClubs => "BOOK_CLUBS", Business => "BUSINESS", Causes => "CAUSES",
    Comedy => "COMEDY", Crafts => "CRAFTS", FoodDrink => "FOOD_DRINK", Health => "HEALTH",
    Music => "MUSIC", AutoBoatAir => "AUTO_BOAT_AIR", Community => "COMMUNITY",
    FamilyEducation => "FAMILY_EDUCATION", FashionBeauty => "FASHION_BEAUTY", FilmMedia => "FILM_MEDIA",
    Games => "GAMES", LanguageCulture => "LANGUAGE_CULTURE", Learning => "LEARNING", Lgbtq => "LGBTQ",
    MovementsPolitics => "MOVEMENTS_POLITICS", Networking => "NETWORKING", Party => "PARTY",
    PerformingVisualArts => "PERFORMING_VISUAL_ARTS", Pets => "PETS", Photography => "PHOTOGRAPHY",
    OutdoorsAdventure => "OUTDOORS_ADVENTURE", SpiritualityReligionBeliefs => "SPIRITUALITY_RELIGION_BELIEFS",
    ScienceTech => "SCIENCE_TECH", Sports => "SPORTS", Theatre => "THEATRE", Meeting => "MEETING",
});

/// Where an event happens, when it happens somewhere.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Place {
    pub name: String,
    pub address: String,
    #[serde(default)]
    pub latitude: Option<f64>,
    #[serde(default)]
    pub longitude: Option<f64>,
}

impl Place {
    /// "Maison de quartier, Rue Haute 1, Bruxelles": the name and the address that are given.
    pub fn one_line(&self) -> String {
        [self.name.as_str(), self.address.as_str()].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(", ")
    }
}

/// Everything about an event that its organizer edits: validated, typed, as kept in its document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventDetails {
    /// Document id of the organizing identity.
    pub organizer_id: String,
    /// The group it belongs to (Mobilizon's `attributedTo`): its editors write it, its members read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    pub title: String,
    pub description: String,
    pub starts_at: DateTime<Utc>,
    /// Exclusive. For an all-day event, local midnight after its last day.
    pub ends_at: DateTime<Utc>,
    /// IANA zone the event is held in; times are shown in it.
    pub timezone: String,
    pub all_day: bool,
    pub place: Option<Place>,
    pub online_url: Option<String>,
    pub status: EventStatus,
    pub visibility: Visibility,
    pub draft: bool,
    pub join_mode: JoinMode,
    /// Where to register when `join_mode` is external.
    pub registration_url: Option<String>,
    pub capacity: Option<u32>,
    /// When full: `true` puts further participants on a waiting list that moves up when someone
    /// leaves; `false` refuses them.
    #[serde(default)]
    pub waiting_list: bool,
    /// People without an account may take part from the public page, with a confirmed email address.
    #[serde(default)]
    pub anonymous_participation: bool,
    pub tags: Vec<String>,
    pub category: Option<Category>,
    /// How it repeats, if it does. `starts_at`/`ends_at` are then its first occurrence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat: Option<RepeatRule>,
    /// Further starts beside the rule's (iCalendar's RDATE), each as long as the first occurrence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_starts: Vec<DateTime<Utc>>,
    /// Occurrences cancelled or moved, in order of their original start.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub occurrence_changes: Vec<OccurrenceChange>,
    /// Occurrences with their own title, description or place, in order of their original start.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub occurrence_texts: Vec<OccurrenceText>,
}

impl EventDetails {
    /// True for an event with more than one occurrence (a rule, or further starts).
    pub fn repeats(&self) -> bool {
        self.repeat.is_some() || !self.extra_starts.is_empty()
    }
}

/// An event as stored: its details plus what the store knows about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub id: String,
    #[serde(flatten)]
    pub details: EventDetails,
    pub has_picture: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// How many times it changed after its creation (iCalendar's SEQUENCE).
    #[serde(default)]
    pub sequence: u32,
    /// Its UID in the calendar file it was imported from.
    #[serde(default)]
    pub source_uid: Option<String>,
}

/// An event as shown: with its organizer's username and its document URL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventView {
    #[serde(flatten)]
    pub event: Event,
    /// The organizer's username, or "" if that identity is gone from this profile.
    pub organizer: String,
    pub url: String,
    /// In listings, a repeating event appears once per occurrence: `event.details` then carries that
    /// occurrence's times, and this says which occurrence it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurrence: Option<Occurrence>,
    /// A group's event this profile may only read (its account is not one of the group's editors).
    #[serde(default)]
    pub read_only: bool,
    /// The group it belongs to, by `@username`, when this profile knows the group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

/// The event form as typed: times as text (RFC 3339, a local `YYYY-MM-DDTHH:MM` in `timezone`, or a
/// date for all-day events), optional parts as empty strings. [`crate::validate::event`] turns it into
/// [`EventDetails`] or names the field at fault.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventInput {
    pub organizer_id: String,
    /// The group it belongs to, by document id; empty for none.
    pub group_id: String,
    pub title: String,
    pub description: String,
    pub start: String,
    /// For an all-day event, the last day (inclusive), as people say it.
    pub end: String,
    pub timezone: String,
    pub all_day: bool,
    pub place_name: String,
    pub address: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub online_url: String,
    pub status: EventStatus,
    pub visibility: Visibility,
    pub draft: bool,
    pub join_mode: JoinMode,
    pub registration_url: String,
    pub capacity: Option<u32>,
    pub waiting_list: bool,
    pub anonymous_participation: bool,
    pub tags: Vec<String>,
    pub category: Option<Category>,
    pub repeat: Option<RepeatRule>,
    pub extra_starts: Vec<DateTime<Utc>>,
    pub occurrence_changes: Vec<OccurrenceChange>,
    pub occurrence_texts: Vec<OccurrenceText>,
    pub picture: ImageChange,
}

impl EventInput {
    /// The form pre-filled from an event, times written as local times in its zone.
    pub fn from_event(event: &Event) -> Self {
        Self::from_details(&event.details)
    }

    /// The form pre-filled from an event's details.
    pub fn from_details(d: &EventDetails) -> Self {
        let (start, end) = crate::when::to_form(d.starts_at, d.ends_at, &d.timezone, d.all_day);
        let place = d.place.clone().unwrap_or_default();
        EventInput {
            organizer_id: d.organizer_id.clone(),
            group_id: d.group_id.clone().unwrap_or_default(),
            title: d.title.clone(),
            description: d.description.clone(),
            start,
            end,
            timezone: d.timezone.clone(),
            all_day: d.all_day,
            place_name: place.name,
            address: place.address,
            latitude: place.latitude,
            longitude: place.longitude,
            online_url: d.online_url.clone().unwrap_or_default(),
            status: d.status,
            visibility: d.visibility,
            draft: d.draft,
            join_mode: d.join_mode,
            registration_url: d.registration_url.clone().unwrap_or_default(),
            capacity: d.capacity,
            waiting_list: d.waiting_list,
            anonymous_participation: d.anonymous_participation,
            tags: d.tags.clone(),
            category: d.category,
            repeat: d.repeat.clone(),
            extra_starts: d.extra_starts.clone(),
            occurrence_changes: d.occurrence_changes.clone(),
            occurrence_texts: d.occurrence_texts.clone(),
            picture: ImageChange::Keep,
        }
    }
}

/// Which drafts a listing includes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DraftFilter {
    #[default]
    Include,
    Only,
    Exclude,
}

/// A listing: events that overlap `[from, to)`, in start order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventFilter {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub drafts: DraftFilter,
    pub organizer_id: Option<String>,
    /// Only the events of this group.
    pub group_id: Option<String>,
    /// Newest first (for "past" lists).
    pub descending: bool,
    pub limit: Option<u32>,
    /// One row per event, a repeating one at its first occurrence (drafts, exports), instead of one
    /// row per occurrence in the range.
    pub series: bool,
}

/// Which events an export holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "key")]
pub enum ExportSelection {
    Event(String),
    /// An identity's events, by username or id.
    Identity(String),
    All,
}

/// Where an event can be reached and shared from, for its page in the app.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventLinks {
    /// Its public page on the relay: published, not private, and the profile logged in to a relay.
    pub page: Option<String>,
    /// Its .ics on the relay, under the same conditions.
    pub ics: Option<String>,
    /// The organizer's feed on the relay (public events only), as https and as webcal.
    pub feed_https: Option<String>,
    pub feed_webcal: Option<String>,
    /// Share by mail: title, time, place and (when there is one) the public link.
    pub mailto: String,
    /// The text a share carries, for networks whose address needs an instance (Mastodon).
    pub share_text: String,
    /// Networks whose share address is known, when there is a public link.
    pub networks: Vec<ShareLink>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareLink {
    pub name: String,
    pub url: String,
}

/// What an import did, or would do (`--dry-run`): each event with its UID in the file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportReport {
    /// Imported as drafts (with their new id), or to be imported on a dry run (no id).
    pub imported: Vec<ImportedEvent>,
    /// Already imported before (same UID, same identity): left as they are.
    pub already_there: Vec<ImportedEvent>,
    /// Not imported, each with the reason.
    pub skipped: Vec<SkippedEvent>,
    /// Lines of the file that were left out, each named ("line 12: …").
    pub skipped_lines: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportedEvent {
    pub uid: String,
    pub id: Option<String>,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    #[serde(default)]
    pub all_day: bool,
    /// Its IANA zone (an all-day event's days are its own).
    #[serde(default)]
    pub timezone: String,
    /// How it repeats, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeats: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkippedEvent {
    pub uid: Option<String>,
    pub title: Option<String>,
    pub reason: String,
}
