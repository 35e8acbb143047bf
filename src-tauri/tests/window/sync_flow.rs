//! The window and a second device on one account, through a real relay (in this process, on a free
//! port): what one does reaches the other while both run, in both directions. The second device is a
//! profile driven through the same library calls the `rally` CLI makes.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rally_client::account;
use rally_client::sync::SyncEngine;
use rally_core::model::{Credentials, EventInput, IdentityInput};
use rally_core::profile::Profile;
use rally_server::config::Config;

use crate::harness::Desktop;
use crate::relay::{account_for, TestRelay, PASSWORD};

/// Polls the second device until `check` holds, syncing as it goes; returns how long it took.
/// The event's title where each side keeps it, to say where a change stopped when one goes missing.
fn titles(dir: &std::path::Path, id: &str) -> String {
    let window = Profile::open(dir.join("window")).and_then(|p| p.event(id)).map(|e| e.event.details.title);
    let db = rusqlite::Connection::open(dir.join("relay").join("relay.sqlite3")).expect("relay db");
    let relay = match rally_server::sync::store::stored_document(&db, id) {
        Ok(Some((doc, _))) => format!("{:?}", rally_core::document::read_event(&doc, id).map(|e| e.details.title)),
        Ok(None) => "not stored".to_string(),
        Err(e) => format!("unreadable ({e})"),
    };
    format!("window profile: {window:?}, relay: {relay}")
}

async fn on_phone(
    engine: &SyncEngine,
    phone: &Arc<Mutex<Profile>>,
    what: &str,
    dir: &std::path::Path,
    id: &str,
    check: impl Fn(&Profile) -> bool,
) -> Duration {
    let start = Instant::now();
    loop {
        engine.settle(Duration::from_secs(10)).await.expect("phone in sync");
        if check(&phone.lock().expect("profile")) {
            return start.elapsed();
        }
        // A bound for "never arrives", not a speed target: typical latencies are printed at the end.
        assert!(start.elapsed() < Duration::from_secs(60), "the phone never saw {what}; {}", titles(dir, id));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_and_another_device_stay_in_step() {
    let dir = tempfile::tempdir().expect("tempdir");
    let relay_data = dir.path().join("relay");
    let mut relay = TestRelay::start(Config::with_data(relay_data.clone()), 0).await;
    let relay_url = relay.url.clone();
    account_for(&relay, None, "ana@example.org").await;

    // The window logs in from its Account page.
    let desktop = Desktop::start();
    let app = desktop.launch(&dir.path().join("window")).await;
    app.wait_text("#sync-indicator", "On this device only").await;
    app.click("#nav-account").await;
    app.fill("#account-server", &relay_url).await;
    app.fill("#account-email", "ana@example.org").await;
    app.fill("#account-password", PASSWORD).await;
    app.click("#account-login").await;
    app.wait_text("#account-email-shown", "ana@example.org").await;
    app.wait_text("#sync-indicator", "Up to date").await;
    app.check_page("10-account-logged-in").await;

    // The phone: its own profile, logged into the same account, creates an event and syncs.
    let phone = Arc::new(Mutex::new(Profile::open(dir.path().join("phone")).expect("phone profile")));
    account::log_in(&phone, &relay_url, &Credentials { email: "ana@example.org".into(), password: PASSWORD.into() })
        .await
        .expect("phone logs in");
    let event_id = {
        let mut p = phone.lock().expect("profile");
        let ana = p.create_identity(IdentityInput { username: "ana".into(), ..Default::default() }).expect("identity");
        p.create_event(EventInput {
            organizer_id: ana.id,
            title: "From the phone".into(),
            start: "2031-06-01 19:00".into(),
            end: "2031-06-01 21:00".into(),
            timezone: "Europe/Paris".into(),
            ..Default::default()
        })
        .expect("event")
        .event
        .id
    };
    let engine = SyncEngine::connect(phone.clone()).await.expect("phone syncs");
    engine.settle(Duration::from_secs(10)).await.expect("phone in sync");

    // The window shows it without a restart.
    let start = Instant::now();
    app.click("#nav-events").await;
    app.click("#view-list").await;
    app.wait_text("#event-list", "From the phone").await;
    let phone_to_window = start.elapsed();
    app.screenshot("11-synced-from-phone").await;

    // Edited in the window: the phone gets the edit.
    app.click_item(".event-item", "From the phone").await;
    app.click("#event-edit").await;
    app.fill("#event-title", "Edited in the window").await;
    app.click("#event-save").await;
    app.wait_text("#event-heading", "Edited in the window").await;
    let window_to_phone = on_phone(&engine, &phone, "the window's edit", dir.path(), &event_id, |p| {
        p.event(&event_id).is_ok_and(|e| e.event.details.title == "Edited in the window")
    })
    .await;

    // Edited on the phone while the window shows the event: the page follows.
    {
        let mut p = phone.lock().expect("profile");
        let mut input = EventInput::from_event(&p.event(&event_id).expect("event").event);
        input.description = "Bring a dish to share.".into();
        p.update_event(&event_id, input).expect("edit");
    }
    engine.push(&event_id).await.expect("push");
    engine.settle(Duration::from_secs(10)).await.expect("phone in sync");
    let start = Instant::now();
    app.wait_text("#event-description-text", "Bring a dish to share.").await;
    let edit_to_window = start.elapsed();

    // The relay goes down; both edit; it comes back and both edits reach both sides.
    relay.stop().await;
    app.wait_text("#sync-indicator", "Offline").await;
    app.click("#event-edit").await;
    app.fill("#event-title", "Edited while the relay was down").await;
    app.click("#event-save").await;
    app.wait_text("#event-heading", "Edited while the relay was down").await;
    {
        let mut p = phone.lock().expect("profile");
        let mut input = EventInput::from_event(&p.event(&event_id).expect("event").event);
        input.description = "Bring a dish to share, and a chair.".into();
        p.update_event(&event_id, input).expect("edit");
    }
    engine.push(&event_id).await.expect("push while offline");
    relay.restart().await;
    let start = Instant::now();
    app.wait_text_for("#event-description-text", "and a chair.", Duration::from_secs(60)).await;
    app.wait_text("#sync-indicator", "Up to date").await;
    let back_online_to_window = start.elapsed();
    let back_online_to_phone =
        on_phone(&engine, &phone, "the edit made while the relay was down", dir.path(), &event_id, |p| {
            p.event(&event_id).is_ok_and(|e| e.event.details.title == "Edited while the relay was down")
        })
        .await;
    app.screenshot("12-merged-after-relay-outage").await;

    // Deleted in the window: gone from the phone.
    app.click("#event-delete").await;
    app.click("#event-delete-confirm").await;
    app.wait_text("#notice", "Event deleted").await;
    let delete_to_phone =
        on_phone(&engine, &phone, "the deletion", dir.path(), &event_id, |p| p.event(&event_id).is_err()).await;

    eprintln!(
        "sync latencies: phone→window {phone_to_window:?}, window→phone {window_to_phone:?}, phone edit→window {edit_to_window:?}, window delete→phone {delete_to_phone:?}; after the relay's return: to the window {back_online_to_window:?}, to the phone {back_online_to_phone:?}"
    );
    engine.stop().await;
    app.quit().await;
}
