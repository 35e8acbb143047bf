//! Helpers the relay's integration tests share: the real binary on a free port, and accounts made the
//! way a person makes them (sign up, follow the mailed link, log in).
#![allow(dead_code)]

#[path = "browser.rs"]
pub mod browser;
#[path = "groups.rs"]
pub mod groups;
#[path = "smtp.rs"]
mod smtp;
#[allow(unused_imports)]
pub use smtp::{link_token as smtp_link_token, outbox_mails, Smtp};

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use std::time::Duration;

use samod::{BackoffConfig, DocHandle, DocumentId, PeerId, Repo};
use serde_json::{json, Value};

pub const WAIT: Duration = Duration::from_secs(10);
const PASSWORD: &str = "a long enough passphrase";

pub struct Process(pub Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port()
}

pub struct Relay {
    pub process: Process,
    pub base: String,
    pub data: PathBuf,
}

impl Relay {
    pub fn start(dir: &Path, smtp_port: Option<u16>) -> Relay {
        Relay::start_on(dir, smtp_port, 0)
    }

    /// On a given port (0: any), so that a restarted relay is found where clients left it.
    pub fn start_on(dir: &Path, smtp_port: Option<u16>, port: u16) -> Relay {
        Relay::start_with(dir, smtp_port, port, &[])
    }

    /// With more flags (the mail worker's delays, for tests that cannot wait minutes).
    pub fn start_with(dir: &Path, smtp_port: Option<u16>, port: u16, flags: &[&str]) -> Relay {
        let data = dir.join("relay");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rally-server"));
        cmd.args(["--listen", &format!("127.0.0.1:{port}"), "--instance-name", "Rally Test"]).arg("--data").arg(&data);
        cmd.args(flags);
        if let Some(port) = smtp_port {
            cmd.args(["--smtp", &format!("smtp://127.0.0.1:{port}")]);
        }
        let mut child = cmd.stdout(Stdio::piped()).spawn().expect("start rally-server");
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().expect("stdout")), &mut line)
            .expect("banner");
        let addr = line.split("http://").nth(1).and_then(|s| s.split_whitespace().next()).expect("address").to_string();
        Relay { process: Process(child), base: format!("http://{addr}"), data }
    }
}

/// A logged-in session: what `POST /api/v1/sessions` answers.
pub struct Session {
    pub token: String,
    pub account_id: String,
    pub peer_id: String,
}

impl Relay {
    /// `ws://…/sync?access_token=…` for a session.
    pub fn sync_url(&self, token: &str) -> String {
        format!("{}/sync?access_token={token}", self.base.replacen("http://", "ws://", 1))
    }

    /// Signs up, confirms through the link in the newest outbox mail, and logs in.
    pub async fn account(&self, email: &str) -> Session {
        self.account_mailed(email, None).await
    }

    /// As [`Relay::account`], the confirmation read from `smtp` when the relay mails through it.
    pub async fn account_mailed(&self, email: &str, smtp: Option<&Smtp>) -> Session {
        let http = reqwest::Client::new();
        let password = PASSWORD;
        let res = http
            .post(format!("{}/api/v1/accounts", self.base))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .expect("sign up");
        assert_eq!(res.status(), reqwest::StatusCode::CREATED);
        let token = match smtp {
            Some(smtp) => smtp.token_for(email),
            None => self.link_token_for(email),
        };
        let res = http
            .post(format!("{}/api/v1/accounts/confirm", self.base))
            .json(&json!({"token": token}))
            .send()
            .await
            .expect("confirm");
        assert_eq!(res.status(), reqwest::StatusCode::OK);
        self.account_session_again(email).await
    }

    /// A second session (another device) of an existing, confirmed account.
    pub async fn account_session_again(&self, email: &str) -> Session {
        let res = reqwest::Client::new()
            .post(format!("{}/api/v1/sessions", self.base))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .expect("log in");
        assert_eq!(res.status(), reqwest::StatusCode::CREATED);
        let body: Value = res.json().await.expect("json");
        Session {
            token: body["token"].as_str().expect("token").into(),
            account_id: body["account_id"].as_str().expect("account").into(),
            peer_id: body["peer_id"].as_str().expect("peer id").into(),
        }
    }

    /// The token in the confirmation link mailed (to the outbox) to `email`.
    fn link_token_for(&self, email: &str) -> String {
        smtp::outbox_token(&self.data.join("outbox"), email)
    }
}

/// `rally-server --data DIR ARGS` on `relay`'s machine: what it printed, or why it failed.
pub fn on_relay_machine(relay: &Relay, args: &[&str]) -> Result<String, String> {
    let out = Command::new(env!("CARGO_BIN_EXE_rally-server")).arg("--data").arg(&relay.data).args(args).output();
    let out = out.expect("rally-server");
    match out.status.success() {
        true => Ok(String::from_utf8_lossy(&out.stdout).to_string()),
        false => Err(String::from_utf8_lossy(&out.stderr).to_string()),
    }
}

/// An automerge-repo peer logged in as `session`, connected to the relay.
pub async fn peer(relay: &Relay, session: &Session) -> Repo {
    let repo = Repo::build_tokio().with_peer_id(PeerId::from_string(session.peer_id.clone())).load().await;
    let url = samod::Url::parse(&relay.sync_url(&session.token)).expect("url");
    repo.dial_websocket(url, BackoffConfig::default()).expect("dial");
    tokio::time::timeout(WAIT, repo.when_connected(PeerId::from_string("rally-relay".into())))
        .await
        .expect("connected within 10 s")
        .expect("repo running");
    repo
}

/// `find`, retried until the document is there (it may still be on its way to the relay).
pub async fn find_eventually(repo: &Repo, id: &DocumentId) -> DocHandle {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Some(handle) = repo.find(id.clone()).await.expect("repo running") {
            return handle;
        }
        assert!(tokio::time::Instant::now() < deadline, "{id} never became available");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Applies an edit through rally-core's schema code to a document held by a samod handle.
pub fn edit(handle: &DocHandle, change: impl FnOnce(&mut automerge::AutoCommit)) {
    handle.with_document(|am| {
        let mut copy = automerge::AutoCommit::load(&am.save()).expect("load");
        let before = copy.get_heads();
        change(&mut copy);
        am.load_incremental(&copy.save_after(&before)).expect("apply");
    });
}

/// An event's details for tests: a public event in Paris, in 2031.
pub fn event_details(title: &str, draft: bool) -> rally_core::model::EventDetails {
    use chrono::TimeZone;
    use rally_core::model::{EventDetails, EventStatus, JoinMode, Visibility};
    EventDetails {
        organizer_id: "organizer".into(),
        group_id: None,
        title: title.into(),
        description: "Ordre du jour à venir".into(),
        starts_at: chrono::Utc.with_ymd_and_hms(2031, 3, 1, 18, 0, 0).single().expect("t"),
        ends_at: chrono::Utc.with_ymd_and_hms(2031, 3, 1, 20, 0, 0).single().expect("t"),
        timezone: "Europe/Paris".into(),
        all_day: false,
        place: None,
        online_url: None,
        status: EventStatus::Confirmed,
        visibility: Visibility::Public,
        draft,
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
    }
}

/// Runs the five parsers of ../shared/tools/ical-validators (installed by scripts/install-deps.sh) on
/// an iCalendar text; each must read it.
pub fn validate_ics(text: &str) {
    let home = std::env::var_os("ICAL_VALIDATORS_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").expect("HOME")).join(".cache/ical-validators"));
    let suite = home.join("suite/run_all.sh");
    assert!(suite.exists(), "no iCalendar validators in {}: run scripts/install-deps.sh", home.display());
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("feed.ics");
    std::fs::write(&file, text).expect("write");
    let out = Command::new("bash").arg(suite).arg(&file).env("LIBICAL_ARGS", "--no-itip").output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
}

pub type RawSocket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A raw WebSocket to `/sync` with a valid token, for sending what no well-behaved client would.
pub async fn raw_socket(relay: &Relay, token: &str) -> RawSocket {
    let (socket, _) = tokio_tungstenite::connect_async(relay.sync_url(token)).await.expect("upgrade");
    socket
}

/// A raw socket that has joined as `peer_id` and heard the relay's `peer` answer.
pub async fn joined(relay: &Relay, token: &str, peer_id: &str) -> RawSocket {
    use futures::{SinkExt, StreamExt};
    use rally_server::sync::wire::{self, Message};
    use tokio_tungstenite::tungstenite::Message as Frame;
    let mut socket = raw_socket(relay, token).await;
    let join = Message::Join { sender: peer_id.into(), versions: vec!["1".into()] };
    socket.send(Frame::Binary(wire::encode(&join, peer_id, "").into())).await.expect("send join");
    let answer = tokio::time::timeout(WAIT, socket.next()).await.expect("an answer").expect("a frame").expect("ok");
    let Frame::Binary(bytes) = answer else { panic!("not binary: {answer:?}") };
    assert!(matches!(wire::decode(&bytes), Ok(Message::Peer { .. })), "{:?}", wire::decode(&bytes));
    socket
}

/// Waits until the server closes the socket (a Close frame, an error or the end of the stream).
pub async fn closed_by_server(socket: &mut RawSocket) -> bool {
    use futures::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    let deadline = tokio::time::Instant::now() + WAIT;
    while tokio::time::Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_millis(500), socket.next()).await {
            Ok(None) | Ok(Some(Err(_))) | Ok(Some(Ok(Message::Close(_)))) => return true,
            Ok(Some(Ok(_))) | Err(_) => {}
        }
    }
    false
}

/// Creates an identity document on `repo`; its id.
pub async fn create_identity(repo: &Repo, username: &str, display_name: &str) -> DocHandle {
    use rally_core::document::{self, Kind};
    let now = chrono::Utc::now();
    let mut doc = document::create(Kind::Identity, now).expect("doc");
    let text = rally_core::validate::IdentityText {
        username: username.into(),
        display_name: display_name.into(),
        bio: String::new(),
    };
    document::write_identity(&mut doc, &text, &rally_core::model::ImageChange::Keep, now).expect("identity");
    repo.create(automerge::Automerge::load(&doc.save()).expect("am")).await.expect("create")
}

/// Creates an event document on `repo`, organized by `organizer`, written exactly as `change` leaves
/// [`event_details`] (no check: tests of hostile documents write what they like).
pub async fn create_event(
    repo: &Repo,
    organizer: &str,
    title: &str,
    change: impl FnOnce(&mut rally_core::model::EventDetails),
) -> DocHandle {
    use rally_core::document::{self, Kind};
    let mut details = event_details(title, false);
    details.organizer_id = organizer.into();
    change(&mut details);
    let now = chrono::Utc::now();
    let mut doc = document::create(Kind::Event, now).expect("doc");
    document::write_event(&mut doc, &details, &rally_core::model::ImageChange::Keep, now).expect("write");
    repo.create(automerge::Automerge::load(&doc.save()).expect("am")).await.expect("create")
}

/// GET with an optional bearer token: status and body.
pub async fn get(relay: &Relay, path: &str, token: Option<&str>) -> (reqwest::StatusCode, String) {
    let mut request = reqwest::Client::new().get(format!("{}{path}", relay.base));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("GET");
    (response.status(), response.text().await.expect("body"))
}

/// Polls `path` until `done` holds for its status and body, or fails after [`WAIT`].
pub async fn get_until(
    relay: &Relay,
    path: &str,
    token: Option<&str>,
    what: &str,
    done: impl Fn(reqwest::StatusCode, &str) -> bool,
) -> String {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (status, body) = get(relay, path, token).await;
        if done(status, &body) {
            return body;
        }
        assert!(tokio::time::Instant::now() < deadline, "{what}: {path} answered {status} {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The DOM headless Chromium builds from `url` (installed by scripts/install-deps.sh).
pub fn chromium_dom(url: &str) -> String {
    let out = Command::new("chromium")
        .args(["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--dump-dom", url])
        .output()
        .expect("chromium (scripts/install-deps.sh installs it)");
    assert!(out.status.success(), "chromium failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).to_string()
}
