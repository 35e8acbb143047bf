//! A group's shared calendar through the real window: Ana (administrator, the window) creates the
//! group, invites Bob and Cy and makes Bob a moderator; she puts an event on the group's calendar.
//! While the relay is down, Ana moves it in the window and Bob (a second profile, through the library
//! calls the CLI makes) creates another event and edits the same description. When the relay returns,
//! all three profiles have both events and both description edits; Cy's window shows them in the
//! group's month and offers no edit.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{Datelike, Days, NaiveDate, Utc};
use rally_client::groups;
use rally_client::sync::SyncEngine;
use rally_core::model::{EventInput, IdentityInput};
use rally_core::profile::Profile;
use rally_server::config::Config;

use crate::harness::{App, Desktop};
use crate::relay::{account_for, log_in, TestRelay};

const ROUND: Duration = Duration::from_secs(15);

/// A profile logged in as `email`, with one identity; its id.
async fn member(dir: &std::path::Path, relay: &TestRelay, name: &str) -> String {
    let email = format!("{name}@example.org");
    account_for(relay, None, &email).await;
    log_in(dir, relay, &email).await;
    let mut p = Profile::open(dir).expect("profile");
    let display = format!("{}{}", name[..1].to_uppercase(), &name[1..]);
    p.create_identity(IdentityInput { username: name.into(), display_name: display, ..Default::default() })
        .expect("identity")
        .id
}

/// One round of sync, retried while the relay is coming back.
async fn round(profile: &Arc<Mutex<Profile>>) {
    let start = Instant::now();
    loop {
        match SyncEngine::round(profile.clone(), ROUND).await {
            Ok(_) => return,
            Err(e) => {
                assert!(start.elapsed() < Duration::from_secs(60), "sync never succeeded: {e}");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
}

fn group_events(profile: &Profile, group: &str) -> Vec<(String, String)> {
    let filter = rally_core::model::EventFilter { group_id: Some(group.into()), series: true, ..Default::default() };
    let mut all: Vec<(String, String)> = profile
        .events(&filter)
        .expect("events")
        .into_iter()
        .map(|v| (v.event.details.title, v.event.details.description))
        .collect();
    all.sort();
    all
}

/// Shows `day`'s month in the group's calendar (it opens on today's).
async fn show_month_of(app: &App, day: NaiveDate) {
    let today = Utc::now().date_naive();
    let months = (day.year() - today.year()) * 12 + day.month() as i32 - today.month() as i32;
    for _ in 0..months {
        app.click("#group-cal-next").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_keeps_one_calendar_through_the_window_offline_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut relay = TestRelay::start(Config::with_data(dir.path().join("relay")), 0).await;
    let (ana_dir, bob_dir, cy_dir) = (dir.path().join("ana"), dir.path().join("bob"), dir.path().join("cy"));
    member(&ana_dir, &relay, "ana").await;
    let bob_identity = member(&bob_dir, &relay, "bob").await;
    let cy_identity = member(&cy_dir, &relay, "cy").await;
    let bob = Arc::new(Mutex::new(Profile::open(&bob_dir).expect("bob")));
    let cy = Arc::new(Mutex::new(Profile::open(&cy_dir).expect("cy")));
    round(&bob).await;
    round(&cy).await;
    // Three days ahead, in the group's zone: the event's day.
    let day = Utc::now().date_naive().checked_add_days(Days::new(3)).expect("day");

    // Ana, in the window: creates the group, invites Bob and Cy.
    let desktop = Desktop::start();
    let app = desktop.launch(&ana_dir).await;
    app.wait_text("#sync-indicator", "Up to date").await;
    app.click("#nav-groups").await;
    app.click("#new-group").await;
    app.fill("#group-name", "Vélorution").await;
    assert_eq!(app.attr("#group-username", "value").await, "velorution", "the @name is proposed from the name");
    app.fill("#group-summary", "We ride together, every last Friday.").await;
    app.select("#group-openness", "moderated").await;
    app.click("#group-create").await;
    app.wait_text("#group-title", "Vélorution").await;
    app.wait_text("#group-role", "Administrator").await;
    app.check_page("70-group-created").await;
    let group = Profile::open(&ana_dir).expect("ana").group("velorution").expect("the group's document").id;
    app.click("#group-tab-members").await;
    for who in ["bob", "cy"] {
        app.fill("#invite-username", who).await;
        app.click("#invite-send").await;
        app.wait_text("#group-members", &format!("@{who}")).await;
    }
    groups::join(&bob, &group, &bob_identity, "").await.expect("Bob accepts");
    groups::join(&cy, &group, &cy_identity, "").await.expect("Cy accepts");
    // The members list again, with both in: Bob becomes a moderator.
    app.click("#group-tab-calendar").await;
    app.click("#group-tab-members").await;
    app.wait_text("#member-bob-state", "Member").await;
    app.select("#role-bob", "moderator").await;
    app.wait_text("#member-bob-state", "Moderator").await;
    app.check_page("71-group-members").await;

    // Ana puts the ride on the group's calendar, and publishes it.
    app.click("#group-tab-calendar").await;
    app.click("#group-new-event").await;
    app.fill("#event-title", "Critical mass").await;
    app.fill("#event-description", "Meet at the fountain. Bring lights.").await;
    app.fill("#event-timezone", "Europe/Brussels").await;
    app.fill("#event-start", &format!("{day} 18:00")).await;
    app.fill("#event-end", &format!("{day} 20:00")).await;
    assert_eq!(app.attr("#event-group", "value").await, group, "a new event of the group is the group's");
    app.click("#event-draft").await;
    app.click("#event-save").await;
    app.wait_text("#event-heading", "Critical mass").await;
    app.wait("#event-group-badge").await;
    let ride = Profile::open(&ana_dir)
        .expect("ana")
        .events(&rally_core::model::EventFilter { group_id: Some(group.clone()), ..Default::default() })
        .expect("events")
        .first()
        .expect("the ride")
        .event
        .id
        .clone();
    app.wait_text_for("#sync-indicator", "Up to date", Duration::from_secs(30)).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        round(&bob).await;
        round(&cy).await;
        let arrived = [&bob, &cy].iter().all(|p| p.lock().expect("profile").event(&ride).is_ok());
        if arrived {
            break;
        }
        assert!(Instant::now() < deadline, "the ride never reached Bob and Cy");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    // The relay goes down: Ana moves the ride in the window and edits its description; Bob adds an
    // event and edits the same description.
    relay.stop().await;
    app.wait_text_for("#sync-indicator", "Offline", Duration::from_secs(30)).await;
    app.click("#event-edit").await;
    app.fill("#event-start", &format!("{day} 19:00")).await;
    app.fill("#event-end", &format!("{day} 21:00")).await;
    app.fill("#event-description", "Meet at the fountain, 18:45. Bring lights.").await;
    app.click("#event-save").await;
    app.wait_text("#event-when", "19:00").await;
    let repair = {
        let mut p = bob.lock().expect("bob");
        let mut input = EventInput::from_event(&p.event(&ride).expect("the ride").event);
        input.description = "Meet at the fountain. Bring lights and a bell.".into();
        p.update_event(&ride, input).expect("Bob edits the ride");
        p.create_event(EventInput {
            organizer_id: bob_identity.clone(),
            group_id: group.clone(),
            title: "Repair evening".into(),
            start: format!("{day} 20:00"),
            end: format!("{day} 22:00"),
            timezone: "Europe/Brussels".into(),
            ..Default::default()
        })
        .expect("Bob's event")
        .event
        .id
    };

    // It comes back: every profile has both events and both edits.
    relay.restart().await;
    round(&bob).await;
    app.click("#back").await;
    app.click("#nav-groups").await;
    app.click("#group-velorution").await;
    show_month_of(&app, day).await;
    app.wait_text_for(&format!("#day-{day}"), "Repair evening", Duration::from_secs(60)).await;
    app.check_page("72-group-calendar-merged").await;
    let merged = [
        ("Critical mass".to_string(), "Meet at the fountain, 18:45. Bring lights and a bell.".to_string()),
        ("Repair evening".to_string(), String::new()),
    ];
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        round(&bob).await;
        round(&cy).await;
        let ana_has = group_events(&Profile::open(&ana_dir).expect("ana"), &group);
        let (bob_has, cy_has) =
            (group_events(&bob.lock().expect("bob"), &group), group_events(&cy.lock().expect("cy"), &group));
        if [&ana_has, &bob_has, &cy_has].iter().all(|has| has.as_slice() == merged) {
            break;
        }
        assert!(Instant::now() < deadline, "no convergence: Ana {ana_has:?}, Bob {bob_has:?}, Cy {cy_has:?}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let moved = cy.lock().expect("cy").event(&ride).expect("the ride").event.details;
    let (start, _) = rally_core::when::to_form(moved.starts_at, moved.ends_at, &moved.timezone, false);
    assert_eq!(start, format!("{day} 19:00"), "the move reached Cy");
    assert!(cy.lock().expect("cy").event(&repair).expect("Bob's event").read_only);
    app.quit().await;

    // Cy's window: both events in the group's month, and no way to change them.
    let app = desktop.launch(&cy_dir).await;
    app.click("#nav-groups").await;
    app.click("#group-velorution").await;
    app.wait_text("#group-role", "Member").await;
    assert_eq!(app.count("#group-new-event").await, 0, "a member is offered no new event");
    show_month_of(&app, day).await;
    let shown = app.wait_text(&format!("#day-{day}"), "Repair evening").await;
    assert!(shown.contains("Critical mass"), "{shown}");
    app.check_page("73-group-calendar-member").await;
    app.click_item(&format!("#day-{day} .chip"), "Critical mass").await;
    app.wait_text("#event-heading", "Critical mass").await;
    app.wait("#event-read-only").await;
    assert_eq!(app.count("#event-edit").await, 0, "a member is offered an edit");
    app.quit().await;
}
