//! JSON bodies the relay and the app take (the same serde types on both sides), and the event form:
//! an event typed by anyone goes through core's validation, and what passes must read back as a valid
//! stored event and be written as iCalendar.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rally_core::model::{Credentials, DecisionRequest, EventInput, IdentityInput, JoinRequest};

fuzz_target!(|body: &[u8]| {
    let _ = serde_json::from_slice::<Credentials>(body);
    let _ = serde_json::from_slice::<JoinRequest>(body);
    let _ = serde_json::from_slice::<Vec<DecisionRequest>>(body);
    if let Ok(input) = serde_json::from_slice::<IdentityInput>(body) {
        let _ = rally_core::validate::identity(&input);
    }
    if let Ok(input) = serde_json::from_slice::<EventInput>(body) {
        if let Ok(details) = rally_core::validate::event(&input) {
            // What the form accepts, the relay accepts when it comes back from a document.
            assert!(rally_core::validate::stored_event(&details).is_ok(), "{details:?}");
            let now = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
            let event = rally_core::model::Event {
                id: "fuzzed".into(),
                details,
                has_picture: false,
                created_at: now,
                updated_at: now,
                sequence: 0,
                source_uid: None,
            };
            let _ = rally_core::ical::vevent(&rally_core::ical::IcsEvent { event: &event, page_url: None });
        }
    }
});
