//! Two profiles (two data folders, as two devices) logged into one account converge through a real
//! relay: a create, an edit and a delete on one reach the other, and edits made on both while apart,
//! or while the relay is down, merge. Run inside scripts/with-keyring.sh, like account.rs.

mod common;

use std::path::Path;

use common::{ok, rally, relay};
use serde_json::Value;

fn login(relay: &common::Relay, profile: &Path) {
    let out = rally(
        profile,
        &["account", "login", "--server", &relay.url, "--email", "ana@example.org"],
        "a long passphrase\n",
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Two profiles logged into one new account, as a laptop and a phone would be.
fn two_devices(relay: &common::Relay) -> (tempfile::TempDir, tempfile::TempDir) {
    let (laptop, phone) = (tempfile::tempdir().expect("tempdir"), tempfile::tempdir().expect("tempdir"));
    let out = rally(
        laptop.path(),
        &["account", "signup", "--server", &relay.url, "--email", "ana@example.org"],
        "a long passphrase\n",
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    relay.confirm();
    login(relay, laptop.path());
    login(relay, phone.path());
    (laptop, phone)
}

fn event(profile: &Path, id: &str) -> Value {
    serde_json::from_str(&ok(profile, &["event", "show", id, "--json"])).expect("json")
}

fn sync(profile: &Path) {
    ok(profile, &["sync", "--once"]);
}

#[test]
fn two_devices_converge_through_the_relay() {
    let relay = relay();
    let (laptop, phone) = two_devices(&relay);
    let (laptop, phone) = (laptop.path(), phone.path());

    // Created on the laptop (offline, before any sync), then synced: the phone gets it.
    ok(laptop, &["identity", "create", "--username", "ana", "--name", "Ana"]);
    let id = ok(
        laptop,
        &[
            "event",
            "create",
            "--identity",
            "ana",
            "--title",
            "Repair café",
            "--tz",
            "Europe/Paris",
            "--start",
            "2031-05-10 14:00",
            "--end",
            "2031-05-10 18:00",
            "--draft",
            "--description",
            "Bring your broken things.\nWe fix them together.",
        ],
    )
    .trim()
    .to_string();
    sync(laptop);
    sync(phone);
    assert_eq!(event(phone, &id)["title"], "Repair café");
    assert_eq!(event(phone, &id)["organizer"], "ana", "the identity came along");
    let drafts: Value = serde_json::from_str(&ok(phone, &["event", "list", "--drafts", "--json"])).expect("json");
    assert_eq!(drafts.as_array().map(Vec::len), Some(1), "listed and indexed on the phone");

    // Edited on the phone: the laptop gets it.
    ok(phone, &["event", "edit", &id, "--title", "Repair café #2"]);
    sync(phone);
    sync(laptop);
    assert_eq!(event(laptop, &id)["title"], "Repair café #2");

    // Both edit while apart: different fields and different places of the description.
    ok(
        laptop,
        &[
            "event",
            "edit",
            &id,
            "--capacity",
            "12",
            "--description",
            "Bring your broken things (and tools).\nWe fix them together.",
        ],
    );
    ok(
        phone,
        &[
            "event",
            "edit",
            &id,
            "--tag",
            "repair",
            "--description",
            "Bring your broken things.\nWe fix them together, with tea.",
        ],
    );
    sync(laptop);
    sync(phone);
    sync(laptop);
    for device in [laptop, phone] {
        let e = event(device, &id);
        assert_eq!(e["capacity"], 12, "{e}");
        assert_eq!(e["tags"], serde_json::json!(["repair"]), "{e}");
        assert_eq!(e["description"], "Bring your broken things (and tools).\nWe fix them together, with tea.", "{e}");
    }

    // Deleted on the laptop: gone from the phone too.
    ok(laptop, &["event", "delete", &id]);
    sync(laptop);
    sync(phone);
    let out = rally(phone, &["event", "show", &id], "");
    assert_eq!(out.status.code(), Some(2), "still on the phone: {}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn edits_made_on_both_while_the_relay_is_down_merge_when_it_returns() {
    let mut relay = relay();
    let (laptop, phone) = two_devices(&relay);
    let (laptop, phone) = (laptop.path(), phone.path());
    ok(laptop, &["identity", "create", "--username", "ana", "--name", "Ana"]);
    let id = ok(
        laptop,
        &[
            "event",
            "create",
            "--identity",
            "ana",
            "--title",
            "Seed swap",
            "--tz",
            "America/Montreal",
            "--start",
            "2031-03-08 10:00",
            "--end",
            "2031-03-08 12:00",
            "--description",
            "Bring seeds.\nTake seeds.",
        ],
    )
    .trim()
    .to_string();
    sync(laptop);
    sync(phone);
    assert_eq!(event(phone, &id)["title"], "Seed swap");

    // The relay goes down; both devices edit, and cannot sync.
    relay.stop();
    ok(
        laptop,
        &["event", "edit", &id, "--title", "Seed swap 2031", "--description", "Bring seeds, labelled.\nTake seeds."],
    );
    ok(phone, &["event", "edit", &id, "--capacity", "40", "--description", "Bring seeds.\nTake seeds home."]);
    for device in [laptop, phone] {
        let out = rally(device, &["sync", "--once"], "");
        assert!(!out.status.success(), "a sync with the relay down reported success");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("127.0.0.1"),
            "the error should name the relay: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // It comes back: both sets of edits merge on both devices.
    relay.restart();
    sync(laptop);
    sync(phone);
    sync(laptop);
    for device in [laptop, phone] {
        let e = event(device, &id);
        assert_eq!(e["title"], "Seed swap 2031", "{e}");
        assert_eq!(e["capacity"], 40, "{e}");
        assert_eq!(e["description"], "Bring seeds, labelled.\nTake seeds home.", "{e}");
    }
}

/// Another calendar's weekly choir whose Christmas date became a concert elsewhere, with its own
/// title, place and description.
const RETITLED: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//Retitled//EN\r\n\
BEGIN:VEVENT\r\nUID:choir-sync@example.org\r\nDTSTAMP:20310101T000000Z\r\nSUMMARY:Chorale\r\n\
DTSTART;TZID=Europe/Paris:20311202T190000\r\nDTEND;TZID=Europe/Paris:20311202T210000\r\n\
RRULE:FREQ=WEEKLY;COUNT=5\r\nLOCATION:Salle des fêtes\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:choir-sync@example.org\r\nDTSTAMP:20310101T000000Z\r\nRECURRENCE-ID;TZID=Europe/Paris:20311223T190000\r\n\
SUMMARY:Concert de Noël\r\nDTSTART;TZID=Europe/Paris:20311223T190000\r\nDTEND;TZID=Europe/Paris:20311223T210000\r\n\
LOCATION:Église Saint-Paul\r\nDESCRIPTION:Entrée libre\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

#[test]
fn an_occurrence_keeps_its_own_title_place_and_description_through_the_relay() {
    let relay = relay();
    let (laptop, phone) = two_devices(&relay);
    let (laptop, phone) = (laptop.path(), phone.path());
    ok(laptop, &["identity", "create", "--username", "ana", "--name", "Ana"]);
    let file = laptop.join("choir.ics");
    std::fs::write(&file, RETITLED).expect("write");
    ok(laptop, &["import", "ics", file.to_str().expect("path"), "--identity", "ana"]);
    sync(laptop);
    sync(phone);

    // On the phone, the concert is listed with its own texts; the other dates keep the series'.
    let listed: Value = serde_json::from_str(&ok(
        phone,
        &["event", "list", "--from", "2031-12-01", "--to", "2032-01-01", "--drafts", "--json"],
    ))
    .expect("json");
    let titles: Vec<&str> = listed.as_array().expect("list").iter().filter_map(|e| e["title"].as_str()).collect();
    assert_eq!(titles, ["Chorale", "Chorale", "Chorale", "Concert de Noël", "Chorale"], "{listed}");
    let concert = &listed[3];
    assert_eq!(concert["place"]["name"], "Église Saint-Paul", "{concert}");
    assert_eq!(concert["description"], "Entrée libre", "{concert}");

    // Its export is the laptop's, the occurrence a RECURRENCE-ID VEVENT with its own texts.
    let export = |profile: &Path| {
        let out = profile.join("out.ics");
        ok(profile, &["export", "ics", "--all", "-o", out.to_str().expect("path")]);
        std::fs::read_to_string(out).expect("read")
    };
    let (from_phone, from_laptop) = (export(phone), export(laptop));
    assert_eq!(from_phone, from_laptop);
    let concert_vevent = from_phone.split("BEGIN:VEVENT").find(|v| v.contains("RECURRENCE-ID")).expect("an override");
    for line in ["SUMMARY:Concert de Noël\r\n", "LOCATION:Église Saint-Paul\r\n", "DESCRIPTION:Entrée libre\r\n"] {
        assert!(concert_vevent.contains(line), "{line:?} in {concert_vevent}");
    }
}
