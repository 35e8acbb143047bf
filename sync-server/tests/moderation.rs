//! Moderation on a real relay: roles made on its machine and given by administrators, every call
//! refused to those without the role, with its code, and the append-only action log.

mod common;

use common::groups::post;
use common::*;
use serde_json::{json, Value};

/// `rally-server admin ARGS` on the relay's machine: what it printed, or why it failed.
fn admin(relay: &Relay, args: &[&str]) -> Result<String, String> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rally-server"))
        .arg("--data")
        .arg(&relay.data)
        .arg("admin")
        .args(args)
        .output()
        .expect("rally-server admin");
    match out.status.success() {
        true => Ok(String::from_utf8_lossy(&out.stdout).to_string()),
        false => Err(String::from_utf8_lossy(&out.stderr).to_string()),
    }
}

fn roles(relay: &Relay) -> Vec<(String, String)> {
    let db = rusqlite::Connection::open(relay.data.join("relay.sqlite3")).expect("db");
    let mut stmt = db.prepare("SELECT email, role FROM accounts ORDER BY email").expect("prepare");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).expect("query").collect::<Result<_, _>>().expect("rows")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_are_given_by_administrators_and_every_call_checks_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let relay = Relay::start(dir.path(), None);
    let ana = relay.account("ana@example.org").await;
    let mo = relay.account("mo@example.org").await;
    let cy = relay.account("cy@example.org").await;

    // Nobody moderates yet: a user's calls are refused, with their code, and change nothing.
    let (status, body) = get(&relay, "/api/v1/moderation/log", Some(&cy.token)).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("not_moderator"), "{body}");
    let before = roles(&relay);
    let (status, body) = post(
        &relay,
        "/api/v1/moderation/roles",
        &cy.token,
        json!({"email": "cy@example.org", "role": "administrator"}),
    )
    .await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("not_moderator")), "{body}");
    assert_eq!(roles(&relay), before, "nothing changed");

    // The first administrator is made on the relay's machine (the relay runs meanwhile).
    let err = admin(&relay, &["grant", "ana@example.org", "--role", "owner"]).expect_err("no such role");
    assert!(err.contains("a role is user, moderator or administrator"), "{err}");
    let err = admin(&relay, &["grant", "nobody@example.org", "--role", "administrator"]).expect_err("no account");
    assert!(err.contains("no account has the address nobody@example.org"), "{err}");
    assert_eq!(
        admin(&relay, &["grant", "Ana@Example.org", "--role", "administrator"]).expect("grant"),
        "Ana@Example.org: administrator\n"
    );

    // Ana makes Mo a moderator; Mo may read the log but not give roles.
    let (status, body) =
        post(&relay, "/api/v1/moderation/roles", &ana.token, json!({"email": "mo@example.org", "role": "moderator"}))
            .await;
    assert_eq!(status, 204, "{body}");
    let before = roles(&relay);
    let (status, body) =
        post(&relay, "/api/v1/moderation/roles", &mo.token, json!({"email": "cy@example.org", "role": "moderator"}))
            .await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("not_administrator")), "{body}");
    assert_eq!(roles(&relay), before, "nothing changed");

    // The last administrator stays one.
    let (status, body) =
        post(&relay, "/api/v1/moderation/roles", &ana.token, json!({"email": "ana@example.org", "role": "user"})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("last_administrator")), "{body}");

    // The log: each step, who did it, newest first.
    let (status, body) = get(&relay, "/api/v1/moderation/log", Some(&mo.token)).await;
    assert_eq!(status, 200, "{body}");
    let log: Value = serde_json::from_str(&body).expect("json");
    let lines: Vec<(String, String, String)> = log
        .as_array()
        .expect("list")
        .iter()
        .map(|a| {
            (
                a["by"].as_str().unwrap_or("").into(),
                a["action"].as_str().unwrap_or("").into(),
                a["target"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        vec![
            ("ana@example.org".into(), "grant_role".into(), "mo@example.org: moderator".into()),
            ("the relay's machine".into(), "grant_role".into(), "ana@example.org: administrator".into()),
        ]
    );
    // Append-only: even the relay's own database refuses to change or delete a line.
    let db = rusqlite::Connection::open(relay.data.join("relay.sqlite3")).expect("db");
    let err = db.execute("DELETE FROM moderation_log", []).expect_err("append-only");
    assert!(err.to_string().contains("append-only"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_keeps_what_it_named_and_moderators_note_and_resolve_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let relay = Relay::start(dir.path(), None);
    let ana = relay.account("ana@example.org").await;
    let ana_device = peer(&relay, &ana).await;
    let ana_id = create_identity(&ana_device, "ana", "Ana").await.document_id().to_string();
    let event = create_event(&ana_device, &ana_id, "Vide-grenier", |_| {}).await;
    let event_id = event.document_id().to_string();
    let draft = create_event(&ana_device, &ana_id, "Brouillon", |d| d.draft = true).await.document_id().to_string();
    let cy = relay.account("cy@example.org").await;
    let cy_id = create_identity(&peer(&relay, &cy).await, "cy", "Cy").await.document_id().to_string();
    let mo = relay.account("mo@example.org").await;
    admin(&relay, &["grant", "mo@example.org", "--role", "moderator"]).expect("grant");
    get_until(&relay, &format!("/events/{event_id}"), None, "the event's page", |s, _| s == 200).await;
    get_until(&relay, "/@cy/outbox", None, "cy's identity", |s, _| s == 200).await;

    // Refusals first: another account's identity, a draft, a user reading reports; none is kept.
    let report = |identity: &str, target: &str, comment: &str| json!({"reporter_identity": identity, "reported": {"kind": "event", "id": target}, "comment": comment});
    let (status, body) = post(&relay, "/api/v1/reports", &cy.token, report(&ana_id, &event_id, "x")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("not_your_identity")), "{body}");
    let (status, body) = post(&relay, "/api/v1/reports", &cy.token, report(&cy_id, &draft, "x")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("unknown_target")), "{body}");
    let (status, body) = get(&relay, "/api/v1/moderation/reports", Some(&cy.token)).await;
    assert_eq!(status, 403, "{body}");

    // Cy reports the event; Ana then renames it: the report keeps what Cy saw.
    let (status, body) =
        post(&relay, "/api/v1/reports", &cy.token, report(&cy_id, &event_id, "Sells counterfeit goods")).await;
    assert_eq!(status, 201, "{body}");
    let report_id = body["id"].as_str().expect("id").to_string();
    edit(&event, |doc| {
        let mut d = rally_core::document::read_event(doc, "x").expect("event").details;
        d.title = "Vide-grenier (nouveau)".into();
        rally_core::document::write_event(doc, &d, &rally_core::model::ImageChange::Keep, chrono::Utc::now())
            .expect("write");
    });
    get_until(&relay, &format!("/events/{event_id}"), None, "the new title", |_, body| body.contains("nouveau")).await;
    let (status, body) = get(&relay, "/api/v1/moderation/reports?state=open", Some(&mo.token)).await;
    assert_eq!(status, 200, "{body}");
    let open: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(open[0]["id"], report_id.as_str());
    assert_eq!(open[0]["content"]["title"], "Vide-grenier", "as it was when reported");
    assert_eq!(open[0]["content"]["author"], "@ana");
    assert_eq!(open[0]["reporter"], "@cy");
    assert_eq!(open[0]["comment"], "Sells counterfeit goods");

    // A note between moderators, then resolved with a reason: both in the log.
    let (status, body) = post(
        &relay,
        &format!("/api/v1/moderation/reports/{report_id}/notes"),
        &mo.token,
        json!({"text": "Asked Ana about it"}),
    )
    .await;
    assert_eq!((status, body["notes"][0]["text"].as_str()), (200, Some("Asked Ana about it")), "{body}");
    let (status, body) = post(
        &relay,
        &format!("/api/v1/moderation/reports/{report_id}/state"),
        &mo.token,
        json!({"state": "resolved", "reason": "Ana removed the listing"}),
    )
    .await;
    assert_eq!((status, body["state"].as_str()), (200, Some("resolved")), "{body}");
    let (_, body) = get(&relay, "/api/v1/moderation/reports?state=open", Some(&mo.token)).await;
    assert_eq!(body, "[]");
    let (_, body) = get(&relay, "/api/v1/moderation/log", Some(&mo.token)).await;
    let log: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(log[0]["action"], "report_resolved");
    assert_eq!(log[0]["reason"], "Ana removed the listing");
    assert_eq!((log[1]["action"].as_str(), log[1]["by"].as_str()), (Some("note_report"), Some("mo@example.org")));

    // Bounded: 20 reports an hour from one account, refused ones included (the draft's counted).
    for _ in 2..moderation_limit() {
        let (status, body) = post(&relay, "/api/v1/reports", &cy.token, report(&cy_id, &event_id, "again")).await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, body) = post(&relay, "/api/v1/reports", &cy.token, report(&cy_id, &event_id, "again")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (429, Some("rate_limited")), "{body}");
}

fn moderation_limit() -> u32 {
    rally_server::moderation::reports::REPORTS_PER_HOUR
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moderators_hear_of_many_reports_in_one_digest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let relay = Relay::start_with(dir.path(), None, 0, &["--digest-delay", "4"]);
    let ana = relay.account("ana@example.org").await;
    let ana_device = peer(&relay, &ana).await;
    let ana_id = create_identity(&ana_device, "ana", "Ana").await.document_id().to_string();
    let event_id = create_event(&ana_device, &ana_id, "Marché", |_| {}).await.document_id().to_string();
    relay.account("mo@example.org").await;
    admin(&relay, &["grant", "mo@example.org", "--role", "moderator"]).expect("grant");
    let mut reporters = Vec::new();
    for name in ["cy", "dee"] {
        let session = relay.account(&format!("{name}@example.org")).await;
        let identity = create_identity(&peer(&relay, &session).await, name, name).await.document_id().to_string();
        get_until(&relay, &format!("/@{name}/outbox"), None, "the identity", |s, _| s == 200).await;
        reporters.push((session, identity));
    }
    get_until(&relay, &format!("/events/{event_id}"), None, "the event's page", |s, _| s == 200).await;

    // 40 reports at once, from two accounts: the moderator gets one mail that counts them all.
    let limit = rally_server::moderation::reports::REPORTS_PER_HOUR;
    let (relay_ref, event_ref) = (&relay, &event_id);
    let posts = reporters.iter().flat_map(|(session, identity)| {
        (0..limit).map(move |n| {
            let body = json!({"reporter_identity": identity, "reported": {"kind": "event", "id": event_ref},
                "comment": format!("report {n}")});
            post(relay_ref, "/api/v1/reports", &session.token, body)
        })
    });
    for (status, body) in futures::future::join_all(posts).await {
        assert_eq!(status, 201, "{body}");
    }
    let outbox = relay.data.join("outbox");
    let digests = || -> Vec<(String, String)> {
        outbox_mails(&outbox, "mo@example.org").into_iter().filter(|(s, _)| s.contains("to moderate")).collect()
    };
    let deadline = std::time::Instant::now() + WAIT;
    while digests().is_empty() {
        assert!(std::time::Instant::now() < deadline, "no digest reached the moderator");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let mails = digests();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0].0, format!("{} reports to moderate", 2 * limit));
    assert!(mails[0].1.contains("\"Marché\" by @ana") && mails[0].1.contains("more."), "{}", mails[0].1);
    assert!(outbox_mails(&outbox, "cy@example.org").iter().all(|(s, _)| !s.contains("moderate")), "not to users");
}
