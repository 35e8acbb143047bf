//! Crash safety: a child process creates events as fast as it can and is killed with SIGKILL at random
//! moments. After each kill the store must open as is (no repair step), pass SQLite's integrity check,
//! and hold every event whose create call had returned (the child prints an id only after that).
//!
//! The child is this same test binary, started with `--writer DIR`, hence `harness = false`.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use rally_core::model::{EventInput, IdentityInput};
use rally_core::profile::Profile;

const ROUNDS: usize = 12;

fn writer(dir: &str) -> ! {
    let mut profile = Profile::open(dir).expect("open");
    let organizer = match profile.identities().expect("identities").first() {
        Some(identity) => identity.id.clone(),
        None => {
            profile
                .create_identity(IdentityInput { username: "writer".into(), ..Default::default() })
                .expect("identity")
                .id
        }
    };
    let mut out = std::io::stdout().lock();
    for n in 0.. {
        let created = profile
            .create_event(EventInput {
                organizer_id: organizer.clone(),
                title: format!("Event {n}"),
                description: "x".repeat(200),
                start: "2026-12-01T18:00".into(),
                end: "2026-12-01T20:00".into(),
                timezone: "Europe/Paris".into(),
                ..Default::default()
            })
            .expect("create");
        writeln!(out, "{}", created.event.id).expect("print");
        out.flush().expect("flush");
    }
    unreachable!()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--writer") {
        writer(&args[i + 1]);
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let dir_arg = dir.path().to_str().expect("utf-8 path").to_string();
    let mut confirmed: Vec<String> = Vec::new();
    let mut failures = 0;
    for round in 0..ROUNDS {
        let mut child = Command::new(&args[0])
            .args(["--writer", &dir_arg])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start writer");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Wait for the first event of this round, then kill at a random moment.
        let first = rx.recv_timeout(Duration::from_secs(30)).expect("the writer created nothing in 30 s");
        std::thread::sleep(Duration::from_millis(rand::random_range(0..250)));
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        reader.join().expect("reader");
        let round_ids: Vec<String> = std::iter::once(first).chain(rx.try_iter()).collect();

        let conn = rusqlite::Connection::open(dir.path().join(rally_core::profile::DATABASE_FILE)).expect("open raw");
        let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("integrity check");
        drop(conn);
        let profile = Profile::open(dir.path()).expect("the store opens after SIGKILL");
        confirmed.extend(round_ids.iter().cloned());
        let missing: Vec<&String> = confirmed.iter().filter(|id| profile.event(id).is_err()).collect();
        let ok = check == "ok" && missing.is_empty();
        println!(
            "round {round}: {} events confirmed this round, {} in all, integrity {check}, missing {}: {}",
            round_ids.len(),
            confirmed.len(),
            missing.len(),
            if ok { "ok" } else { "FAILED" }
        );
        if !ok {
            failures += 1;
        }
    }
    println!("crash_safety: {} passed, {failures} failed", ROUNDS - failures);
    if failures > 0 {
        std::process::exit(1);
    }
}
