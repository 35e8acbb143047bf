//! A calendar file from anywhere: core's lenient reader and importer, then the validation every
//! imported event goes through before it becomes a draft.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|file: &[u8]| {
    if let Ok(reading) = rally_core::ical::import::read_events(file, chrono_tz::Europe::Paris) {
        let _ = format!("{reading:?}");
    }
});
