//! One change fanned out by the relay to 50 connected devices: the devices of 50 members of a group
//! (access by role, read on every message), beside the single-owner case (50 devices of the account
//! that owns the document), in the same run. Reports p50 and p99 of the time from the writer's change
//! until the last of the 50 has it. A real relay in this process on loopback, samod peers.
//!
//! `cargo bench -p rally-server --bench fanout` [rounds, default 100].

use std::time::{Duration, Instant};

use automerge::transaction::Transactable;
use automerge::{ReadDoc, ROOT};
use chrono::Utc;
use futures::StreamExt;
use rally_core::document::{self, Kind};
use rally_core::model::{GroupOpenness, ImageChange, Visibility};
use rally_server::config::Config;
use rally_server::AppState;
use samod::{BackoffConfig, DocHandle, PeerId, Repo};
use serde_json::{json, Value};

// smtp.rs allows its own unused helpers.
#[path = "../tests/common/smtp.rs"]
mod smtp;

const DEVICES: usize = 50;
const PASSWORD: &str = "a long enough passphrase";

struct Session {
    token: String,
    peer_id: String,
}

async fn post(base: &str, path: &str, token: Option<&str>, body: Value) -> Value {
    let mut request = reqwest::Client::new().post(format!("{base}{path}")).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{path}: {status} {body}");
    body
}

async fn account(base: &str, outbox: &std::path::Path, state: &AppState, email: &str) {
    post(base, "/api/v1/accounts", None, json!({"email": email, "password": PASSWORD})).await;
    state.accounts.confirm(&smtp::outbox_token(outbox, email)).expect("confirm");
}

async fn session(base: &str, email: &str) -> Session {
    let body = post(base, "/api/v1/sessions", None, json!({"email": email, "password": PASSWORD})).await;
    Session {
        token: body["token"].as_str().expect("token").into(),
        peer_id: body["peer_id"].as_str().expect("peer").into(),
    }
}

async fn peer(base: &str, s: &Session) -> Repo {
    let repo = Repo::build_tokio().with_peer_id(PeerId::from_string(s.peer_id.clone())).load().await;
    let url = format!("{}/sync?access_token={}", base.replacen("http://", "ws://", 1), s.token);
    repo.dial_websocket(samod::Url::parse(&url).expect("url"), BackoffConfig::default()).expect("dial");
    repo.when_connected(PeerId::from_string("rally-relay".into())).await.expect("connected");
    repo
}

async fn find(repo: &Repo, id: &samod::DocumentId) -> DocHandle {
    loop {
        if let Some(handle) = repo.find(id.clone()).await.expect("running") {
            return handle;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn value(handle: &DocHandle) -> i64 {
    handle.with_document(|d| match d.get(ROOT, "n") {
        Ok(Some((automerge::Value::Scalar(v), _))) => v.as_i64().unwrap_or(-1),
        _ => -1,
    })
}

/// Rounds of: the writer sets `n`, and the time until every reader has it.
async fn rounds(writer: &DocHandle, readers: &[DocHandle], count: usize) -> Vec<Duration> {
    let mut times = Vec::new();
    for n in 1..=count as i64 {
        let waits: Vec<_> = readers
            .iter()
            .map(|h| {
                let h = h.clone();
                tokio::spawn(async move {
                    let mut changes = h.changes();
                    while value(&h) != n {
                        changes.next().await;
                    }
                })
            })
            .collect();
        let start = Instant::now();
        writer.with_document(|d| {
            d.transact(|tx| tx.put(ROOT, "n", n)).expect("edit");
        });
        for wait in waits {
            wait.await.expect("reader");
        }
        times.push(start.elapsed());
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    times
}

fn report(what: &str, mut times: Vec<Duration>) {
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1];
    println!(
        "{what}: p50 {:.1} ms, p99 {:.1} ms ({} rounds)",
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        times.len()
    );
}

fn group_doc() -> automerge::Automerge {
    let now = Utc::now();
    let mut doc = document::create(Kind::Group, now).expect("doc");
    let text = rally_core::validate::GroupText {
        name: "Bench".into(),
        username: "bench".into(),
        summary: String::new(),
        place: None,
    };
    document::write_group(
        &mut doc,
        &text,
        (Visibility::Public, GroupOpenness::Open),
        (&ImageChange::Keep, &ImageChange::Keep),
        now,
    )
    .expect("write");
    automerge::Automerge::load(&doc.save()).expect("load")
}

fn identity_doc(username: &str) -> automerge::Automerge {
    let now = Utc::now();
    let mut doc = document::create(Kind::Identity, now).expect("doc");
    let text = rally_core::validate::IdentityText {
        username: username.into(),
        display_name: username.into(),
        bio: String::new(),
    };
    document::write_identity(&mut doc, &text, &ImageChange::Keep, now).expect("identity");
    automerge::Automerge::load(&doc.save()).expect("load")
}

fn main() {
    let count: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(100);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    runtime.block_on(async move {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = Config::with_data(dir.path().to_path_buf());
        config.requests_per_ip = 100_000;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
        let bound = listener.local_addr().expect("addr");
        let state = AppState::open(&config, bound).await.expect("relay");
        tokio::spawn(rally_server::run(listener, state.clone(), std::future::pending()));
        let base = format!("http://{bound}");
        let outbox = dir.path().join("outbox");

        // Single owner: 51 devices of one account; the first writes its own document.
        account(&base, &outbox, &state, "owner@example.org").await;
        let mut devices = Vec::new();
        for _ in 0..=DEVICES {
            devices.push(peer(&base, &session(&base, "owner@example.org").await).await);
        }
        let mut doc = automerge::Automerge::new();
        doc.transact(|tx| tx.put(ROOT, "n", 0_i64)).expect("put");
        let owned = devices[0].create(doc).await.expect("create");
        let mut readers = Vec::new();
        for device in &devices[1..] {
            readers.push(find(device, owned.document_id()).await);
        }
        report(
            &format!("single owner, {DEVICES} devices of the owning account"),
            rounds(&owned, &readers, count).await,
        );

        // A group: the administrator writes its document; 50 members' devices read it.
        account(&base, &outbox, &state, "admin@example.org").await;
        let admin = session(&base, "admin@example.org").await;
        let admin_repo = peer(&base, &admin).await;
        let admin_identity = admin_repo.create(identity_doc("admin")).await.expect("identity");
        let group = admin_repo.create(group_doc()).await.expect("group");
        let g = group.document_id().to_string();
        let register =
            json!({"group_id": g, "identity_id": admin_identity.document_id().to_string(), "username": "bench"});
        loop {
            let response = reqwest::Client::new()
                .post(format!("{base}/api/v1/groups"))
                .bearer_auth(&admin.token)
                .json(&register)
                .send()
                .await
                .expect("register");
            if response.status().is_success() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let (mut readers, mut repos) = (Vec::new(), Vec::new());
        for i in 0..DEVICES {
            let email = format!("member{i}@example.org");
            account(&base, &outbox, &state, &email).await;
            let s = session(&base, &email).await;
            let repo = peer(&base, &s).await;
            let identity = repo.create(identity_doc(&format!("member{i}"))).await.expect("identity");
            loop {
                let response = reqwest::Client::new()
                    .post(format!("{base}/api/v1/groups/{g}/members"))
                    .bearer_auth(&s.token)
                    .json(&json!({"identity_id": identity.document_id().to_string()}))
                    .send()
                    .await
                    .expect("join");
                if response.status().is_success() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            readers.push(find(&repo, group.document_id()).await);
            repos.push(repo);
        }
        report(&format!("group, {DEVICES} members' devices (access by role)"), rounds(&group, &readers, count).await);
        drop((devices, repos));
    });
}
