//! Federation through two real windows and two relays (two data folders, on loopback, speaking
//! signed ActivityPub to each other): Bob, on relay B, follows Ana, on relay A, by `@ana@host` in his
//! window; Ana publishes an event in hers (she approves each request): it appears in Bob's window,
//! marked remote, and in relay B's feed; she moves it, and Bob sees the new time; Bob asks to join
//! with a message; Ana accepts while relay A is down, and once it is back Bob's window says going.
//! With relay B down, Bob still sees the event and where he stands. Ana deletes it: it goes from B.

use std::time::Duration;

use chrono::{Days, Utc};
use rally_core::model::IdentityInput;
use rally_core::profile::Profile;
use rally_server::config::Config;

use crate::harness::Desktop;
use crate::relay::{account_for, log_in, TestRelay};

const LONG: Duration = Duration::from_secs(90);

/// A profile logged in to `relay` as `name@example.org`, with one identity `name`.
async fn member(dir: &std::path::Path, relay: &TestRelay, name: &str, display: &str) {
    let email = format!("{name}@example.org");
    account_for(relay, None, &email).await;
    log_in(dir, relay, &email).await;
    let mut p = Profile::open(dir).expect("profile");
    p.create_identity(IdentityInput { username: name.into(), display_name: display.into(), ..Default::default() })
        .expect("identity");
}

/// The relay's own feed (`/feed.ics`), as it serves it.
fn feed(relay: &TestRelay) -> String {
    let calendar = rally_server::calendar::Calendar::Instance;
    relay.state.calendars.render(&calendar).expect("feed").map(|(_, ics)| ics).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bob_follows_ana_on_another_relay_sees_her_event_and_joins_it_in_the_window() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut relay_a = TestRelay::start(Config::with_data(dir.path().join("relay-a")), 0).await;
    let mut relay_b = TestRelay::start(Config::with_data(dir.path().join("relay-b")), 0).await;
    let (ana_dir, bob_dir) = (dir.path().join("ana"), dir.path().join("bob"));
    member(&ana_dir, &relay_a, "ana", "Ana Organizer").await;
    member(&bob_dir, &relay_b, "bob", "Bob").await;
    let (ana_desktop, bob_desktop) = (Desktop::start(), Desktop::start());
    let a = ana_desktop.launch(&ana_dir).await;
    let b = bob_desktop.launch(&bob_dir).await;
    a.wait_text("#sync-indicator", "Up to date").await;
    b.wait_text("#sync-indicator", "Up to date").await;

    // Bob follows Ana by her address on the other server; A answers, and B says so.
    let host_a = relay_a.url.trim_start_matches("http://").to_string();
    b.click("#nav-following").await;
    b.wait("#follows-empty").await;
    b.fill("#follow-handle", &format!("@ana@{host_a}")).await;
    b.click("#follow-submit").await;
    b.wait_text("#follow-outcome", &format!("Ana Organizer (@ana@{host_a})")).await;
    b.wait_text_for("#follows", "following", LONG).await;
    b.screenshot("80-bob-follows-ana").await;

    // Ana publishes in her window; she approves each request.
    let day = Utc::now().date_naive().checked_add_days(Days::new(3)).expect("day");
    a.click("#nav-events").await;
    a.click("#new-event").await;
    a.fill("#event-title", "Atelier vélo").await;
    a.fill("#event-description", "Bring your bike; we bring the tools.").await;
    a.fill("#event-timezone", "Europe/Paris").await;
    a.fill("#event-start", &format!("{day} 14:00")).await;
    a.fill("#event-end", &format!("{day} 17:00")).await;
    a.select("#event-join-mode", "approval").await;
    a.click("#event-draft").await;
    a.click("#event-save").await;
    a.wait_text("#event-heading", "Atelier vélo").await;

    // It comes to Bob's window, marked remote, and to relay B's own feed.
    b.wait_text_for("#remote-events", "Atelier vélo", LONG).await;
    b.wait_text("#remote-events", &format!("by Ana Organizer (@ana@{host_a})")).await;
    assert!(feed(&relay_b).contains("Atelier vélo"), "in relay B's feed");
    let remote_id = Profile::open(&bob_dir).expect("bob").federation_kept().expect("kept").events[0].event.id.clone();
    b.click("#nav-events").await;
    b.click("#view-list").await;
    let card = format!("#event-list .event-item[data-id=\"{remote_id}\"]");
    b.wait_text(&format!("{card} .badge.remote"), "Remote").await;
    b.screenshot("81-bob-calendar-remote").await;

    // Ana moves it an hour later: Bob's window shows the new time.
    a.click("#event-edit").await;
    a.fill("#event-start", &format!("{day} 15:00")).await;
    a.fill("#event-end", &format!("{day} 18:00")).await;
    a.click("#event-save").await;
    a.wait_text("#event-when", "15:00").await;
    b.click(&card).await;
    b.wait_text("#remote-title", "Atelier vélo").await;
    b.wait_text_for("#remote-when", "15:00", LONG).await;

    // Bob asks to join, with a message.
    b.fill("#remote-message", "Avec mon vélo cargo").await;
    b.click("#remote-join").await;
    b.wait_text("#remote-status", "As @bob: asked to join").await;
    b.check_page("82-bob-asked-remote").await;

    // Ana sees the request with its message; relay A goes down and she accepts offline.
    a.open_event("Atelier vélo").await;
    a.wait_text_for("#participants", "Avec mon vélo cargo", LONG).await;
    relay_a.stop().await;
    a.wait_text_for("#sync-indicator", "Offline", Duration::from_secs(30)).await;
    a.click("#participants li.request .accept").await;
    a.wait_text("#participants li.request", "Accepted here: sent with the next sync").await;

    // Relay A is back: the decision applies there, A tells B, and Bob's window says going.
    relay_a.restart().await;
    b.wait_text_for("#remote-status", "As @bob: going", LONG).await;
    b.click("#nav-take-part").await;
    b.wait_text("#remote-participations", "As @bob: going").await;
    b.screenshot("83-bob-going-remote").await;

    // Relay B down: Bob still has the event and where he stands.
    relay_b.stop().await;
    b.wait_text_for("#sync-indicator", "Offline", Duration::from_secs(30)).await;
    b.click("#nav-following").await;
    b.wait_text("#remote-events", "Atelier vélo").await;
    b.wait_text("#remote-events", "going").await;
    b.click("#nav-events").await;
    b.wait_text(&format!("{card} .badge.going"), "you are going").await;
    relay_b.restart().await;
    b.wait_text_for("#sync-indicator", "Up to date", LONG).await;

    // Ana deletes it: it goes from Bob's window and from relay B's feed.
    a.open_event("Atelier vélo").await;
    a.click("#event-delete").await;
    a.click("#event-delete-confirm").await;
    b.click("#nav-following").await;
    b.wait_text_for("#remote-events-empty", "No event", LONG).await;
    assert!(!feed(&relay_b).contains("Atelier vélo"), "gone from relay B's feed");
    a.quit().await;
    b.quit().await;
}
