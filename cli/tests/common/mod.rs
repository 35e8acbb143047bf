//! What the CLI's integration tests share: a real relay in this process on a free port (through the
//! same `run` the binary calls), and `rally` run as a script would.
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use rally_server::{config::Config, AppState};

pub struct Relay {
    pub url: String,
    pub state: AppState,
    data: tempfile::TempDir,
    port: u16,
    runtime: Option<tokio::runtime::Runtime>,
}

/// Serves a relay on `data` and `port` (0: any free port) in its own runtime.
fn serve(data: &Path, port: u16) -> (tokio::runtime::Runtime, u16, AppState) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
    let config = Config::with_data(data.to_path_buf());
    let (port, state) = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.expect("bind");
        let bound = listener.local_addr().expect("addr");
        let state = AppState::open(&config, bound).await.expect("relay state");
        tokio::spawn(rally_server::run(listener, state.clone(), std::future::pending()));
        (bound.port(), state)
    });
    (runtime, port, state)
}

pub fn relay() -> Relay {
    let data = tempfile::tempdir().expect("tempdir");
    let (runtime, port, state) = serve(data.path(), 0);
    Relay { url: format!("http://127.0.0.1:{port}"), state, data, port, runtime: Some(runtime) }
}

impl Relay {
    /// Stops the relay at once, every connection and task with it, as a crash would.
    pub fn stop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(std::time::Duration::from_secs(5));
        }
    }

    /// Starts it again on the same data and port.
    pub fn restart(&mut self) {
        self.stop();
        let (runtime, _, state) = serve(self.data.path(), self.port);
        self.state = state;
        self.runtime = Some(runtime);
    }

    /// Confirms an account the way its mailed link would (the mail is in the outbox).
    pub fn confirm(&self) {
        self.confirm_for("@");
    }

    /// Confirms the account whose address holds `email` through the link mailed to it.
    pub fn confirm_for(&self, email: &str) {
        let outbox = self.data.path().join("outbox");
        let raw = std::fs::read_dir(&outbox)
            .expect("outbox")
            .flatten()
            .map(|e| std::fs::read(e.path()).expect("read"))
            .find(|raw| {
                let parsed = mailparse::parse_mail(raw).expect("MIME");
                parsed.headers.iter().any(|h| h.get_key() == "To" && h.get_value().contains(email))
            })
            .unwrap_or_else(|| panic!("no mail to {email} in the outbox"));
        let parsed = mailparse::parse_mail(&raw).expect("MIME");
        let text =
            parsed.subparts.iter().find(|p| p.ctype.mimetype == "text/plain").expect("text").get_body().expect("body");
        let link = text.split_whitespace().find(|w| w.contains("token=")).expect("link");
        let token = link.split("token=").nth(1).expect("token");
        self.state.accounts.confirm(token).expect("confirm");
    }
}

pub fn rally(data: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rally"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env_remove("RALLY_DATA")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run rally");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write password");
    child.wait_with_output().expect("wait")
}

/// Runs `rally` and insists it succeeded; returns its standard output.
pub fn ok(data: &Path, args: &[&str]) -> String {
    let out = rally(data, args, "");
    assert!(out.status.success(), "rally {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

pub fn json(data: &Path, args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&ok(data, args)).expect("JSON output")
}

/// Exit code 2 and a message naming the problem.
pub fn refused(data: &Path, args: &[&str], needle: &str) {
    let out = rally(data, args, "");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "rally {args:?}: {stderr}");
    assert!(stderr.contains(needle), "rally {args:?}: expected {needle:?} in {stderr:?}");
}

/// A profile signed up, confirmed and logged in as `email` on `relay`.
pub fn logged_in(relay: &Relay, profile: &Path, email: &str) {
    for (verb, then_confirm) in [("signup", true), ("login", false)] {
        let out = rally(profile, &["account", verb, "--server", &relay.url, "--email", email], "a long passphrase\n");
        assert!(out.status.success(), "{verb}: {}", String::from_utf8_lossy(&out.stderr));
        if then_confirm {
            relay.confirm_for(email);
        }
    }
}
