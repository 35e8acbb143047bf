//! Accounts through the real `rally-server` binary and a real SMTP server (Python's aiosmtpd, writing a
//! maildir): the mails people get, the links in them, and every refusal with its code.

mod common;

use std::path::PathBuf;

use common::{Relay, Smtp};

use reqwest::StatusCode;
use serde_json::{json, Value};

struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    fn new(relay: &Relay) -> Client {
        Client { http: reqwest::Client::new(), base: relay.base.clone() }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        let text = res.text().await.expect("body");
        (status, if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) })
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, None, Some(body)).await
    }

    async fn log_in(&self, email: &str, password: &str) -> (StatusCode, Value) {
        self.post("/api/v1/sessions", json!({"email": email, "password": password})).await
    }

    async fn current(&self, token: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::GET, "/api/v1/accounts/current", Some(token), None).await
    }
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("(no error code)")
}

/// Signs up and confirms through the mailed link and the page it opens; returns a session token.
async fn confirmed_account(client: &Client, smtp: &Smtp, n: usize, email: &str, password: &str) -> String {
    let (status, _) = client.post("/api/v1/accounts", json!({"email": email, "password": password})).await;
    assert_eq!(status, StatusCode::CREATED);
    let link = smtp.link_in_message(n);
    let token = link.split("token=").nth(1).expect("token in link");
    let (status, _) = client.post("/api/v1/accounts/confirm", json!({"token": token})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, session) = client.log_in(email, password).await;
    assert_eq!(status, StatusCode::CREATED, "{session}");
    session["token"].as_str().expect("token").to_string()
}

#[tokio::test]
async fn sign_up_confirm_by_mailed_link_log_in_and_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    let smtp = Smtp::start(dir.path());
    let relay = Relay::start(dir.path(), Some(smtp.port));
    let client = Client::new(&relay);

    let (status, account) =
        client.post("/api/v1/accounts", json!({"email": " Ana@Example.org ", "password": "a long passphrase"})).await;
    assert_eq!(status, StatusCode::CREATED, "{account}");
    assert_eq!(account["email"], "ana@example.org");
    assert_eq!(account["confirmed"], false);

    let (status, body) = client.log_in("ana@example.org", "a long passphrase").await;
    assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "email_not_confirmed"));

    let link = smtp.link_in_message(1);
    let (to, subject, _) = smtp.messages().remove(0);
    assert!(to.contains("ana@example.org"), "{to}");
    assert_eq!(subject, "Confirm your Rally Test account");
    assert!(link.starts_with(&format!("{}/account/confirm?token=", relay.base)), "{link}");

    // The link opens a page without JavaScript whose button confirms.
    let page = reqwest::get(&link).await.expect("page").text().await.expect("html");
    assert!(page.contains("<form method=\"post\" action=\"/account/confirm\">"), "{page}");
    let token = link.split("token=").nth(1).expect("token");
    let done = reqwest::Client::new()
        .post(format!("{}/account/confirm", relay.base))
        .form(&[("token", token)])
        .send()
        .await
        .expect("confirm")
        .text()
        .await
        .expect("html");
    assert!(done.contains("ana@example.org is confirmed"), "{done}");
    let (status, body) = client.post("/api/v1/accounts/confirm", json!({"token": token})).await;
    assert_eq!((status, code(&body)), (StatusCode::BAD_REQUEST, "invalid_token"), "a link works once");

    let (status, session) = client.log_in("ANA@example.org", "a long passphrase").await;
    assert_eq!(status, StatusCode::CREATED, "{session}");
    let token = session["token"].as_str().expect("token");
    let (status, me) = client.current(token).await;
    assert_eq!((status, me["email"].as_str()), (StatusCode::OK, Some("ana@example.org")));
    let by_query =
        reqwest::get(format!("{}/api/v1/accounts/current?access_token={token}", relay.base)).await.expect("get");
    assert_eq!(by_query.status(), StatusCode::OK, "RFC 6750 query token");

    // The database keeps only a digest of the session token, and an argon2id hash of the password.
    let db = rusqlite::Connection::open(relay.data.join("relay.sqlite3")).expect("db");
    let digests: Vec<Vec<u8>> = db
        .prepare("SELECT token_digest FROM sessions")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("sessions");
    assert_eq!(digests.len(), 1);
    assert_eq!(digests[0].len(), 32, "a SHA-256 digest");
    assert!(!digests[0].windows(8).any(|w| token.as_bytes().windows(8).any(|t| t == w)));
    let hash: String = db.query_row("SELECT password_hash FROM accounts", [], |r| r.get(0)).expect("hash");
    assert!(hash.starts_with("$argon2id$"), "{hash}");

    let (status, _) = client.send(reqwest::Method::DELETE, "/api/v1/sessions/current", Some(token), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = client.current(token).await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "invalid_token"), "logging out revokes");
}

#[tokio::test]
async fn bad_input_gets_a_code_and_a_status() {
    let dir = tempfile::tempdir().expect("tempdir");
    let smtp = Smtp::start(dir.path());
    let relay = Relay::start(dir.path(), Some(smtp.port));
    let client = Client::new(&relay);
    let cases = [
        (json!({"email": "not-an-address", "password": "a long passphrase"}), StatusCode::BAD_REQUEST, "invalid_email"),
        (json!({"email": "bo@example.org", "password": "short"}), StatusCode::BAD_REQUEST, "weak_password"),
        (json!({"email": "bo@example.org", "password": "bo@example.org"}), StatusCode::BAD_REQUEST, "weak_password"),
        (json!({"email": "bo@example.org"}), StatusCode::BAD_REQUEST, "invalid_body"),
        (json!({"email": "bo@example.org", "password": "a long passphrase"}), StatusCode::CREATED, ""),
        // A taken address is answered as a new one (its owner is mailed instead): nobody learns who is here.
        (json!({"email": "BO@example.org", "password": "another passphrase"}), StatusCode::CREATED, ""),
    ];
    for (body, want_status, want_code) in cases {
        let (status, answer) = client.post("/api/v1/accounts", body.clone()).await;
        assert_eq!(status, want_status, "{body} → {answer}");
        if !want_code.is_empty() {
            assert_eq!(code(&answer), want_code, "{body}");
            assert!(!answer["error"]["message"].as_str().unwrap_or("").is_empty(), "a message for people");
        }
    }
    let raw = reqwest::Client::new()
        .post(format!("{}/api/v1/sessions", relay.base))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("send");
    assert_eq!(raw.status(), StatusCode::BAD_REQUEST);
    assert_eq!(code(&raw.json::<Value>().await.expect("json")), "invalid_body");
    let (status, body) = client.send(reqwest::Method::GET, "/api/v1/accounts/current", None, None).await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "missing_token"));
    let (status, body) = client.current("forged-token").await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "invalid_token"));
    let (status, body) = client.send(reqwest::Method::GET, "/api/v1/nothing", None, None).await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"));
}

#[tokio::test]
async fn repeated_failures_lock_logins_for_a_while() {
    let dir = tempfile::tempdir().expect("tempdir");
    let smtp = Smtp::start(dir.path());
    let relay = Relay::start(dir.path(), Some(smtp.port));
    let client = Client::new(&relay);
    confirmed_account(&client, &smtp, 1, "cy@example.org", "the right passphrase").await;
    for _ in 0..5 {
        let (status, body) = client.log_in("cy@example.org", "a wrong passphrase").await;
        assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "invalid_credentials"));
    }
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/sessions", relay.base))
        .json(&json!({"email": "cy@example.org", "password": "the right passphrase"}))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "locked even with the right password");
    let retry: u64 = res.headers()["retry-after"].to_str().expect("header").parse().expect("seconds");
    assert!((1..=900).contains(&retry), "{retry}");
    // Other accounts are not affected.
    let (status, body) = client.log_in("nobody@example.org", "whatever passphrase").await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "invalid_credentials"));
}

#[tokio::test]
async fn a_mailed_reset_link_sets_a_new_password_and_closes_sessions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let smtp = Smtp::start(dir.path());
    let relay = Relay::start(dir.path(), Some(smtp.port));
    let client = Client::new(&relay);
    let old_session = confirmed_account(&client, &smtp, 1, "di@example.org", "the old passphrase").await;

    let (status, _) = client.post("/api/v1/password-resets", json!({"email": "unknown@example.org"})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "the same answer for unknown addresses");
    let (status, _) = client.post("/api/v1/password-resets", json!({"email": "di@example.org"})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let link = smtp.link_in_message(2);
    assert_eq!(smtp.messages().len(), 2, "no mail for the unknown address");
    assert!(link.contains("/account/reset?token="), "{link}");
    let page = reqwest::get(&link).await.expect("page").text().await.expect("html");
    assert!(page.contains("name=\"password\""), "{page}");
    let token = link.split("token=").nth(1).expect("token");

    let (status, body) = client.post(&format!("/api/v1/password-resets/{token}"), json!({"password": "short"})).await;
    assert_eq!((status, code(&body)), (StatusCode::BAD_REQUEST, "weak_password"));
    let (status, _) =
        client.post(&format!("/api/v1/password-resets/{token}"), json!({"password": "the new passphrase"})).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "the link still works after a refused attempt");
    let (status, body) =
        client.post(&format!("/api/v1/password-resets/{token}"), json!({"password": "yet another one"})).await;
    assert_eq!((status, code(&body)), (StatusCode::BAD_REQUEST, "invalid_token"), "once only");

    assert_eq!(client.current(&old_session).await.0, StatusCode::UNAUTHORIZED, "old sessions are closed");
    assert_eq!(client.log_in("di@example.org", "the old passphrase").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(client.log_in("di@example.org", "the new passphrase").await.0, StatusCode::CREATED);
}

#[tokio::test]
async fn deleting_an_account_needs_its_password() {
    let dir = tempfile::tempdir().expect("tempdir");
    let smtp = Smtp::start(dir.path());
    let relay = Relay::start(dir.path(), Some(smtp.port));
    let client = Client::new(&relay);
    let session = confirmed_account(&client, &smtp, 1, "ed@example.org", "ed's passphrase").await;
    let delete = |password: &'static str| {
        client.send(
            reqwest::Method::DELETE,
            "/api/v1/accounts/current",
            Some(&session),
            Some(json!({"password": password})),
        )
    };
    let (status, body) = delete("not ed's passphrase").await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "invalid_credentials"));
    assert_eq!(delete("ed's passphrase").await.0, StatusCode::NO_CONTENT);
    assert_eq!(client.current(&session).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(client.log_in("ed@example.org", "ed's passphrase").await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn without_smtp_mail_lands_in_the_outbox_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let relay = Relay::start(dir.path(), None);
    let client = Client::new(&relay);
    let (status, _) =
        client.post("/api/v1/accounts", json!({"email": "fa@example.org", "password": "fa's passphrase"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let files: Vec<PathBuf> =
        std::fs::read_dir(relay.data.join("outbox")).expect("outbox").flatten().map(|e| e.path()).collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].extension().and_then(|e| e.to_str()), Some("eml"));
    let raw = std::fs::read(&files[0]).expect("read");
    let mail = mailparse::parse_mail(&raw).expect("MIME");
    assert!(mail.headers.iter().any(|h| h.get_key() == "To" && h.get_value().contains("fa@example.org")));
}
