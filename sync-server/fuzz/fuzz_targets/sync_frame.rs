//! A frame from a sync socket: the relay's decoder, then the Automerge sync message it carries.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rally_server::sync::wire::{decode, Message};

fuzz_target!(|frame: &[u8]| {
    if let Ok(Message::Sync { data, .. } | Message::Request { data, .. }) = decode(frame) {
        let _ = automerge::sync::Message::decode(&data);
    }
});
