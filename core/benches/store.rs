//! The store with 10,000 events against the floor: a plain SQLite table of the same rows, with the same
//! pragmas, indexes and FTS5 search, queried the same way, measured in the same run.
//!
//! `cargo bench -p rally-core --bench store`. Sizes on disk are printed before the timings.

use std::path::Path;
use std::time::Duration;

use chrono::{Duration as Span, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use rally_core::model::{DraftFilter, EventFilter, EventInput, IdentityInput};
use rally_core::profile::{Profile, DATABASE_FILE};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rusqlite::{params, Connection};

const EVENTS: usize = 10_000;
const WORDS: &[&str] = &[
    "repair",
    "café",
    "bikes",
    "garden",
    "soup",
    "assembly",
    "concert",
    "picnic",
    "workshop",
    "library",
    "climate",
    "neighbours",
    "music",
    "dance",
    "film",
    "walk",
    "market",
    "tools",
    "seeds",
    "choir",
    "kids",
    "elders",
    "bread",
];

struct Row {
    title: String,
    description: String,
    start: chrono::DateTime<Utc>,
    end: chrono::DateTime<Utc>,
    tags: Vec<String>,
    place: String,
}

fn rows() -> Vec<Row> {
    let mut rng = StdRng::seed_from_u64(7);
    let origin = Utc.with_ymd_and_hms(2026, 1, 1, 8, 0, 0).single().expect("t");
    let pick = |rng: &mut StdRng, n: usize| (0..n).map(|_| WORDS[rng.random_range(0..WORDS.len())]).collect::<Vec<_>>();
    (0..EVENTS)
        .map(|i| {
            // About ten events a day over ~three years.
            let start = origin + Span::minutes((i as i64) * 144 + rng.random_range(0..120));
            Row {
                title: pick(&mut rng, 3).join(" "),
                description: pick(&mut rng, 40).join(" "),
                start,
                end: start + Span::minutes(rng.random_range(60..240)),
                tags: pick(&mut rng, 2).into_iter().map(String::from).collect(),
                place: format!("Salle {}", rng.random_range(1..200)),
            }
        })
        .collect()
}

fn input(organizer: &str, row: &Row) -> EventInput {
    EventInput {
        organizer_id: organizer.into(),
        title: row.title.clone(),
        description: row.description.clone(),
        start: row.start.to_rfc3339(),
        end: row.end.to_rfc3339(),
        timezone: "Europe/Paris".into(),
        place_name: row.place.clone(),
        tags: row.tags.clone(),
        ..Default::default()
    }
}

fn rally_store(dir: &Path, rows: &[Row]) -> String {
    let mut profile = Profile::open(dir).expect("open");
    let organizer =
        profile.create_identity(IdentityInput { username: "bench".into(), ..Default::default() }).expect("identity").id;
    for row in rows {
        profile.create_event(input(&organizer, row)).expect("create");
    }
    organizer
}

fn floor_open(path: &Path) -> Connection {
    let conn = Connection::open(path).expect("open");
    conn.pragma_update(None, "journal_mode", "WAL").expect("wal");
    conn.pragma_update(None, "synchronous", "FULL").expect("sync");
    conn
}

const FLOOR_SCHEMA: &str = "
    CREATE TABLE events (rowid INTEGER PRIMARY KEY, id TEXT UNIQUE, organizer_id TEXT, title TEXT, description TEXT,
        starts_at INTEGER, ends_at INTEGER, timezone TEXT, tags TEXT, place TEXT, draft INTEGER);
    CREATE INDEX events_starts ON events (starts_at);
    CREATE VIRTUAL TABLE events_fts USING fts5 (title, description, tags, place, content = 'events',
        content_rowid = 'rowid', tokenize = 'unicode61 remove_diacritics 2');";

fn floor_insert(conn: &Connection, n: usize, row: &Row) {
    let tx = conn.unchecked_transaction().expect("tx");
    tx.execute(
        "INSERT INTO events (id, organizer_id, title, description, starts_at, ends_at, timezone, tags, place, draft)
         VALUES (?1, 'bench', ?2, ?3, ?4, ?5, 'Europe/Paris', ?6, ?7, 0)",
        params![
            format!("e{n}"),
            row.title,
            row.description,
            row.start.timestamp_millis(),
            row.end.timestamp_millis(),
            row.tags.join(" "),
            row.place
        ],
    )
    .expect("insert");
    tx.execute(
        "INSERT INTO events_fts (rowid, title, description, tags, place) VALUES (last_insert_rowid(), ?1, ?2, ?3, ?4)",
        params![row.title, row.description, row.tags.join(" "), row.place],
    )
    .expect("fts");
    tx.commit().expect("commit");
}

fn floor_store(path: &Path, rows: &[Row]) {
    let conn = floor_open(path);
    conn.execute_batch(FLOOR_SCHEMA).expect("schema");
    for (n, row) in rows.iter().enumerate() {
        floor_insert(&conn, n, row);
    }
}

fn floor_month(conn: &Connection, from: i64, to: i64) -> usize {
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, organizer_id, title, description, starts_at, ends_at, timezone, tags, place, draft FROM events
             WHERE ends_at > ?1 AND starts_at >= ?1 - (SELECT max(ends_at - starts_at) FROM events) AND starts_at < ?2
             ORDER BY starts_at",
        )
        .expect("prepare");
    let rows = stmt
        .query_map(params![from, to], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?, r.get::<_, String>(7)?))
        })
        .expect("query");
    rows.count()
}

fn floor_search(conn: &Connection, word: &str) -> usize {
    let mut stmt = conn
        .prepare_cached(
            "SELECT e.id, e.title, e.description FROM events_fts f JOIN events e ON e.rowid = f.rowid
             WHERE events_fts MATCH ?1 ORDER BY f.rank, e.starts_at LIMIT 200",
        )
        .expect("prepare");
    let rows = stmt.query_map([format!("\"{word}\"*")], |r| r.get::<_, String>(0)).expect("query");
    rows.count()
}

fn size_on_disk(dir: &Path) -> u64 {
    std::fs::read_dir(dir).expect("dir").filter_map(|e| e.ok()?.metadata().ok()).map(|m| m.len()).sum()
}

fn checkpoint(path: &Path) {
    Connection::open(path).expect("open").execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").expect("checkpoint");
}

fn benches(c: &mut Criterion) {
    let rows = rows();
    let rally_dir = tempfile::tempdir().expect("tempdir");
    let floor_dir = tempfile::tempdir().expect("tempdir");
    let floor_path = floor_dir.path().join("floor.sqlite3");
    let organizer = rally_store(rally_dir.path(), &rows);
    floor_store(&floor_path, &rows);
    checkpoint(&rally_dir.path().join(DATABASE_FILE));
    checkpoint(&floor_path);
    let per_thousand = |bytes: u64| bytes as f64 / (EVENTS as f64 / 1000.0) / 1024.0;
    println!(
        "size on disk per 1,000 events: rally {:.0} KiB, plain SQLite floor {:.0} KiB ({} events, descriptions of 40 words)",
        per_thousand(size_on_disk(rally_dir.path())),
        per_thousand(size_on_disk(floor_dir.path())),
        EVENTS
    );

    let from = Utc.with_ymd_and_hms(2027, 3, 1, 0, 0, 0).single().expect("t");
    let to = Utc.with_ymd_and_hms(2027, 4, 1, 0, 0, 0).single().expect("t");
    let month = EventFilter { from: Some(from), to: Some(to), drafts: DraftFilter::Include, ..Default::default() };

    let mut group = c.benchmark_group("open_and_list_month");
    group.bench_function("rally", |b| {
        b.iter(|| {
            let profile = Profile::open(rally_dir.path()).expect("open");
            let listed = profile.events(&month).expect("list");
            assert!(listed.len() > 250, "a month holds ~300 events, got {}", listed.len());
        })
    });
    group.bench_function("floor", |b| {
        b.iter(|| {
            let conn = floor_open(&floor_path);
            assert!(floor_month(&conn, from.timestamp_millis(), to.timestamp_millis()) > 250);
        })
    });
    group.finish();

    let mut group = c.benchmark_group("search");
    let profile = Profile::open(rally_dir.path()).expect("open");
    let conn = floor_open(&floor_path);
    group.bench_function("rally", |b| {
        b.iter(|| assert!(!profile.search_events("workshop").expect("search").is_empty()))
    });
    group.bench_function("floor", |b| b.iter(|| assert!(floor_search(&conn, "workshop") > 0)));
    group.finish();
    drop(profile);

    let mut group = c.benchmark_group("create_event");
    let mut profile = Profile::open(rally_dir.path()).expect("open");
    let mut n = 0;
    group.bench_function("rally", |b| {
        b.iter_batched(
            || {
                n += 1;
                input(&organizer, &rows[n % rows.len()])
            },
            |event| profile.create_event(event).expect("create"),
            BatchSize::SmallInput,
        )
    });
    let mut m = EVENTS;
    group.bench_function("floor", |b| {
        b.iter(|| {
            m += 1;
            floor_insert(&conn, m, &rows[m % rows.len()]);
        })
    });
    group.finish();
}

criterion_group! {
    name = store;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(6)).warm_up_time(Duration::from_secs(1));
    targets = benches
}
criterion_main!(store);
