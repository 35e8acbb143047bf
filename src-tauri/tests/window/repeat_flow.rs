//! A repeating event through the window: the rule in the editor (a wrong day refused inline), its
//! dates on the event's page, one cancelled and one moved there, and its occurrences in the list.

use rally_core::model::{EventFilter, IdentityInput};
use rally_core::profile::Profile;

use crate::harness::Desktop;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeating_event_is_made_and_its_dates_changed_through_the_window() {
    let desktop = Desktop::start();
    let data = tempfile::tempdir().expect("tempdir");
    let dir = data.path().join("profile");
    Profile::open(&dir)
        .expect("profile")
        .create_identity(IdentityInput { username: "ana".into(), ..Default::default() })
        .expect("identity");
    let app = desktop.launch(&dir).await;
    app.click("#nav-events").await;
    app.click("#new-event").await;
    app.fill("#event-title", "Chorale").await;
    // 25 March 2031 is a Tuesday, five days before the clocks change in Paris.
    app.fill("#event-start", "2031-03-25 19:00").await;
    app.fill("#event-end", "2031-03-25 21:00").await;
    app.fill("#event-timezone", "Europe/Paris").await;
    app.select("#event-repeat", "weekly").await;
    app.click("label[for=event-repeat-thu]").await;
    app.select("#event-repeat-ends", "count").await;
    app.fill("#event-repeat-count", "6").await;
    // Without its first day among the days, the rule is refused next to the days.
    app.click("label[for=event-repeat-tue]").await;
    app.click("#event-save").await;
    app.wait_text("#error-event-repeat-weekdays", "starts on a Tuesday").await;
    app.screenshot("20-repeat-refused").await;
    app.click("label[for=event-repeat-tue]").await;
    app.click("#event-save").await;
    app.wait_text("#event-repeats", "Every week on Tuesday and Thursday, 6 times").await;
    let dates = app.wait_text("#occurrences", "Thu 10 Apr 2031, 19:00–21:00").await;
    assert_eq!(app.count("#occurrences li.occurrence").await, 6, "{dates}");
    app.screenshot("21-repeat-dates").await;

    // Cancel the second date; move the third to the Wednesday evening.
    let second = "#occurrences li[data-start=\"2031-03-27T18:00:00+00:00\"]";
    let third = "#occurrences li[data-start=\"2031-04-01T17:00:00+00:00\"]";
    app.click(&format!("{second} .occurrence-cancel")).await;
    app.wait(&format!("{second}.cancelled")).await;
    app.click(&format!("{third} .occurrence-move")).await;
    app.fill("#occurrence-move-start", "2031-04-02 20:00").await;
    app.fill("#occurrence-move-end", "2031-04-02 22:00").await;
    app.click("#occurrence-move-save").await;
    app.wait_text(third, "Wed 2 Apr 2031, 20:00–22:00").await;
    app.screenshot("22-repeat-changed").await;
    let profile = Profile::open(&dir).expect("profile");
    let id = profile.search_events("Chorale").expect("search")[0].event.id.clone();
    let stored = profile.occurrences(&id, None, None, None).expect("occurrences");
    assert_eq!(stored.len(), 6);
    assert!(stored[1].cancelled && stored[2].moved, "{stored:?}");
    assert_eq!(stored[2].starts_at.to_rfc3339(), "2031-04-02T18:00:00+00:00");

    // Published, it is listed once per date, the moved one under its new day.
    app.click("#event-publish").await;
    app.wait_gone("#event-draft-badge").await;
    app.click("#nav-events").await;
    app.click("#view-list").await;
    app.wait_text("#event-list", "Wednesday 2 April 2031").await;
    assert_eq!(app.count("#event-list .event-item").await, 6);
    app.screenshot("23-repeat-upcoming").await;
    let april = EventFilter {
        from: Some("2031-04-01T00:00:00Z".parse().expect("t")),
        to: Some("2031-05-01T00:00:00Z".parse().expect("t")),
        ..Default::default()
    };
    assert_eq!(Profile::open(&dir).expect("profile").events(&april).expect("list").len(), 4);
    app.quit().await;
}
