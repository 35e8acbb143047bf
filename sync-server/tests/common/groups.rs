//! Groups for the relay's tests: people with an identity on the relay, a group registered the way the
//! app registers one, invitations accepted.

use std::time::Duration;

use automerge::Automerge;
use chrono::Utc;
use rally_core::document::{self, Kind};
use rally_core::model::{GroupOpenness, ImageChange, Visibility};
use samod::{DocHandle, Repo};
use serde_json::{json, Value};

use super::{create_identity, peer, Relay, Session};

pub async fn call(relay: &Relay, method: reqwest::Method, path: &str, token: &str, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .request(method, format!("{}{path}", relay.base))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

pub async fn post(relay: &Relay, path: &str, token: &str, body: Value) -> (u16, Value) {
    call(relay, reqwest::Method::POST, path, token, body).await
}

/// A person: a session, a connected device and an identity on the relay.
pub struct Person {
    pub session: Session,
    pub repo: Repo,
    pub identity: String,
}

pub async fn person(relay: &Relay, name: &str) -> Person {
    let session = relay.account(&format!("{name}@example.org")).await;
    let repo = peer(relay, &session).await;
    let identity = create_identity(&repo, name, name).await.document_id().to_string();
    Person { session, repo, identity }
}

pub fn group_doc(name: &str, username: &str, openness: GroupOpenness) -> Automerge {
    let now = Utc::now();
    let mut doc = document::create(Kind::Group, now).expect("doc");
    let text = rally_core::validate::GroupText {
        name: name.into(),
        username: username.into(),
        summary: "We ride together.".into(),
        place: None,
    };
    document::write_group(
        &mut doc,
        &text,
        (Visibility::Public, openness),
        (&ImageChange::Keep, &ImageChange::Keep),
        now,
    )
    .expect("write");
    Automerge::load(&doc.save()).expect("load")
}

/// Registers a group founded by `founder` (retried while the founder's identity is still on its way).
pub async fn create_group(relay: &Relay, founder: &Person, username: &str, openness: GroupOpenness) -> DocHandle {
    let handle = founder.repo.create(group_doc("Vélorution", username, openness)).await.expect("create");
    let body =
        json!({"group_id": handle.document_id().to_string(), "identity_id": founder.identity, "username": username});
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (status, answer) = post(relay, "/api/v1/groups", &founder.session.token, body.clone()).await;
        if status == 201 {
            assert_eq!(answer["state"], json!({"state": "member", "role": "administrator"}), "{answer}");
            return handle;
        }
        assert_eq!(answer["error"]["code"], "not_your_identity", "{answer}");
        assert!(tokio::time::Instant::now() < deadline, "the founder's identity never reached the relay");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn invite_and_accept(relay: &Relay, group: &str, admin: &Person, username: &str, who: &Person) {
    let path = format!("/api/v1/groups/{group}/invitations");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (status, answer) = post(relay, &path, &admin.session.token, json!({"username": username})).await;
        if status == 201 {
            assert_eq!(answer["state"], json!({"state": "invited"}), "{answer}");
            break;
        }
        assert_eq!(answer["error"]["code"], "unknown_username", "{answer}");
        assert!(tokio::time::Instant::now() < deadline, "@{username} never reached the relay");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, answer) = post(
        relay,
        &format!("/api/v1/groups/{group}/members"),
        &who.session.token,
        json!({"identity_id": who.identity}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["state"], json!({"state": "member", "role": "member"}));
}
