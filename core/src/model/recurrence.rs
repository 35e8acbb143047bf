use chrono::{DateTime, NaiveDate, Utc, Weekday};
use serde::{Deserialize, Serialize};

use super::Place;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

/// Which day of each month a monthly event falls on: the start's date (the 14th), or the start's
/// weekday counted in the month (`nth` 1 to 5, or -1 for the last, -2 for the one before…).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MonthlyBy {
    #[default]
    Date,
    Weekday {
        nth: i8,
    },
}

/// How an event repeats, read in its own zone: every `interval` days, weeks (on `weekdays`), months
/// or years, from its start, until a day or for a number of times (or with no end).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepeatRule {
    pub frequency: Frequency,
    #[serde(default = "one")]
    pub interval: u32,
    /// Weekly only: the days of the week it happens on (the start's day among them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub weekdays: Vec<Weekday>,
    /// Monthly only.
    #[serde(default)]
    pub monthly: MonthlyBy,
    /// The last day it may happen on (inclusive), in the event's zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<NaiveDate>,
    /// How many times it happens in all (the first one included).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
}

fn one() -> u32 {
    1
}

/// What became of one occurrence of a repeating event, keyed by the start the rule gives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OccurrenceChange {
    /// The start the occurrence has by the rule (iCalendar's RECURRENCE-ID).
    pub original_start: DateTime<Utc>,
    #[serde(flatten)]
    pub change: Change,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "change")]
pub enum Change {
    /// It does not take place.
    Cancelled,
    /// It takes place at another time.
    Moved { starts_at: DateTime<Utc>, ends_at: DateTime<Utc> },
}

/// What one occurrence of a repeating event says differently from its series: its own title,
/// description or place, as another calendar may change them (a RECURRENCE-ID VEVENT with its own
/// SUMMARY, DESCRIPTION, LOCATION). Kept per occurrence, the last word winning, as changes of time are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OccurrenceText {
    /// The start the occurrence has by the rule (iCalendar's RECURRENCE-ID).
    pub original_start: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<Place>,
}

impl OccurrenceText {
    /// The series' details as this occurrence has them.
    pub fn apply(&self, d: &mut super::EventDetails) {
        if let Some(title) = &self.title {
            d.title = title.clone();
        }
        if let Some(description) = &self.description {
            d.description = description.clone();
        }
        if let Some(place) = &self.place {
            d.place = Some(place.clone());
        }
    }
}

/// One occurrence of an event, as listings carry it: when a repeating event appears once per
/// occurrence, its `starts_at`/`ends_at` are the occurrence's and this says which one it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Occurrence {
    pub original_start: DateTime<Utc>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[serde(default)]
    pub moved: bool,
    #[serde(default)]
    pub cancelled: bool,
}

/// A change to one occurrence, as the app and the CLI ask for it. Times as typed, read in the
/// event's zone as the event form reads them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "edit")]
pub enum OccurrenceEdit {
    Cancel,
    /// Undoes a cancellation or a move.
    Restore,
    Move {
        start: String,
        end: String,
    },
}
