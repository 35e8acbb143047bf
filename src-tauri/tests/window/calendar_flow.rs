//! The calendar views through the window: a month with a twice-weekly choir on each of its dates, a
//! two-day market on both days, a draft and an event one takes part in, each marked; moving by
//! keyboard; a week where the choir and the ball it clashes with sit side by side.

use chrono::{TimeZone, Utc};
use rally_core::model::{
    EventInput, EventSummary, Frequency, IdentityInput, MonthlyBy, Participation, ParticipationStatus, Participations,
    RepeatRule,
};
use rally_core::profile::Profile;
use serde_json::json;

use crate::harness::Desktop;

const RIGHT: &str = "\u{E014}";
const PAGE_DOWN: &str = "\u{E00F}";
const PAGE_UP: &str = "\u{E00E}";
const ENTER: &str = "\u{E007}";

/// Ana's profile: the choir (Tuesdays and Thursdays of March 2031), a two-day market, a draft, and
/// the ball at Cy's that the relay says she goes to (the cache sync keeps of her participations).
fn seed(dir: &std::path::Path) -> String {
    let mut p = Profile::open(dir).expect("profile");
    let ana = p
        .create_identity(IdentityInput { username: "ana".into(), display_name: "Ana".into(), ..Default::default() })
        .expect("identity")
        .id;
    let event = |title: &str, start: &str, end: &str| EventInput {
        organizer_id: ana.clone(),
        title: title.into(),
        start: start.into(),
        end: end.into(),
        timezone: "Europe/Paris".into(),
        ..Default::default()
    };
    let weekly = RepeatRule {
        frequency: Frequency::Weekly,
        interval: 1,
        weekdays: vec![chrono::Weekday::Tue, chrono::Weekday::Thu],
        monthly: MonthlyBy::Date,
        until: Some(chrono::NaiveDate::from_ymd_opt(2031, 3, 31).expect("day")),
        count: None,
    };
    let choir = p
        .create_event(EventInput { repeat: Some(weekly), ..event("Chorale", "2031-03-04 19:00", "2031-03-04 21:00") })
        .expect("choir");
    p.create_event(EventInput { all_day: true, ..event("Marché de printemps", "2031-03-08", "2031-03-09") })
        .expect("market");
    p.create_event(EventInput { draft: true, ..event("Réunion du bureau", "2031-03-12 18:00", "2031-03-12 19:00") })
        .expect("draft");
    let at = |d, h, m| Utc.with_ymd_and_hms(2031, 3, d, h, m, 0).single().expect("time");
    let ball = Participation {
        id: "p1".into(),
        event_id: "ball".into(),
        identity_id: Some(ana.clone()),
        username: Some("ana".into()),
        name: "Ana".into(),
        email: None,
        message: String::new(),
        status: ParticipationStatus::Going,
        waitlist_position: None,
        created_at: at(1, 0, 0),
        updated_at: at(1, 0, 0),
        // 19:30–23:00 in Paris, while the choir sings 19:00–21:00.
        event: Some(EventSummary {
            id: "ball".into(),
            title: "Bal folk".into(),
            starts_at: at(6, 18, 30),
            ends_at: at(6, 22, 0),
            timezone: "Europe/Paris".into(),
            all_day: false,
            place: Some("Salle des fêtes".into()),
            organizer: "cy".into(),
            url: "http://relay.example/events/ball".into(),
        }),
    };
    p.set_participations(&Participations { mine: vec![ball], organizing: vec![] }).expect("participations");
    choir.event.id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn month_and_week_views_show_every_occurrence_and_move_by_keyboard() {
    let desktop = Desktop::start();
    let data = tempfile::tempdir().expect("tempdir");
    let dir = data.path().join("profile");
    let choir = seed(&dir);
    let app = desktop.launch(&dir).await;

    // The month is the first view; a date typed as people write it jumps there.
    app.click("#nav-events").await;
    app.wait("#month-view").await;
    app.fill("#cal-jump", "2031-03-01").await;
    app.keys("#cal-jump", ENTER).await;
    app.wait("#month-view[data-month=\"2031-03\"]").await;
    app.wait_text("#cal-heading", "March 2031").await;

    // The choir on each Tuesday and Thursday of March, and nowhere else in it.
    let choir_days: Vec<String> = serde_json::from_value(
        app.eval(
            "return [...document.querySelectorAll(`#month-view .cal-day .chip[data-event='${arguments[0]}']`)]\
             .map(c => c.closest('.cal-day').dataset.day).filter(d => d.startsWith('2031-03'));",
            vec![json!(choir)],
        )
        .await,
    )
    .expect("days");
    assert_eq!(
        choir_days,
        [
            "2031-03-04",
            "2031-03-06",
            "2031-03-11",
            "2031-03-13",
            "2031-03-18",
            "2031-03-20",
            "2031-03-25",
            "2031-03-27"
        ]
    );
    // The market on both of its days; the draft and the ball marked as what they are.
    app.wait_text(".cal-day[data-day=\"2031-03-08\"]", "Marché de printemps").await;
    app.wait_text(".cal-day[data-day=\"2031-03-09\"]", "Marché de printemps").await;
    assert_eq!(app.count(".cal-day[data-day=\"2031-03-10\"] .chip").await, 0);
    app.wait_text(".cal-day[data-day=\"2031-03-06\"] .chip[data-kind=\"taking-part\"]", "Bal folk").await;
    // What a screen reader hears: the text seen, then what the colour says.
    let ball_label =
        app.eval("return document.querySelector('.chip[data-kind=\"taking-part\"]').textContent", vec![]).await;
    let ball_label = ball_label.as_str().unwrap_or_default();
    assert!(ball_label.contains("you are going") && ball_label.contains("by @cy"), "{ball_label}");
    app.wait_text(".cal-day[data-day=\"2031-03-12\"] .chip[data-kind=\"draft\"]", "Réunion du bureau").await;
    app.check_page("60-month").await;
    // The ball is Cy's, on the relay: it opens on Taking part, looked up by its page.
    app.click(".chip[data-kind=\"taking-part\"]").await;
    app.wait("#join-link").await;
    let start = std::time::Instant::now();
    while app.attr("#join-link", "value").await != "http://relay.example/events/ball" {
        assert!(start.elapsed() < std::time::Duration::from_secs(10), "Taking part never looked the ball up");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    app.click("#nav-events").await;
    app.wait("#month-view[data-month=\"2031-03\"]").await;

    // Keyboard: a day to the right, a month down and back up, Enter opens that day's week.
    app.click(".cal-day[data-day=\"2031-03-10\"] .cal-num").await;
    app.wait(".cal-day.selected[data-day=\"2031-03-10\"]").await;
    app.keys("#month-view", RIGHT).await;
    app.wait(".cal-day.selected[data-day=\"2031-03-11\"]").await;
    assert_eq!(app.attr("#month-view", "aria-activedescendant").await, "day-2031-03-11");
    app.keys("#month-view", PAGE_DOWN).await;
    app.wait("#month-view[data-month=\"2031-04\"]").await;
    app.wait(".cal-day.selected[data-day=\"2031-04-11\"]").await;
    app.keys("#month-view", PAGE_UP).await;
    app.wait("#month-view[data-month=\"2031-03\"]").await;
    // Back to the 6th, the day of the clash: five days to the left.
    app.keys("#month-view", "\u{E012}\u{E012}\u{E012}\u{E012}\u{E012}").await;
    app.wait(".cal-day.selected[data-day=\"2031-03-06\"]").await;
    // Tab reaches the chosen day's events, and only that day's, to open one from the keyboard. (A Tab
    // sent through WebKitWebDriver here starts from the top of the page, so the order is read instead.)
    let tabbable = app
        .eval(
            "return [...document.querySelectorAll('#month-view [tabindex=\"0\"]')].map(e => e.closest('.cal-day').dataset.day)",
            vec![],
        )
        .await;
    assert_eq!(tabbable, json!(["2031-03-06", "2031-03-06"]), "the choir and the ball, nothing else");
    app.eval("document.querySelector('#month-view').focus()", vec![]).await;
    app.keys("#month-view", ENTER).await;

    // The week: the choir and the ball side by side on the 6th, the market in the all-day row.
    app.wait("#week-view").await;
    app.wait_text("#cal-heading", "3 Mar – 9 Mar 2031").await;
    let boxes = app
        .eval(
            "return [...document.querySelectorAll('.week-day[data-day=\"2031-03-06\"] .chip')]\
             .map(c => { const r = c.getBoundingClientRect(); return [c.textContent, r.left, r.right, r.top, r.bottom]; });",
            vec![],
        )
        .await;
    let boxes: Vec<(String, f64, f64, f64, f64)> = serde_json::from_value(boxes).expect("boxes");
    assert_eq!(boxes.len(), 2, "{boxes:?}");
    let (a, b) = (&boxes[0], &boxes[1]);
    assert!(a.2 <= b.1 + 1.0 || b.2 <= a.1 + 1.0, "side by side, not on top of each other: {boxes:?}");
    assert!(a.3 < b.4 && b.3 < a.4, "they overlap in time: {boxes:?}");
    app.wait_text(".all-day-cell[data-day=\"2031-03-08\"]", "Marché de printemps").await;
    app.wait_text(".all-day-cell[data-day=\"2031-03-09\"]", "Marché de printemps").await;
    app.check_page("61-week").await;

    // The list, one card per date; folded on request, the choir takes one line.
    app.click("#view-list").await;
    app.wait_text("#event-list", "Chorale").await;
    let choir_cards = "#event-list .event-item[data-id=\"".to_string() + &choir + "\"]";
    assert_eq!(app.count(&choir_cards).await, 8);
    app.check_page("62-list").await;
    app.click("#list-fold").await;
    app.wait_text(&choir_cards, "Repeats · 7 more").await;
    assert_eq!(app.count(&choir_cards).await, 1);
    app.quit().await;
}
