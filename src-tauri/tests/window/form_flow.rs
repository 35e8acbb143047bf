//! Forms and links through the window: a first run that leads to an identity whose username comes
//! from the display name; dates typed as people write them and picked on a calendar, the end
//! following the start; every problem shown at once and cleared as fixed; a zone by city; map,
//! online and saved-file links handed to the system's opener; a notice in view; a header that holds
//! at the narrowest window.

use std::time::Duration;

use chrono::{Days, NaiveDate};
use rally_core::lenient::{self, DayOrder};
use serde_json::json;

use crate::harness::{App, Desktop};

async fn value(app: &App, css: &str) -> String {
    app.wait(css).await.prop("value").await.expect("value").unwrap_or_default()
}

/// Waits until the input holds `expected` (the form re-renders after each keystroke).
async fn wait_value(app: &App, css: &str, expected: &str) {
    let start = std::time::Instant::now();
    loop {
        let now = value(app, css).await;
        if now == expected {
            return;
        }
        if start.elapsed() > Duration::from_secs(10) {
            app.screenshot("failure").await;
            panic!("{css} holds {now:?}, not {expected:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn inside_viewport(app: &App, css: &str) -> bool {
    let inside = app
        .eval(
            "const r = document.querySelector(arguments[0]).getBoundingClientRect();\
             return r.top >= 0 && r.left >= 0 && r.bottom <= window.innerHeight && r.right <= window.innerWidth;",
            vec![json!(css)],
        )
        .await;
    inside.as_bool().expect("a boolean")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_read_people_show_every_problem_and_links_leave_the_app() {
    let desktop = Desktop::start();
    let data = tempfile::tempdir().expect("tempdir");
    let dir = data.path().join("profile");
    let app = desktop.launch(&dir).await;

    // First run: one clear way in, to an identity; the username follows the display name.
    app.wait("#welcome-create-identity").await;
    app.check_page("40-first-run").await;
    app.click("#welcome-create-identity").await;
    app.fill("#identity-display-name", "Jérôme Dupont").await;
    wait_value(&app, "#identity-username", "jerome_dupont").await;
    app.click("#identity-save").await;
    app.wait_text("#identity-switcher", "Jérôme Dupont").await;

    // The keyboard alone makes an event: Enter on "New event", the cursor is in the title, Enter saves.
    app.click("#nav-events").await;
    app.eval("document.querySelector('#new-event').focus()", vec![]).await;
    app.client.active_element().await.expect("focus").send_keys("\u{E007}").await.expect("enter");
    app.wait("#event-form").await;
    let start = std::time::Instant::now();
    while app.eval("return document.activeElement.id", vec![]).await != json!("event-title") {
        assert!(start.elapsed() < Duration::from_secs(10), "the title never had the focus");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.client.active_element().await.expect("focus").send_keys("Soirée jeux\u{E007}").await.expect("type");
    app.wait_text("#event-heading", "Soirée jeux").await;

    // Dates as people write them, read as this window's language writes them.
    app.click("#nav-events").await;
    app.click("#new-event").await;
    let language = app.eval("return navigator.language", vec![]).await.as_str().unwrap_or_default().to_string();
    let order = DayOrder::of_locale(&language);
    let some_day = NaiveDate::from_ymd_opt(2026, 1, 1).expect("day");
    let typed = lenient::read("2/12/2026 18:00", order, some_day).expect("readable").date;
    assert_eq!(typed.to_string(), if order == DayOrder::DayFirst { "2026-12-02" } else { "2026-02-12" }, "{language}");
    app.fill("#event-start", "2030-01-07 18:00").await;
    app.fill("#event-end", "2030-01-07 20:00").await;
    app.fill("#event-start", "2/12/2026 18:00").await;
    // The end keeps the event's two hours.
    wait_value(&app, "#event-end", &format!("{typed} 20:00")).await;
    app.wait_text("#event-start-understood", &typed.format("%A %-d %B 2026, 18:00").to_string()).await;

    // The picker: a day eight days on, then a time; the end follows again.
    let later = typed + Days::new(8);
    app.click("#event-start-pick").await;
    app.click(&format!("#event-start-picker .picker-day[data-day=\"{later}\"]")).await;
    wait_value(&app, "#event-start", &format!("{later} 18:00")).await;
    app.select("#event-start-time", "19:30").await;
    wait_value(&app, "#event-start", &format!("{later} 19:30")).await;
    wait_value(&app, "#event-end", &format!("{later} 21:30")).await;
    app.click("#event-start-done").await;
    app.check_page("41-editor-picked").await;

    // Three problems at once, each under its field, focus on the first; each goes as it is fixed.
    assert_eq!(value(&app, "#event-title").await, "", "a new event starts without a title");
    app.fill("#event-end", &format!("{later} 10:00")).await;
    app.fill("#event-online-url", "meet dot example").await;
    app.click("#event-save").await;
    app.wait_text("#error-event-title", "is required").await;
    app.wait_text("#error-event-end", "end after it starts").await;
    app.wait_text("#error-event-online-url", "is not a link").await;
    app.wait_text("#form-problems", "3 things to fix").await;
    let focused = app.eval("return document.activeElement.id", vec![]).await;
    assert_eq!(focused, json!("event-title"));
    app.check_page("42-editor-three-errors").await;
    app.fill("#event-title", "Chorale de quartier").await;
    app.wait_gone("#error-event-title").await;
    assert_eq!(app.count("#error-event-end").await + app.count("#error-event-online-url").await, 2);
    app.fill("#event-end", &format!("{later} 21:30")).await;
    app.wait_gone("#error-event-end").await;
    app.fill("#event-online-url", "https://meet.example.org/choir").await;
    app.wait_gone("#error-event-online-url").await;

    // A zone by its city; a place on the map.
    app.fill("#event-timezone", "Paris").await;
    app.wait_text("#event-timezone-hint", "Europe/Paris").await;
    app.fill("#event-map-position", "https://www.openstreetmap.org/#map=17/48.8566/2.3522").await;
    wait_value(&app, "#event-latitude", "48.8566").await;
    wait_value(&app, "#event-longitude", "2.3522").await;
    app.click("#event-save").await;
    app.wait_text("#event-when", "19:30–21:30 (Europe/Paris)").await;
    app.check_page("43-event").await;

    // Links leave the app through the system's opener, and only web, mail and calendar links.
    app.click("#event-map").await;
    desktop.wait_opened("https://www.openstreetmap.org/?mlat=48.8566&mlon=2.3522").await;
    app.click("#event-online").await;
    desktop.wait_opened("https://meet.example.org/choir").await;
    let refused = app
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             window.__TAURI__.core.invoke('open_link', {url: 'file:///etc/passwd'}).then(() => done('opened'), e => done(e.message));",
            vec![],
        )
        .await
        .expect("invoke");
    assert!(refused.as_str().is_some_and(|m| m.contains("only web, mail and calendar links")), "{refused}");
    assert!(!desktop.opened().iter().any(|o| o.contains("passwd")), "{:?}", desktop.opened());

    // "Add to calendar": the notice is in view, and opens the file it names.
    app.click("#event-add-to-calendar").await;
    app.wait_text("#notice", "open it with your calendar").await;
    assert!(inside_viewport(&app, ".toast").await, "the notice is out of view");
    app.check_page("44-notice").await;
    app.click("#notice-open").await;
    desktop.wait_opened(".ics").await;

    // The narrowest window: the header on one line, the identity switcher in full view.
    app.client.set_window_size(720, 700).await.expect("resize");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let width = app.eval("return window.innerWidth", vec![]).await;
    assert!(width.as_f64().is_some_and(|w| w <= 730.0), "the window is {width} wide");
    let header = app.eval("return document.querySelector('header.top').getBoundingClientRect().height", vec![]).await;
    assert!(header.as_f64().is_some_and(|h| h < 64.0), "the header wraps: {header} px high");
    assert!(inside_viewport(&app, "#identity-switcher").await, "the identity switcher is cut off");
    let overlap = app
        .eval(
            "const a = document.querySelector('#nav-account').getBoundingClientRect();\
             const s = document.querySelector('#sync-indicator').getBoundingClientRect();\
             return a.right <= s.left;",
            vec![],
        )
        .await;
    assert_eq!(overlap, json!(true), "the navigation runs under the sync state");
    app.check_page("45-narrow").await;
    app.quit().await;
}
