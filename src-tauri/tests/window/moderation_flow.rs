//! Moderation end to end, through one real relay with a real SMTP server: Dee, without an account,
//! reports Ana's public event from its page in headless Chromium and confirms by the mailed link; Cy
//! reports it from his device with a comment; the moderator, in the real window, reads both reports,
//! adds a note and hides the event: it is gone from its page (as a missing one), the relay's feed and
//! Cy's device, Ana's window shows it hidden with the reason, Ana and both reporters have their mails,
//! and the action log lists each step. Restoring it brings it back everywhere. With the relay down,
//! the moderator still reads the reports and closes one; it is sent when the relay is back. A third
//! report ends with the event deleted for good, after the window asks.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use fantoccini::Locator;
use rally_core::model::{EventInput, IdentityInput, InstanceRole, Reported};
use rally_core::profile::Profile;
use rally_server::config::Config;

use crate::harness::Desktop;
use crate::relay::{account_for, log_in, Smtp, TestRelay};

const LONG: Duration = Duration::from_secs(60);

/// A profile logged in as `name@example.org`, with one identity `name`; the identity's id.
async fn person(dir: &std::path::Path, relay: &TestRelay, smtp: &Smtp, name: &str) -> String {
    let email = format!("{name}@example.org");
    account_for(relay, Some(smtp), &email).await;
    log_in(dir, relay, &email).await;
    let mut p = Profile::open(dir).expect("profile");
    let display = format!("{}{}", name[..1].to_uppercase(), &name[1..]);
    p.create_identity(IdentityInput { username: name.into(), display_name: display, ..Default::default() })
        .expect("identity")
        .id
}

async fn mail(smtp: &Smtp, who: &str, subject: &str) -> String {
    let deadline = std::time::Instant::now() + LONG;
    loop {
        let found = smtp.messages().into_iter().find(|(to, s, _)| to.contains(who) && s.contains(subject));
        if let Some((_, _, text)) = found {
            return text;
        }
        assert!(std::time::Instant::now() < deadline, "no mail \"{subject}\" to {who}: {:#?}", smtp.messages());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Headless Chromium through chromedriver (both installed by scripts/install-deps.sh), for the
/// relay's public pages as a visitor without Rally sees them.
async fn chromium() -> (std::process::Child, fantoccini::Client) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let driver = std::process::Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("chromedriver (scripts/install-deps.sh installs it)");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < deadline, "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let profile = tempfile::tempdir().expect("profile").keep();
    let caps = serde_json::json!({"goog:chromeOptions": {
        "binary": "/usr/bin/chromium",
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--window-size=1200,900",
                 format!("--user-data-dir={}", profile.display())],
    }});
    let caps = caps.as_object().expect("object").clone().into_iter().collect();
    let client = fantoccini::ClientBuilder::native()
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a chromedriver session");
    (driver, client)
}

async fn text_of(browser: &fantoccini::Client, css: &str) -> String {
    let el = browser.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(css)).await;
    el.unwrap_or_else(|e| panic!("{css}: {e}")).text().await.expect("text")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_from_a_page_and_an_app_are_read_noted_and_acted_on_in_the_moderators_window() {
    let dir = tempfile::tempdir().expect("tempdir");
    let smtp = Smtp::start(dir.path());
    let config = Config {
        smtp: Some(format!("smtp://127.0.0.1:{}", smtp.port)),
        digest_delay: 1,
        scan_every: 1,
        retry_after: 1,
        ..Config::with_data(dir.path().join("relay"))
    };
    let mut relay = TestRelay::start(config, 0).await;
    let (ana_dir, cy_dir, mo_dir) = (dir.path().join("ana"), dir.path().join("cy"), dir.path().join("mo"));
    let ana = person(&ana_dir, &relay, &smtp, "ana").await;
    person(&cy_dir, &relay, &smtp, "cy").await;
    person(&mo_dir, &relay, &smtp, "mo").await;
    {
        use rally_server::moderation::{self, Actor};
        let mut conn = rally_server::lock(&relay.state.db);
        moderation::grant(&mut conn, Actor::Machine, "mo@example.org", InstanceRole::Moderator, chrono::Utc::now())
            .expect("grant");
    }
    let event = Profile::open(&ana_dir)
        .expect("profile")
        .create_event(EventInput {
            organizer_id: ana,
            title: "Vide-grenier".into(),
            start: "2031-05-10 09:00".into(),
            end: "2031-05-10 17:00".into(),
            timezone: "Europe/Brussels".into(),
            ..Default::default()
        })
        .expect("event")
        .event
        .id;
    let ana_desktop = Desktop::start();
    let a = ana_desktop.launch(&ana_dir).await;
    a.wait_text("#sync-indicator", "Up to date").await;
    let page = || relay.state.calendars.event_page(&event).expect("page");
    let deadline = std::time::Instant::now() + LONG;
    while page().is_none() {
        assert!(std::time::Instant::now() < deadline, "the event never reached its page");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Dee, without an account, reports it from its page and confirms by the link mailed to her.
    let (mut driver, browser) = chromium().await;
    browser.goto(&format!("{}/events/{event}", relay.url)).await.expect("the event's page");
    browser.find(Locator::Css("#report summary")).await.expect("summary").click().await.expect("open");
    browser
        .find(Locator::Css("#report-comment"))
        .await
        .expect("comment")
        .send_keys("Counterfeit bags")
        .await
        .expect("type");
    browser.find(Locator::Css("#report-email")).await.expect("email").send_keys("dee@example.net").await.expect("type");
    browser.find(Locator::Css("#report-submit")).await.expect("submit").click().await.expect("send");
    assert!(text_of(&browser, "#reported").await.contains("dee@example.net"));
    let confirm = mail(&smtp, "dee@", "Confirm your report").await;
    let link =
        confirm.lines().find_map(|l| l.strip_prefix("Confirm my report: ")).expect("the link").trim().to_string();
    browser.goto(&link).await.expect("the link");
    browser.find(Locator::Css("#confirm")).await.expect("button").click().await.expect("confirm");
    assert!(text_of(&browser, "#outcome").await.contains("The moderators have your report"));

    // Cy, who takes part, reports it from his device, with a comment.
    // (One round of sync first: his identity, made on this device, goes to the relay.)
    let cy = Arc::new(Mutex::new(Profile::open(&cy_dir).expect("profile")));
    rally_client::participation::join_syncing_first(&cy, &event, "cy", "", LONG).await.expect("join");
    rally_client::moderation::report(&cy, "cy", Reported::Event(event.clone()), "Sells counterfeit goods", false)
        .await
        .expect("report");

    // The moderator's window: both reports, with who reported and why.
    let mo_desktop = Desktop::start();
    let m = mo_desktop.launch(&mo_dir).await;
    m.wait_text("#sync-indicator", "Up to date").await;
    m.click("#nav-moderation").await;
    m.wait_text_for("#reports", "dee@example.net (without an account)", LONG).await;
    m.wait_text("#reports", "@cy").await;
    m.wait_text("#reports", "Sells counterfeit goods").await;
    assert_eq!(m.count("#reports li.report-card").await, 2);
    m.check_page("95-moderation-reports").await;
    let staff = {
        let mo: String = rally_server::lock(&relay.state.db)
            .query_row("SELECT id FROM accounts WHERE email = 'mo@example.org'", [], |r| r.get(0))
            .expect("mo");
        relay.state.moderation.staff(&mo).expect("a moderator")
    };
    let cy_report = relay
        .state
        .moderation
        .reports(&staff, None)
        .expect("reports")
        .into_iter()
        .find(|r| r.reporter == "@cy")
        .expect("Cy's report")
        .id;
    let card = format!("li.report-card[data-report=\"{cy_report}\"]");

    // A note for the other moderators, then the event hidden with a reason.
    m.fill(&format!("#note-{cy_report}"), "Same seller as last month").await;
    m.click(&format!("{card} .report-add-note")).await;
    m.wait_text_for(&format!("{card} .notes"), "Same seller as last month", LONG).await;
    m.fill(&format!("#reason-{cy_report}"), "Counterfeit goods are not allowed here").await;
    m.click(&format!("{card} .measure-hide")).await;
    m.wait_text_for("#tab-resolved", "Resolved (2)", LONG).await;
    m.click("#tab-resolved").await;
    m.wait_text("#reports", "Vide-grenier").await;

    // Gone: its page answers as a missing one, the feed no longer has it, Cy's device lost it.
    assert!(page().is_none(), "its page is gone, as a missing event's");
    let feed = relay.state.calendars.render(&rally_server::calendar::Calendar::Instance).expect("feed");
    assert!(!feed.map(|(_, ics)| ics).unwrap_or_default().contains("Vide-grenier"), "gone from the feed");
    rally_client::participation::refresh(&cy).await.expect("refresh");
    let kept = cy.lock().expect("cy").my_participations().expect("participations");
    assert!(kept.iter().all(|p| p.event.is_none()), "Cy's device no longer has it: {kept:?}");
    let asked = rally_client::participation::public_event(&cy, &event).await;
    assert!(asked.is_err(), "nobody else gets it: {asked:?}");

    // Ana's window shows it hidden, with the reason; Ana and both reporters have their mails.
    a.open_event("Vide-grenier").await;
    a.wait_text_for("#event-withheld", "Counterfeit goods are not allowed here", LONG).await;
    a.check_page("96-ana-event-hidden").await;
    let told = mail(&smtp, "ana@", "Moderators hid").await;
    assert!(told.contains("Counterfeit goods are not allowed here"), "{told}");
    mail(&smtp, "dee@", "was resolved").await;
    mail(&smtp, "cy@", "was resolved").await;

    // The log lists each step.
    m.click("#tab-log").await;
    m.wait_text_for("#moderation-log", "hide event", LONG).await;
    m.wait_text("#moderation-log", "note report").await;
    m.wait_text("#moderation-log", "report resolved").await;
    m.check_page("97-moderation-log").await;

    // Restored from the resolved report: back on its page, in the feed, on Cy's device; Ana's mark goes.
    m.click("#tab-resolved").await;
    m.fill(&format!("#reason-{cy_report}"), "The seller showed receipts").await;
    m.click(&format!("{card} .measure-restore")).await;
    m.click("#tab-log").await;
    m.wait_text_for("#moderation-log", "restore event", LONG).await;
    let deadline = std::time::Instant::now() + LONG;
    while page().is_none() {
        assert!(std::time::Instant::now() < deadline, "the event never came back to its page");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let feed = relay.state.calendars.render(&rally_server::calendar::Calendar::Instance).expect("feed");
    assert!(feed.map(|(_, ics)| ics).unwrap_or_default().contains("Vide-grenier"), "back in the feed");
    rally_client::participation::refresh(&cy).await.expect("refresh");
    let kept = cy.lock().expect("cy").my_participations().expect("participations");
    assert!(kept.iter().any(|p| p.event.is_some()), "back on Cy's device: {kept:?}");
    a.click("#nav-events").await;
    a.open_event("Vide-grenier").await;
    a.wait_gone("#event-withheld").await;
    mail(&smtp, "ana@", "Moderators restored").await;

    // Offline, the moderator still reads the reports and acts: kept on the device, sent once the
    // relay is back.
    let again = rally_client::moderation::report(&cy, "cy", Reported::Event(event.clone()), "Still fakes", false);
    again.await.expect("report");
    m.click("#tab-open").await;
    m.wait_text_for("#reports", "Still fakes", LONG).await;
    relay.stop().await;
    m.wait_text_for("#sync-indicator", "Offline", LONG).await;
    m.click("#tab-resolved").await;
    m.wait_text("#reports", "Counterfeit bags").await;
    m.click("#tab-open").await;
    let open = m.attr("#reports li.report-card", "data-report").await;
    m.fill(&format!("#reason-{open}"), "Already handled").await;
    m.click(&format!("li.report-card[data-report=\"{open}\"] .report-close")).await;
    m.wait_text("#moderation-pending", "1 waiting to be sent").await;
    m.wait_text("#reports", "Waiting to be sent — closed: Already handled").await;
    m.check_page("98-moderation-offline").await;
    relay.restart().await;
    m.wait_text_for("#tab-closed", "Closed (1)", Duration::from_secs(90)).await;
    m.wait_gone("#moderation-pending").await;

    // A third report, and the event deleted for good: the window asks first, in words.
    let third = rally_client::moderation::report(&cy, "cy", Reported::Event(event.clone()), "Third time", false);
    third.await.expect("report");
    m.click("#tab-open").await;
    m.wait_text_for("#reports", "Third time", LONG).await;
    let open = m.attr("#reports li.report-card", "data-report").await;
    m.fill(&format!("#reason-{open}"), "Third report: deleted").await;
    m.click(&format!("li.report-card[data-report=\"{open}\"] .measure-delete")).await;
    m.wait_text(".confirm-delete", "cannot be undone").await;
    m.check_page("99-moderation-delete-confirm").await;
    m.click(&format!("li.report-card[data-report=\"{open}\"] .measure-delete-confirm")).await;
    m.click("#tab-log").await;
    m.wait_text_for("#moderation-log", "delete event", LONG).await;
    assert!(relay.state.calendars.event_page(&event).expect("page").is_none(), "deleted: its page is gone");
    mail(&smtp, "ana@", "Moderators deleted").await;

    browser.close().await.expect("close");
    let _ = driver.kill();
    let _ = driver.wait();
    a.quit().await;
    m.quit().await;
}
