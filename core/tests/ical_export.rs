//! Every .ics the project writes passes five independent parsers (../shared/tools/ical-validators,
//! installed by scripts/install-deps.sh), and each of them reads back the instants the events hold:
//! zones east and west of UTC, a half-hour zone, daylight-saving changes inside an event, UTC, all-day
//! and multi-day events, non-ASCII text, long folded lines, commas, semicolons and newlines in text.
//! Repeating events expand, in each of the five parsers' own recurrence engines, to the occurrences Rally
//! lists: rules with and without an end, across daylight-saving changes, with cancelled and moved ones.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use rally_core::ical::{calendar, uid, CalendarMeta, IcsEvent};
use rally_core::model::{
    Change, Event, EventDetails, EventStatus, Frequency, JoinMode, MonthlyBy, OccurrenceChange, Place, RepeatRule,
    Visibility,
};

fn validators_home() -> PathBuf {
    let home = std::env::var_os("ICAL_VALIDATORS_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").expect("HOME")).join(".cache/ical-validators"));
    assert!(
        home.join("suite/run_all.sh").exists(),
        "the iCalendar validators are not installed in {}: run scripts/install-deps.sh",
        home.display()
    );
    home
}

fn local(tz: &str, y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    let tz: Tz = tz.parse().expect("zone");
    tz.with_ymd_and_hms(y, mo, d, h, mi, 0).single().expect("unambiguous").with_timezone(&Utc)
}

fn event(n: u32, title: &str, tz: &str, starts_at: DateTime<Utc>, ends_at: DateTime<Utc>, all_day: bool) -> Event {
    Event {
        id: format!("2kJbCd{n:04}xYzEvent"),
        details: EventDetails {
            organizer_id: "organizer".into(),
            group_id: None,
            title: title.into(),
            description: String::new(),
            starts_at,
            ends_at,
            timezone: tz.into(),
            all_day,
            place: None,
            online_url: None,
            status: EventStatus::Confirmed,
            visibility: Visibility::Public,
            draft: false,
            join_mode: JoinMode::Free,
            registration_url: None,
            capacity: None,
            waiting_list: false,
            anonymous_participation: false,
            tags: vec![],
            category: None,
            repeat: None,
            extra_starts: vec![],
            occurrence_changes: vec![],
            occurrence_texts: vec![],
        },
        has_picture: false,
        created_at: Utc.with_ymd_and_hms(2030, 1, 2, 3, 4, 5).single().expect("t"),
        updated_at: Utc.with_ymd_and_hms(2030, 2, 3, 4, 5, 6).single().expect("t"),
        sequence: n,
        source_uid: None,
    }
}

fn all_day(n: u32, title: &str, tz: &str, first: NaiveDate, days: u32) -> Event {
    let zone: Tz = tz.parse().expect("zone");
    let midnight = |d: NaiveDate| zone.from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("t")).single().expect("t");
    let after = first + chrono::Duration::days(i64::from(days));
    event(n, title, tz, midnight(first).with_timezone(&Utc), midnight(after).with_timezone(&Utc), true)
}

fn events() -> Vec<Event> {
    let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
    let mut text = event(
        8,
        "Fête de l'été — 夏祭り 🎉, \"quoted\"; and more",
        "Europe/Paris",
        local("Europe/Paris", 2031, 6, 21, 18, 0),
        local("Europe/Paris", 2031, 6, 21, 23, 30),
        false,
    );
    text.details.description = format!(
        "Line one, with a comma; and a semicolon.\nLine two \\ with a backslash.\r\nWindows line.\n{}",
        "Une très longue ligne accentuée qui doit être pliée à 75 octets sans couper un caractère: é è ê ë 😀 "
            .repeat(6)
    );
    text.details.place = Some(Place {
        name: "Salle des fêtes".into(),
        address: "1, place de la Mairie; 75001 Paris".into(),
        latitude: Some(48.8566),
        longitude: Some(2.3522),
    });
    text.details.tags = vec!["music, live".into(), "été".into()];
    text.details.status = EventStatus::Cancelled;
    vec![
        event(
            1,
            "Tokyo evening",
            "Asia/Tokyo",
            local("Asia/Tokyo", 2031, 5, 10, 19, 0),
            local("Asia/Tokyo", 2031, 5, 10, 21, 0),
            false,
        ),
        event(
            2,
            "Los Angeles, across spring forward",
            "America/Los_Angeles",
            local("America/Los_Angeles", 2031, 3, 8, 22, 0),
            local("America/Los_Angeles", 2031, 3, 9, 4, 0),
            false,
        ),
        event(
            3,
            "Paris, across fall back",
            "Europe/Paris",
            local("Europe/Paris", 2031, 10, 25, 18, 0),
            local("Europe/Paris", 2031, 10, 26, 12, 0),
            false,
        ),
        event(
            4,
            "Kolkata",
            "Asia/Kolkata",
            local("Asia/Kolkata", 2031, 1, 15, 9, 30),
            local("Asia/Kolkata", 2031, 1, 15, 11, 0),
            false,
        ),
        all_day(5, "Berlin, one day", "Europe/Berlin", d(2031, 6, 21), 1),
        all_day(6, "New York, long weekend", "America/New_York", d(2031, 7, 4), 3),
        event(
            7,
            "In UTC",
            "UTC",
            Utc.with_ymd_and_hms(2031, 2, 1, 12, 0, 0).single().expect("t"),
            Utc.with_ymd_and_hms(2031, 2, 1, 13, 0, 0).single().expect("t"),
            false,
        ),
        text,
    ]
}

/// What every parser must read: per UID, start and end as UTC epoch seconds, or dates (midnight UTC of
/// the date, suffixed D).
fn expected(events: &[Event]) -> BTreeMap<String, (String, String)> {
    events
        .iter()
        .map(|e| {
            let d = &e.details;
            let pair = if d.all_day {
                let tz: Tz = d.timezone.parse().expect("zone");
                let day = |t: DateTime<Utc>| {
                    let date = t.with_timezone(&tz).date_naive();
                    format!("{}D", date.and_hms_opt(0, 0, 0).expect("t").and_utc().timestamp())
                };
                (day(d.starts_at), day(d.ends_at))
            } else {
                (d.starts_at.timestamp().to_string(), d.ends_at.timestamp().to_string())
            };
            (uid(&e.id), pair)
        })
        .collect()
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{cmd:?} failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

fn read_back(home: &Path, file: &Path) -> BTreeMap<&'static str, BTreeMap<String, (String, String)>> {
    let python = home.join("venv/bin/python");
    let script = home.join("suite/readback.py");
    let node = |which: &str| {
        let mut c = Command::new("node");
        c.arg(home.join("node/readback.mjs")).arg(which).arg(file).env("NODE_PATH", home.join("node/node_modules"));
        c
    };
    let outputs = [
        ("python-icalendar", run(Command::new(&python).arg(&script).arg("icalendar").arg(file))),
        ("vobject", run(Command::new(&python).arg(&script).arg("vobject").arg(file))),
        ("ical.js", run(&mut node("icaljs"))),
        ("node-ical", run(&mut node("nodeical"))),
        ("libical", run(Command::new(home.join("libical_readback")).arg(file))),
    ];
    outputs
        .into_iter()
        .map(|(parser, text)| {
            let read = text
                .lines()
                .filter_map(|l| {
                    let mut parts = l.split_whitespace();
                    Some((parts.next()?.to_string(), (parts.next()?.to_string(), parts.next()?.to_string())))
                })
                .collect();
            (parser, read)
        })
        .collect()
}

#[test]
fn every_export_passes_five_parsers_which_read_the_same_instants() {
    let home = validators_home();
    let dir = tempfile::tempdir().expect("tempdir");
    let events = events();
    let items: Vec<IcsEvent> = events.iter().map(|event| IcsEvent { event, page_url: None }).collect();
    let feed = CalendarMeta { name: Some("Rally, été 2031".into()), refresh: Some(chrono::Duration::hours(1)) };
    let files = [
        ("feed.ics", calendar(&items, &feed)),
        ("one.ics", calendar(&items[7..8], &CalendarMeta::default())),
        ("tokyo.ics", calendar(&items[0..1], &CalendarMeta::default())),
    ];
    for (name, text) in &files {
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "{name}: a line of {} octets: {line}", line.len());
        }
        assert!(!text.replace("\r\n", "").contains('\n'), "{name}: a bare line feed");
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        let report =
            run(Command::new("bash").arg(home.join("suite/run_all.sh")).arg(&path).env("LIBICAL_ARGS", "--no-itip"));
        eprintln!("{report}");
    }
    let want = expected(&events);
    for (parser, read) in read_back(&home, &dir.path().join("feed.ics")) {
        assert_eq!(read, want, "{parser} read other instants than the events hold");
    }
}

#[test]
fn a_feed_is_the_same_bytes_until_an_event_changes() {
    let events = events();
    let items: Vec<IcsEvent> = events.iter().map(|event| IcsEvent { event, page_url: None }).collect();
    let meta = CalendarMeta { name: Some("feed".into()), refresh: Some(chrono::Duration::hours(1)) };
    assert_eq!(calendar(&items, &meta), calendar(&items, &meta));
    let mut changed = events.clone();
    changed[0].details.title = "Tokyo, later".into();
    changed[0].updated_at += chrono::Duration::minutes(5);
    changed[0].sequence += 1;
    let items2: Vec<IcsEvent> = changed.iter().map(|event| IcsEvent { event, page_url: None }).collect();
    let text = calendar(&items2, &meta);
    assert_ne!(calendar(&items, &meta), text);
    assert!(text.contains("SEQUENCE:2\r\n") && text.contains("LAST-MODIFIED:20300203T041006Z\r\n"), "{text}");
}

fn rule(frequency: Frequency) -> RepeatRule {
    RepeatRule { frequency, interval: 1, weekdays: vec![], monthly: MonthlyBy::Date, until: None, count: None }
}

fn repeating() -> Vec<Event> {
    let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
    let mut choir = event(
        11,
        "Paris, every other Tuesday and Thursday",
        "Europe/Paris",
        local("Europe/Paris", 2031, 3, 4, 19, 0),
        local("Europe/Paris", 2031, 3, 4, 21, 0),
        false,
    );
    choir.details.repeat = Some(RepeatRule {
        interval: 2,
        weekdays: vec![chrono::Weekday::Tue, chrono::Weekday::Thu],
        until: Some(d(2031, 12, 18)),
        ..rule(Frequency::Weekly)
    });
    let starts: Vec<DateTime<Utc>> = rally_core::recurrence::starts(&choir.details).take(5).collect();
    choir.details.occurrence_changes = vec![
        OccurrenceChange { original_start: starts[2], change: Change::Cancelled },
        OccurrenceChange {
            original_start: starts[4],
            change: Change::Moved {
                starts_at: starts[4] + chrono::Duration::hours(25),
                ends_at: starts[4] + chrono::Duration::hours(28),
            },
        },
    ];
    let mut last_friday = event(
        12,
        "Los Angeles, last Friday of the month",
        "America/Los_Angeles",
        local("America/Los_Angeles", 2031, 1, 31, 18, 0),
        local("America/Los_Angeles", 2031, 1, 31, 20, 0),
        false,
    );
    last_friday.details.repeat =
        Some(RepeatRule { monthly: MonthlyBy::Weekday { nth: -1 }, count: Some(14), ..rule(Frequency::Monthly) });
    let mut camp = all_day(13, "Berlin, ten days", "Europe/Berlin", d(2031, 7, 1), 1);
    camp.details.repeat = Some(RepeatRule { count: Some(10), ..rule(Frequency::Daily) });
    let fourth = rally_core::recurrence::starts(&camp.details).nth(3).expect("a fourth day");
    camp.details.occurrence_changes = vec![OccurrenceChange { original_start: fourth, change: Change::Cancelled }];
    let mut yearly = event(
        14,
        "Sydney, every year, no end",
        "Australia/Sydney",
        local("Australia/Sydney", 2031, 4, 10, 10, 0),
        local("Australia/Sydney", 2031, 4, 10, 12, 0),
        false,
    );
    yearly.details.repeat = Some(rule(Frequency::Yearly));
    let mut mondays = event(
        15,
        "Paris, every Monday, no end",
        "Europe/Paris",
        local("Europe/Paris", 2031, 1, 6, 9, 0),
        local("Europe/Paris", 2031, 1, 6, 10, 0),
        false,
    );
    mondays.details.repeat = Some(rule(Frequency::Weekly));
    let mut dates = event(
        16,
        "UTC, on three dates",
        "UTC",
        Utc.with_ymd_and_hms(2031, 2, 1, 12, 0, 0).single().expect("t"),
        Utc.with_ymd_and_hms(2031, 2, 1, 13, 0, 0).single().expect("t"),
        false,
    );
    dates.details.extra_starts = vec![
        Utc.with_ymd_and_hms(2031, 5, 9, 12, 0, 0).single().expect("t"),
        Utc.with_ymd_and_hms(2031, 9, 12, 18, 0, 0).single().expect("t"),
    ];
    let mut tokyo = event(
        17,
        "Tokyo, every 31st",
        "Asia/Tokyo",
        local("Asia/Tokyo", 2031, 1, 31, 8, 0),
        local("Asia/Tokyo", 2031, 1, 31, 9, 0),
        false,
    );
    tokyo.details.repeat = Some(rule(Frequency::Monthly));
    vec![choir, last_friday, camp, yearly, mondays, dates, tokyo]
}

/// Every occurrence a parser expands, as "UID START END" lines, sorted.
fn occurrence_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect();
    lines.sort();
    lines
}

#[test]
fn repeating_events_expand_to_the_same_occurrences_in_five_parsers() {
    let home = validators_home();
    let dir = tempfile::tempdir().expect("tempdir");
    let events = repeating();
    let items: Vec<IcsEvent> = events.iter().map(|event| IcsEvent { event, page_url: None }).collect();
    let path = dir.path().join("repeating.ics");
    std::fs::write(&path, calendar(&items, &CalendarMeta::default())).expect("write");
    let report =
        run(Command::new("bash").arg(home.join("suite/run_all.sh")).arg(&path).env("LIBICAL_ARGS", "--no-itip"));
    eprintln!("{report}");

    let (from, to) = (NaiveDate::from_ymd_opt(2031, 1, 1).expect("d"), NaiveDate::from_ymd_opt(2037, 1, 1).expect("d"));
    let at = |d: NaiveDate| d.and_hms_opt(0, 0, 0).expect("t").and_utc();
    let mut want = Vec::new();
    for e in &events {
        let d = &e.details;
        let tz: Tz = d.timezone.parse().expect("zone");
        for o in rally_core::recurrence::occurrences(d, Some(at(from)), Some(at(to)), usize::MAX) {
            if o.cancelled || o.starts_at < at(from) || o.starts_at >= at(to) {
                continue;
            }
            let stamp = |t: DateTime<Utc>| {
                if d.all_day {
                    format!("{}D", at(t.with_timezone(&tz).date_naive()).timestamp())
                } else {
                    t.timestamp().to_string()
                }
            };
            want.push(format!("{} {} {}", uid(&e.id), stamp(o.starts_at), stamp(o.ends_at)));
        }
    }
    want.sort();
    assert!(want.len() > 400, "a fair number of occurrences: {}", want.len());

    let python = home.join("venv/bin/python");
    let script = home.join("suite/readback.py");
    let (a, b) = (from.to_string(), to.to_string());
    let node = |mode: &str| {
        let out = Command::new("node")
            .arg(home.join("node/readback.mjs"))
            .args([mode, &a, &b])
            .arg(&path)
            .env("NODE_PATH", home.join("node/node_modules"))
            .output()
            .expect("node");
        assert!(out.status.success(), "{mode}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let outputs = [
        ("recurring_ical_events", run(Command::new(&python).arg(&script).args(["occurrences", &a, &b]).arg(&path))),
        ("vobject", run(Command::new(&python).arg(&script).args(["vobject-occurrences", &a, &b]).arg(&path))),
        ("ical.js", node("icaljs-occurrences")),
        ("node-ical", node("nodeical-occurrences")),
        (
            "libical",
            run(Command::new(home.join("libical_readback"))
                .args(["occurrences", &from.format("%Y%m%d").to_string(), &to.format("%Y%m%d").to_string()])
                .arg(&path)),
        ),
    ];
    // node-ical 0.26 gets two of these wrong where the other four agree with Rally and RFC 5545: it
    // leaves RDATE out when it expands, and it expands a day-of-month rule in UTC rather than in the
    // zone of DTSTART (Tokyo's 31st at 08:00 is the 30th in UTC). Those events are left out of its
    // comparison, and checked to be still wrong there, so that a fixed node-ical ends the exception.
    let known_wrong = [("node-ical", uid(&events[5].id)), ("node-ical", uid(&events[6].id))];
    for (parser, text) in outputs {
        let skipped: Vec<&String> = known_wrong.iter().filter(|(p, _)| *p == parser).map(|(_, uid)| uid).collect();
        let of = |lines: &[String], uid: &String| {
            lines.iter().filter(|l| l.starts_with(uid.as_str())).cloned().collect::<Vec<_>>()
        };
        for uid in &skipped {
            assert_ne!(
                of(&occurrence_lines(&text), uid),
                of(&want, uid),
                "{parser} now reads {uid} right: drop its exception"
            );
        }
        let keep = |lines: Vec<String>| -> Vec<String> {
            lines.into_iter().filter(|l| !skipped.iter().any(|uid| l.starts_with(uid.as_str()))).collect()
        };
        let (got, want) = (keep(occurrence_lines(&text)), keep(want.clone()));
        let missing: Vec<&String> = want.iter().filter(|w| !got.contains(w)).take(5).collect();
        let extra: Vec<&String> = got.iter().filter(|g| !want.contains(g)).take(5).collect();
        assert!(
            missing.is_empty() && extra.is_empty() && got.len() == want.len(),
            "{parser}: {} occurrences, Rally lists {}; missing {missing:?}, extra {extra:?}",
            got.len(),
            want.len()
        );
    }
}

/// Each occurrence a parser expands between `from` and `to`, as "UID START | SUMMARY | LOCATION |
/// DESCRIPTION", per parser.
fn occurrence_texts(home: &Path, file: &Path, from: &str, to: &str) -> Vec<(&'static str, Vec<String>)> {
    let python = home.join("venv/bin/python");
    let script = home.join("suite/readback.py");
    let node = |mode: &str| {
        let mut c = Command::new("node");
        c.arg(home.join("node/readback.mjs")).args([mode, from, to]).arg(file);
        c.env("NODE_PATH", home.join("node/node_modules")).env("READBACK_TEXTS", "1");
        c
    };
    let compact = |d: &str| d.replace('-', "");
    let outputs = [
        (
            "recurring_ical_events",
            run(Command::new(&python)
                .arg(&script)
                .args(["occurrences", from, to])
                .arg(file)
                .env("READBACK_TEXTS", "1")),
        ),
        (
            "vobject",
            run(Command::new(&python)
                .arg(&script)
                .args(["vobject-occurrences", from, to])
                .arg(file)
                .env("READBACK_TEXTS", "1")),
        ),
        ("ical.js", run(&mut node("icaljs-occurrences"))),
        ("node-ical", run(&mut node("nodeical-occurrences"))),
        (
            "libical",
            run(Command::new(home.join("libical_readback"))
                .args(["occurrences", &compact(from), &compact(to)])
                .arg(file)
                .env("READBACK_TEXTS", "1")),
        ),
    ];
    outputs
        .into_iter()
        .map(|(parser, text)| {
            // "UID START END | texts": the end is left out, the moves are checked elsewhere.
            let mut lines: Vec<String> = text
                .lines()
                .filter_map(|l| {
                    let (times, texts) = l.split_once(" | ")?;
                    let mut parts = times.split_whitespace();
                    Some(format!("{} {} | {texts}", parts.next()?, parts.next()?))
                })
                .collect();
            lines.sort();
            (parser, lines)
        })
        .collect()
}

/// A calendar as Thunderbird and Google write one: a weekly choir whose Christmas date another
/// calendar moved and made a concert (its own title, place, description and web page), and whose
/// date before got only its own title.
const RETITLED: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//Retitled//EN\r\n\
BEGIN:VEVENT\r\nUID:choir-2031@example.org\r\nDTSTAMP:20310101T000000Z\r\nSUMMARY:Chorale\r\n\
DTSTART;TZID=Europe/Paris:20311202T190000\r\nDTEND;TZID=Europe/Paris:20311202T210000\r\n\
RRULE:FREQ=WEEKLY;COUNT=5\r\nLOCATION:Salle des fêtes\r\nDESCRIPTION:Répétition hebdomadaire\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:choir-2031@example.org\r\nDTSTAMP:20310101T000000Z\r\nRECURRENCE-ID;TZID=Europe/Paris:20311223T190000\r\n\
SUMMARY:Chorale — concert de Noël\r\nDTSTART;TZID=Europe/Paris:20311224T180000\r\nDTEND;TZID=Europe/Paris:20311224T200000\r\n\
LOCATION:Église Saint-Paul\\, Lyon\r\nDESCRIPTION:Concert public\\nentrée libre\r\nURL:https://example.org/noel\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:choir-2031@example.org\r\nDTSTAMP:20310101T000000Z\r\nRECURRENCE-ID;TZID=Europe/Paris:20311216T190000\r\n\
SUMMARY:Chorale (répétition générale)\r\nDTSTART;TZID=Europe/Paris:20311216T190000\r\nDTEND;TZID=Europe/Paris:20311216T210000\r\n\
LOCATION:Salle des fêtes\r\nDESCRIPTION:Répétition hebdomadaire\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

#[test]
fn occurrences_keep_their_own_title_place_and_description_through_import_sync_and_export() {
    use rally_core::model::{ExportSelection, IdentityInput};
    use rally_core::profile::{ImportMode, Profile};
    let home = validators_home();
    let dir = tempfile::tempdir().expect("tempdir");

    // Imported on one device: the concert and the dress rehearsal keep what another calendar gave them,
    // and what cannot be kept for one date (its own web page) is named.
    let (a, b) = (dir.path().join("laptop"), dir.path().join("phone"));
    let mut laptop = Profile::open(&a).expect("laptop");
    laptop.create_identity(IdentityInput { username: "ana".into(), ..Default::default() }).expect("identity");
    let report = laptop.import_ics(RETITLED.as_bytes(), "ana", "UTC", ImportMode::All).expect("import");
    assert_eq!(report.imported.len(), 1, "{report:?}");
    assert!(
        report.skipped_lines.iter().any(|l| l.contains("has its own URL, which Rally does not keep")),
        "{:?}",
        report.skipped_lines
    );
    let id = report.imported[0].id.clone().expect("an id");
    let d = laptop.event(&id).expect("event").event.details;
    assert_eq!(d.occurrence_texts.len(), 2, "{:?}", d.occurrence_texts);
    assert_eq!(d.occurrence_changes.len(), 1, "only the concert moved: {:?}", d.occurrence_changes);

    // Synced to another device (the documents merge as sync merges them), listed there per date.
    let mut phone = Profile::open(&b).expect("phone");
    for doc in laptop.document_ids().expect("ids") {
        let stored = laptop.document_bytes(&doc).expect("bytes").expect("stored");
        phone.merge_document(&doc, &stored.snapshot).expect("merge");
        for chunk in &stored.chunks {
            phone.merge_document(&doc, chunk).expect("merge");
        }
    }
    let listed: Vec<(String, Option<String>)> =
        phone.calendar(None, None).expect("calendar").into_iter().map(|e| (e.title, e.place)).collect();
    // 2, 9, 16 (the rehearsal), 23 moved to the 24th (the concert), 30 December.
    assert_eq!(listed.len(), 5, "{listed:?}");
    assert_eq!(listed[2], ("Chorale (répétition générale)".to_string(), Some("Salle des fêtes".to_string())));
    assert_eq!(listed[3], ("Chorale — concert de Noël".to_string(), Some("Église Saint-Paul, Lyon".to_string())));
    assert_eq!(listed[0].0, "Chorale");

    // Exported from there, the five parsers read each date's own texts.
    let (ics, _) = phone.export_ics(&ExportSelection::All).expect("export");
    let file = dir.path().join("choir.ics");
    std::fs::write(&file, &ics).expect("write");
    let report =
        run(Command::new("bash").arg(home.join("suite/run_all.sh")).arg(&file).env("LIBICAL_ARGS", "--no-itip"));
    eprintln!("{report}");
    let concert = local("Europe/Paris", 2031, 12, 24, 18, 0).timestamp();
    let rehearsal = local("Europe/Paris", 2031, 12, 16, 19, 0).timestamp();
    let plain = local("Europe/Paris", 2031, 12, 9, 19, 0).timestamp();
    let uid = uid(&id);
    for (parser, lines) in occurrence_texts(&home, &file, "2031-12-01", "2032-01-31") {
        assert_eq!(lines.len(), 5, "{parser}: {lines:#?}");
        let at = |t: i64| lines.iter().find(|l| l.starts_with(&format!("{uid} {t} "))).cloned();
        assert_eq!(
            at(concert).as_deref(),
            Some(format!("{uid} {concert} | Chorale — concert de Noël | Église Saint-Paul, Lyon | Concert public\\nentrée libre").as_str()),
            "{parser}: {lines:#?}"
        );
        assert_eq!(
            at(rehearsal).as_deref(),
            Some(
                format!(
                    "{uid} {rehearsal} | Chorale (répétition générale) | Salle des fêtes | Répétition hebdomadaire"
                )
                .as_str()
            ),
            "{parser}: {lines:#?}"
        );
        assert_eq!(
            at(plain).as_deref(),
            Some(format!("{uid} {plain} | Chorale | Salle des fêtes | Répétition hebdomadaire").as_str()),
            "{parser}: {lines:#?}"
        );
    }
}
