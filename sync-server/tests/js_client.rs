//! A JavaScript automerge-repo client (the anchor's automerge-repo 2.5.6, as installed by
//! ../shared/anchors/automerge-relay/setup.sh) syncs with the relay within its access rights: it reads
//! another account's published event but cannot change it, is refused a draft, and keeps its own
//! documents; a stranger to a group is refused the group and its drafts.

mod common;

use std::path::PathBuf;
use std::process::Command;

use automerge::Automerge;
use chrono::Utc;
use rally_core::document::{self, Kind};
use rally_core::model::ImageChange;

use common::{find_eventually, peer, Relay};

fn anchor_home() -> PathBuf {
    let home = std::env::var_os("AM_ANCHOR_HOME").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/automerge-relay-anchor")
    });
    assert!(
        home.join("node_modules/@automerge/automerge-repo").exists(),
        "the automerge-repo anchor is not installed in {}: run scripts/install-deps.sh",
        home.display()
    );
    home
}

fn event(draft: bool) -> Automerge {
    let now = Utc::now();
    let mut doc = document::create(Kind::Event, now).expect("doc");
    let details = common::event_details(if draft { "Secret draft" } else { "Public picnic" }, draft);
    document::write_event(&mut doc, &details, &ImageChange::Keep, now).expect("write");
    Automerge::load(&doc.save()).expect("load")
}

/// Runs tests/js/access.mjs with `token`: reads `readable` (and tries to change it), asks for `hidden`.
fn run_access_check(
    home: &std::path::Path,
    relay: &Relay,
    token: &str,
    readable: &str,
    hidden: &str,
) -> serde_json::Value {
    let script = home.join("rally-access-check.mjs");
    std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/js/access.mjs"), &script).expect("copy the script");
    let output = Command::new("node")
        .arg(&script)
        .current_dir(home)
        .env("RELAY_URL", relay.sync_url("").trim_end_matches("?access_token="))
        .env("TOKEN", token)
        .env("READABLE", readable)
        .env("HIDDEN", hidden)
        .output()
        .expect("node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "node failed: {}\n{stdout}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_str(stdout.lines().last().unwrap_or("")).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stranger_to_a_group_gets_nothing_of_it_through_a_javascript_client() {
    use common::groups::{create_group, person};
    use rally_core::model::GroupOpenness;
    let home = anchor_home();
    let dir = tempfile::tempdir().expect("tempdir");
    let relay = Relay::start(dir.path(), None);
    let ana = person(&relay, "ana").await;
    let dee = person(&relay, "dee").await;
    let group = create_group(&relay, &ana, "velorution", GroupOpenness::Moderated).await;
    let g = group.document_id().to_string();
    let in_group = |draft: bool| {
        let g = g.clone();
        move |d: &mut rally_core::model::EventDetails| {
            d.group_id = Some(g);
            d.draft = draft;
        }
    };
    let public = common::create_event(&ana.repo, &ana.identity, "Public picnic", in_group(false)).await;
    let draft = common::create_event(&ana.repo, &ana.identity, "Secret route", in_group(true)).await;
    let ana_laptop = peer(&relay, &relay.account_session_again("ana@example.org").await).await;
    find_eventually(&ana_laptop, draft.document_id()).await;
    find_eventually(&ana_laptop, public.document_id()).await;

    for hidden in [draft.document_id().to_string(), g.clone()] {
        let result = run_access_check(&home, &relay, &dee.session.token, &public.document_id().to_string(), &hidden);
        assert_eq!(result["readable_title"], "Public picnic", "a published public group event is everyone's: {result}");
        assert!(result["hidden_title"].is_null(), "{hidden} reached a stranger: {result}");
        assert!(result["hidden_error"].as_str().is_some_and(|e| e.contains("unavailable")), "{result}");
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let db = rusqlite::Connection::open(relay.data.join("relay.sqlite3")).expect("db");
    let stored = rally_server::sync::store::stored_document(&db, &public.document_id().to_string())
        .expect("query")
        .expect("stored")
        .0;
    assert_eq!(
        document::read_event(&stored, "x").expect("event").details.title,
        "Public picnic",
        "the stranger's change stayed its own"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_javascript_client_syncs_within_its_rights() {
    let home = anchor_home();
    let script = home.join("rally-access-check.mjs");
    std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/js/access.mjs"), &script).expect("copy the script");

    let dir = tempfile::tempdir().expect("tempdir");
    let relay = Relay::start(dir.path(), None);
    let ana = relay.account("ana@example.org").await;
    let bo = relay.account("bo@example.org").await;
    let ana_phone = peer(&relay, &ana).await;
    let published = ana_phone.create(event(false)).await.expect("create");
    let draft = ana_phone.create(event(true)).await.expect("create");
    // Both are on the relay before the JS client asks (a second device of Ana's finds them).
    let ana_laptop = peer(&relay, &relay.account_session_again("ana@example.org").await).await;
    find_eventually(&ana_laptop, published.document_id()).await;
    find_eventually(&ana_laptop, draft.document_id()).await;

    let output = Command::new("node")
        .arg(&script)
        .current_dir(&home)
        .env("RELAY_URL", relay.sync_url("").trim_end_matches("?access_token="))
        .env("TOKEN", &bo.token)
        .env("READABLE", published.document_id().to_string())
        .env("HIDDEN", draft.document_id().to_string())
        .output()
        .expect("node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "node failed: {}\n{stdout}", String::from_utf8_lossy(&output.stderr));
    let result: serde_json::Value =
        serde_json::from_str(stdout.lines().last().unwrap_or("")).unwrap_or_else(|e| panic!("{e}: {stdout}"));

    assert_eq!(result["readable_title"], "Public picnic", "{result}");
    assert!(result["hidden_title"].is_null(), "a draft reached another account: {result}");
    assert!(result["hidden_error"].as_str().is_some_and(|e| e.contains("unavailable")), "{result}");
    assert_eq!(result["own_note"], "from js", "{result}");

    // Its change to Ana's event stayed on its side.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let db = rusqlite::Connection::open(relay.data.join("relay.sqlite3")).expect("db");
    let stored = rally_server::sync::store::stored_document(&db, &published.document_id().to_string())
        .expect("query")
        .expect("stored")
        .0;
    assert_eq!(document::read_event(&stored, "x").expect("event").details.title, "Public picnic");
    let owner: String = db
        .query_row("SELECT owner FROM sync_documents WHERE id = ?1", [result["own_id"].as_str().expect("id")], |r| {
            r.get(0)
        })
        .expect("the JS client's document is recorded");
    assert_eq!(owner, bo.account_id, "its own document is Bo's");
}
