//! Helpers the relay's integration tests share: the real binary on a free port, and accounts made the
//! way a person makes them (sign up, follow the mailed link, log in).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};

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
    _process: Process,
    pub base: String,
    pub data: PathBuf,
}

impl Relay {
    pub fn start(dir: &Path, smtp_port: Option<u16>) -> Relay {
        let data = dir.join("relay");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rally-server"));
        cmd.args(["--listen", "127.0.0.1:0", "--instance-name", "Rally Test"]).arg("--data").arg(&data);
        if let Some(port) = smtp_port {
            cmd.args(["--smtp", &format!("smtp://127.0.0.1:{port}")]);
        }
        let mut child = cmd.stdout(Stdio::piped()).spawn().expect("start rally-server");
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().expect("stdout")), &mut line)
            .expect("banner");
        let addr = line.split("http://").nth(1).and_then(|s| s.split_whitespace().next()).expect("address").to_string();
        Relay { _process: Process(child), base: format!("http://{addr}"), data }
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
        let http = reqwest::Client::new();
        let password = "a long enough passphrase";
        let res = http
            .post(format!("{}/api/v1/accounts", self.base))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .expect("sign up");
        assert_eq!(res.status(), reqwest::StatusCode::CREATED);
        let token = self.link_token_for(email);
        let res = http
            .post(format!("{}/api/v1/accounts/confirm", self.base))
            .json(&json!({"token": token}))
            .send()
            .await
            .expect("confirm");
        assert_eq!(res.status(), reqwest::StatusCode::OK);
        let res = http
            .post(format!("{}/api/v1/sessions", self.base))
            .json(&json!({"email": email, "password": password}))
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

    /// A second session (another device) of an existing, confirmed account.
    pub async fn account_session_again(&self, email: &str) -> Session {
        let res = reqwest::Client::new()
            .post(format!("{}/api/v1/sessions", self.base))
            .json(&json!({"email": email, "password": "a long enough passphrase"}))
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
        for entry in std::fs::read_dir(self.data.join("outbox")).expect("outbox").flatten() {
            let raw = std::fs::read(entry.path()).expect("read");
            let mail = mailparse::parse_mail(&raw).expect("MIME");
            let to_them = mail.headers.iter().any(|h| h.get_key() == "To" && h.get_value().contains(email));
            if to_them {
                let text = mail
                    .subparts
                    .iter()
                    .find(|p| p.ctype.mimetype == "text/plain")
                    .expect("text")
                    .get_body()
                    .expect("body");
                let link = text.split_whitespace().find(|w| w.contains("token=")).expect("link");
                return link.split("token=").nth(1).expect("token").to_string();
            }
        }
        panic!("no mail to {email} in the outbox");
    }
}
