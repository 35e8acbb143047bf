//! Participation through the real relay binary, real automerge-repo peers (the organizer's and the
//! participants' devices) and a real SMTP server: every refusal named and harmless, requests gathered
//! into one digest, decisions (the first one wins), the waiting list moving up, mail on a change of
//! time, reminders, a failed send retried, settings that turn a kind of mail off, and the private feed.

mod common;

use std::time::Duration;

use automerge::Automerge;
use chrono::Utc;
use rally_core::document::{self, Kind};
use rally_core::model::{EventDetails, EventStatus, ImageChange, JoinMode, Visibility};
use rally_core::validate::IdentityText;
use reqwest::StatusCode;
use samod::{DocHandle, Repo};
use serde_json::{json, Value};

use common::browser::Browser;
use common::{edit, event_details, peer, Relay, Session, Smtp, WAIT};

/// Mail goes out at once: no digest wait beyond a second, news after a second, scans every second.
const FAST: &[&str] = &["--digest-delay", "1", "--change-delay", "1", "--scan-every", "1", "--retry-after", "1"];

struct Person {
    session: Session,
    repo: Repo,
    identity: String,
}

async fn call(
    relay: &Relay,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new().request(method, format!("{}{path}", relay.base)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// An account with a device and one identity, synced to the relay.
async fn person(relay: &Relay, email: &str, username: &str) -> Person {
    person_mailed(relay, None, email, username).await
}

async fn person_mailed(relay: &Relay, smtp: Option<&Smtp>, email: &str, username: &str) -> Person {
    let session = relay.account_mailed(email, smtp).await;
    let repo = peer(relay, &session).await;
    let now = Utc::now();
    let mut doc = document::create(Kind::Identity, now).expect("doc");
    let text =
        IdentityText { username: username.into(), display_name: format!("{username} (name)"), bio: String::new() };
    document::write_identity(&mut doc, &text, &ImageChange::Keep, now).expect("identity");
    let handle = repo.create(Automerge::load(&doc.save()).expect("am")).await.expect("create");
    let deadline = tokio::time::Instant::now() + WAIT;
    while reqwest::get(format!("{}/@{username}/feed.ics", relay.base)).await.expect("get").status() != StatusCode::OK {
        assert!(tokio::time::Instant::now() < deadline, "@{username} never reached the relay");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Person { session, repo, identity: handle.document_id().to_string() }
}

/// An event of `organizer`'s, synced; waits until the relay shows it when it is public.
async fn event(
    relay: &Relay,
    organizer: &Person,
    title: &str,
    change: impl FnOnce(&mut EventDetails),
) -> (String, DocHandle) {
    let mut details = event_details(title, false);
    details.organizer_id = organizer.identity.clone();
    details.starts_at = Utc::now() + chrono::Duration::days(10);
    details.ends_at = details.starts_at + chrono::Duration::hours(2);
    change(&mut details);
    let now = Utc::now();
    let mut doc = document::create(Kind::Event, now).expect("doc");
    document::write_event(&mut doc, &details, &ImageChange::Keep, now).expect("write");
    let handle = organizer.repo.create(Automerge::load(&doc.save()).expect("am")).await.expect("create");
    let id = handle.document_id().to_string();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let status = reqwest::get(format!("{}/events/{id}.ics", relay.base)).await.expect("get").status();
        let public = !details.draft && details.visibility != Visibility::Private;
        if status == StatusCode::OK || !public {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{title} never reached the relay");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A draft or a private event is synced too, it just is not public: give it the same moment.
    tokio::time::sleep(Duration::from_millis(300)).await;
    (id, handle)
}

async fn join(relay: &Relay, who: &Person, event: &str, message: &str) -> (StatusCode, Value) {
    let body = json!({"identity_id": who.identity, "message": message});
    call(
        relay,
        reqwest::Method::POST,
        &format!("/api/v1/events/{event}/participations"),
        &who.session.token,
        Some(body),
    )
    .await
}

async fn participants(relay: &Relay, organizer: &Person, event: &str) -> Value {
    let (status, body) = call(
        relay,
        reqwest::Method::GET,
        &format!("/api/v1/events/{event}/participations"),
        &organizer.session.token,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_default()
}

fn message(body: &Value) -> &str {
    body["error"]["message"].as_str().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_refusal_is_named_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let relay = Relay::start_with(dir.path(), None, 0, FAST);
    let ana = person(&relay, "ana@example.org", "ana").await;
    let bob = person(&relay, "bob@example.org", "bob").await;
    let cy = person(&relay, "cy@example.org", "cy").await;

    let (full, _) = event(&relay, &ana, "Full", |d| d.capacity = Some(1)).await;
    assert_eq!(join(&relay, &cy, &full, "").await.0, StatusCode::CREATED);
    let (invite_only, _) = event(&relay, &ana, "Invite only", |d| d.join_mode = JoinMode::Invite).await;
    let (draft, _) = event(&relay, &ana, "Draft", |d| d.draft = true).await;
    let (private, _) = event(&relay, &ana, "Private", |d| d.visibility = Visibility::Private).await;
    let (cancelled, _) = event(&relay, &ana, "Cancelled", |d| d.status = EventStatus::Cancelled).await;
    let (open, _) = event(&relay, &ana, "Open", |_| {}).await;
    assert_eq!(join(&relay, &bob, &open, "").await.0, StatusCode::CREATED);

    let cases = [
        (&full, StatusCode::CONFLICT, "event_full", "\"Full\" is full: its one place is taken"),
        (&invite_only, StatusCode::FORBIDDEN, "invitation_required", "only people the organizer invited"),
        (&draft, StatusCode::NOT_FOUND, "event_not_found", "drafts and private events cannot be joined"),
        (&private, StatusCode::NOT_FOUND, "event_not_found", "drafts and private events cannot be joined"),
        (&cancelled, StatusCode::CONFLICT, "event_cancelled", "\"Cancelled\" is cancelled"),
        (&open, StatusCode::CONFLICT, "already_joined", "@bob already takes part in \"Open\" (going)"),
    ];
    for (event, status, want_code, want_message) in cases {
        let before = match status {
            StatusCode::NOT_FOUND => Value::Null,
            _ => participants(&relay, &ana, event).await,
        };
        let (got, body) = join(&relay, &bob, event, "let me in").await;
        assert_eq!((got, code(&body)), (status, want_code), "{body}");
        assert!(message(&body).contains(want_message), "{body}");
        if status != StatusCode::NOT_FOUND {
            assert_eq!(participants(&relay, &ana, event).await, before, "a refusal changed nothing");
        }
    }

    // Someone else's identity, the organizer's own, and the organizer leaving their own event.
    let body = json!({"identity_id": cy.identity});
    let (status, body) = call(
        &relay,
        reqwest::Method::POST,
        &format!("/api/v1/events/{open}/participations"),
        &bob.session.token,
        Some(body),
    )
    .await;
    assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "not_your_identity"), "{body}");
    let (status, body) = join(&relay, &ana, &open, "").await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "organizer"), "{body}");
    let path = format!("/api/v1/events/{open}/participations/{}", ana.identity);
    let (status, body) = call(&relay, reqwest::Method::DELETE, &path, &ana.session.token, None).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "sole_organizer"), "{body}");
    assert!(message(&body).contains("the sole organizer cannot leave"), "{body}");
    // Only the organizer's account sees the requests.
    let (status, body) =
        call(&relay, reqwest::Method::GET, &format!("/api/v1/events/{open}/participations"), &bob.session.token, None)
            .await;
    assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "not_organizer"), "{body}");

    // Invited, Bob may join the invite-only event.
    let body = json!({"usernames": ["bob"]});
    let (status, _) = call(
        &relay,
        reqwest::Method::POST,
        &format!("/api/v1/events/{invite_only}/invitations"),
        &ana.session.token,
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = join(&relay, &bob, &invite_only, "").await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::CREATED, Some("going")), "{body}");
}

/// The mails `smtp` got, as (recipient, subject, text), waiting until `count` are there.
fn mails_to(all: &[(String, String, String)], who: &str) -> Vec<(String, String)> {
    all.iter().filter(|(to, _, _)| to.contains(who)).map(|(_, s, t)| (s.clone(), t.clone())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_decisions_the_waiting_list_and_their_mail() {
    let dir = tempfile::tempdir().expect("tempdir");
    let smtp = Smtp::start(dir.path());
    let relay = Relay::start_with(dir.path(), Some(smtp.port), 0, FAST);
    // Accounts are confirmed through the links the SMTP server receives first.
    let ana = person_mailed(&relay, Some(&smtp), "ana@example.org", "ana").await;
    let bob = person_mailed(&relay, Some(&smtp), "bob@example.org", "bob").await;
    let cy = person_mailed(&relay, Some(&smtp), "cy@example.org", "cy").await;
    let dan = person_mailed(&relay, Some(&smtp), "dan@example.org", "dan").await;
    let confirmations = smtp.wait_for(4).len();

    let (meetup, handle) = event(&relay, &ana, "Assemblée", |d| {
        d.join_mode = JoinMode::Approval;
        d.capacity = Some(1);
        d.waiting_list = true;
    })
    .await;
    let (status, bobs) = join(&relay, &bob, &meetup, "I can bring chairs").await;
    assert_eq!((status, bobs["status"].as_str()), (StatusCode::CREATED, Some("pending")), "{bobs}");
    let (_, dans) = join(&relay, &dan, &meetup, "").await;
    assert_eq!(dans["status"], "pending");
    // Two requests within the digest's second: one mail to Ana, naming both, with Bob's message.
    let all = smtp.wait_for(confirmations + 1);
    let to_ana = mails_to(&all, "ana@");
    assert_eq!(to_ana.len(), 2, "a confirmation and one digest: {to_ana:#?}");
    let (subject, text) = &to_ana[1];
    assert_eq!(subject, "2 requests to join your events");
    assert!(
        text.contains("bob (name) (@bob) asks to join \"Assemblée\"") && text.contains("I can bring chairs"),
        "{text}"
    );
    assert!(
        text.contains("dan (name) (@dan)") && text.contains("Rally Test") && text.contains("/mail-settings/"),
        "{text}"
    );
    assert!(text.contains(&format!("{}/events/{meetup}", relay.base)), "{text}");

    // Ana accepts Bob; a refusal another of her devices made earlier, offline, arrives second and loses.
    let earlier = (Utc::now() - chrono::Duration::minutes(5)).to_rfc3339();
    let decisions =
        json!([{"participation_id": bobs["id"], "decision": "accept", "decided_at": Utc::now().to_rfc3339()}]);
    let path = format!("/api/v1/events/{meetup}/decisions");
    let (status, results) = call(&relay, reqwest::Method::POST, &path, &ana.session.token, Some(decisions)).await;
    assert_eq!(
        (status, results[0]["applied"].as_bool(), results[0]["status"].as_str()),
        (StatusCode::OK, Some(true), Some("going")),
        "{results}"
    );
    let late = json!([{"participation_id": bobs["id"], "decision": "refuse", "decided_at": earlier}]);
    let (_, results) = call(&relay, reqwest::Method::POST, &path, &ana.session.token, Some(late)).await;
    assert_eq!(results[0]["applied"], false, "{results}");
    assert!(results[0]["note"].as_str().unwrap_or_default().contains("another decision came first"), "{results}");
    // Dan is accepted too, but the one place is Bob's: Dan waits in line.
    let decisions =
        json!([{"participation_id": dans["id"], "decision": "accept", "decided_at": Utc::now().to_rfc3339()}]);
    let (_, results) = call(&relay, reqwest::Method::POST, &path, &ana.session.token, Some(decisions)).await;
    assert_eq!(results[0]["status"], "waitlisted", "{results}");

    // Cy asks when it is full: on the waiting list, second in line, told so.
    let (status, cys) = join(&relay, &cy, &meetup, "").await;
    assert_eq!(
        (status, cys["status"].as_str(), cys["waitlist_position"].as_u64()),
        (StatusCode::CREATED, Some("waitlisted"), Some(2)),
        "{cys}"
    );

    // Bob leaves: Dan, first in line, moves up (to Ana's approval: it is an approval event).
    let leave = format!("/api/v1/events/{meetup}/participations/{}", bob.identity);
    let (status, left) = call(&relay, reqwest::Method::DELETE, &leave, &bob.session.token, None).await;
    assert_eq!((status, left["status"].as_str()), (StatusCode::OK, Some("left")), "{left}");
    let list = participants(&relay, &ana, &meetup).await;
    let status_of = |who: &Person| {
        list.as_array()
            .expect("list")
            .iter()
            .find(|p| p["identity_id"] == who.identity.as_str())
            .map(|p| p["status"].clone())
    };
    assert_eq!((status_of(&dan), status_of(&cy)), (Some(json!("pending")), Some(json!("waitlisted"))), "{list}");
    let decisions =
        json!([{"participation_id": dans["id"], "decision": "accept", "decided_at": Utc::now().to_rfc3339()}]);
    let (_, results) = call(&relay, reqwest::Method::POST, &path, &ana.session.token, Some(decisions)).await;
    assert_eq!(results[0]["status"], "going", "{results}");

    // A change of time: each participant still in (Dan going, Cy waiting) gets one mail about it.
    edit(&handle, |doc| {
        let mut d = document::read_event(doc, "x").expect("event").details;
        d.starts_at += chrono::Duration::hours(1);
        d.ends_at += chrono::Duration::hours(1);
        document::write_event(doc, &d, &ImageChange::Keep, Utc::now()).expect("write");
    });
    let before = smtp.messages().len();
    let all = smtp.wait_for(before + 2);
    let changed: Vec<&(String, String, String)> =
        all.iter().filter(|(_, s, _)| s.starts_with("Changed: \"Assemblée\" (time)")).collect();
    assert_eq!(changed.len(), 2, "{all:#?}");
    assert!(
        changed.iter().any(|(to, _, _)| to.contains("dan@")) && changed.iter().any(|(to, _, _)| to.contains("cy@"))
    );
    assert!(!changed.iter().any(|(to, _, _)| to.contains("bob@")), "Bob left");

    // Every kind a participant got: accepted (Bob), on the list and moved up and accepted (Dan).
    let to_bob = mails_to(&all, "bob@");
    assert!(
        to_bob.iter().any(|(s, t)| s == "You are going to \"Assemblée\"" && t.contains("accepted your request")),
        "{to_bob:#?}"
    );
    let to_dan: Vec<String> = mails_to(&all, "dan@").into_iter().map(|(s, _)| s).collect();
    assert!(to_dan.contains(&"On the waiting list for \"Assemblée\"".to_string()), "{to_dan:#?}");
    assert!(to_dan.contains(&"A place freed up at \"Assemblée\"".to_string()), "{to_dan:#?}");
    // Cancelled: the same two hear of it, once each.
    edit(&handle, |doc| {
        let mut d = document::read_event(doc, "x").expect("event").details;
        d.status = EventStatus::Cancelled;
        document::write_event(doc, &d, &ImageChange::Keep, Utc::now()).expect("write");
    });
    let before = all.len();
    let all = smtp.wait_for(before + 2);
    let cancelled: Vec<&(String, String, String)> =
        all.iter().filter(|(_, s, _)| s == "Cancelled: \"Assemblée\"").collect();
    assert_eq!(cancelled.len(), 2, "{all:#?}");
    assert!(
        cancelled[0].2.contains("\"Assemblée\" is cancelled.") && cancelled[0].2.contains("It was to be:"),
        "{cancelled:#?}"
    );

    // Nobody got one mail twice.
    let mut seen: Vec<(String, String)> = all.iter().map(|(to, s, _)| (to.clone(), s.clone())).collect();
    let total = seen.len();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), total, "a mail sent twice: {all:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_that_fails_is_retried_and_settings_turn_a_kind_off() {
    let dir = tempfile::tempdir().expect("tempdir");
    // No SMTP server yet where the relay sends.
    let port = common::free_port();
    let relay = Relay::start_with(dir.path(), Some(port), 0, FAST);
    let http = reqwest::Client::new();
    // Accounts need their confirmation mail: made on an outbox relay beside it would not help, so
    // the server comes up, confirmations are read, and it goes down again.
    let smtp = Smtp::start_on(dir.path(), port);
    let ana = person_mailed(&relay, Some(&smtp), "ana@example.org", "ana").await;
    let bob = person_mailed(&relay, Some(&smtp), "bob@example.org", "bob").await;
    smtp.wait_for(2);
    drop(smtp);

    let (soon, _) = event(&relay, &ana, "Soon", |d| {
        d.starts_at = Utc::now() + chrono::Duration::hours(2);
        d.ends_at = d.starts_at + chrono::Duration::hours(1);
    })
    .await;
    let (status, _) = join(&relay, &bob, &soon, "").await;
    assert_eq!(status, StatusCode::CREATED);
    // The reminder is due at once (the event is within 24 h); its send fails while the server is down.
    tokio::time::sleep(Duration::from_secs(3)).await;
    std::fs::create_dir_all(dir.path().join("again")).expect("folder");
    let smtp = Smtp::start_on(&dir.path().join("again"), port);
    let all = smtp.wait_for(1);
    let reminder = &mails_to(&all, "bob@")[0];
    assert!(reminder.0.starts_with("Reminder: \"Soon\""), "{all:#?}");
    assert_eq!(all.len(), 1, "one reminder, once: {all:#?}");

    // Bob turns reminders and decisions off through the link in the mail; the next event is quiet.
    let settings = reminder.1.split_whitespace().find(|w| w.contains("/mail-settings/")).expect("settings link");
    let page = http.get(settings).send().await.expect("get").text().await.expect("page");
    assert!(page.contains("name=\"reminder\" value=\"on\" checked"), "{page}");
    let token = settings.split("/mail-settings/").nth(1).and_then(|t| t.split('?').next()).expect("token");
    let form = [
        ("email", "bob@example.org"),
        ("request", "on"),
        ("event_changed", "on"),
        ("event_cancelled", "on"),
        ("reminder_hours", "48"),
    ];
    let saved = http
        .post(format!("{}/mail-settings/{token}", relay.base))
        .form(&form)
        .send()
        .await
        .expect("post")
        .text()
        .await
        .expect("page");
    assert!(saved.contains("Saved.") && !saved.contains("name=\"reminder\" value=\"on\" checked"), "{saved}");
    let forged =
        http.get(format!("{}/mail-settings/forged?email=bob@example.org", relay.base)).send().await.expect("get");
    assert!(forged.text().await.expect("page").contains("not valid"));
    let (later, _) = event(&relay, &ana, "Later", |d| {
        d.starts_at = Utc::now() + chrono::Duration::hours(30);
        d.ends_at = d.starts_at + chrono::Duration::hours(1);
    })
    .await;
    assert_eq!(join(&relay, &bob, &later, "").await.0, StatusCode::CREATED);
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(smtp.messages().len(), 1, "no reminder once turned off: {:#?}", smtp.messages());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_private_feed_lists_what_one_attends_and_a_reset_closes_the_old_address() {
    let dir = tempfile::tempdir().expect("tempdir");
    let relay = Relay::start_with(dir.path(), None, 0, FAST);
    let ana = person(&relay, "ana@example.org", "ana").await;
    let bob = person(&relay, "bob@example.org", "bob").await;
    let (one, _) = event(&relay, &ana, "Atelier vélo", |_| {}).await;
    let (two, _) = event(&relay, &ana, "Soupe, ensemble; dehors", |d| {
        d.timezone = "America/Montreal".into();
        d.all_day = false;
    })
    .await;
    // Public too, but nobody here goes: it must stay out of Bob's feed.
    event(&relay, &ana, "Not going", |_| {}).await;
    for e in [&one, &two] {
        assert_eq!(join(&relay, &bob, e, "").await.0, StatusCode::CREATED);
    }
    let (status, feed) = call(&relay, reqwest::Method::GET, "/api/v1/feeds/private", &bob.session.token, None).await;
    assert_eq!(status, StatusCode::OK, "{feed}");
    let url = feed["url"].as_str().expect("url").to_string();
    assert!(feed["webcal"].as_str().expect("webcal").starts_with("webcal://"), "{feed}");
    let response = reqwest::get(&url).await.expect("get");
    assert_eq!(response.headers()["content-type"], "text/calendar; charset=utf-8");
    let ics = response.text().await.expect("ics");
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 2, "{ics}");
    assert!(ics.contains("SUMMARY:Soupe\\, ensemble\\; dehors\r\n") && !ics.contains("Not going"), "{ics}");
    common::validate_ics(&ics);

    let (status, fresh) =
        call(&relay, reqwest::Method::POST, "/api/v1/feeds/private/reset", &bob.session.token, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(fresh["url"], feed["url"]);
    assert_eq!(reqwest::get(&url).await.expect("get").status(), StatusCode::NOT_FOUND, "the old address is closed");
    assert_eq!(reqwest::get(fresh["url"].as_str().expect("url")).await.expect("get").status(), StatusCode::OK);
    let forged = format!("{}/feeds/private/{}/forged.ics", relay.base, bob.session.account_id);
    assert_eq!(reqwest::get(&forged).await.expect("get").status(), StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_participation_from_the_public_page_in_a_browser() {
    let dir = tempfile::tempdir().expect("tempdir");
    let smtp = Smtp::start(dir.path());
    let relay = Relay::start_with(dir.path(), Some(smtp.port), 0, FAST);
    let ana = person_mailed(&relay, Some(&smtp), "ana@example.org", "ana").await;
    let (open, _) = event(&relay, &ana, "Pique-nique", |d| {
        d.anonymous_participation = true;
        d.capacity = Some(10);
    })
    .await;
    let (closed, _) = event(&relay, &ana, "Members only", |_| {}).await;
    let before = smtp.wait_for(1).len();

    let browser = Browser::start().await;
    browser.client.goto(&format!("{}/events/{closed}", relay.base)).await.expect("open page");
    browser.text("#event-title").await;
    assert!(
        browser.client.find(fantoccini::Locator::Css("#participate")).await.is_err(),
        "no form where it is not allowed"
    );
    // Still, a visitor is told how to take part: with Rally, by this page's address.
    assert!(browser.text("#with-rally").await.contains("Taking part"));
    browser.check_page("51-relay-event-with-rally").await;

    // The public page's form: name, address, message; the relay mails a link.
    browser.client.goto(&format!("{}/events/{open}", relay.base)).await.expect("open page");
    assert!(browser.text("#event-places").await.contains("0 going · 10 of 10 places left"));
    browser.check_page("50-relay-event-form").await;
    browser.type_into("#participate-name", "Zoé Martin").await;
    browser.type_into("#participate-email", "zoe@example.net").await;
    browser.type_into("#participate-message", "J'apporte une tarte").await;
    browser.click("#participate-submit").await;
    assert!(browser.text("#asked").await.contains("We sent a link to zoe@example.net"));
    let all = smtp.wait_for(before + 1);
    let (subject, text) = mails_to(&all, "zoe@").pop().expect("a mail to Zoé");
    assert_eq!(subject, "Confirm your participation in \"Pique-nique\"");
    let link = |label: &str| {
        let line = text.lines().find(|l| l.starts_with(label)).unwrap_or_else(|| panic!("{label} in {text}"));
        line.split_once(": ").expect("a link").1.trim().to_string()
    };
    let (confirm, cancel) = (link("Confirm my participation"), link("Cancel it"));
    // Until confirmed, the organizer does not see it.
    assert_eq!(participants(&relay, &ana, &open).await.as_array().map(Vec::len), Some(0));

    // Opening the link changes nothing; its button confirms.
    browser.client.goto(&confirm).await.expect("confirm link");
    assert_eq!(participants(&relay, &ana, &open).await.as_array().map(Vec::len), Some(0));
    browser.check_page("52-relay-confirm").await;
    browser.click("#confirm").await;
    assert!(browser.text("#outcome").await.contains("You are going."));
    let list = participants(&relay, &ana, &open).await;
    assert_eq!((list[0]["name"].as_str(), list[0]["status"].as_str()), (Some("Zoé Martin"), Some("going")), "{list}");
    assert!(list[0]["email"].is_null(), "the organizer does not see the address: {list}");
    browser.client.goto(&format!("{}/events/{open}", relay.base)).await.expect("open page");
    assert!(browser.text("#event-places").await.contains("1 going · 9 of 10 places left"));

    // The cancel link, from the same mail.
    browser.client.goto(&cancel).await.expect("cancel link");
    browser.click("#confirm").await;
    assert!(browser.text("#outcome").await.contains("cancelled"));
    assert_eq!(participants(&relay, &ana, &open).await[0]["status"], "left");
    // A forged link is refused.
    let forged = cancel.replace("token=", "token=x");
    browser.client.goto(&forged).await.expect("forged link");
    browser.click("#confirm").await;
    assert!(browser.text("p.error").await.contains("not valid"));
    browser.client.close().await.expect("close");
}
