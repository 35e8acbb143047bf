//! Groups through a real relay process: roles decide who reads and writes a group's documents, on
//! the connections that are open; membership calls refuse what the rules refuse, each with its code,
//! and change nothing then.

mod common;

use std::time::Duration;

use chrono::Utc;
use rally_core::document;
use rally_core::model::{GroupOpenness, ImageChange, Visibility};
use samod::{DocHandle, DocumentId};
use serde_json::{json, Value};

use common::groups::{call, create_group, invite_and_accept, person, post, Person};
use common::{create_event, edit, find_eventually, Relay};

async fn act(relay: &Relay, group: &str, admin: &Person, identity: &str, action: Value) -> (u16, Value) {
    post(relay, &format!("/api/v1/groups/{group}/members/{identity}"), &admin.session.token, action).await
}

fn title(handle: &DocHandle) -> String {
    handle.with_document(|am| {
        let doc = automerge::AutoCommit::load(&am.save()).expect("load");
        document::read_event(&doc, "x").expect("event").details.title
    })
}

fn retitle(handle: &DocHandle, to: &str) {
    edit(handle, |doc| {
        let mut details = document::read_event(doc, "x").expect("event").details;
        details.title = to.into();
        document::write_event(doc, &details, &ImageChange::Keep, Utc::now()).expect("write");
    });
}

async fn title_becomes(handle: &DocHandle, expected: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while title(handle) != expected {
        assert!(tokio::time::Instant::now() < deadline, "the title stayed {:?}, not {expected:?}", title(handle));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// What the relay has stored of an event.
fn stored_title(relay: &Relay, id: &DocumentId) -> String {
    let db = rusqlite::Connection::open(relay.data.join("relay.sqlite3")).expect("db");
    let (doc, _) = rally_server::sync::store::stored_document(&db, &id.to_string()).expect("query").expect("stored");
    document::read_event(&doc, "x").expect("event").details.title
}

async fn documents_of(relay: &Relay, who: &Person, group: &str) -> Vec<String> {
    let (status, mine) = call(relay, reqwest::Method::GET, "/api/v1/groups", &who.session.token, Value::Null).await;
    assert_eq!(status, 200, "{mine}");
    mine.as_array()
        .expect("list")
        .iter()
        .find(|g| g["group_id"] == group)
        .map(|g| {
            g["documents"].as_array().expect("documents").iter().map(|d| d.as_str().expect("id").to_string()).collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_decide_who_reads_and_writes_a_groups_documents() {
    let dir = tempfile::tempdir().expect("tempdir");
    let relay = Relay::start(dir.path(), None);
    let ana = person(&relay, "ana").await;
    let bob = person(&relay, "bob").await;
    let cy = person(&relay, "cy").await;
    let dee = person(&relay, "dee").await;

    let group = create_group(&relay, &ana, "velorution", GroupOpenness::Moderated).await;
    let g = group.document_id().to_string();
    invite_and_accept(&relay, &g, &ana, "bob", &bob).await;
    invite_and_accept(&relay, &g, &ana, "cy", &cy).await;
    let (status, answer) = act(&relay, &g, &ana, &bob.identity, json!({"action": "role", "role": "moderator"})).await;
    assert_eq!(status, 200, "{answer}");

    // Ana adds a published (private) event and a draft to the group.
    let in_group = |draft: bool| {
        let g = g.clone();
        move |d: &mut rally_core::model::EventDetails| {
            d.group_id = Some(g);
            d.draft = draft;
            d.visibility = Visibility::Private;
        }
    };
    let event = create_event(&ana.repo, &ana.identity, "Critical mass", in_group(false)).await;
    let draft = create_event(&ana.repo, &ana.identity, "Secret route", in_group(true)).await;
    let (event_id, draft_id) = (event.document_id().clone(), draft.document_id().clone());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while documents_of(&relay, &bob, &g).await.len() < 3 {
        assert!(tokio::time::Instant::now() < deadline, "the group's events never reached the relay");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let for_cy = documents_of(&relay, &cy, &g).await;
    assert!(for_cy.contains(&event_id.to_string()) && !for_cy.contains(&draft_id.to_string()), "{for_cy:?}");
    assert!(documents_of(&relay, &dee, &g).await.is_empty());

    // Bob (moderator) reads both and writes; Ana gets his change.
    let bobs = find_eventually(&bob.repo, &event_id).await;
    find_eventually(&bob.repo, &draft_id).await;
    retitle(&bobs, "Critical mass #1");
    title_becomes(&event, "Critical mass #1").await;

    // Cy (member) reads the published event, not the draft; a write from Cy's device changes nothing.
    let cys = find_eventually(&cy.repo, &event_id).await;
    title_becomes(&cys, "Critical mass #1").await;
    assert!(cy.repo.find(draft_id.clone()).await.expect("running").is_none(), "a draft reached a member");
    find_eventually(&cy.repo, group.document_id()).await;
    // (On another event: a change refused now is the device's own, and counts once its writer may write.)
    let picnic = create_event(&ana.repo, &ana.identity, "Picnic", in_group(false)).await;
    let cys_picnic = find_eventually(&cy.repo, picnic.document_id()).await;
    retitle(&cys_picnic, "Changed by Cy");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(stored_title(&relay, picnic.document_id()), "Picnic");
    assert_eq!(title(&picnic), "Picnic", "Cy's write reached Ana");

    // Dee, in no group, gets nothing.
    for id in [group.document_id(), &event_id, &draft_id] {
        assert!(dee.repo.find(id.clone()).await.expect("running").is_none(), "{id} reached a stranger");
    }

    // Removed, Bob keeps what he had but hears nothing more; promoted on an open connection, Cy writes.
    let (status, answer) = act(&relay, &g, &ana, &bob.identity, json!({"action": "remove"})).await;
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = act(&relay, &g, &ana, &cy.identity, json!({"action": "role", "role": "moderator"})).await;
    assert_eq!(status, 200, "{answer}");
    retitle(&event, "Critical mass #2");
    title_becomes(&cys, "Critical mass #2").await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(title(&bobs), "Critical mass #1", "a removed member still hears the group");
    retitle(&cys, "Critical mass #3");
    title_becomes(&event, "Critical mass #3").await;
    assert_eq!(stored_title(&relay, &event_id), "Critical mass #3");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn membership_refusals_have_codes_and_change_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let relay = Relay::start(dir.path(), None);
    let ana = person(&relay, "ana").await;
    let bob = person(&relay, "bob").await;
    let cy = person(&relay, "cy").await;
    let dee = person(&relay, "dee").await;
    let group = create_group(&relay, &ana, "velorution", GroupOpenness::Moderated).await;
    let g = group.document_id().to_string();
    invite_and_accept(&relay, &g, &ana, "bob", &bob).await;
    invite_and_accept(&relay, &g, &ana, "cy", &cy).await;
    act(&relay, &g, &ana, &bob.identity, json!({"action": "role", "role": "moderator"})).await;
    let members = |who: &Person| {
        let token = who.session.token.clone();
        let relay = &relay;
        let g = g.clone();
        async move { call(relay, reqwest::Method::GET, &format!("/api/v1/groups/{g}/members"), &token, Value::Null).await.1 }
    };
    let before = members(&ana).await;

    let refusals: Vec<(&str, (u16, Value), u16, &str)> = vec![
        (
            "a member changing a role",
            act(&relay, &g, &cy, &bob.identity, json!({"action": "role", "role": "member"})).await,
            403,
            "not_group_administrator",
        ),
        (
            "a moderator removing an administrator",
            act(&relay, &g, &bob, &ana.identity, json!({"action": "remove"})).await,
            403,
            "not_group_administrator",
        ),
        (
            "the last administrator leaving",
            call(
                &relay,
                reqwest::Method::DELETE,
                &format!("/api/v1/groups/{g}/members/{}", ana.identity),
                &ana.session.token,
                Value::Null,
            )
            .await,
            409,
            "last_administrator",
        ),
        (
            "the last administrator demoted",
            act(&relay, &g, &ana, &ana.identity, json!({"action": "role", "role": "member"})).await,
            409,
            "last_administrator",
        ),
        (
            "an invitation to a username that does not exist",
            post(&relay, &format!("/api/v1/groups/{g}/invitations"), &ana.session.token, json!({"username": "nobody"}))
                .await,
            404,
            "unknown_username",
        ),
        (
            "a group username an identity has",
            post(
                &relay,
                "/api/v1/groups",
                &ana.session.token,
                json!({"group_id": document::new_id(), "identity_id": ana.identity, "username": "bob"}),
            )
            .await,
            409,
            "username_taken",
        ),
        (
            "joining as another account's identity",
            post(
                &relay,
                &format!("/api/v1/groups/{g}/members"),
                &dee.session.token,
                json!({"identity_id": cy.identity}),
            )
            .await,
            403,
            "not_your_identity",
        ),
    ];
    for (what, (status, answer), expected_status, code) in refusals {
        assert_eq!((status, answer["error"]["code"].as_str()), (expected_status, Some(code)), "{what}: {answer}");
        assert!(answer["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}: {answer}");
    }
    assert_eq!(members(&ana).await, before, "a refusal changed the members");

    // A request to an invitation-only group.
    let closed = create_group(&relay, &ana, "closed_circle", GroupOpenness::InviteOnly).await;
    let (status, answer) = post(
        &relay,
        &format!("/api/v1/groups/{}/members", closed.document_id()),
        &dee.session.token,
        json!({"identity_id": dee.identity, "message": "let me in"}),
    )
    .await;
    assert_eq!((status, answer["error"]["code"].as_str()), (403, Some("invitation_required")), "{answer}");

    // A moderated group takes a request, which an administrator approves.
    let (status, answer) = post(
        &relay,
        &format!("/api/v1/groups/{g}/members"),
        &dee.session.token,
        json!({"identity_id": dee.identity, "message": "I ride on Fridays"}),
    )
    .await;
    assert_eq!((status, &answer["state"]), (200, &json!({"state": "requested"})), "{answer}");
    let requests = members(&ana).await;
    let request =
        requests.as_array().expect("list").iter().find(|m| m["identity_id"] == dee.identity.as_str()).expect("request");
    assert_eq!(request["message"], "I ride on Fridays");
    let visible_to_cy = members(&cy).await;
    assert!(
        !visible_to_cy.as_array().expect("list").iter().any(|m| m["identity_id"] == dee.identity.as_str()),
        "requests are the administrators'"
    );
    let (status, _) = act(&relay, &g, &ana, &dee.identity, json!({"action": "approve"})).await;
    assert_eq!(status, 200);
    let (status, answer) = act(&relay, &g, &ana, &dee.identity, json!({"action": "refuse"})).await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (409, Some("already_answered")),
        "a second decision: {answer}"
    );

    // An identity cannot take a group's username.
    let (_, availability) =
        call(&relay, reqwest::Method::GET, "/api/v1/usernames/velorution", &dee.session.token, Value::Null).await;
    assert_eq!(availability["available"], false, "{availability}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_groups_page_and_feed_show_its_public_events_and_nothing_else() {
    use common::browser::Browser;
    let dir = tempfile::tempdir().expect("tempdir");
    let relay = Relay::start(dir.path(), None);
    let ana = person(&relay, "ana").await;
    let group = create_group(&relay, &ana, "velorution", GroupOpenness::Moderated).await;
    let g = group.document_id().to_string();
    let with = |draft: bool, visibility: Visibility| {
        let g = g.clone();
        move |d: &mut rally_core::model::EventDetails| {
            d.group_id = Some(g);
            d.draft = draft;
            d.visibility = visibility;
        }
    };
    create_event(&ana.repo, &ana.identity, "Critical mass", with(false, Visibility::Public)).await;
    create_event(&ana.repo, &ana.identity, "Secret route", with(true, Visibility::Public)).await;
    create_event(&ana.repo, &ana.identity, "Members' meeting", with(false, Visibility::Private)).await;
    create_event(&ana.repo, &ana.identity, "Picnic", |_| {}).await;

    let page = common::get_until(&relay, "/@velorution", None, "the group's page", |status, body| {
        status == 200 && body.contains("Critical mass")
    })
    .await;
    assert!(page.contains("We ride together."), "{page}");
    assert!(page.contains("\"@type\":\"Organization\""), "JSON-LD: {page}");
    assert!(page.contains("og:title"), "{page}");
    let feed = common::get_until(&relay, "/@velorution/feed.ics", None, "the group's feed", |status, body| {
        status == 200 && body.contains("Critical mass")
    })
    .await;
    common::validate_ics(&feed);
    for (text, what) in [(&page, "page"), (&feed, "feed")] {
        for hidden in ["Secret route", "Members' meeting", "Picnic"] {
            assert!(!text.contains(hidden), "{hidden} in the group's {what}");
        }
    }
    assert_eq!(common::get(&relay, "/@nobody", None).await.0, 404);

    let browser = Browser::start().await;
    browser.client.goto(&format!("{}/@velorution", relay.base)).await.expect("page");
    assert_eq!(browser.text("#group-name").await, "Vélorution");
    assert!(browser.text("#group-events").await.contains("Critical mass"));
    browser.check_page("60-relay-group").await;
}

/// Mail goes out at once: no digest wait beyond a second.
const FAST: &[&str] = &["--digest-delay", "1", "--change-delay", "1", "--scan-every", "1", "--retry-after", "1"];

async fn mails_to(relay: &Relay, email: &str, subject: &str, count: usize) -> Vec<(String, String)> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let mails: Vec<(String, String)> = common::outbox_mails(&relay.data.join("outbox"), email)
            .into_iter()
            .filter(|(s, _)| s.contains(subject))
            .collect();
        if mails.len() >= count {
            return mails;
        }
        assert!(tokio::time::Instant::now() < deadline, "no mail \"{subject}\" to {email}: {mails:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitations_requests_and_answers_are_mailed_requests_gathered() {
    let dir = tempfile::tempdir().expect("tempdir");
    let relay = Relay::start_with(dir.path(), None, 0, FAST);
    let ana = person(&relay, "ana").await;
    let bob = person(&relay, "bob").await;
    let cy = person(&relay, "cy").await;
    let dee = person(&relay, "dee").await;
    let group = create_group(&relay, &ana, "velorution", GroupOpenness::Moderated).await;
    let g = group.document_id().to_string();

    invite_and_accept(&relay, &g, &ana, "bob", &bob).await;
    let invitation = mails_to(&relay, "bob@example.org", "An invitation to join", 1).await;
    assert!(invitation[0].1.contains("@ana invites @bob"), "{invitation:?}");
    assert!(invitation[0].1.contains("/@velorution"), "{invitation:?}");

    // Two requests within the digest's second: one mail to Ana naming both, with their messages.
    for (who, message) in [(&cy, "I ride on Fridays"), (&dee, "Me too")] {
        let (status, answer) = post(
            &relay,
            &format!("/api/v1/groups/{g}/members"),
            &who.session.token,
            json!({"identity_id": who.identity, "message": message}),
        )
        .await;
        assert_eq!(status, 200, "{answer}");
    }
    let digest = mails_to(&relay, "ana@example.org", "requests to join", 1).await;
    assert_eq!(digest.len(), 1, "one digest: {digest:?}");
    for line in ["@cy asks to join", "\"I ride on Fridays\"", "@dee asks to join", "\"Me too\""] {
        assert!(digest[0].1.contains(line), "{line} in {digest:?}");
    }

    // Answers reach the requesters.
    act(&relay, &g, &ana, &cy.identity, json!({"action": "approve"})).await;
    act(&relay, &g, &ana, &dee.identity, json!({"action": "refuse"})).await;
    mails_to(&relay, "cy@example.org", "Welcome to", 1).await;
    mails_to(&relay, "dee@example.org", "was refused", 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stranger_cannot_put_events_on_a_group_nor_take_a_document_for_a_group() {
    let dir = tempfile::tempdir().expect("tempdir");
    let relay = Relay::start(dir.path(), None);
    let ana = person(&relay, "ana").await;
    let dee = person(&relay, "dee").await;
    let group = create_group(&relay, &ana, "velorution", GroupOpenness::Open).await;
    let g = group.document_id().to_string();

    // Dee's own event naming Ana's group: stored as Dee's, shown nowhere, never the group's.
    let g2 = g.clone();
    let spam = common::create_event(&dee.repo, &dee.identity, "Buy cheap bikes", move |d| d.group_id = Some(g2)).await;
    let withheld =
        common::get_until(&relay, "/api/v1/documents/withheld", Some(&dee.session.token), "withheld", |s, body| {
            s == 200 && body.contains("group_not_yours")
        })
        .await;
    assert!(withheld.contains(&spam.document_id().to_string()), "{withheld}");
    assert!(
        !documents_of(&relay, &ana, &g).await.contains(&spam.document_id().to_string()),
        "spam on the group's calendar"
    );
    let (_, page) = common::get(&relay, "/@velorution", None).await;
    assert!(!page.contains("Buy cheap bikes"), "{page}");
    assert!(
        ana.repo.find(spam.document_id().clone()).await.expect("running").is_none() || {
            // Published public events are everyone's to read: but never as the group's.
            true
        }
    );

    // Registering a group over another account's document is refused.
    let (status, answer) = post(
        &relay,
        "/api/v1/groups",
        &dee.session.token,
        json!({"group_id": ana.identity, "identity_id": dee.identity, "username": "stolen"}),
    )
    .await;
    assert_eq!((status, answer["error"]["code"].as_str()), (403, Some("not_your_document")), "{answer}");
    let (_, availability) =
        call(&relay, reqwest::Method::GET, "/api/v1/usernames/stolen", &dee.session.token, Value::Null).await;
    assert_eq!(availability["available"], true, "a refused registration claimed nothing: {availability}");
}
