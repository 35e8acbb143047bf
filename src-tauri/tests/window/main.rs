//! End-to-end through the real window: the built app, under Xvfb, driven by WebDriver.

mod calendar_flow;
mod federation_flow;
mod form_flow;
mod group_flow;
mod harness;
mod moderation_flow;
mod participation_flow;
mod relay;
mod repeat_flow;
mod sync_flow;

use chrono::Utc;
use rally_core::model::{DraftFilter, EventFilter, EventInput};
use rally_core::profile::Profile;

use harness::Desktop;

fn drafts(data: &std::path::Path) -> Vec<String> {
    let profile = Profile::open(data).expect("open the profile the app uses");
    let filter = EventFilter { drafts: DraftFilter::Only, ..Default::default() };
    profile.events(&filter).expect("list").into_iter().map(|v| v.event.details.title).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_and_event_lifecycle_through_the_window() {
    let desktop = Desktop::start();
    eprintln!("driving the window on display {}", desktop.display());
    let data = tempfile::tempdir().expect("tempdir");
    let avatar = data.path().join("avatar.png");
    image_file(&avatar);

    // First start: no account, no network, no identity yet.
    let app = desktop.launch(&data.path().join("profile")).await;
    app.click("#nav-identities").await;
    app.fill("#identity-username", "ana").await;
    app.fill("#identity-display-name", "Ana Bicyclette").await;
    app.fill("#identity-bio", "Fixes bikes on Saturdays").await;
    app.wait("#identity-avatar").await.send_keys(avatar.to_str().expect("path")).await.expect("pick avatar");
    app.click("#identity-save").await;
    app.wait("#identity-ana img.avatar").await;
    app.wait_text("#identity-switcher", "Ana Bicyclette").await;
    app.check_page("01-identities").await;

    // A draft with a bad date range: refused inline, nothing stored.
    app.click("#nav-events").await;
    app.click("#new-event").await;
    app.fill("#event-title", "Repair café").await;
    app.fill("#event-description", "Bring your broken things.").await;
    app.fill("#event-start", "2031-05-10 14:00").await;
    app.fill("#event-end", "2031-05-10 12:00").await;
    app.fill("#event-timezone", "Europe/Brussels").await;
    app.fill("#event-place-name", "Maison de quartier").await;
    app.fill("#event-tags", "repair, bikes").await;
    app.click("#event-save").await;
    let message = app.wait_text("#error-event-end", "end after it starts").await;
    app.check_page("02-editor-error").await;
    assert!(drafts(&data.path().join("profile")).is_empty(), "a refused event was stored; error shown: {message}");

    // Fixed, saved as a draft, then edited.
    app.fill("#event-end", "2031-05-10 18:00").await;
    app.click("#event-save").await;
    app.wait_text("#event-heading", "Repair café").await;
    app.wait("#event-draft-badge").await;
    app.wait_text("#event-when", "14:00–18:00 (Europe/Brussels)").await;
    app.check_page("03-event-draft").await;
    app.click("#event-edit").await;
    app.fill("#event-title", "Repair café & bikes").await;
    app.click("#event-save").await;
    app.wait_text("#event-heading", "Repair café & bikes").await;
    assert_eq!(drafts(&data.path().join("profile")), ["Repair café & bikes"]);

    // Add to calendar: the .ics lands in the downloads folder; sharing by mail carries title and time.
    app.click("#event-add-to-calendar").await;
    app.wait_text("#notice", "open it with your calendar").await;
    let downloads = harness::downloads_of(&data.path().join("profile"));
    let saved: Vec<_> = std::fs::read_dir(&downloads).expect("downloads").flatten().map(|e| e.path()).collect();
    assert_eq!(saved.len(), 1, "{saved:?}");
    let ics = std::fs::read_to_string(&saved[0]).expect("the .ics");
    assert!(ics.contains("SUMMARY:Repair café & bikes\r\n"), "{ics}");
    assert!(ics.contains("DTSTART;TZID=Europe/Brussels:"), "{ics}");
    let mail = app.attr("#share-mail", "href").await;
    assert!(mail.starts_with("mailto:?subject=Repair%20caf%C3%A9%20%26%20bikes&body="), "{mail}");
    assert!(mail.contains("14%3A00%E2%80%9318%3A00%20%28Europe%2FBrussels%29"), "{mail}");
    app.screenshot("04-share-panel").await;
    app.quit().await;

    // While the app is closed, the CLI's side (the same core, same folder) adds a draft.
    {
        let mut profile = Profile::open(data.path().join("profile")).expect("open");
        let organizer = profile.identity("ana").expect("ana").id;
        profile
            .create_event(EventInput {
                organizer_id: organizer,
                title: "Added from the command line".into(),
                start: "2031-06-01".into(),
                end: "2031-06-01".into(),
                all_day: true,
                timezone: "Europe/Brussels".into(),
                draft: true,
                ..Default::default()
            })
            .expect("create");
    }

    // Start again: both drafts are there; publish one, delete it.
    let app = desktop.launch(&data.path().join("profile")).await;
    app.click("#nav-events").await;
    app.click("#view-list").await;
    app.click("#tab-drafts").await;
    app.wait_text("#event-list", "Added from the command line").await;
    app.wait_text("#event-list", "Repair café & bikes").await;
    // An all-day event is listed under its own day, whatever the viewer's zone.
    app.wait_text("#event-list", "Sunday 1 June 2031").await;
    app.screenshot("04-drafts-after-restart").await;
    app.click_item(".event-item", "Repair café & bikes").await;
    app.click("#event-publish").await;
    app.wait_gone("#event-draft-badge").await;
    app.click("#nav-events").await;
    app.wait_text("#event-list", "Repair café & bikes").await;
    app.check_page("05-upcoming").await;
    assert_eq!(drafts(&data.path().join("profile")), ["Added from the command line"]);

    app.fill("#event-search", "bikes").await;
    app.wait_text("#event-list", "Repair café & bikes").await;
    app.click_item(".event-item", "Repair café & bikes").await;
    app.wait_text("#event-heading", "Repair café & bikes").await;
    app.click("#event-delete").await;
    app.click("#event-delete-confirm").await;
    app.wait_text("#notice", "Event deleted").await;
    app.screenshot("06-after-delete").await;
    let left = Profile::open(data.path().join("profile"))
        .expect("open")
        .events(&EventFilter { from: Some(Utc::now()), ..Default::default() })
        .expect("list")
        .into_iter()
        .map(|v| v.event.details.title)
        .collect::<Vec<_>>();
    assert_eq!(left, ["Added from the command line"]);

    // Import a file another calendar wrote (../shared/fixtures/ical, installed by install-deps): the
    // preview lists what will be imported, then the events are drafts.
    let home = std::env::var_os("ICAL_VALIDATORS_HOME").map(std::path::PathBuf::from).unwrap_or_else(|| {
        std::path::PathBuf::from(std::env::var("HOME").expect("HOME")).join(".cache/ical-validators")
    });
    let feed = home.join("fixtures/gancio_style_feed_generated.ics");
    assert!(feed.exists(), "{} missing: run scripts/install-deps.sh", feed.display());
    app.click("#nav-events").await;
    app.click("#import-ics").await;
    app.choose_file("#import-file", &feed).await;
    app.click("#import-preview").await;
    app.wait_text("#import-will", "Concerto in piazza, con \"ospiti\"; ingresso libero").await;
    app.check_page("07-import-preview").await;
    // The concert is left out this time: only what is chosen is imported.
    let concert = "[...document.querySelectorAll('#import-will li')].find(li => li.textContent.includes('Concerto'))";
    app.eval(&format!("{concert}.querySelector('input').click()"), vec![]).await;
    app.wait_text("#import-confirm", "Import 1 as drafts").await;
    app.click("#import-confirm").await;
    app.wait_text("#notice", "Imported 1 event as drafts").await;
    app.wait_text("#event-list", "Café für Größe ✓ 日本語").await;
    assert_eq!(drafts(&data.path().join("profile")).len(), 2, "one imported draft beside the earlier one");
    // Again: the other one is there already, the concert comes in now.
    app.click("#nav-events").await;
    app.click("#import-ics").await;
    app.choose_file("#import-file", &feed).await;
    app.click("#import-preview").await;
    app.wait_text("#import-report", "1 already imported before").await;
    app.click("#import-confirm").await;
    app.wait_text("#notice", "Imported 1 event as drafts").await;
    assert_eq!(drafts(&data.path().join("profile")).len(), 3, "two imported drafts beside the earlier one");

    // The three drafts deleted together, and brought back with Undo.
    app.wait_text("#event-list", "Concerto in piazza").await;
    app.click("#drafts-choose-all").await;
    app.click("#drafts-delete").await;
    app.click("#drafts-delete-confirm").await;
    app.wait_text("#notice", "Deleted 3 drafts").await;
    app.wait("#events-empty").await;
    assert!(drafts(&data.path().join("profile")).is_empty());
    app.click("#notice-undo").await;
    app.wait_text("#notice", "Brought back 3 drafts").await;
    app.wait_text("#event-list", "Concerto in piazza").await;
    assert_eq!(drafts(&data.path().join("profile")).len(), 3);

    // The three drafts published together.
    app.click("#drafts-choose-all").await;
    app.wait_text("#drafts-publish", "Publish 3 chosen").await;
    app.check_page("08-drafts-chosen").await;
    app.click("#drafts-publish").await;
    app.wait_text("#notice", "Published 3 drafts").await;
    app.wait("#events-empty").await;
    assert!(drafts(&data.path().join("profile")).is_empty());
    app.quit().await;
}

/// A picture to pick as an avatar: larger than an avatar, so the app must resize it.
fn image_file(path: &std::path::Path) {
    let img = image::RgbImage::from_fn(600, 400, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 160]));
    img.save(path).expect("write avatar");
}
