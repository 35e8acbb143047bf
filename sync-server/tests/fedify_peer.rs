//! An independent ActivityPub implementation against a real relay: Fedify 1.5.9 (npm, installed by
//! scripts/install-deps.sh into ~/.cache/rally-test) runs tests/js/fedify_peer.mjs as a peer on
//! loopback. It finds a Rally identity by WebFinger, follows it and gets `Accept` (verifying Rally's
//! signature), receives the `Create(Event)` Rally delivers (verified again), sends a signed `Join`
//! (which Rally verifies) and gets `Accept`.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use common::*;
use serde_json::Value;

fn home() -> PathBuf {
    let home = PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/rally-test");
    assert!(
        home.join("node_modules/@fedify/fedify/package.json").exists(),
        "Fedify is not installed in {}: run scripts/install-deps.sh",
        home.display()
    );
    home
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fedify_peer_follows_receives_the_event_verifies_it_and_joins() {
    let dir = tempfile::tempdir().expect("dir");
    let relay = Relay::start(dir.path(), None);
    let ana = relay.account("ana@example.org").await;
    let device = peer(&relay, &ana).await;
    let ana_id = create_identity(&device, "ana", "Ana").await.document_id().to_string();
    get_until(&relay, "/@ana/outbox", None, "ana's actor", |s, _| s == reqwest::StatusCode::OK).await;

    let home = home();
    let script = home.join("rally-fedify-peer.mjs");
    std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/js/fedify_peer.mjs"), &script).expect("copy the script");
    let mut node = Process(
        Command::new("node")
            .arg(&script)
            .current_dir(&home)
            .env("RALLY", &relay.base)
            .env("USERNAME", "ana")
            .env("PORT", free_port().to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("node"),
    );
    let mut stdin = node.0.stdin.take().expect("stdin");
    let (lines_tx, lines) = std::sync::mpsc::channel::<Value>();
    let stdout = node.0.stdout.take().expect("stdout");
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let value =
                serde_json::from_str(&line).unwrap_or_else(|_| serde_json::json!({"step": "output", "line": line}));
            if lines_tx.send(value).is_err() {
                break;
            }
        }
    });
    let step = |name: &str| -> Value {
        loop {
            let line = lines
                .recv_timeout(std::time::Duration::from_secs(40))
                .unwrap_or_else(|_| panic!("no \"{name}\" from the peer"));
            assert_ne!(line["step"], "failed", "the Fedify peer failed: {}", line["error"].as_str().unwrap_or(""));
            if line["step"] == name {
                return line;
            }
        }
    };
    let finger = step("webfinger");
    assert_eq!(finger["actor"], format!("{}/@ana", relay.base));
    assert_eq!(step("actor")["preferredUsername"], "ana");
    step("followed");
    let followers = get(&relay, "/@ana/followers", None).await.1;
    assert!(followers.contains("\"totalItems\":1"), "{followers}");

    let event = create_event(&device, &ana_id, "Fête de quartier", |_| {}).await.document_id().to_string();
    writeln!(stdin, "publish").expect("tell the peer");
    let created = step("created");
    assert_eq!(created["id"], format!("{}/events/{event}", relay.base));
    assert_eq!(created["name"], "Fête de quartier");
    step("joined");
    // The relay took the Join as a participation, going (a free event).
    let participants = get_until(
        &relay,
        &format!("/api/v1/events/{event}/participations"),
        Some(&ana.token),
        "the peer's place",
        |s, body| s == reqwest::StatusCode::OK && body.contains("\"status\":\"going\""),
    )
    .await;
    assert!(participants.contains("/users/peer"), "{participants}");
    // Its Flag: a report of Ana, with her event, for this relay's moderators.
    step("flagged");
    assert!(node.0.wait().expect("node").success());
    let db = rusqlite::Connection::open(relay.data.join("relay.sqlite3")).expect("db");
    let deadline = std::time::Instant::now() + WAIT;
    let report = loop {
        let found: Option<(String, String, String, String)> = db
            .query_row("SELECT reporter, target_kind, comment, events FROM reports", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .ok();
        if let Some(report) = found {
            break report;
        }
        assert!(std::time::Instant::now() < deadline, "the Flag never became a report");
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(report.0.ends_with("/users/peer"), "{report:?}");
    assert_eq!((report.1.as_str(), report.2.as_str()), ("identity", "Spam, reported from Fedify"), "{report:?}");
    assert!(report.3.contains("Fête de quartier"), "{report:?}");
}
