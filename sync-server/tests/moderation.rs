//! Moderation on a real relay: roles made on its machine and given by administrators, every call
//! refused to those without the role, with its code, and the append-only action log.

mod common;

use common::groups::post;
use common::*;
use serde_json::{json, Value};

/// `rally-server admin ARGS` on the relay's machine.
fn admin(relay: &Relay, args: &[&str]) -> Result<String, String> {
    on_relay_machine(relay, &[&["admin"], args].concat())
}

/// Ana, with an identity and a published event, and Mo, the relay's moderator.
struct Published {
    ana: Session,
    ana_device: samod::Repo,
    ana_id: String,
    event: samod::DocHandle,
    event_id: String,
    mo: Session,
}

/// Ana publishes `title` on `relay` and Mo is made its moderator (accounts confirmed through `smtp`
/// when the relay mails through it); returns once the event's page is up.
async fn ana_publishes_and_mo_moderates(relay: &Relay, smtp: Option<&Smtp>, title: &str) -> Published {
    let ana = relay.account_mailed("ana@example.org", smtp).await;
    let ana_device = peer(relay, &ana).await;
    let ana_id = create_identity(&ana_device, "ana", "Ana").await.document_id().to_string();
    let event = create_event(&ana_device, &ana_id, title, |_| {}).await;
    let event_id = event.document_id().to_string();
    let mo = relay.account_mailed("mo@example.org", smtp).await;
    admin(relay, &["grant", "mo@example.org", "--role", "moderator"]).expect("grant");
    get_until(relay, &format!("/events/{event_id}"), None, "the event's page", |s, _| s == 200).await;
    Published { ana, ana_device, ana_id, event, event_id, mo }
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

    // Every moderation call, by a user: refused with its code, the log unchanged.
    let before = get(&relay, "/api/v1/moderation/log", Some(&mo.token)).await.1;
    for (path, body) in [
        ("/api/v1/moderation/reports/x/notes", Some(json!({"text": "n"}))),
        ("/api/v1/moderation/reports/x/state", Some(json!({"state": "closed", "reason": "r"}))),
        ("/api/v1/moderation/measures", Some(json!({"measure": "suspend_account", "target": "x", "reason": "r"}))),
        ("/api/v1/moderation/roles", Some(json!({"email": "cy@example.org", "role": "moderator"}))),
        ("/api/v1/moderation/reports", None),
        ("/api/v1/moderation/reports?state=open", None),
        ("/api/v1/moderation/log", None),
    ] {
        let (status, answer) = match body {
            Some(body) => post(&relay, path, &cy.token, body).await,
            None => {
                let (status, text) = get(&relay, path, Some(&cy.token)).await;
                (status.as_u16(), serde_json::from_str(&text).unwrap_or(Value::Null))
            }
        };
        assert_eq!((status, answer["error"]["code"].as_str()), (403, Some("not_moderator")), "{path}: {answer}");
    }
    assert_eq!(get(&relay, "/api/v1/moderation/log", Some(&mo.token)).await.1, before, "nothing changed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_keeps_what_it_named_and_moderators_note_and_resolve_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let relay = Relay::start(dir.path(), None);
    let Published { ana_device, ana_id, event, event_id, mo, .. } =
        ana_publishes_and_mo_moderates(&relay, None, "Vide-grenier").await;
    let draft = create_event(&ana_device, &ana_id, "Brouillon", |d| d.draft = true).await.document_id().to_string();
    let cy = relay.account("cy@example.org").await;
    let cy_id = create_identity(&peer(&relay, &cy).await, "cy", "Cy").await.document_id().to_string();
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
    let Published { event_id, .. } = ana_publishes_and_mo_moderates(&relay, None, "Marché").await;
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

/// An event's title as a device holding it reads it.
fn title_on(handle: &samod::DocHandle) -> String {
    handle.with_document(|am| {
        let doc = automerge::AutoCommit::load(&am.save()).expect("load");
        rally_core::document::read_event(&doc, "x").expect("event").details.title
    })
}

fn retitle(handle: &samod::DocHandle, title: &str) {
    edit(handle, |doc| {
        let mut d = rally_core::document::read_event(doc, "x").expect("event").details;
        d.title = title.into();
        rally_core::document::write_event(doc, &d, &rally_core::model::ImageChange::Keep, chrono::Utc::now())
            .expect("write");
    });
}

async fn until(what: &str, done: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + WAIT;
    while !done() {
        assert!(std::time::Instant::now() < deadline, "{what}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

fn mail_to(relay: &Relay, email: &str, subject: &str) -> Option<String> {
    outbox_mails(&relay.data.join("outbox"), email).into_iter().find(|(s, _)| s.contains(subject)).map(|(_, body)| body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hidden_event_leaves_pages_feeds_and_other_accounts_sync_and_comes_back_when_restored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let relay = Relay::start(dir.path(), None);
    let Published { ana, event, mo, .. } = ana_publishes_and_mo_moderates(&relay, None, "Vide-grenier").await;
    let event_id = event.document_id().clone();
    let cy = relay.account("cy@example.org").await;
    let cy_device = peer(&relay, &cy).await;
    let cy_id = create_identity(&cy_device, "cy", "Cy").await.document_id().to_string();
    get_until(&relay, "/@cy/outbox", None, "cy's identity", |s, _| s == 200).await;
    let on_cy = find_eventually(&cy_device, &event_id).await;
    assert_eq!(title_on(&on_cy), "Vide-grenier", "another account reads a public event");

    let (status, body) = post(
        &relay,
        "/api/v1/reports",
        &cy.token,
        json!({"reporter_identity": cy_id, "reported": {"kind": "event", "id": event_id.to_string()}, "comment": "Spam"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let report = body["id"].as_str().expect("id").to_string();
    let hide = json!({"measure": "hide_event", "target": event_id.to_string(), "reason": "Counterfeit goods", "report": report});

    // A user may not; a measure without a reason is refused; neither changes anything.
    let (status, body) = post(&relay, "/api/v1/moderation/measures", &cy.token, hide.clone()).await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("not_moderator")), "{body}");
    let mut no_reason = hide.clone();
    no_reason["reason"] = json!("  ");
    let (status, body) = post(&relay, "/api/v1/moderation/measures", &mo.token, no_reason).await;
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("reason_required")), "{body}");
    let (status, _) = get(&relay, &format!("/events/{event_id}"), None).await;
    assert_eq!(status, 200, "still shown");

    // The moderator hides it from the report.
    let (status, body) = post(&relay, "/api/v1/moderation/measures", &mo.token, hide.clone()).await;
    assert_eq!(status, 204, "{body}");
    let (status, page) = get(&relay, &format!("/events/{event_id}"), None).await;
    let (missing, _) = get(&relay, "/events/2JqnKS6xnnKsoP9pVrLrVyoxCZBQ", None).await;
    assert_eq!((status.as_u16(), missing.as_u16()), (404, 404), "gone from its page, as a missing one: {page}");
    let (_, feed) = get(&relay, "/feed.ics", None).await;
    assert!(!feed.contains("Vide-grenier"), "gone from the feed: {feed}");
    let (status, _) = get(&relay, &format!("/api/v1/events/{event_id}"), None).await;
    assert_eq!(status, 404, "and from the API");
    let (_, withheld) = get(&relay, "/api/v1/documents/withheld", Some(&ana.token)).await;
    let withheld: Value = serde_json::from_str(&withheld).expect("json");
    assert_eq!(withheld[0]["document_id"], event_id.to_string());
    assert_eq!(withheld[0]["reason"], "hidden_by_moderators");
    assert_eq!(withheld[0]["message"], "Counterfeit goods", "Ana is told why");

    // Ana keeps syncing it (a second device of hers gets her edit); Cy's device hears nothing more,
    // and a device of Cy's that asks now is told it is unavailable.
    let ana_laptop = peer(&relay, &relay.account_session_again("ana@example.org").await).await;
    retitle(&event, "Vide-grenier (edited while hidden)");
    let on_laptop = find_eventually(&ana_laptop, &event_id).await;
    until("Ana's other device gets her edit", || title_on(&on_laptop).contains("edited while hidden")).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(title_on(&on_cy), "Vide-grenier", "Cy's device got nothing of it since");
    let cy_new = peer(&relay, &relay.account_session_again("cy@example.org").await).await;
    assert!(cy_new.find(event_id.clone()).await.expect("repo").is_none(), "unavailable to other accounts");

    // Mail: Ana is told why, Cy that the report was resolved; the log has both steps.
    until("Ana's mail", || mail_to(&relay, "ana@example.org", "Moderators hid").is_some()).await;
    let mail = mail_to(&relay, "ana@example.org", "Moderators hid").expect("mail");
    assert!(mail.contains("Counterfeit goods") && mail.contains("Vide-grenier"), "{mail}");
    until("Cy's mail", || mail_to(&relay, "cy@example.org", "was resolved").is_some()).await;
    let (_, log) = get(&relay, "/api/v1/moderation/log", Some(&mo.token)).await;
    let log: Value = serde_json::from_str(&log).expect("json");
    assert_eq!(
        (log[0]["action"].as_str(), log[0]["reason"].as_str()),
        (Some("report_resolved"), Some("Counterfeit goods"))
    );
    assert_eq!(log[1]["action"], "hide_event");
    assert!(log[1]["target"].as_str().expect("target").contains("Vide-grenier"), "{log}");

    // A second decision on the same report (say, taken offline by another moderator) loses.
    let (status, body) = post(&relay, "/api/v1/moderation/measures", &mo.token, hide.clone()).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("report_decided")), "{body}");

    // Restored: back on its page and in the feed, with the edit made meanwhile; Cy's device gets it.
    let restore = json!({"measure": "restore_event", "target": event_id.to_string(), "reason": "Ana showed receipts"});
    let (status, body) = post(&relay, "/api/v1/moderation/measures", &mo.token, restore.clone()).await;
    assert_eq!(status, 204, "{body}");
    let (status, page) = get(&relay, &format!("/events/{event_id}"), None).await;
    assert!(status == 200 && page.contains("edited while hidden"), "{status} {page}");
    let (_, feed) = get(&relay, "/feed.ics", None).await;
    assert!(feed.contains("edited while hidden"), "{feed}");
    until("Cy's device catches up", || title_on(&on_cy).contains("edited while hidden")).await;
    let (_, withheld) = get(&relay, "/api/v1/documents/withheld", Some(&ana.token)).await;
    assert_eq!(withheld, "[]");
    until("Ana's second mail", || mail_to(&relay, "ana@example.org", "Moderators restored").is_some()).await;
    let (status, body) = post(&relay, "/api/v1/moderation/measures", &mo.token, restore).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("not_hidden")), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suspended_account_cannot_log_in_or_sync_and_what_it_published_is_hidden_until_lifted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let relay = Relay::start(dir.path(), None);
    let Published { ana, ana_id, event_id, mo, .. } = ana_publishes_and_mo_moderates(&relay, None, "Marché").await;
    get_until(&relay, "/@ana/outbox", None, "ana's identity", |s, _| s == 200).await;
    let mut socket = joined(&relay, &ana.token, &ana.peer_id).await;

    let suspend = json!({"measure": "suspend_account", "target": ana_id, "reason": "Spam, again and again"});
    let (status, body) = post(&relay, "/api/v1/moderation/measures", &mo.token, suspend.clone()).await;
    assert_eq!(status, 204, "{body}");
    assert!(closed_by_server(&mut socket).await, "its sync connection is closed");
    let (status, _) = get(&relay, "/api/v1/sessions/current", Some(&ana.token)).await;
    assert_eq!(status, 401, "its sessions are gone");
    let login = |relay_base: String| async move {
        let response = reqwest::Client::new()
            .post(format!("{relay_base}/api/v1/sessions"))
            .json(&json!({"email": "ana@example.org", "password": "a long enough passphrase"}))
            .send()
            .await
            .expect("log in");
        let status = response.status().as_u16();
        (status, response.json::<Value>().await.unwrap_or(Value::Null))
    };
    let (status, body) = login(relay.base.clone()).await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("account_suspended")), "{body}");
    assert!(body["error"]["message"].as_str().expect("message").contains("Spam, again and again"), "{body}");
    for path in [format!("/events/{event_id}"), "/@ana/outbox".to_string(), "/@ana".to_string()] {
        let (status, _) = get(&relay, &path, None).await;
        assert_eq!(status, 404, "{path} is hidden");
    }
    let (status, body) = post(&relay, "/api/v1/moderation/measures", &mo.token, suspend).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("already_suspended")), "{body}");
    until("Ana's mail", || mail_to(&relay, "ana@example.org", "Moderators suspended").is_some()).await;

    // Lifted: she logs in again and what she published is back.
    let lift = json!({"measure": "restore_account", "target": ana_id, "reason": "Appeal accepted"});
    let (status, body) = post(&relay, "/api/v1/moderation/measures", &mo.token, lift).await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = login(relay.base.clone()).await;
    assert_eq!(status, 201, "{body}");
    for path in [format!("/events/{event_id}"), "/@ana/outbox".to_string()] {
        let (status, _) = get(&relay, &path, None).await;
        assert_eq!(status, 200, "{path} is back");
    }
    let (_, log) = get(&relay, "/api/v1/moderation/log", Some(&mo.token)).await;
    let log: Value = serde_json::from_str(&log).expect("json");
    assert_eq!(
        (log[0]["action"].as_str(), log[1]["action"].as_str()),
        (Some("restore_account"), Some("suspend_account"))
    );
}

/// The address in a mail's line that starts with `label`.
fn link_in(text: &str, label: &str) -> String {
    let line = text.lines().find(|l| l.starts_with(label)).unwrap_or_else(|| panic!("{label} in {text}"));
    line.split_once(": ").expect("a link").1.trim().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anyone_reports_a_public_event_from_its_page_in_a_browser_and_confirms_by_mail() {
    let dir = tempfile::tempdir().expect("tempdir");
    let smtp = Smtp::start(dir.path());
    let relay = Relay::start_with(dir.path(), Some(smtp.port), 0, &["--digest-delay", "1"]);
    let Published { event_id, mo, .. } = ana_publishes_and_mo_moderates(&relay, Some(&smtp), "Vide-grenier").await;
    let before = smtp.wait_for(2).len();

    // Dee, without an account, reports it from its page.
    let browser = common::browser::Browser::start().await;
    browser.client.goto(&format!("{}/events/{event_id}", relay.base)).await.expect("open page");
    browser.click("#report summary").await;
    browser.type_into("#report-comment", "Sells counterfeit goods").await;
    browser.type_into("#report-email", "dee@example.net").await;
    browser.check_page("90-relay-event-report").await;
    browser.click("#report-submit").await;
    assert!(browser.text("#reported").await.contains("We sent a link to dee@example.net"));
    let all = smtp.wait_for(before + 1);
    let (_, subject, text) = all.iter().rev().find(|(to, _, _)| to.contains("dee@")).expect("a mail to Dee");
    assert_eq!(subject, "Confirm your report of \"Vide-grenier\"");
    let confirm = link_in(text, "Confirm my report");

    // Unconfirmed, moderators do not see it; opening the link changes nothing, its button confirms.
    let (_, reports) = get(&relay, "/api/v1/moderation/reports", Some(&mo.token)).await;
    assert_eq!(reports, "[]");
    browser.client.goto(&confirm).await.expect("confirm link");
    let (_, reports) = get(&relay, "/api/v1/moderation/reports", Some(&mo.token)).await;
    assert_eq!(reports, "[]");
    browser.click("#confirm").await;
    assert!(browser.text("#outcome").await.contains("The moderators have your report of \"Vide-grenier\""));
    let (_, reports) = get(&relay, "/api/v1/moderation/reports?state=open", Some(&mo.token)).await;
    let reports: Value = serde_json::from_str(&reports).expect("json");
    assert_eq!(reports[0]["reporter"], "dee@example.net (without an account)", "shown to moderators only");
    assert_eq!(reports[0]["comment"], "Sells counterfeit goods");
    let report = reports[0]["id"].as_str().expect("id").to_string();
    let forged = confirm.replace("token=", "token=x");
    browser.client.goto(&forged).await.expect("forged link");
    browser.click("#confirm").await;
    assert!(browser.text("p.error").await.contains("not valid"));
    browser.client.close().await.expect("close");

    // Moderators hear of it; resolving it tells Dee, at the address she confirmed.
    let all = smtp.wait_for(smtp.messages().len().max(before + 2));
    assert!(all.iter().any(|(to, s, _)| to.contains("mo@") && s == "A report to moderate"), "{all:?}");
    let hide = json!({"measure": "hide_event", "target": event_id, "reason": "Counterfeit goods", "report": report});
    let (status, body) = post(&relay, "/api/v1/moderation/measures", &mo.token, hide).await;
    assert_eq!(status, 204, "{body}");
    let deadline = std::time::Instant::now() + WAIT;
    while !smtp.messages().iter().any(|(to, s, _)| to.contains("dee@") && s.contains("was resolved")) {
        assert!(std::time::Instant::now() < deadline, "Dee is told it was resolved");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_anonymous_reports_from_one_address_are_refused_past_the_limit_and_make_one_digest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let relay = Relay::start_with(dir.path(), None, 0, &["--digest-delay", "2"]);
    let Published { event_id, .. } = ana_publishes_and_mo_moderates(&relay, None, "Marché").await;

    let http = reqwest::Client::new();
    let url = format!("{}/events/{event_id}/report", relay.base);
    let mut answers = Vec::new();
    for n in 0..1_000 {
        let form = [("email", "spam@example.net".to_string()), ("comment", format!("report {n}"))];
        let response = http.post(&url).form(&form).send().await.expect("post");
        answers.push((response.status().as_u16(), response.text().await.expect("body")));
    }
    let limit = rally_server::moderation::reports::ANONYMOUS_PER_HOUR as usize;
    assert!(answers[..limit].iter().all(|(status, _)| *status == 200), "{:?}", &answers[..limit]);
    for (status, page) in &answers[limit..] {
        assert_eq!(*status, 429);
        assert!(page.contains(&format!("spam@example.net has sent {limit} reports in the last hour")), "{page}");
    }
    let outbox = relay.data.join("outbox");
    until("the confirmations", || outbox_mails(&outbox, "spam@example.net").len() >= limit).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let confirmations = outbox_mails(&outbox, "spam@example.net");
    assert_eq!(confirmations.len(), limit, "one mail per accepted report, none for the refused");

    // Every accepted one confirmed: the moderator gets one digest.
    for (_, text) in &confirmations {
        let link = link_in(text, "Confirm my report");
        let (path, token) = link.split_once("?token=").expect("a token");
        let path = path.trim_start_matches(&relay.base);
        let response =
            http.post(format!("{}{path}", relay.base)).form(&[("token", token)]).send().await.expect("confirm");
        assert!(response.text().await.expect("body").contains("The moderators have your report"));
    }
    let deadline = std::time::Instant::now() + WAIT;
    while outbox_mails(&outbox, "mo@example.org").iter().all(|(s, _)| !s.contains("to moderate")) {
        assert!(std::time::Instant::now() < deadline, "no digest");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let digests: Vec<_> =
        outbox_mails(&outbox, "mo@example.org").into_iter().filter(|(s, _)| s.contains("to moderate")).collect();
    assert_eq!(digests.len(), 1, "{digests:?}");
    assert_eq!(digests[0].0, format!("{limit} reports to moderate"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_deleted_for_good_is_deleted_on_its_owners_devices_and_stays_off_if_brought_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let relay = Relay::start(dir.path(), None);
    let Published { ana, event, event_id, mo, .. } = ana_publishes_and_mo_moderates(&relay, None, "Arnaque").await;

    let delete = json!({"measure": "delete_event", "target": event_id, "reason": "A scam"});
    let (status, body) = post(&relay, "/api/v1/moderation/measures", &mo.token, delete).await;
    assert_eq!(status, 204, "{body}");
    let deleted = |handle: &samod::DocHandle| {
        handle.with_document(|am| {
            let doc = automerge::AutoCommit::load(&am.save()).expect("load");
            rally_core::document::is_deleted(&doc).expect("read")
        })
    };
    until("Ana's device gets the deletion", || deleted(&event)).await;
    let (status, _) = get(&relay, &format!("/events/{event_id}"), None).await;
    assert_eq!(status, 404);
    until("Ana's mail", || mail_to(&relay, "ana@example.org", "Moderators deleted").is_some()).await;
    let (_, log) = get(&relay, "/api/v1/moderation/log", Some(&mo.token)).await;
    assert!(log.contains("delete_event") && log.contains("A scam"), "{log}");

    // Ana's device takes the deletion back: the relay keeps it off its pages all the same.
    edit(&event, |doc| rally_core::document::mark_restored(doc, chrono::Utc::now()).expect("restore"));
    // Once the relay has it back (it lists it as Ana's, withheld), its page is still missing.
    let withheld = get_until(&relay, "/api/v1/documents/withheld", Some(&ana.token), "the event back", |_, body| {
        body.contains("hidden_by_moderators")
    })
    .await;
    assert!(withheld.contains("A scam"), "{withheld}");
    let (status, _) = get(&relay, &format!("/events/{event_id}"), None).await;
    assert_eq!(status, 404, "deleted for good stays off the relay");
}
