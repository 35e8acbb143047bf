//! An arbitrary event or identity document, as any automerge-repo client could write it, through
//! what the relay derives from it: core's checks, then (if they pass) the public page, the VEVENT and
//! the occurrences a feed or page lists. The path of issue 10's first finding.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ScalarValue, ROOT};
use libfuzzer_sys::fuzz_target;
use rally_core::document::{self, Kind};
use rally_server::sync::view::{document_view, DocumentView};

/// Keys of the event and identity schema (core/src/document.rs), and of its repeat rule.
const KEYS: &[&str] = &[
    "organizer_id",
    "title",
    "description",
    "starts_at",
    "ends_at",
    "timezone",
    "all_day",
    "online_url",
    "status",
    "visibility",
    "draft",
    "join_mode",
    "registration_url",
    "capacity",
    "waiting_list",
    "anonymous_participation",
    "category",
    "created_at",
    "updated_at",
    "sequence",
    "username",
    "display_name",
    "bio",
];
const RULE_KEYS: &[&str] = &["frequency", "interval", "weekdays", "monthly", "until", "count"];
const WORDS: &[&str] = &[
    "daily",
    "weekly",
    "monthly",
    "yearly",
    "mon,tue",
    "weekday:-1",
    "weekday:5",
    "2200-12-31",
    "-30000-01-01",
    "Asia/Tokyo",
    "Europe/Paris",
    "public",
    "unlisted",
    "private",
    "free",
    "approval",
    "invite",
    "external",
    "confirmed",
    "cancelled",
    "javascript:alert(1)",
    "https://example.org",
    "<!--<script>",
    "ana",
];

#[derive(Arbitrary, Debug)]
enum Value {
    Int(i64),
    Uint(u64),
    Time(i64),
    Float(f64),
    Bool(bool),
    Word(u8),
    Text(String),
}

impl Value {
    fn scalar(self) -> ScalarValue {
        match self {
            Value::Int(n) => ScalarValue::Int(n),
            Value::Uint(n) => ScalarValue::Uint(n),
            Value::Time(t) => ScalarValue::Timestamp(t),
            Value::Float(f) => ScalarValue::F64(f),
            Value::Bool(b) => ScalarValue::Boolean(b),
            Value::Word(w) => ScalarValue::from(WORDS[usize::from(w) % WORDS.len()]),
            Value::Text(s) => ScalarValue::from(s),
        }
    }
}

fn build(u: &mut Unstructured) -> arbitrary::Result<AutoCommit> {
    let now = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
    let kind = if bool::arbitrary(u)? { Kind::Event } else { Kind::Identity };
    let mut doc = document::create(kind, now).map_err(|_| arbitrary::Error::IncorrectFormat)?;
    for _ in 0..u.int_in_range(0..=24)? {
        let key = KEYS[u.choose_index(KEYS.len())?];
        let _ = doc.put(ROOT, key, Value::arbitrary(u)?.scalar());
    }
    if bool::arbitrary(u)? {
        if let Ok(rule) = doc.put_object(ROOT, "repeat", ObjType::Map) {
            for _ in 0..u.int_in_range(0..=6)? {
                let key = RULE_KEYS[u.choose_index(RULE_KEYS.len())?];
                let _ = doc.put(&rule, key, Value::arbitrary(u)?.scalar());
            }
        }
    }
    for set in ["extra_starts", "occurrences"] {
        if let Ok(map) = doc.put_object(ROOT, set, ObjType::Map) {
            for _ in 0..u.int_in_range(0..=3)? {
                let key = i64::arbitrary(u)?.to_string();
                let _ = doc.put(&map, key.as_str(), Value::arbitrary(u)?.scalar());
            }
        }
    }
    Ok(doc)
}

fuzz_target!(|bytes: &[u8]| {
    let mut u = Unstructured::new(bytes);
    // Half the time the bytes are a saved document as they came; else a document built from them.
    let doc = if bytes.first().is_some_and(|b| b % 2 == 0) {
        match AutoCommit::load(&bytes[1..]) {
            Ok(doc) => doc,
            Err(_) => return,
        }
    } else {
        match build(&mut u) {
            Ok(doc) => doc,
            Err(_) => return,
        }
    };
    if let DocumentView::Event(event, _) = document_view(&doc, "fuzzed") {
        let now = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        let page = rally_server::event_page::render(&rally_server::event_page::PageInput {
            event: &event,
            organizer: None,
            public_url: "https://relay.example",
            instance_name: "Rally",
            now,
            going: 0,
        });
        assert!(!page.is_empty());
        let _ = rally_core::ical::vevent(&rally_core::ical::IcsEvent { event: &event, page_url: None });
        let _ = rally_core::recurrence::bounds(&event.details);
        let _ = rally_core::recurrence::occurrences(&event.details, Some(now), None, 50);
    }
});
