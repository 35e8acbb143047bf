//! Sync through the real relay with real automerge-repo peers (samod, over WebSockets): one account's
//! devices converge, and the access matrix holds for another account.

mod common;

use std::time::Duration;

use automerge::{AutoCommit, Automerge};
use chrono::Utc;
use rally_core::document::{self, Kind};
use rally_core::model::{EventDetails, ImageChange};
use samod::{DocHandle, DocumentId};

use common::{edit, find_eventually, peer, Relay, Session, WAIT};

fn read(handle: &DocHandle) -> EventDetails {
    handle.with_document(|am| {
        let doc = AutoCommit::load(&am.save()).expect("load");
        document::read_event(&doc, "x").expect("an event").details
    })
}

/// The relay's own stored copy of a document, straight from its database.
fn on_relay(relay: &Relay, id: &DocumentId) -> EventDetails {
    let db = rusqlite::Connection::open(relay.data.join("relay.sqlite3")).expect("db");
    let doc = rally_server::sync::store::stored_document(&db, &id.to_string()).expect("query").expect("loads").0;
    document::read_event(&doc, "x").expect("event").details
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_converge_and_others_see_only_published_events_read_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let relay = Relay::start(dir.path(), None);
    let ana = relay.account("ana@example.org").await;
    let ana_laptop_session = relay.account_session_again("ana@example.org").await;
    let bo = relay.account("bo@example.org").await;
    let ana_phone = peer(&relay, &ana).await;
    let ana_laptop = peer(&relay, &ana_laptop_session).await;
    let bo_desktop = peer(&relay, &bo).await;

    // Ana's phone creates a draft event; her laptop receives it through the relay.
    let now = Utc::now();
    let mut event = document::create(Kind::Event, now).expect("doc");
    document::write_event(&mut event, &common::event_details("Assemblée générale", true), &ImageChange::Keep, now)
        .expect("write");
    let mut identity = document::create(Kind::Identity, now).expect("doc");
    let event_handle = ana_phone.create(Automerge::load(&event.save()).expect("am")).await.expect("create");
    let identity_handle = ana_phone.create(Automerge::load(&identity.save()).expect("am")).await.expect("create");
    let event_id = event_handle.document_id().clone();
    let on_laptop = find_eventually(&ana_laptop, &event_id).await;
    assert_eq!(read(&on_laptop).title, "Assemblée générale");
    find_eventually(&ana_laptop, identity_handle.document_id()).await;

    // Bo may see neither the draft nor Ana's identity.
    assert!(bo_desktop.find(event_id.clone()).await.expect("running").is_none(), "a draft leaked");
    assert!(
        bo_desktop.find(identity_handle.document_id().clone()).await.expect("running").is_none(),
        "an account document leaked"
    );

    // Ana publishes; now Bo can read it.
    edit(&event_handle, |doc| {
        let mut d = document::read_event(doc, "x").expect("event").details;
        d.draft = false;
        document::write_event(doc, &d, &ImageChange::Keep, Utc::now()).expect("write");
    });
    let deadline = tokio::time::Instant::now() + WAIT;
    while on_relay(&relay, &event_id).draft {
        assert!(tokio::time::Instant::now() < deadline, "the relay never stored the published version");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let on_bo = find_eventually(&bo_desktop, &event_id).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while read(&on_bo).draft {
        assert!(tokio::time::Instant::now() < deadline, "Bo never received the published version");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(read(&on_bo).title, "Assemblée générale");

    // Bo's edit stays on Bo's side: the relay and Ana's devices keep the original.
    edit(&on_bo, |doc| {
        let mut d = document::read_event(doc, "x").expect("event").details;
        d.title = "Hijacked".into();
        document::write_event(doc, &d, &ImageChange::Keep, Utc::now()).expect("write");
    });
    // And an edit by Ana that does arrive, as a marker that the relay has processed what came before.
    edit(&event_handle, |doc| {
        let mut d = document::read_event(doc, "x").expect("event").details;
        d.description = "Ordre du jour: budget".into();
        document::write_event(doc, &d, &ImageChange::Keep, Utc::now()).expect("write");
    });
    let deadline = tokio::time::Instant::now() + WAIT;
    while read(&on_laptop).description != "Ordre du jour: budget" {
        assert!(tokio::time::Instant::now() < deadline, "Ana's laptop never received her edit");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(on_relay(&relay, &event_id).title, "Assemblée générale", "a read-only peer changed the relay's copy");
    assert_eq!(read(&on_laptop).title, "Assemblée générale");
    assert_eq!(read(&on_bo).description, "Ordre du jour: budget", "Bo still receives the owner's changes");
}

#[tokio::test]
async fn a_bad_or_revoked_token_is_refused_before_the_upgrade() {
    let dir = tempfile::tempdir().expect("tempdir");
    let relay = Relay::start(dir.path(), None);
    let session = relay.account("cy@example.org").await;
    let refused = |url: String| async move {
        match tokio_tungstenite::connect_async(url).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => response.status().as_u16(),
            Err(other) => panic!("unexpected error {other}"),
            Ok(_) => panic!("the upgrade was accepted"),
        }
    };
    assert_eq!(refused(relay.sync_url("not-a-token")).await, 401);
    assert_eq!(refused(relay.sync_url("")).await, 401);
    let res = reqwest::Client::new()
        .delete(format!("{}/api/v1/sessions/current", relay.base))
        .bearer_auth(&session.token)
        .send()
        .await
        .expect("log out");
    assert_eq!(res.status(), reqwest::StatusCode::NO_CONTENT);
    assert_eq!(refused(relay.sync_url(&session.token)).await, 401, "a revoked token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_id_stays_with_the_account_that_first_used_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let relay = Relay::start(dir.path(), None);
    let ana = relay.account("ana@example.org").await;
    let bo = relay.account("bo@example.org").await;
    let _ana_phone = peer(&relay, &ana).await;

    // Bo's token, announcing Ana's peer id: the relay ends the connection at the handshake.
    let impostor =
        samod::Repo::build_tokio().with_peer_id(samod::PeerId::from_string(ana.peer_id.clone())).load().await;
    let url = samod::Url::parse(&relay.sync_url(&bo.token)).expect("url");
    impostor.dial_websocket(url, samod::BackoffConfig::default()).expect("dial");
    let connected = tokio::time::timeout(
        Duration::from_secs(3),
        impostor.when_connected(samod::PeerId::from_string("rally-relay".into())),
    )
    .await;
    assert!(connected.is_err(), "a connection speaking as another account's peer was accepted");

    // Any peer id of one's own is fine: generic automerge-repo clients choose theirs.
    let own = Session { peer_id: format!("bo-laptop-{}", std::process::id()), ..bo };
    peer(&relay, &own).await;
}
