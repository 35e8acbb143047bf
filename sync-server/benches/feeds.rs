//! The instance feed with 10,000 public events: building it, and answering `If-None-Match` (the work of
//! a 304). `cargo bench -p rally-server --bench feeds`, or `scripts/bench-feeds.sh`, which also times
//! Python's icalendar building the same feed from the same events (written to
//! `target/bench-feed/events.json`) and a 304 over HTTP from a release relay serving the same data
//! (`target/bench-feed/relay`). Events are recorded through the same code sync uses.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::{Duration, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use rally_core::model::{Event, EventDetails, EventStatus, JoinMode, Place, Visibility};
use rally_server::calendar::{Calendar, Calendars};
use rally_server::projections::{public_tables, Projections};
use rally_server::sync::{DocumentChanged, DocumentView, Projection};

const EVENTS: usize = 10_000;
/// The public URL the relay in scripts/bench-feeds.sh is started with.
const URL: &str = "https://relay.example";
const ZONES: &[&str] = &["Europe/Paris", "America/Montreal", "Asia/Tokyo", "Europe/Berlin"];

fn events() -> Vec<Event> {
    let first = Utc.with_ymd_and_hms(2031, 1, 1, 17, 0, 0).single().expect("t");
    (0..EVENTS)
        .map(|i| {
            let starts_at = first + Duration::hours(i as i64 * 3);
            Event {
                id: format!("bench{i:06}"),
                details: EventDetails {
                    organizer_id: "organizer".into(),
                    group_id: None,
                    title: format!("Atelier vélo n°{i}, réparations; entraide"),
                    description: format!("Venez réparer votre vélo.\nOutils fournis, café offert. Rencontre {i}."),
                    starts_at,
                    ends_at: starts_at + Duration::hours(2),
                    timezone: ZONES[i % ZONES.len()].into(),
                    all_day: i % 10 == 0,
                    place: Some(Place {
                        name: "Maison des associations".into(),
                        address: "12 rue de la République, Lyon".into(),
                        latitude: Some(45.76),
                        longitude: Some(4.83),
                    }),
                    online_url: None,
                    status: if i % 50 == 0 { EventStatus::Cancelled } else { EventStatus::Confirmed },
                    visibility: Visibility::Public,
                    draft: false,
                    join_mode: JoinMode::Free,
                    registration_url: None,
                    capacity: None,
                    waiting_list: false,
                    anonymous_participation: false,
                    tags: vec!["vélo".into(), "entraide".into()],
                    category: None,
                    repeat: None,
                    extra_starts: vec![],
                    occurrence_changes: vec![],
                    occurrence_texts: vec![],
                },
                has_picture: false,
                created_at: first - Duration::days(30),
                updated_at: first - Duration::days(1) + Duration::seconds(i as i64),
                sequence: (i % 3) as u32,
                source_uid: None,
            }
        })
        .collect()
}

fn seeded() -> Calendars {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-feed");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("bench folder");
    let events = events();
    std::fs::write(dir.join("events.json"), serde_json::to_vec(&events).expect("json")).expect("events.json");
    let db = Arc::new(Mutex::new(rally_server::database::open(&dir.join("relay")).expect("database")));
    let projections = Projections::new(db.clone(), URL, None);
    let mut conn = rally_server::lock(&db);
    let tx = conn.transaction().expect("tx");
    // The organizer is an identity of the account that owns the events, as the relay requires.
    tx.execute_batch(
        "INSERT INTO sync_documents (id, owner) VALUES ('organizer', 'bench');
         INSERT INTO identities (id, username, display_name) VALUES ('organizer', 'organizer', 'Organizer');",
    )
    .expect("organizer");
    for e in &events {
        tx.execute("INSERT INTO sync_documents (id, owner) VALUES (?1, 'bench')", [&e.id]).expect("owner");
        let after = DocumentView::Event(Box::new(e.clone()), None);
        let change = DocumentChanged { id: e.id.clone(), before: DocumentView::Other, after };
        projections.document_changed(&tx, &change).expect("record");
    }
    // A relay started on this folder with this public URL finds its public tables built.
    tx.execute("INSERT INTO meta (key, value) VALUES ('public_index', ?1)", [public_tables::public_index_stamp(URL)])
        .expect("meta");
    tx.commit().expect("commit");
    drop(conn);
    Calendars::new(db, URL.into(), "Rally".into())
}

fn feeds(c: &mut Criterion) {
    let calendars = seeded();
    let events = events();
    let items: Vec<rally_core::ical::IcsEvent> = events
        .iter()
        .map(|event| rally_core::ical::IcsEvent { event, page_url: Some(format!("{URL}/events/{}", event.id)) })
        .collect();
    let (_, body) = calendars.render(&Calendar::Instance).expect("render").expect("feed");
    eprintln!("feed of {EVENTS} events: {} bytes", body.len());
    let mut group = c.benchmark_group("feed");
    group.sample_size(20);
    group.bench_function("build the instance feed, 10,000 events", |b| {
        b.iter(|| calendars.render(&Calendar::Instance).expect("render"))
    });
    // Like with like against Python's icalendar: every VEVENT written from the events.
    group.bench_function("write the same feed from the events, 10,000 events", |b| {
        let meta = rally_core::ical::CalendarMeta { name: Some("Rally".into()), refresh: None };
        b.iter(|| rally_core::ical::calendar(&items, &meta))
    });
    group.bench_function("version for If-None-Match (the work of a 304)", |b| {
        b.iter(|| calendars.version(&Calendar::Instance).expect("version"))
    });
    group.finish();
}

criterion_group!(benches, feeds);
criterion_main!(benches);
