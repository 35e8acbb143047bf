//! Federation between two real relays on loopback (two processes, two data folders), over signed HTTP,
//! and the inbox's refusals, each performed.

mod common;

use std::time::Duration;

use chrono::Utc;
use common::*;
use rally_core::document;
use rally_core::model::ImageChange;
use reqwest::StatusCode;
use rusqlite::OptionalExtension;
use serde_json::{json, Value};

fn host(relay: &Relay) -> String {
    relay.base.trim_start_matches("http://").to_string()
}

async fn post_json(relay: &Relay, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}{path}", relay.base))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("POST");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Polls one of the account's JSON lists until `done` holds.
async fn json_until(relay: &Relay, path: &str, token: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let body = get_until(relay, path, Some(token), what, |status, body| {
        status == StatusCode::OK && serde_json::from_str::<Value>(body).is_ok_and(|v| done(&v))
    })
    .await;
    serde_json::from_str(&body).expect("json")
}

fn titles(events: &Value) -> Vec<String> {
    events.as_array().expect("list").iter().map(|e| e["title"].as_str().unwrap_or("").to_string()).collect()
}

/// What `url` answers a server that asks for ActivityPub JSON with `accept`.
async fn activity_json(url: impl reqwest::IntoUrl, accept: &str) -> Value {
    let response = reqwest::Client::new().get(url).header("accept", accept).send().await.expect("GET");
    response.json().await.expect("json")
}

/// `rally-server federation ARGS` on `relay`'s machine.
fn admin(relay: &Relay, args: &[&str]) -> Result<String, String> {
    on_relay_machine(relay, &[&["federation"], args].concat())
}

/// What a relay's database holds of what arrives from other servers (read beside the running relay).
fn arrived(relay: &Relay) -> (i64, i64, i64, i64) {
    let conn = rusqlite::Connection::open(relay.data.join("relay.sqlite3")).expect("db");
    let count =
        |table: &str| conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).expect("count");
    (count("remote_actors"), count("followers"), count("received_activities"), count("remote_events"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_identity_on_one_relay_follows_one_on_another_and_sees_its_events_come_change_and_go() {
    let (dir_a, dir_b) = (tempfile::tempdir().expect("a"), tempfile::tempdir().expect("b"));
    let a = Relay::start(dir_a.path(), None);
    let b = Relay::start(dir_b.path(), None);
    let ana = a.account("ana@example.org").await;
    let ana_device = peer(&a, &ana).await;
    let ana_identity = create_identity(&ana_device, "ana", "Ana Organizer").await;
    let ana_id = ana_identity.document_id().to_string();
    let bob = b.account("bob@example.org").await;
    let bob_device = peer(&b, &bob).await;
    let bob_id = create_identity(&bob_device, "bob", "Bob").await.document_id().to_string();
    for (relay, name) in [(&a, "ana"), (&b, "bob")] {
        get_until(
            relay,
            &format!("/.well-known/webfinger?resource=acct:{name}@{}", host(relay)),
            None,
            "webfinger",
            |s, _| s == StatusCode::OK,
        )
        .await;
    }

    // The actor as servers read it: the same URL as the page, by content negotiation.
    let actor: Value = activity_json(format!("{}/@ana", a.base), "application/activity+json").await;
    assert_eq!(actor["type"], "Person");
    assert_eq!(actor["preferredUsername"], "ana");
    assert_eq!(actor["inbox"], format!("{}/@ana/inbox", a.base));
    assert_eq!(actor["endpoints"]["sharedInbox"], format!("{}/inbox", a.base));
    assert!(actor["publicKey"]["publicKeyPem"].as_str().expect("pem").starts_with("-----BEGIN PUBLIC KEY-----"));
    let nodeinfo: Value =
        reqwest::get(format!("{}/.well-known/nodeinfo", a.base)).await.expect("ni").json().await.expect("json");
    assert!(nodeinfo["links"].as_array().expect("links").iter().any(|l| l["href"] == format!("{}/relay", a.base)));

    // Bob follows Ana across relays; A answers Accept.
    let (status, follow) = post_json(
        &b,
        "/api/v1/follows",
        &bob.token,
        json!({"identity_id": bob_id, "handle": format!("@ana@{}", host(&a))}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{follow}");
    assert_eq!(follow["actor"], format!("{}/@ana", a.base));
    json_until(&b, "/api/v1/follows", &bob.token, "the follow accepted", |v| v[0]["accepted"] == true).await;
    let followers = get_until(&a, "/@ana/followers", None, "followers", |s, body| {
        s == StatusCode::OK && body.contains("\"totalItems\":1")
    })
    .await;
    assert!(followers.contains("OrderedCollection"));

    // Ana renames herself: her followers' servers hear it (an Update of the actor) and B says so.
    edit(&ana_identity, |doc| {
        let text = rally_core::validate::IdentityText {
            username: "ana".into(),
            display_name: "Ana, Lyon".into(),
            bio: "Vélo et ateliers".into(),
        };
        document::write_identity(doc, &text, &ImageChange::Keep, Utc::now()).expect("write");
    });
    json_until(&b, "/api/v1/follows", &bob.token, "Ana's new name on B", |v| v[0]["name"] == "Ana, Lyon").await;

    // Ana publishes: it reaches Bob's relay, with its time and zone. A draft never leaves A.
    let event = create_event(&ana_device, &ana_id, "Atelier vélo", |d| {
        d.place = Some(rally_core::model::Place {
            name: "Maison du vélo".into(),
            address: "12 rue de la République, Lyon".into(),
            latitude: None,
            longitude: None,
        })
    })
    .await;
    create_event(&ana_device, &ana_id, "Brouillon secret", |d| d.draft = true).await;
    let events = json_until(&b, "/api/v1/remote-events", &bob.token, "the event on B", |v| {
        titles(v).contains(&"Atelier vélo".to_string())
    })
    .await;
    let remote = &events[0];
    assert_eq!(remote["timezone"], "Europe/Paris");
    assert_eq!(remote["starts_at"], "2031-03-01T18:00:00Z");
    assert_eq!(remote["place"]["name"], "Maison du vélo");
    assert_eq!(events[0]["source_uid"], format!("{}/events/{}", a.base, event.document_id()));
    assert_eq!(remote["organizer"], format!("@ana@{}", host(&a)));
    assert_eq!(remote["organizer_name"], "Ana, Lyon");
    assert_eq!(remote["url"], format!("{}/events/{}", a.base, event.document_id()));
    // Public: in relay B's own feed and on its home page, linked to its page on A.
    let feed =
        get_until(&b, "/feed.ics", None, "B's feed", |s, body| s == StatusCode::OK && body.contains("Atelier vélo"))
            .await;
    assert!(feed.contains("Europe/Paris"), "{feed}");
    let (_, home) = get(&b, "/", None).await;
    let home = home.to_string();
    assert!(
        home.contains("Atelier vélo") && home.contains(&format!("{}/events/{}", a.base, event.document_id())),
        "{home}"
    );

    // Ana moves it: Bob sees the new time.
    edit(&event, |doc| {
        let mut d = document::read_event(doc, "x").expect("event").details;
        d.starts_at += chrono::Duration::hours(1);
        d.ends_at += chrono::Duration::hours(1);
        document::write_event(doc, &d, &ImageChange::Keep, Utc::now()).expect("write");
    });
    json_until(&b, "/api/v1/remote-events", &bob.token, "the new time on B", |v| {
        v[0]["starts_at"] == "2031-03-01T19:00:00Z"
    })
    .await;

    // Bob reports it on B and forwards the report: it arrives on A as a report of the event whose
    // reporter is B's instance actor (nothing says who Bob is).
    let event_url = format!("{}/events/{}", a.base, event.document_id());
    let (status, body) = post_json(
        &b,
        "/api/v1/reports",
        &bob.token,
        json!({"reporter_identity": bob_id, "reported": {"kind": "remote", "id": event_url}, "comment": "Fake workshop", "forward": true}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(count(&b, "SELECT count(*) FROM reports WHERE forwarded_to IS NOT NULL AND target_kind = 'remote'"), 1);
    let a_db = rusqlite::Connection::open(a.data.join("relay.sqlite3")).expect("db");
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let forwarded = loop {
        let found: Option<(String, String, String, String)> = a_db
            .query_row("SELECT reporter, target_kind, target_id, comment FROM reports", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()
            .expect("query");
        if let Some(found) = found {
            break found;
        }
        assert!(std::time::Instant::now() < deadline, "the forwarded report never reached A");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        forwarded,
        (format!("{}/relay", b.base), "event".into(), event.document_id().to_string(), "Fake workshop".into())
    );

    // A's moderators hide it: B hears it is gone; restored, it comes back.
    a.account("mo@example.org").await;
    on_relay_machine(&a, &["admin", "grant", "mo@example.org", "--role", "moderator"]).expect("grant");
    let mo = a.account_session_again("mo@example.org").await;
    let measure =
        |measure: &str| json!({"measure": measure, "target": event.document_id().to_string(), "reason": "Checked"});
    let (status, body) = post_json(&a, "/api/v1/moderation/measures", &mo.token, measure("hide_event")).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    json_until(&b, "/api/v1/remote-events", &bob.token, "hidden: gone from B", |v| {
        !titles(v).contains(&"Atelier vélo".to_string())
    })
    .await;
    let (status, body) = post_json(&a, "/api/v1/moderation/measures", &mo.token, measure("restore_event")).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    json_until(&b, "/api/v1/remote-events", &bob.token, "restored: back on B", |v| {
        titles(v).contains(&"Atelier vélo".to_string())
    })
    .await;

    // Ana deletes it: gone from B. The draft never came.
    edit(&event, |doc| document::mark_deleted(doc, Utc::now()).expect("delete"));
    let events = json_until(&b, "/api/v1/remote-events", &bob.token, "the event gone from B", |v| {
        !titles(v).contains(&"Atelier vélo".to_string())
    })
    .await;
    assert!(!titles(&events).contains(&"Brouillon secret".to_string()));
    let (_, feed) = get(&b, "/feed.ics", None).await;
    assert!(!feed.to_string().contains("Atelier"), "deleted, and gone from B's feed: {feed}");
    let (_, _, received, _) = arrived(&b);
    assert!(received >= 4, "Accept, Create, Update, Delete: {received}");
}

/// Signs `body` for `inbox` with the key B keeps for `actor` (read from B's data folder, as only B's
/// own process could), optionally changing the request after signing.
fn signed_headers(b: &Relay, actor_key: &str, key_id: &str, inbox: &str, body: &[u8]) -> Vec<(String, String)> {
    use rsa::pkcs8::DecodePrivateKey;
    let conn = rusqlite::Connection::open(b.data.join("relay.sqlite3")).expect("db");
    let pem: String =
        conn.query_row("SELECT private_pem FROM actor_keys WHERE actor = ?1", [actor_key], |r| r.get(0)).expect("key");
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(&pem).expect("pem");
    let url = url::Url::parse(inbox).expect("url");
    rally_server::federation::signature::sign("POST", &url, Some(body), key_id, &key).expect("sign")
}

/// What is sent, and how it must be refused: what, status, a word of the reason, headers, body.
type Refusal = (&'static str, StatusCode, &'static str, Vec<(String, String)>, Vec<u8>);

async fn deliver(inbox: &str, headers: &[(String, String)], body: Vec<u8>) -> (StatusCode, String) {
    let mut request = reqwest::Client::new().post(inbox).header("content-type", "application/activity+json").body(body);
    for (name, value) in headers {
        if name != "host" {
            request = request.header(name.as_str(), value.as_str());
        }
    }
    let response = request.send().await.expect("POST");
    (response.status(), response.text().await.expect("body"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inbox_refuses_what_it_cannot_trust_and_keeps_nothing_of_it() {
    let (dir_a, dir_b) = (tempfile::tempdir().expect("a"), tempfile::tempdir().expect("b"));
    let a = Relay::start(dir_a.path(), None);
    let b = Relay::start(dir_b.path(), None);
    let ana = a.account("ana@example.org").await;
    create_identity(&peer(&a, &ana).await, "ana", "Ana").await;
    get_until(&a, "/@ana", None, "ana's actor", |_, _| true).await;
    // B's instance actor: its key is made when it is first shown.
    let (status, _) = get(&b, "/relay", None).await;
    assert_eq!(status, StatusCode::OK);
    let signer = format!("{}/relay", b.base);
    let key_id = format!("{signer}#main-key");
    let inbox = format!("{}/inbox", a.base);
    let follow = |actor: &str| {
        serde_json::to_vec(&json!({
            "id": format!("{}/activities/{}", b.base, rally_core::document::new_id()),
            "type": "Follow", "actor": actor, "object": format!("{}/@ana", a.base)
        }))
        .expect("json")
    };
    let before = arrived(&a);
    let refusals: Vec<Refusal> = vec![
        {
            let body = follow(&signer);
            ("unsigned", StatusCode::UNAUTHORIZED, "not signed", vec![], body)
        },
        {
            let body = follow(&signer);
            // Claims B's instance key, signed with another.
            let other = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("key");
            let url = url::Url::parse(&inbox).expect("url");
            let headers =
                rally_server::federation::signature::sign("POST", &url, Some(&body), &key_id, &other).expect("sign");
            ("signed by another key", StatusCode::UNAUTHORIZED, "does not verify", headers, body)
        },
        {
            let body = follow(&signer);
            let headers = signed_headers(&b, "relay", &key_id, &inbox, &body);
            let mut tampered = body.clone();
            tampered.extend_from_slice(b"  ");
            ("a body that does not match its Digest", StatusCode::BAD_REQUEST, "Digest", headers, tampered)
        },
        {
            let body = follow(&signer);
            let mut headers = signed_headers(&b, "relay", &key_id, &inbox, &body);
            let old = (Utc::now() - chrono::Duration::days(2)).format("%a, %d %b %Y %H:%M:%S GMT").to_string();
            headers.iter_mut().filter(|(n, _)| n == "date").for_each(|(_, v)| *v = old.clone());
            ("a date outside the window", StatusCode::UNAUTHORIZED, "outside the window", headers, body)
        },
        {
            let body = follow("https://elsewhere.example/@mallory");
            let headers = signed_headers(&b, "relay", &key_id, &inbox, &body);
            ("an actor that is not the signer", StatusCode::FORBIDDEN, "speaks for", headers, body)
        },
        {
            let mut body = follow(&signer);
            body.extend(std::iter::repeat_n(b' ', 300 * 1024));
            let headers = signed_headers(&b, "relay", &key_id, &inbox, &body);
            ("an oversized body", StatusCode::PAYLOAD_TOO_LARGE, "at most", headers, body)
        },
    ];
    for (what, status, reason, headers, body) in refusals {
        let (got, text) = deliver(&inbox, &headers, body).await;
        assert_eq!(got, status, "{what}: {text}");
        assert!(text.contains(reason), "{what}: {text}");
        assert_eq!(arrived(&a), before, "{what} left something behind");
    }

    // A blocked domain: refused although signed right; unblocked, the same follow is taken.
    let admin = |args: &[&str]| admin(&a, args).expect("rally-server federation");
    admin(&["block", &host(&b)]);
    assert!(admin(&["domains"]).contains(&format!("{}\tblock", host(&b))));
    let body = follow(&signer);
    let headers = signed_headers(&b, "relay", &key_id, &inbox, &body);
    let (got, text) = deliver(&inbox, &headers, body.clone()).await;
    assert_eq!(got, StatusCode::FORBIDDEN, "{text}");
    assert!(text.contains("blocked"), "{text}");
    assert_eq!(arrived(&a), before, "a blocked domain left something behind");
    admin(&["unblock", &host(&b)]);
    let (got, text) = deliver(&inbox, &headers, body.clone()).await;
    assert_eq!(got, StatusCode::ACCEPTED, "{text}");
    let after = arrived(&a);
    assert_eq!((after.0, after.1, after.2), (before.0 + 1, before.1 + 1, before.2 + 1));
    // The same activity again (a redelivery): nothing more.
    let headers = signed_headers(&b, "relay", &key_id, &inbox, &body);
    let (got, _) = deliver(&inbox, &headers, body).await;
    assert_eq!(got, StatusCode::ACCEPTED);
    assert_eq!(arrived(&a), after);

    // B's instance reports Ana (a Flag, as Mastodon sends one): kept for A's moderators.
    let flag = serde_json::to_vec(&json!({
        "id": format!("{}/activities/{}", b.base, rally_core::document::new_id()),
        "type": "Flag", "actor": signer, "content": "Spam on every calendar",
        "object": [format!("{}/@ana", a.base)]
    }))
    .expect("json");
    let headers = signed_headers(&b, "relay", &key_id, &inbox, &flag);
    let (got, text) = deliver(&inbox, &headers, flag).await;
    assert_eq!(got, StatusCode::ACCEPTED, "{text}");
    let conn = rusqlite::Connection::open(a.data.join("relay.sqlite3")).expect("db");
    let (reporter, content, objects): (String, String, String) = conn
        .query_row("SELECT reporter, content, objects FROM federated_reports", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .expect("the report");
    assert_eq!((reporter.as_str(), content.as_str()), (signer.as_str(), "Spam on every calendar"));
    assert!(objects.contains("/@ana"), "{objects}");
    // And A's moderators read it as a report of Ana, from B's instance.
    let (reporter, kind, comment): (String, String, String) = conn
        .query_row("SELECT reporter, target_kind, comment FROM reports", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("a report");
    assert_eq!(
        (reporter.as_str(), kind.as_str(), comment.as_str()),
        (signer.as_str(), "identity", "Spam on every calendar")
    );

    // A report that names nothing of A's is another server's to read: refused, nothing kept.
    let elsewhere = serde_json::to_vec(&json!({
        "id": format!("{}/activities/{}", b.base, rally_core::document::new_id()),
        "type": "Flag", "actor": signer, "content": "Not about you", "object": ["https://elsewhere.example/@someone"]
    }))
    .expect("json");
    let headers = signed_headers(&b, "relay", &key_id, &inbox, &elsewhere);
    let (got, text) = deliver(&inbox, &headers, elsewhere).await;
    assert_eq!(got, StatusCode::NOT_FOUND, "{text}");
    assert!(text.contains("nothing_of_ours"), "{text}");
    let kept: (i64, i64) = conn
        .query_row("SELECT (SELECT count(*) FROM reports), (SELECT count(*) FROM federated_reports)", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("count");
    assert_eq!(kept, (1, 1), "nothing of it kept");

    // A's moderators suspend B's actor: what it signs is refused, nothing kept; lifted, it is heard again
    // (the reports below).
    a.account("mo@example.org").await;
    on_relay_machine(&a, &["admin", "grant", "mo@example.org", "--role", "moderator"]).expect("grant");
    let mo = a.account_session_again("mo@example.org").await;
    let suspend = |measure: &str| json!({"measure": measure, "target": signer, "reason": "Spam from there"});
    let (status, body) = post_json(&a, "/api/v1/moderation/measures", &mo.token, suspend("suspend_remote")).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let flag = serde_json::to_vec(&json!({
        "id": format!("{}/activities/{}", b.base, rally_core::document::new_id()),
        "type": "Flag", "actor": signer, "content": "Suspended", "object": [format!("{}/@ana", a.base)]
    }))
    .expect("json");
    let headers = signed_headers(&b, "relay", &key_id, &inbox, &flag);
    let (got, text) = deliver(&inbox, &headers, flag).await;
    assert_eq!(got, StatusCode::FORBIDDEN, "{text}");
    assert!(text.contains("actor_suspended"), "{text}");
    let kept: i64 = conn.query_row("SELECT count(*) FROM reports", [], |r| r.get(0)).expect("count");
    assert_eq!(kept, 1, "nothing of it kept");
    let (status, body) = post_json(&a, "/api/v1/moderation/measures", &mo.token, suspend("restore_remote")).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    // A server that keeps reporting: past 30 an hour it is refused, and nothing more is kept.
    let limit = rally_server::federation::activities::flag::FLAGS_PER_HOST_PER_HOUR;
    let mut last = (StatusCode::ACCEPTED, String::new());
    for _ in 1..=limit {
        let flag = serde_json::to_vec(&json!({
            "id": format!("{}/activities/{}", b.base, rally_core::document::new_id()),
            "type": "Flag", "actor": signer, "content": "Again", "object": [format!("{}/@ana", a.base)]
        }))
        .expect("json");
        let headers = signed_headers(&b, "relay", &key_id, &inbox, &flag);
        last = deliver(&inbox, &headers, flag).await;
    }
    assert_eq!(last.0, StatusCode::TOO_MANY_REQUESTS, "{}", last.1);
    assert!(last.1.contains("too_many_reports"), "{}", last.1);
    let kept: i64 = conn.query_row("SELECT count(*) FROM reports", [], |r| r.get(0)).expect("count");
    assert_eq!(kept, i64::from(limit), "the 31st is not kept");
}

/// Counts rows of a relay's database (read beside the running relay).
fn count(relay: &Relay, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(relay.data.join("relay.sqlite3")).expect("db");
    conn.query_row(sql, [], |r| r.get(0)).expect("count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_pending_when_the_relay_is_killed_all_arrive_once_after_restart() {
    let (dir_a, dir_b) = (tempfile::tempdir().expect("a"), tempfile::tempdir().expect("b"));
    let (port_a, port_b) = (free_port(), free_port());
    let fast = ["--federation-retry-after", "1"];
    let a = Relay::start_with(dir_a.path(), None, port_a, &fast);
    let b = Relay::start_with(dir_b.path(), None, port_b, &fast);
    let ana = a.account("ana@example.org").await;
    let ana_device = peer(&a, &ana).await;
    let ana_id = create_identity(&ana_device, "ana", "Ana").await.document_id().to_string();
    let bob = b.account("bob@example.org").await;
    let bob_id = create_identity(&peer(&b, &bob).await, "bob", "Bob").await.document_id().to_string();
    get_until(&a, "/@ana/outbox", None, "ana's actor", |s, _| s == StatusCode::OK).await;
    get_until(&b, "/@bob/outbox", None, "bob's actor", |s, _| s == StatusCode::OK).await;
    let (status, _) = post_json(
        &b,
        "/api/v1/follows",
        &bob.token,
        json!({"identity_id": bob_id, "handle": format!("@ana@{}", host(&a))}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    json_until(&b, "/api/v1/follows", &bob.token, "the follow accepted", |v| v[0]["accepted"] == true).await;

    // B goes down; Ana publishes 100 events: 100 deliveries wait on A.
    drop(b);
    for i in 0..100 {
        create_event(&ana_device, &ana_id, &format!("Rencontre {i}"), |_| {}).await;
    }
    let pending =
        "SELECT count(*) FROM deliveries WHERE delivered_at IS NULL AND json_extract(activity, '$.type') = 'Create'";
    let deadline = tokio::time::Instant::now() + WAIT * 3;
    while count(&a, pending) < 100 {
        assert!(tokio::time::Instant::now() < deadline, "100 deliveries never waited: {}", count(&a, pending));
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(count(&a, "SELECT max(attempts) FROM deliveries WHERE delivered_at IS NULL") >= 1, "tried while B is down");

    // A is killed (SIGKILL: no shutdown at all), then both come back on their addresses.
    drop(ana_device);
    let Relay { mut process, data, .. } = a;
    process.0.kill().expect("SIGKILL");
    process.0.wait().expect("wait");
    let a = Relay::start_with(dir_a.path(), None, port_a, &fast);
    assert_eq!(a.data, data);
    let b = Relay::start_with(dir_b.path(), None, port_b, &fast);
    let deadline = tokio::time::Instant::now() + WAIT * 6;
    while count(&b, "SELECT count(*) FROM remote_events") < 100 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {} of 100 events arrived",
            count(&b, "SELECT count(*) FROM remote_events")
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    // Each once: 100 events, 100 distinct Creates received, nothing left to send.
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert_eq!(count(&b, "SELECT count(*) FROM remote_events"), 100);
    assert_eq!(count(&a, pending), 0);
    assert_eq!(count(&a, "SELECT count(*) FROM deliveries WHERE json_extract(activity, '$.type') = 'Create'"), 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inbox_that_answers_500_is_retried_with_backoff_and_the_administrator_sees_why() {
    use axum::routing::{get, post};
    use rsa::pkcs8::{EncodePublicKey, LineEnding};
    let dir = tempfile::tempdir().expect("dir");
    let a = Relay::start_with(dir.path(), None, 0, &["--federation-retry-after", "1"]);
    let ana = a.account("ana@example.org").await;
    create_identity(&peer(&a, &ana).await, "ana", "Ana").await;
    get_until(&a, "/@ana/outbox", None, "ana's actor", |s, _| s == StatusCode::OK).await;

    // A remote server whose actor reads fine but whose inbox fails.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("key");
    let pem = rsa::RsaPublicKey::from(&key).to_public_key_pem(LineEnding::LF).expect("pem");
    let actor_url = format!("{base}/actor");
    let actor = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": actor_url, "type": "Person", "preferredUsername": "broken",
        "inbox": format!("{base}/inbox"),
        "publicKey": {"id": format!("{actor_url}#main-key"), "owner": actor_url, "publicKeyPem": pem}
    });
    let app = axum::Router::new()
        .route("/actor", get(move || async move { axum::Json(actor) }))
        .route("/inbox", post(|| async { (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "database on fire") }));
    tokio::spawn(async move { axum::serve(listener, app).await });

    let body = serde_json::to_vec(&json!({
        "id": format!("{base}/follows/1"), "type": "Follow", "actor": actor_url, "object": format!("{}/@ana", a.base)
    }))
    .expect("json");
    let inbox = format!("{}/@ana/inbox", a.base);
    let url = url::Url::parse(&inbox).expect("url");
    let headers =
        rally_server::federation::signature::sign("POST", &url, Some(&body), &format!("{actor_url}#main-key"), &key)
            .expect("sign");
    let (status, text) = deliver(&inbox, &headers, body).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{text}");

    // A's Accept fails again and again, later each time; the administrator reads why.
    let deadline = tokio::time::Instant::now() + WAIT * 2;
    while count(&a, "SELECT coalesce(max(attempts), 0) FROM deliveries") < 3 {
        assert!(tokio::time::Instant::now() < deadline, "no retries");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let conn = rusqlite::Connection::open(a.data.join("relay.sqlite3")).expect("db");
    let (attempts, next_at, delivered): (i64, i64, Option<i64>) = conn
        .query_row("SELECT attempts, next_at, delivered_at FROM deliveries", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .expect("row");
    assert!(delivered.is_none());
    // Backoff: 1 s, 2 s, 4 s…: the next try is at most 2^(attempts-1) s from the last.
    let wait = next_at - Utc::now().timestamp_millis();
    assert!(wait <= (1000 << attempts), "next try in {wait} ms after {attempts} attempts");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rally-server"))
        .arg("--data")
        .arg(&a.data)
        .args(["federation", "deliveries"])
        .output()
        .expect("rally-server federation deliveries");
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(listing.contains(&format!("{base}/inbox\tAccept")), "{listing}");
    assert!(
        listing.contains("500") && listing.contains("database on fire") && listing.contains("waiting"),
        "{listing}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_followed_from_another_relay_announces_its_events_there() {
    use common::groups::{create_group, person};
    use rally_core::model::GroupOpenness;
    let (dir_a, dir_b) = (tempfile::tempdir().expect("a"), tempfile::tempdir().expect("b"));
    let a = Relay::start(dir_a.path(), None);
    let b = Relay::start(dir_b.path(), None);
    let ana = person(&a, "ana").await;
    let group = create_group(&a, &ana, "velorution", GroupOpenness::Open).await.document_id().to_string();
    let bob = b.account("bob@example.org").await;
    let bob_id = create_identity(&peer(&b, &bob).await, "bob", "Bob").await.document_id().to_string();
    get_until(&b, "/@bob/outbox", None, "bob's actor", |s, _| s == StatusCode::OK).await;
    let actor =
        get_until(&a, "/@velorution", None, "the group's actor", |s, body| s == StatusCode::OK && !body.is_empty())
            .await;
    assert!(!actor.is_empty());
    let group_actor: Value = activity_json(
        format!("{}/@velorution", a.base),
        "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"",
    )
    .await;
    assert_eq!((group_actor["type"].as_str(), group_actor["openness"].as_str()), (Some("Group"), Some("open")));

    let (status, follow) = post_json(
        &b,
        "/api/v1/follows",
        &bob.token,
        json!({"identity_id": bob_id, "handle": format!("{}/@velorution", a.base)}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{follow}");
    json_until(&b, "/api/v1/follows", &bob.token, "the follow accepted", |v| v[0]["accepted"] == true).await;

    // Ana's event on the group's calendar (she approves each request) reaches Bob, who follows the
    // group and not Ana, and relay B's feed.
    let event = create_event(&ana.repo, &ana.identity, "Masse critique", |d| {
        d.group_id = Some(group.clone());
        d.join_mode = rally_core::model::JoinMode::Approval;
    })
    .await;
    let events = json_until(&b, "/api/v1/remote-events", &bob.token, "the group's event on B", |v| {
        titles(v).contains(&"Masse critique".to_string())
    })
    .await;
    assert_eq!(events[0]["source_uid"], format!("{}/events/{}", a.base, event.document_id()));
    // The object names the group as Mobilizon does (attributedTo), its organizer as actor.
    let object: Value =
        activity_json(format!("{}/events/{}", a.base, event.document_id()), "application/activity+json").await;
    assert_eq!(object["attributedTo"], format!("{}/@velorution", a.base));
    assert_eq!(object["actor"], format!("{}/@ana", a.base));
    assert_eq!(object["timezone"], "Europe/Paris");
    assert_eq!(object["startTime"], "2031-03-01T19:00:00+01:00");
    assert_eq!(events[0]["group"], format!("@velorution@{}", host(&a)));
    get_until(&b, "/feed.ics", None, "the group's event in B's feed", |s, body| {
        s == StatusCode::OK && body.contains("Masse critique")
    })
    .await;

    // Ana moves it: the group announces the Update, and B has the new time.
    edit(&event, |doc| {
        let mut d = document::read_event(doc, "x").expect("event").details;
        d.starts_at += chrono::Duration::hours(1);
        d.ends_at += chrono::Duration::hours(1);
        document::write_event(doc, &d, &ImageChange::Keep, Utc::now()).expect("write");
    });
    json_until(&b, "/api/v1/remote-events", &bob.token, "the new time on B", |v| {
        v[0]["starts_at"] == "2031-03-01T19:00:00Z"
    })
    .await;

    // Bob asks to join with a message; Ana accepts; B says he is going.
    let remote_id = events[0]["id"].as_str().expect("id").to_string();
    let (status, asked) = post_json(
        &b,
        &format!("/api/v1/remote-events/{remote_id}/participations"),
        &bob.token,
        json!({"identity_id": bob_id, "message": "Avec ma remorque"}),
    )
    .await;
    assert_eq!((status, asked["status"].as_str()), (StatusCode::ACCEPTED, Some("requested")), "{asked}");
    let path = format!("/api/v1/events/{}/participations", event.document_id());
    let requests =
        json_until(&a, &path, &ana.session.token, "Bob's request on A", |v| v.as_array().is_some_and(|l| l.len() == 1))
            .await;
    assert_eq!(requests[0]["message"], "Avec ma remorque");
    let (status, results) = post_json(
        &a,
        &format!("/api/v1/events/{}/decisions", event.document_id()),
        &ana.session.token,
        json!([{"participation_id": requests[0]["id"], "decision": "accept", "decided_at": Utc::now()}]),
    )
    .await;
    assert_eq!((status, results[0]["applied"].as_bool()), (StatusCode::OK, Some(true)), "{results}");
    json_until(&b, "/api/v1/remote-participations", &bob.token, "Bob going", |v| v[0]["status"] == "going").await;

    edit(&event, |doc| document::mark_deleted(doc, Utc::now()).expect("delete"));
    json_until(&b, "/api/v1/remote-events", &bob.token, "the group's event gone from B", |v| titles(v).is_empty())
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moderated_group_approves_its_followers_from_other_servers() {
    use common::groups::{create_group, person};
    use rally_core::model::GroupOpenness;
    let (dir_a, dir_b) = (tempfile::tempdir().expect("a"), tempfile::tempdir().expect("b"));
    let a = Relay::start(dir_a.path(), None);
    let b = Relay::start(dir_b.path(), None);
    let ana = person(&a, "ana").await;
    let dee = person(&a, "dee").await;
    let group = create_group(&a, &ana, "velorution", GroupOpenness::Moderated).await.document_id().to_string();
    let group_url = format!("{}/@velorution", a.base);
    let (bob, cy) = (person(&b, "bob").await, person(&b, "cy").await);
    for name in ["bob", "cy"] {
        get_until(&b, &format!("/@{name}/outbox"), None, "the actor", |s, _| s == StatusCode::OK).await;
    }
    get_until(&a, "/@velorution", None, "the group's actor", |s, body| s == StatusCode::OK && !body.is_empty()).await;
    let group_actor: Value = activity_json(&group_url, "application/activity+json").await;
    assert_eq!(group_actor["manuallyApprovesFollowers"], true, "{group_actor}");

    // Bob and Cy ask to follow: both wait for an administrator; nothing is delivered to them meanwhile.
    for who in [&bob, &cy] {
        let (status, follow) = post_json(
            &b,
            "/api/v1/follows",
            &who.session.token,
            json!({"identity_id": who.identity, "handle": group_url}),
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{follow}");
    }
    let path = format!("/api/v1/groups/{group}/followers");
    let waiting =
        json_until(&a, &path, &ana.session.token, "two waiting", |v| v.as_array().is_some_and(|l| l.len() == 2)).await;
    assert!(waiting.to_string().contains(&format!("@bob@{}", host(&b))), "{waiting}");
    let (status, followers) = get(&a, "/@velorution/followers", None).await;
    assert!(status == StatusCode::OK && followers.contains("\"totalItems\":0"), "{followers}");

    // Only administrators see or answer them.
    let (status, body) = get(&a, &path, Some(&dee.session.token)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("not_group_administrator"), "{body}");
    let bob_actor = format!("{}/@bob", b.base);
    let (status, body) = post_json(&a, &path, &dee.session.token, json!({"actor": bob_actor, "accept": true})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    // Ana accepts Bob and refuses Cy: Bob's follow counts on B, Cy's is gone.
    let (status, left) = post_json(&a, &path, &ana.session.token, json!({"actor": bob_actor, "accept": true})).await;
    assert_eq!(status, StatusCode::OK, "{left}");
    let (status, left) =
        post_json(&a, &path, &ana.session.token, json!({"actor": format!("{}/@cy", b.base), "accept": false})).await;
    assert_eq!((status, left.as_array().map(Vec::len)), (StatusCode::OK, Some(0)), "{left}");
    json_until(&b, "/api/v1/follows", &bob.session.token, "Bob's follow accepted", |v| v[0]["accepted"] == true).await;
    json_until(&b, "/api/v1/follows", &cy.session.token, "Cy's follow refused", |v| {
        v.as_array().is_some_and(Vec::is_empty)
    })
    .await;
    let (_, followers) = get(&a, "/@velorution/followers", None).await;
    assert!(followers.contains("\"totalItems\":1"), "{followers}");
    let (status, body) = post_json(&a, &path, &ana.session.token, json!({"actor": bob_actor, "accept": true})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "answered already: {body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_on_another_relay_joins_asks_is_accepted_offline_and_leaves() {
    use rally_core::model::JoinMode;
    let (dir_a, dir_b) = (tempfile::tempdir().expect("a"), tempfile::tempdir().expect("b"));
    let port_a = free_port();
    let a = Relay::start_on(dir_a.path(), None, port_a);
    let b = Relay::start(dir_b.path(), None);
    let ana = a.account("ana@example.org").await;
    let ana_device = peer(&a, &ana).await;
    let ana_id = create_identity(&ana_device, "ana", "Ana").await.document_id().to_string();
    let bob = b.account("bob@example.org").await;
    let bob_id = create_identity(&peer(&b, &bob).await, "bob", "Bob").await.document_id().to_string();
    get_until(&a, "/@ana/outbox", None, "ana's actor", |s, _| s == StatusCode::OK).await;
    get_until(&b, "/@bob/outbox", None, "bob's actor", |s, _| s == StatusCode::OK).await;
    let handle = format!("@ana@{}", host(&a));
    post_json(&b, "/api/v1/follows", &bob.token, json!({"identity_id": bob_id, "handle": handle})).await;
    json_until(&b, "/api/v1/follows", &bob.token, "the follow accepted", |v| v[0]["accepted"] == true).await;

    let free = create_event(&ana_device, &ana_id, "Pique-nique", |_| {}).await.document_id().to_string();
    let approval = create_event(&ana_device, &ana_id, "Atelier fermé", |d| d.join_mode = JoinMode::Approval)
        .await
        .document_id()
        .to_string();
    let full =
        create_event(&ana_device, &ana_id, "Salle comble", |d| d.capacity = Some(1)).await.document_id().to_string();
    let events =
        json_until(&b, "/api/v1/remote-events", &bob.token, "three events on B", |v| titles(v).len() == 3).await;
    // Cy, on A, takes the one place of "Salle comble".
    let cy = a.account("cy@example.org").await;
    let cy_id = create_identity(&peer(&a, &cy).await, "cy", "Cy").await.document_id().to_string();
    let path = format!("/api/v1/events/{full}/participations");
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (status, body) = post_json(&a, &path, &cy.token, json!({"identity_id": cy_id})).await;
        if status == StatusCode::CREATED || status == StatusCode::OK {
            assert_eq!(body["status"], "going", "{body}");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "Cy never joined: {status} {body}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let id_of = |title: &str| {
        events.as_array().expect("list").iter().find(|e| e["title"] == title).expect("event")["id"]
            .as_str()
            .expect("id")
            .to_string()
    };

    // Free: Accept at once. Full: Reject. Approval: a request with its message, for Ana to decide.
    for (title, message) in [("Pique-nique", ""), ("Salle comble", ""), ("Atelier fermé", "J'apporte mes outils")] {
        let (status, answer) = post_json(
            &b,
            &format!("/api/v1/remote-events/{}/participations", id_of(title)),
            &bob.token,
            json!({"identity_id": bob_id, "message": message}),
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{title}: {answer}");
        assert_eq!(answer["status"], "requested");
    }
    let status_of = |v: &Value, url: String| {
        v.as_array()
            .expect("list")
            .iter()
            .find(|p| p["event_url"] == url)
            .map(|p| p["status"].as_str().unwrap_or("").to_string())
    };
    let base_a = a.base.clone();
    let url = |id: &str| format!("{base_a}/events/{id}");
    json_until(&b, "/api/v1/remote-participations", &bob.token, "free: going, full: refused", |v| {
        status_of(v, url(&free)).as_deref() == Some("going") && status_of(v, url(&full)).as_deref() == Some("refused")
    })
    .await;
    let requests =
        json_until(&a, &format!("/api/v1/events/{approval}/participations"), &ana.token, "the request on A", |v| {
            v.as_array().is_some_and(|l| l.len() == 1)
        })
        .await;
    assert_eq!(requests[0]["status"], "pending");
    assert_eq!(requests[0]["message"], "J'apporte mes outils");
    assert_eq!(requests[0]["username"], format!("bob@{}", host(&b)));
    let participation = requests[0]["id"].as_str().expect("id").to_string();

    // Ana decides while relay A is down; her decision reaches A when it is back, and Bob hears of it.
    let decided_at = Utc::now();
    drop(ana_device);
    drop(a);
    let a = Relay::start_on(dir_a.path(), None, port_a);
    let (status, results) = post_json(
        &a,
        &format!("/api/v1/events/{approval}/decisions"),
        &ana.token,
        json!([{"participation_id": participation, "decision": "accept", "decided_at": decided_at}]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{results}");
    assert_eq!(results[0]["applied"], true, "{results}");
    json_until(&b, "/api/v1/remote-participations", &bob.token, "accepted: going", |v| {
        status_of(v, url(&approval)).as_deref() == Some("going")
    })
    .await;

    // Bob leaves: his place on A is free again.
    let response = reqwest::Client::new()
        .delete(format!("{}/api/v1/remote-events/{}/participations/{bob_id}", b.base, id_of("Atelier fermé")))
        .bearer_auth(&bob.token)
        .send()
        .await
        .expect("DELETE");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    json_until(&a, &format!("/api/v1/events/{approval}/participations"), &ana.token, "Bob left on A", |v| {
        v[0]["status"] == "left"
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn floods_of_forged_key_ids_and_follows_do_not_make_the_relay_a_crawler() {
    use axum::routing::get;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let dir = tempfile::tempdir().expect("dir");
    let a = Relay::start(dir.path(), None);
    let ana = a.account("ana@example.org").await;
    let ana_id = create_identity(&peer(&a, &ana).await, "ana", "Ana").await.document_id().to_string();
    get_until(&a, "/@ana/outbox", None, "ana's actor", |s, _| s == StatusCode::OK).await;

    // A server that counts what the relay asks of it, and has nothing.
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = asked.clone();
    let app = axum::Router::new().fallback(get(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        async { axum::http::StatusCode::NOT_FOUND }
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let victim = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });

    // 310 posts, each naming another key on the victim: the relay fetches at most 300 of them.
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("key");
    let inbox = format!("{}/inbox", a.base);
    let url = url::Url::parse(&inbox).expect("url");
    let mut last = String::new();
    for i in 0..310 {
        let actor = format!("{victim}/actors/{i}");
        let body = serde_json::to_vec(&json!({"id": format!("{actor}/follow"), "type": "Follow", "actor": actor,
            "object": format!("{}/@ana", a.base)}))
        .expect("json");
        let headers =
            rally_server::federation::signature::sign("POST", &url, Some(&body), &format!("{actor}#key"), &key)
                .expect("sign");
        let (status, text) = deliver(&inbox, &headers, body).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{text}");
        last = text;
    }
    assert_eq!(asked.load(Ordering::SeqCst), rally_server::federation::FETCHES_PER_HOST as usize);
    assert!(last.contains("too much"), "{last}");

    // The same server keeps delivering (one request again and again): past 1,200 in the minute, each
    // is refused before its key is even looked up.
    let actor = format!("{victim}/actors/again");
    let body = serde_json::to_vec(&json!({"id": format!("{actor}/follow"), "type": "Follow", "actor": actor,
        "object": format!("{}/@ana", a.base)}))
    .expect("json");
    let headers = rally_server::federation::signature::sign("POST", &url, Some(&body), &format!("{actor}#key"), &key)
        .expect("sign");
    let per_host = rally_server::federation::DELIVERIES_PER_HOST as usize;
    for _ in 310..per_host {
        let (status, text) = deliver(&inbox, &headers, body.clone()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{text}");
    }
    let (status, text) = deliver(&inbox, &headers, body.clone()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{text}");
    assert!(text.contains("too_many_activities") && text.contains("this minute"), "{text}");

    // An account asking for 101 follows: the 101st is refused before anything is fetched.
    for i in 0..rally_server::federation::ASKS_PER_HOUR {
        let (status, body) = post_json(
            &a,
            "/api/v1/follows",
            &ana.token,
            json!({"identity_id": ana_id,
            "handle": format!("@someone{i}@{}", victim.trim_start_matches("http://"))}),
        )
        .await;
        assert!(status.is_client_error() || status.is_server_error(), "{status} {body}");
        assert_ne!(body["error"]["code"], "rate_limited", "{i}: {body}");
    }
    let (status, body) = post_json(
        &a,
        "/api/v1/follows",
        &ana.token,
        json!({"identity_id": ana_id,
        "handle": format!("@one_more@{}", victim.trim_start_matches("http://"))}),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"]["code"], "rate_limited");
    assert_eq!(
        asked.load(Ordering::SeqCst),
        rally_server::federation::FETCHES_PER_HOST as usize,
        "nothing more fetched"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_follows_another_instance_and_its_public_events_come_to_its_feed() {
    let (dir_a, dir_b) = (tempfile::tempdir().expect("a"), tempfile::tempdir().expect("b"));
    let a = Relay::start(dir_a.path(), None);
    let b = Relay::start(dir_b.path(), None);
    let ana = a.account("ana@example.org").await;
    let ana_device = peer(&a, &ana).await;
    let ana_id = create_identity(&ana_device, "ana", "Ana").await.document_id().to_string();
    get_until(&a, &format!("/.well-known/webfinger?resource=acct:ana@{}", host(&a)), None, "ana", |s, _| {
        s == StatusCode::OK
    })
    .await;

    // B's administrator follows A (its `relay` actor, by host); the running relay sends the Follow.
    let err = admin(&b, &["follow", "not a host"]).expect_err("refused");
    assert!(err.contains("is neither @name@host, a URL nor a host"), "{err}");
    let asked = admin(&b, &["follow", &host(&a)]).expect("follow");
    assert!(asked.contains(&format!("@relay@{}", host(&a))), "{asked}");
    let deadline = std::time::Instant::now() + WAIT;
    while !admin(&b, &["list"]).expect("list").contains("\taccepted") {
        assert!(std::time::Instant::now() < deadline, "never accepted: {}", admin(&b, &["list"]).expect("list"));
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    get_until(&a, "/relay/followers", None, "B among A's instance followers", |s, body| {
        s == StatusCode::OK && body.contains("\"totalItems\":1")
    })
    .await;

    // Nobody on B follows Ana, yet her public event comes to B's feed through the instances' follow;
    // an unlisted one does not (instances hear of listed events only).
    create_event(&ana_device, &ana_id, "Fête du quartier", |_| {}).await;
    create_event(&ana_device, &ana_id, "Réunion (lien seulement)", |d| {
        d.visibility = rally_core::model::Visibility::Unlisted
    })
    .await;
    let feed = get_until(&b, "/feed.ics", None, "A's public event in B's feed", |s, body| {
        s == StatusCode::OK && body.contains("Fête du quartier")
    })
    .await;
    assert!(!feed.contains("Réunion"), "{feed}");

    // Unfollowed: the relay sends the Undo and forgets it; A no longer counts B among its followers.
    admin(&b, &["unfollow", &host(&a)]).expect("unfollow");
    let deadline = std::time::Instant::now() + WAIT;
    while !admin(&b, &["list"]).expect("list").is_empty() {
        assert!(std::time::Instant::now() < deadline, "never forgotten");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    get_until(&a, "/relay/followers", None, "B gone from A's instance followers", |s, body| {
        s == StatusCode::OK && body.contains("\"totalItems\":0")
    })
    .await;
    let again = admin(&b, &["unfollow", &host(&a)]).expect_err("not followed");
    assert!(again.contains("is not followed"), "{again}");
}
