//! The Automerge schema: the only code that knows document keys. Each identity and each event is one
//! document; the store keeps their bytes and indexes what [`read_identity`] and [`read_event`] return.
//!
//! Writes put only the keys whose value changed, so that two devices editing different fields of the
//! same event offline both keep their edit when the documents merge. The description is Automerge
//! Text and is edited by splicing the changed span, so concurrent edits of the prose merge too.
//! Reads accept a string as either a scalar or Text: JavaScript Automerge 3 writes Text.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ReadDoc, ScalarValue, Value, ROOT};
use chrono::{DateTime, TimeZone, Utc};

use crate::model::{
    Category, Change, Event, EventDetails, EventStatus, Frequency, Group, GroupOpenness, Identity, ImageChange,
    JoinMode, MonthlyBy, OccurrenceChange, OccurrenceText, Place, RepeatRule, Visibility,
};
use crate::validate::{GroupText, IdentityText};
use crate::{Error, Result};

/// Bumped when the meaning of a key changes; readers refuse documents from a newer schema.
pub const SCHEMA_VERSION: u64 = 1;

/// What a document holds, written under the key `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Identity,
    Event,
    /// An account's root document: the ids of every document of the account, so that a new device
    /// finds them all.
    Account,
    /// A group: its name, `@username`, summary, settings and images (its members are the relay's).
    Group,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Identity => "identity",
            Kind::Event => "event",
            Kind::Account => "account",
            Kind::Group => "group",
        }
    }
}

/// A new automerge-repo document id: base58check of 16 random bytes.
pub fn new_id() -> String {
    let bytes: [u8; 16] = rand::random();
    bs58::encode(bytes).with_check().into_string()
}

/// True for a well-formed automerge-repo document id.
pub fn is_id(text: &str) -> bool {
    matches!(bs58::decode(text).with_check(None).into_vec(), Ok(bytes) if bytes.len() == 16)
}

/// Starts a document of `kind`.
pub fn create(kind: Kind, now: DateTime<Utc>) -> Result<AutoCommit> {
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "type", kind.as_str())?;
    doc.put(ROOT, "schema", SCHEMA_VERSION)?;
    doc.put(ROOT, "created_at", ScalarValue::Timestamp(now.timestamp_millis()))?;
    Ok(doc)
}

/// The kind of a stored document, checking its schema version.
pub fn kind(doc: &AutoCommit, id: &str) -> Result<Kind> {
    let schema = match doc.get(ROOT, "schema")? {
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Uint(v) => *v,
            ScalarValue::Int(v) => u64::try_from(*v).unwrap_or(0),
            _ => 0,
        },
        _ => 0,
    };
    if schema > SCHEMA_VERSION {
        return Err(damaged(id, format!("written by a newer Rally (schema {schema})")));
    }
    match read_str(doc, &ROOT, "type")?.as_deref() {
        Some("identity") => Ok(Kind::Identity),
        Some("event") => Ok(Kind::Event),
        Some("account") => Ok(Kind::Account),
        Some("group") => Ok(Kind::Group),
        other => Err(damaged(id, format!("unknown document type {other:?}"))),
    }
}

pub fn write_identity(
    doc: &mut AutoCommit,
    text: &IdentityText,
    avatar: &ImageChange,
    now: DateTime<Utc>,
) -> Result<()> {
    put_str(doc, &ROOT, "username", &text.username)?;
    put_str(doc, &ROOT, "display_name", &text.display_name)?;
    put_str(doc, &ROOT, "bio", &text.bio)?;
    put_image(doc, "avatar", avatar)?;
    touch(doc, now)
}

pub fn read_identity(doc: &AutoCommit, id: &str) -> Result<Identity> {
    Ok(Identity {
        id: id.to_string(),
        username: required_str(doc, id, "username")?,
        display_name: read_str(doc, &ROOT, "display_name")?.unwrap_or_default(),
        bio: read_str(doc, &ROOT, "bio")?.unwrap_or_default(),
        has_avatar: read_bytes(doc, "avatar")?.is_some(),
        created_at: read_time(doc, id, "created_at")?,
        updated_at: read_time(doc, id, "updated_at")?,
        url: crate::model::document_url(id),
    })
}

/// A group's settings. Its username is written once, at creation: the relay registered it.
pub fn write_group(
    doc: &mut AutoCommit,
    text: &GroupText,
    settings: (Visibility, GroupOpenness),
    images: (&ImageChange, &ImageChange),
    now: DateTime<Utc>,
) -> Result<()> {
    put_str(doc, &ROOT, "name", &text.name)?;
    if doc.get(ROOT, "username")?.is_none() {
        put_str(doc, &ROOT, "username", &text.username)?;
    }
    put_text(doc, "summary", &text.summary)?;
    put_str(doc, &ROOT, "visibility", settings.0.as_str())?;
    put_str(doc, &ROOT, "openness", settings.1.as_str())?;
    put_place(doc, text.place.as_ref())?;
    put_image(doc, "avatar", images.0)?;
    put_image(doc, "banner", images.1)?;
    touch(doc, now)
}

pub fn read_group(doc: &AutoCommit, id: &str) -> Result<Group> {
    let visibility = required_str(doc, id, "visibility")?;
    let openness = required_str(doc, id, "openness")?;
    Ok(Group {
        id: id.to_string(),
        name: required_str(doc, id, "name")?,
        username: required_str(doc, id, "username")?,
        summary: read_str(doc, &ROOT, "summary")?.unwrap_or_default(),
        visibility: Visibility::parse(&visibility)
            .ok_or_else(|| damaged(id, format!("unknown visibility {visibility}")))?,
        openness: GroupOpenness::parse(&openness).ok_or_else(|| damaged(id, format!("unknown openness {openness}")))?,
        place: read_place(doc)?,
        has_avatar: read_bytes(doc, "avatar")?.is_some(),
        has_banner: read_bytes(doc, "banner")?.is_some(),
        created_at: read_time(doc, id, "created_at")?,
        updated_at: read_time(doc, id, "updated_at")?,
        url: crate::model::document_url(id),
    })
}

fn put_place(doc: &mut AutoCommit, place: Option<&Place>) -> Result<()> {
    match place {
        None => delete_key(doc, &ROOT, "place"),
        Some(place) => {
            let obj = match doc.get(ROOT, "place")? {
                Some((Value::Object(ObjType::Map), obj)) => obj,
                _ => doc.put_object(ROOT, "place", ObjType::Map)?,
            };
            put_str(doc, &obj, "name", &place.name)?;
            put_str(doc, &obj, "address", &place.address)?;
            put_optional(doc, &obj, "latitude", place.latitude.map(ScalarValue::F64))?;
            put_optional(doc, &obj, "longitude", place.longitude.map(ScalarValue::F64))
        }
    }
}

fn read_place(doc: &AutoCommit) -> Result<Option<Place>> {
    Ok(match doc.get(ROOT, "place")? {
        Some((Value::Object(ObjType::Map), obj)) => Some(Place {
            name: read_str(doc, &obj, "name")?.unwrap_or_default(),
            address: read_str(doc, &obj, "address")?.unwrap_or_default(),
            latitude: read_f64(doc, &obj, "latitude")?,
            longitude: read_f64(doc, &obj, "longitude")?,
        }),
        _ => None,
    })
}

pub fn write_event(doc: &mut AutoCommit, d: &EventDetails, picture: &ImageChange, now: DateTime<Utc>) -> Result<()> {
    let edit = doc.get(ROOT, "updated_at")?.is_some();
    if !edit {
        // Sets that devices add to apart exist from the start: two devices that each created one
        // would conflict on the key, and one device's members would be lost in the merge.
        for key in ["extra_starts", "occurrences", "occurrence_texts"] {
            doc.put_object(ROOT, key, ObjType::Map)?;
        }
    }
    put_str(doc, &ROOT, "organizer_id", &d.organizer_id)?;
    put_str(doc, &ROOT, "title", &d.title)?;
    put_text(doc, "description", &d.description)?;
    put_scalar(doc, &ROOT, "starts_at", ScalarValue::Timestamp(d.starts_at.timestamp_millis()))?;
    put_scalar(doc, &ROOT, "ends_at", ScalarValue::Timestamp(d.ends_at.timestamp_millis()))?;
    put_str(doc, &ROOT, "timezone", &d.timezone)?;
    put_scalar(doc, &ROOT, "all_day", ScalarValue::Boolean(d.all_day))?;
    put_place(doc, d.place.as_ref())?;
    put_optional(doc, &ROOT, "group_id", d.group_id.as_deref().map(ScalarValue::from))?;
    put_optional(doc, &ROOT, "online_url", d.online_url.as_deref().map(ScalarValue::from))?;
    put_str(doc, &ROOT, "status", d.status.as_str())?;
    put_str(doc, &ROOT, "visibility", d.visibility.as_str())?;
    put_scalar(doc, &ROOT, "draft", ScalarValue::Boolean(d.draft))?;
    put_str(doc, &ROOT, "join_mode", d.join_mode.as_str())?;
    put_optional(doc, &ROOT, "registration_url", d.registration_url.as_deref().map(ScalarValue::from))?;
    put_optional(doc, &ROOT, "capacity", d.capacity.map(|c| ScalarValue::Uint(c.into())))?;
    put_scalar(doc, &ROOT, "waiting_list", ScalarValue::Boolean(d.waiting_list))?;
    put_scalar(doc, &ROOT, "anonymous_participation", ScalarValue::Boolean(d.anonymous_participation))?;
    if read_str_list(doc, "tags")? != d.tags {
        let list = doc.put_object(ROOT, "tags", ObjType::List)?;
        for (i, tag) in d.tags.iter().enumerate() {
            doc.insert(&list, i, tag.as_str())?;
        }
    }
    put_optional(doc, &ROOT, "category", d.category.map(|c| ScalarValue::from(c.as_str())))?;
    write_repeat(doc, d.repeat.as_ref())?;
    put_key_set(doc, "extra_starts", d.extra_starts.iter().map(|t| (t.timestamp_millis().to_string(), "1".into())))?;
    put_key_set(
        doc,
        "occurrences",
        d.occurrence_changes.iter().map(|c| (c.original_start.timestamp_millis().to_string(), change_value(&c.change))),
    )?;
    // One value per occurrence, as moves are: the last device to retitle an occurrence wins it.
    put_key_set(
        doc,
        "occurrence_texts",
        d.occurrence_texts.iter().map(|t| (t.original_start.timestamp_millis().to_string(), text_value(t))),
    )?;
    put_image(doc, "picture", picture)?;
    if edit && doc.pending_ops() > 0 {
        bump_sequence(doc)?;
    }
    touch(doc, now)
}

/// A repeat rule as a map of scalars, so that edits of its parts on two devices merge.
fn write_repeat(doc: &mut AutoCommit, rule: Option<&RepeatRule>) -> Result<()> {
    let Some(rule) = rule else { return delete_key(doc, &ROOT, "repeat") };
    let obj = match doc.get(ROOT, "repeat")? {
        Some((Value::Object(ObjType::Map), obj)) => obj,
        _ => doc.put_object(ROOT, "repeat", ObjType::Map)?,
    };
    let frequency = match rule.frequency {
        Frequency::Daily => "daily",
        Frequency::Weekly => "weekly",
        Frequency::Monthly => "monthly",
        Frequency::Yearly => "yearly",
    };
    put_str(doc, &obj, "frequency", frequency)?;
    put_scalar(doc, &obj, "interval", ScalarValue::Uint(rule.interval.into()))?;
    let weekdays: Vec<String> = rule.weekdays.iter().map(|w| w.to_string()).collect();
    put_str(doc, &obj, "weekdays", &weekdays.join(","))?;
    let monthly = match rule.monthly {
        MonthlyBy::Date => "date".to_string(),
        MonthlyBy::Weekday { nth } => format!("weekday:{nth}"),
    };
    put_str(doc, &obj, "monthly", &monthly)?;
    put_optional(doc, &obj, "until", rule.until.map(|u| ScalarValue::from(u.to_string())))?;
    put_optional(doc, &obj, "count", rule.count.map(|c| ScalarValue::Uint(c.into())))
}

fn read_repeat(doc: &AutoCommit, id: &str) -> Result<Option<RepeatRule>> {
    let Some((Value::Object(ObjType::Map), obj)) = doc.get(ROOT, "repeat")? else { return Ok(None) };
    let text = |key: &str| read_str(doc, &obj, key).map(Option::unwrap_or_default);
    let frequency = match text("frequency")?.as_str() {
        "daily" => Frequency::Daily,
        "weekly" => Frequency::Weekly,
        "monthly" => Frequency::Monthly,
        "yearly" => Frequency::Yearly,
        other => return Err(damaged(id, format!("unknown repeat frequency {other:?}"))),
    };
    let monthly = match text("monthly")?.split_once(':') {
        Some(("weekday", nth)) => MonthlyBy::Weekday { nth: nth.parse().map_err(|_| damaged(id, "bad monthly rule"))? },
        _ => MonthlyBy::Date,
    };
    let weekdays = text("weekdays")?
        .split(',')
        .filter(|w| !w.is_empty())
        .map(|w| w.parse::<chrono::Weekday>().map_err(|_| damaged(id, format!("unknown weekday {w:?}"))))
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(RepeatRule {
        frequency,
        interval: read_uint(doc, &obj, "interval")?.unwrap_or(1),
        weekdays,
        monthly,
        until: read_str(doc, &obj, "until")?.and_then(|u| u.parse().ok()),
        count: read_uint(doc, &obj, "count")?,
    }))
}

fn change_value(change: &Change) -> String {
    match change {
        Change::Cancelled => "cancelled".into(),
        Change::Moved { starts_at, ends_at } => {
            format!("moved:{}:{}", starts_at.timestamp_millis(), ends_at.timestamp_millis())
        }
    }
}

/// An occurrence's own texts, as one JSON string (what the series says is not repeated).
#[derive(serde::Serialize, serde::Deserialize)]
struct TextValue {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    place: Option<Place>,
}

fn text_value(t: &OccurrenceText) -> String {
    let value = TextValue { title: t.title.clone(), description: t.description.clone(), place: t.place.clone() };
    serde_json::to_string(&value).unwrap_or_default()
}

fn read_texts(doc: &AutoCommit) -> Result<Vec<OccurrenceText>> {
    let millis = |text: &str| text.parse::<i64>().ok().and_then(|m| Utc.timestamp_millis_opt(m).single());
    let mut texts: Vec<OccurrenceText> = read_key_set(doc, "occurrence_texts")?
        .into_iter()
        // A value that does not read (another peer's bug, a newer form) is left out, not fatal.
        .filter_map(|(key, value)| {
            let v: TextValue = serde_json::from_str(&value).ok()?;
            Some(OccurrenceText {
                original_start: millis(&key)?,
                title: v.title,
                description: v.description,
                place: v.place,
            })
        })
        .collect();
    texts.sort_by_key(|t| t.original_start);
    Ok(texts)
}

fn read_changes(doc: &AutoCommit) -> Result<Vec<OccurrenceChange>> {
    let millis = |text: &str| text.parse::<i64>().ok().and_then(|m| Utc.timestamp_millis_opt(m).single());
    let mut changes: Vec<OccurrenceChange> = read_key_set(doc, "occurrences")?
        .into_iter()
        .filter_map(|(key, value)| {
            let change = match value.split(':').collect::<Vec<_>>().as_slice() {
                ["cancelled"] => Change::Cancelled,
                ["moved", s, e] => Change::Moved { starts_at: millis(s)?, ends_at: millis(e)? },
                // A kind of change a newer peer wrote: left out, not fatal.
                _ => return None,
            };
            Some(OccurrenceChange { original_start: millis(&key)?, change })
        })
        .collect();
    changes.sort_by_key(|c| c.original_start);
    Ok(changes)
}

/// A map of string keys to string values, written so that only the keys that differ change: the
/// shape of sets whose members two devices add or remove apart.
/// Writes a set of keys (each with a value) as a map, keeping what other devices added apart. A map
/// two devices each created (an older document, from before the set existed) conflicts on its key;
/// both are read, and writing moves every entry into the winning one.
fn put_key_set(doc: &mut AutoCommit, key: &str, entries: impl Iterator<Item = (String, String)>) -> Result<()> {
    let wanted: std::collections::BTreeMap<String, String> = entries.collect();
    let map = match doc.get(ROOT, key)? {
        Some((Value::Object(ObjType::Map), map)) => map,
        _ if wanted.is_empty() => return Ok(()),
        _ => doc.put_object(ROOT, key, ObjType::Map)?,
    };
    for (_, other) in key_set_maps(doc, key)?.into_iter().filter(|(_, m)| *m != map) {
        let all: Vec<String> = doc.keys(&other).collect();
        for k in all {
            doc.delete(&other, k.as_str())?;
        }
    }
    let stale: Vec<String> = doc.keys(&map).filter(|k| !wanted.contains_key(k)).collect();
    for k in stale {
        doc.delete(&map, k.as_str())?;
    }
    for (k, v) in &wanted {
        put_str(doc, &map, k, v)?;
    }
    Ok(())
}

/// Every map under `key`: the winning one last.
fn key_set_maps(doc: &AutoCommit, key: &str) -> Result<Vec<(bool, ObjId)>> {
    let winner = match doc.get(ROOT, key)? {
        Some((Value::Object(ObjType::Map), map)) => Some(map),
        _ => None,
    };
    let mut maps: Vec<(bool, ObjId)> = doc
        .get_all(ROOT, key)?
        .into_iter()
        .filter_map(|(value, obj)| matches!(value, Value::Object(ObjType::Map)).then_some(obj))
        .map(|obj| (Some(&obj) == winner.as_ref(), obj))
        .collect();
    maps.sort_by_key(|(won, _)| *won);
    Ok(maps)
}

/// A set's entries, from every map a conflict left under `key` (the winning map's values first).
fn read_key_set(doc: &AutoCommit, key: &str) -> Result<Vec<(String, String)>> {
    let mut entries = std::collections::BTreeMap::new();
    for (_, map) in key_set_maps(doc, key)? {
        let keys: Vec<String> = doc.keys(&map).collect();
        for k in keys {
            let value = read_str(doc, &map, &k)?.unwrap_or_default();
            entries.insert(k, value);
        }
    }
    Ok(entries.into_iter().collect())
}

fn read_uint(doc: &AutoCommit, obj: &ObjId, key: &str) -> Result<Option<u32>> {
    Ok(match doc.get(obj, key)? {
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Uint(v) => u32::try_from(*v).ok(),
            ScalarValue::Int(v) => u32::try_from(*v).ok(),
            _ => None,
        },
        _ => None,
    })
}

/// The UID an event had in the calendar it was imported from, so that importing again finds it.
pub fn set_source_uid(doc: &mut AutoCommit, uid: &str) -> Result<()> {
    put_str(doc, &ROOT, "source_uid", uid)
}

/// iCalendar's SEQUENCE: how many times the event changed after its creation. A counter, so that
/// edits made apart on two devices add up rather than overwrite each other.
fn bump_sequence(doc: &mut AutoCommit) -> Result<()> {
    match doc.get(ROOT, "sequence")? {
        Some((Value::Scalar(s), _)) if matches!(s.as_ref(), ScalarValue::Counter(_)) => {
            doc.increment(ROOT, "sequence", 1)?
        }
        _ => doc.put(ROOT, "sequence", ScalarValue::counter(1))?,
    }
    Ok(())
}

pub fn read_event(doc: &AutoCommit, id: &str) -> Result<Event> {
    let place = read_place(doc)?;
    let parsed = |key: &'static str| -> Result<String> { required_str(doc, id, key) };
    let status = parsed("status")?;
    let visibility = parsed("visibility")?;
    let join_mode = parsed("join_mode")?;
    let details = EventDetails {
        organizer_id: parsed("organizer_id")?,
        group_id: read_str(doc, &ROOT, "group_id")?,
        title: parsed("title")?,
        description: read_str(doc, &ROOT, "description")?.unwrap_or_default(),
        starts_at: read_time(doc, id, "starts_at")?,
        ends_at: read_time(doc, id, "ends_at")?,
        timezone: parsed("timezone")?,
        all_day: read_bool(doc, "all_day")?,
        place,
        online_url: read_str(doc, &ROOT, "online_url")?,
        status: EventStatus::parse(&status).ok_or_else(|| damaged(id, format!("unknown status {status}")))?,
        visibility: Visibility::parse(&visibility)
            .ok_or_else(|| damaged(id, format!("unknown visibility {visibility}")))?,
        draft: read_bool(doc, "draft")?,
        join_mode: JoinMode::parse(&join_mode).ok_or_else(|| damaged(id, format!("unknown join mode {join_mode}")))?,
        registration_url: read_str(doc, &ROOT, "registration_url")?,
        capacity: read_uint(doc, &ROOT, "capacity")?,
        waiting_list: read_bool(doc, "waiting_list")?,
        anonymous_participation: read_bool(doc, "anonymous_participation")?,
        tags: read_str_list(doc, "tags")?,
        // A category this version does not know is dropped, not fatal: newer peers may add some.
        category: read_str(doc, &ROOT, "category")?.and_then(|c| Category::parse(&c)),
        repeat: read_repeat(doc, id)?,
        extra_starts: {
            let mut starts: Vec<DateTime<Utc>> = read_key_set(doc, "extra_starts")?
                .into_iter()
                .filter_map(|(k, _)| k.parse::<i64>().ok().and_then(|m| Utc.timestamp_millis_opt(m).single()))
                .collect();
            starts.sort();
            starts
        },
        occurrence_changes: read_changes(doc)?,
        occurrence_texts: read_texts(doc)?,
    };
    Ok(Event {
        id: id.to_string(),
        details,
        has_picture: read_bytes(doc, "picture")?.is_some(),
        created_at: read_time(doc, id, "created_at")?,
        updated_at: read_time(doc, id, "updated_at")?,
        source_uid: read_str(doc, &ROOT, "source_uid")?,
        sequence: match doc.get(ROOT, "sequence")? {
            Some((Value::Scalar(s), _)) => s.as_i64().and_then(|n| u32::try_from(n).ok()).unwrap_or(0),
            _ => 0,
        },
    })
}

/// The document ids an account's root document lists.
pub fn listed_documents(doc: &AutoCommit) -> Result<Vec<String>> {
    let Some((Value::Object(ObjType::Map), map)) = doc.get(ROOT, "documents")? else {
        return Ok(Vec::new());
    };
    Ok(doc.keys(&map).collect())
}

/// Adds ids to an account's root document (a map, so concurrent additions from devices merge).
pub fn list_documents<'a>(doc: &mut AutoCommit, ids: impl IntoIterator<Item = &'a str>) -> Result<()> {
    let map = match doc.get(ROOT, "documents")? {
        Some((Value::Object(ObjType::Map), map)) => map,
        _ => doc.put_object(ROOT, "documents", ObjType::Map)?,
    };
    for id in ids {
        if doc.get(&map, id)?.is_none() {
            doc.put(&map, id, true)?;
        }
    }
    Ok(())
}

/// Deletion is a mark in the document, not the loss of it, so that other devices learn of it on sync.
pub fn mark_deleted(doc: &mut AutoCommit, now: DateTime<Utc>) -> Result<()> {
    put_scalar(doc, &ROOT, "deleted", ScalarValue::Boolean(true))?;
    touch(doc, now)
}

/// Takes the mark back ("Undo"); the last word on the mark wins when devices merge, as on any key.
pub fn mark_restored(doc: &mut AutoCommit, now: DateTime<Utc>) -> Result<()> {
    put_scalar(doc, &ROOT, "deleted", ScalarValue::Boolean(false))?;
    touch(doc, now)
}

pub fn is_deleted(doc: &AutoCommit) -> Result<bool> {
    read_bool(doc, "deleted")
}

/// An image kept in a document (an identity's avatar, an event's picture).
pub fn read_bytes(doc: &AutoCommit, key: &str) -> Result<Option<Vec<u8>>> {
    Ok(match doc.get(ROOT, key)? {
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Bytes(b) => Some(b.clone()),
            _ => None,
        },
        _ => None,
    })
}

/// Stamps `updated_at`, only when the edit changed something: a save with no change leaves no trace.
fn touch(doc: &mut AutoCommit, now: DateTime<Utc>) -> Result<()> {
    if doc.pending_ops() > 0 {
        doc.put(ROOT, "updated_at", ScalarValue::Timestamp(now.timestamp_millis()))?;
    }
    Ok(())
}

fn damaged(id: &str, message: impl Into<String>) -> Error {
    Error::Document { id: id.to_string(), message: message.into() }
}

fn read_str(doc: &AutoCommit, obj: &ObjId, key: &str) -> Result<Option<String>> {
    Ok(match doc.get(obj, key)? {
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Str(s) => Some(s.to_string()),
            _ => None,
        },
        Some((Value::Object(ObjType::Text), text)) => Some(doc.text(&text)?),
        _ => None,
    })
}

fn required_str(doc: &AutoCommit, id: &str, key: &str) -> Result<String> {
    read_str(doc, &ROOT, key)?.ok_or_else(|| damaged(id, format!("no {key}")))
}

fn read_bool(doc: &AutoCommit, key: &str) -> Result<bool> {
    Ok(matches!(doc.get(ROOT, key)?, Some((Value::Scalar(s), _)) if matches!(s.as_ref(), ScalarValue::Boolean(true))))
}

fn read_f64(doc: &AutoCommit, obj: &ObjId, key: &str) -> Result<Option<f64>> {
    Ok(match doc.get(obj, key)? {
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::F64(v) => Some(*v),
            ScalarValue::Int(v) => Some(*v as f64),
            _ => None,
        },
        _ => None,
    })
}

fn read_time(doc: &AutoCommit, id: &str, key: &str) -> Result<DateTime<Utc>> {
    let millis = match doc.get(ROOT, key)? {
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Timestamp(v) | ScalarValue::Int(v) => Some(*v),
            _ => None,
        },
        _ => None,
    };
    millis.and_then(|m| Utc.timestamp_millis_opt(m).single()).ok_or_else(|| damaged(id, format!("no valid {key}")))
}

fn read_str_list(doc: &AutoCommit, key: &str) -> Result<Vec<String>> {
    let Some((Value::Object(ObjType::List), list)) = doc.get(ROOT, key)? else {
        return Ok(Vec::new());
    };
    let mut items = Vec::new();
    for i in 0..doc.length(&list) {
        if let Some((Value::Scalar(s), _)) = doc.get(&list, i)? {
            if let ScalarValue::Str(s) = s.as_ref() {
                items.push(s.to_string());
            }
        } else if let Some((Value::Object(ObjType::Text), text)) = doc.get(&list, i)? {
            items.push(doc.text(&text)?);
        }
    }
    Ok(items)
}

fn put_scalar(doc: &mut AutoCommit, obj: &ObjId, key: &str, value: ScalarValue) -> Result<()> {
    let same = matches!(doc.get(obj, key)?, Some((Value::Scalar(old), _)) if *old == value);
    if !same {
        doc.put(obj, key, value)?;
    }
    Ok(())
}

fn put_str(doc: &mut AutoCommit, obj: &ObjId, key: &str, value: &str) -> Result<()> {
    if read_str(doc, obj, key)?.as_deref() != Some(value) {
        doc.put(obj, key, value)?;
    }
    Ok(())
}

fn put_optional(doc: &mut AutoCommit, obj: &ObjId, key: &str, value: Option<ScalarValue>) -> Result<()> {
    match value {
        Some(value) => put_scalar(doc, obj, key, value),
        None => delete_key(doc, obj, key),
    }
}

fn delete_key(doc: &mut AutoCommit, obj: &ObjId, key: &str) -> Result<()> {
    if doc.get(obj, key)?.is_some() {
        doc.delete(obj, key)?;
    }
    Ok(())
}

fn put_image(doc: &mut AutoCommit, key: &str, change: &ImageChange) -> Result<()> {
    match change {
        ImageChange::Keep => Ok(()),
        ImageChange::Remove => delete_key(doc, &ROOT, key),
        ImageChange::Set(bytes) => put_scalar(doc, &ROOT, key, ScalarValue::Bytes(bytes.clone())),
    }
}

/// Edits collaborative text by splicing the one span that differs, so that concurrent edits to other
/// parts of the text survive a merge.
fn put_text(doc: &mut AutoCommit, key: &str, value: &str) -> Result<()> {
    let text = match doc.get(ROOT, key)? {
        Some((Value::Object(ObjType::Text), text)) => text,
        _ => {
            let text = doc.put_object(ROOT, key, ObjType::Text)?;
            doc.splice_text(&text, 0, 0, value)?;
            return Ok(());
        }
    };
    let old: Vec<char> = doc.text(&text)?.chars().collect();
    let new: Vec<char> = value.chars().collect();
    let prefix = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..].iter().rev().zip(new[prefix..].iter().rev()).take_while(|(a, b)| a == b).count();
    let deleted = old.len() - prefix - suffix;
    let inserted: String = new[prefix..new.len() - suffix].iter().collect();
    if deleted > 0 || !inserted.is_empty() {
        let deleted = isize::try_from(deleted).map_err(|_| Error::invalid("description", "is too long"))?;
        doc.splice_text(&text, prefix, deleted, &inserted)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::OccurrenceText;

    fn details() -> EventDetails {
        EventDetails {
            organizer_id: new_id(),
            group_id: None,
            title: "Soupe populaire".into(),
            description: "Bring a bowl.".into(),
            starts_at: Utc.with_ymd_and_hms(2026, 12, 1, 18, 0, 0).single().expect("valid"),
            ends_at: Utc.with_ymd_and_hms(2026, 12, 1, 21, 0, 0).single().expect("valid"),
            timezone: "Europe/Paris".into(),
            all_day: false,
            place: Some(Place {
                name: "La Cantine".into(),
                address: "1 rue X".into(),
                latitude: Some(48.8),
                longitude: Some(2.3),
            }),
            online_url: None,
            status: EventStatus::Confirmed,
            visibility: Visibility::Public,
            draft: true,
            join_mode: JoinMode::Approval,
            registration_url: None,
            capacity: Some(40),
            waiting_list: true,
            anonymous_participation: true,
            tags: vec!["food".into(), "solidarité".into()],
            category: Some(Category::FoodDrink),
            repeat: None,
            extra_starts: vec![],
            occurrence_changes: vec![],
            occurrence_texts: vec![],
        }
    }

    #[test]
    fn ids_are_automerge_repo_ids() {
        let id = new_id();
        assert!(is_id(&id), "{id}");
        assert!(!is_id("not-an-id"));
    }

    #[test]
    fn an_event_reads_back_as_written() {
        let now = Utc::now();
        let mut doc = create(Kind::Event, now).expect("doc");
        let d = details();
        write_event(&mut doc, &d, &ImageChange::Keep, now).expect("write");
        let loaded = AutoCommit::load(&doc.save()).expect("load");
        assert_eq!(kind(&loaded, "x").expect("kind"), Kind::Event);
        assert_eq!(read_event(&loaded, "x").expect("read").details, d);
    }

    #[test]
    fn a_repeating_event_with_changed_occurrences_reads_back_and_rewrites_to_nothing() {
        let now = Utc::now();
        let mut doc = create(Kind::Event, now).expect("doc");
        let mut d = details();
        d.repeat = Some(RepeatRule {
            frequency: Frequency::Weekly,
            interval: 2,
            weekdays: vec![chrono::Weekday::Tue, chrono::Weekday::Thu],
            monthly: MonthlyBy::Date,
            until: chrono::NaiveDate::from_ymd_opt(2027, 3, 1),
            count: None,
        });
        d.extra_starts = vec![d.starts_at + chrono::Duration::days(3)];
        d.occurrence_changes = vec![
            OccurrenceChange { original_start: d.starts_at, change: Change::Cancelled },
            OccurrenceChange {
                original_start: d.starts_at + chrono::Duration::days(14),
                change: Change::Moved { starts_at: d.starts_at, ends_at: d.ends_at },
            },
        ];
        write_event(&mut doc, &d, &ImageChange::Keep, now).expect("write");
        let loaded = AutoCommit::load(&doc.save()).expect("load");
        assert_eq!(read_event(&loaded, "x").expect("read").details, d);
        let heads = doc.get_heads();
        write_event(&mut doc, &d, &ImageChange::Keep, now).expect("write");
        assert_eq!(doc.get_heads(), heads, "nothing changed, nothing written");
        d.repeat = None;
        d.occurrence_changes.clear();
        write_event(&mut doc, &d, &ImageChange::Keep, now).expect("write");
        assert_eq!(read_event(&doc, "x").expect("read").details, d);
    }

    #[test]
    fn texts_two_devices_gave_a_document_from_before_the_set_are_both_kept_and_then_moved_together() {
        use automerge::ActorId;
        let now = Utc::now();
        let mut d = details();
        d.repeat = Some(RepeatRule {
            frequency: Frequency::Weekly,
            interval: 1,
            weekdays: vec![],
            monthly: MonthlyBy::Date,
            until: None,
            count: Some(5),
        });
        let mut origin = create(Kind::Event, now).expect("doc");
        write_event(&mut origin, &d, &ImageChange::Keep, now).expect("write");
        // A document from before occurrence texts: no map under the key.
        origin.delete(ROOT, "occurrence_texts").expect("delete");
        let saved = origin.save();
        let text = |week: i64, title: &str| OccurrenceText {
            original_start: d.starts_at + chrono::Duration::weeks(week),
            title: Some(title.into()),
            description: None,
            place: None,
        };
        let mut replicas: Vec<AutoCommit> = (1..=2u8)
            .map(|n| {
                let mut doc = AutoCommit::load(&saved).expect("load");
                doc.set_actor(ActorId::from(vec![n; 16]));
                doc
            })
            .collect();
        for (n, doc) in replicas.iter_mut().enumerate() {
            let mut mine = d.clone();
            mine.occurrence_texts = vec![text(n as i64 + 1, &format!("from device {n}"))];
            write_event(doc, &mine, &ImageChange::Keep, now).expect("write");
        }
        let (mut a, mut b) = (replicas.remove(0), replicas.remove(0));
        a.merge(&mut b).expect("merge");
        let merged = read_event(&a, "x").expect("read").details;
        assert_eq!(merged.occurrence_texts, [text(1, "from device 0"), text(2, "from device 1")]);
        // A later write keeps both in one map; a text taken back stays gone.
        let mut next = merged.clone();
        next.occurrence_texts.remove(0);
        write_event(&mut a, &next, &ImageChange::Keep, now).expect("write");
        assert_eq!(read_event(&a, "x").expect("read").details.occurrence_texts, [text(2, "from device 1")]);
    }

    #[test]
    fn rewriting_the_same_details_changes_nothing() {
        let now = Utc::now();
        let mut doc = create(Kind::Event, now).expect("doc");
        let d = details();
        write_event(&mut doc, &d, &ImageChange::Keep, now).expect("write");
        let heads = doc.get_heads();
        // Same content, even later: no new change at all, so the store writes nothing.
        write_event(&mut doc, &d, &ImageChange::Keep, now + chrono::Duration::hours(1)).expect("write");
        assert_eq!(doc.get_heads(), heads);
    }

    #[test]
    fn description_edits_splice_non_ascii_text() {
        let now = Utc::now();
        let mut doc = create(Kind::Event, now).expect("doc");
        let mut d = details();
        d.description = "Été: café ☕ et crêpes".into();
        write_event(&mut doc, &d, &ImageChange::Keep, now).expect("write");
        d.description = "Été: thé ☕, café et crêpes".into();
        write_event(&mut doc, &d, &ImageChange::Keep, now).expect("write");
        assert_eq!(read_event(&doc, "x").expect("read").details.description, d.description);
    }
}
