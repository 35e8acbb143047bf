//! Participation end to end: two real windows (two profiles, two accounts), a real relay and a real
//! SMTP server. Bob asks to join Ana's approval-only event with a message; Ana, offline, sees the
//! request and accepts it; once the relay is back Bob's window says "going" and Bob's mailbox has the
//! acceptance. With one place, Cy's request goes to the waiting list with a clear message, and moves
//! up when Bob leaves; a change of time then mails each participant once. Both apps show desktop
//! notifications (to a notification server on the test's D-Bus session) for the request and the answer.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rally_client::participation;
use rally_core::model::{EventInput, IdentityInput, JoinMode, ParticipationStatus};
use rally_core::profile::Profile;
use rally_server::config::Config;

use crate::harness::Desktop;
use crate::relay::{account_for, log_in, Smtp, TestRelay};

/// A profile logged in as `email`, with one identity.
async fn profile(dir: &std::path::Path, relay: &TestRelay, smtp: &Smtp, email: &str, username: &str) -> String {
    account_for(relay, Some(smtp), email).await;
    log_in(dir, relay, email).await;
    let mut p = Profile::open(dir).expect("profile");
    let name = format!("{}{}", username[..1].to_uppercase(), &username[1..]);
    p.create_identity(IdentityInput { username: username.into(), display_name: name, ..Default::default() })
        .expect("identity")
        .id
}

/// The mails the SMTP server got for `who`, as (subject, text).
fn mails_to(smtp: &Smtp, who: &str) -> Vec<(String, String)> {
    smtp.messages().into_iter().filter(|(to, _, _)| to.contains(who)).map(|(_, s, t)| (s, t)).collect()
}

async fn wait_for_mail(smtp: &Smtp, who: &str, subject: &str) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Some((_, text)) = mails_to(smtp, who).into_iter().find(|(s, _)| s == subject) {
            return text;
        }
        assert!(std::time::Instant::now() < deadline, "no mail \"{subject}\" to {who}: {:#?}", smtp.messages());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A desktop notification server (scripts/test-support/notification_server.py) on the session bus,
/// writing what it receives to a file.
struct NotificationServer {
    process: std::process::Child,
    log: std::path::PathBuf,
}

impl NotificationServer {
    fn start(dir: &std::path::Path) -> NotificationServer {
        let log = dir.join("notifications.txt");
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/test-support/notification_server.py");
        let mut process = std::process::Command::new("python3")
            .arg(script)
            .arg(&log)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3 with dbus-next (scripts/install-deps.sh installs it)");
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(process.stdout.take().expect("stdout")), &mut line)
            .expect("the server's first line");
        assert_eq!(line.trim(), "ready", "the notification server did not start (is there a D-Bus session?)");
        NotificationServer { process, log }
    }

    /// Waits until a notification holding `needle` came; returns it.
    async fn wait_for(&self, needle: &str) -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let seen = std::fs::read_to_string(&self.log).unwrap_or_default();
            if let Some(line) = seen.lines().find(|l| l.contains(needle)) {
                return line.to_string();
            }
            assert!(std::time::Instant::now() < deadline, "no desktop notification with {needle:?}: {seen:?}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

impl Drop for NotificationServer {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_windows_ask_decide_offline_wait_in_line_and_hear_of_changes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let smtp = Smtp::start(dir.path());
    let notifications = NotificationServer::start(dir.path());
    let config = Config {
        smtp: Some(format!("smtp://127.0.0.1:{}", smtp.port)),
        digest_delay: 1,
        change_delay: 1,
        scan_every: 1,
        retry_after: 1,
        ..Config::with_data(dir.path().join("relay"))
    };
    let mut relay = TestRelay::start(config, 0).await;
    let (ana_dir, bob_dir, cy_dir) = (dir.path().join("ana"), dir.path().join("bob"), dir.path().join("cy"));
    let ana = profile(&ana_dir, &relay, &smtp, "ana@example.org", "ana").await;
    profile(&bob_dir, &relay, &smtp, "bob@example.org", "bob").await;
    profile(&cy_dir, &relay, &smtp, "cy@example.org", "cy").await;
    let event = Profile::open(&ana_dir)
        .expect("profile")
        .create_event(EventInput {
            organizer_id: ana,
            title: "Atelier vélo".into(),
            start: "2031-05-10 14:00".into(),
            end: "2031-05-10 17:00".into(),
            timezone: "Europe/Brussels".into(),
            join_mode: JoinMode::Approval,
            capacity: Some(1),
            waiting_list: true,
            ..Default::default()
        })
        .expect("event")
        .event
        .id;

    // Both windows open; each syncs its profile (Ana's event, Bob's identity) to the relay. Bob's is
    // started by the "Open in Rally" link of the event's page, as the system starts it.
    let (ana_desktop, bob_desktop) = (Desktop::start(), Desktop::start());
    let a = ana_desktop.launch(&ana_dir).await;
    a.wait_text("#sync-indicator", "Up to date").await;
    let page = format!("{}/events/{event}", relay.url);
    let link =
        format!("rally://join?event={}", url::form_urlencoded::byte_serialize(page.as_bytes()).collect::<String>());
    let b = bob_desktop.launch_with(&bob_dir, &[&link]).await;
    b.wait_text("#sync-indicator", "Up to date").await;

    // The link opened Taking part on Ana's event: Bob asks to join, with a message.
    b.wait_text("#join-places", "0 going · 1 place left").await;
    assert_eq!(b.attr("#join-link", "value").await, page);
    b.fill("#join-message", "I can bring a pump").await;
    b.click("#join-submit").await;
    b.wait_text("#join-outcome", "the organizer approves each participant").await;
    b.wait_text("#my-participations", "waiting for approval").await;
    b.screenshot("30-bob-asked").await;

    // Bob also reports it to the relay's moderators, with a comment; a moderator reads who and why.
    b.click("#report-open").await;
    b.fill("#report-comment", "The address given is a private home").await;
    b.check_page("30b-bob-reports").await;
    b.click("#report-send").await;
    b.wait_text("#notice", "Reported to the relay's moderators").await;
    b.wait("#report-open").await;
    {
        use rally_server::moderation::{self, Actor};
        let mut conn = rally_server::lock(&relay.state.db);
        moderation::grant(
            &mut conn,
            Actor::Machine,
            "cy@example.org",
            rally_core::model::InstanceRole::Moderator,
            chrono::Utc::now(),
        )
        .expect("grant");
    }
    let cy_account: String = rally_server::lock(&relay.state.db)
        .query_row("SELECT id FROM accounts WHERE email = 'cy@example.org'", [], |r| r.get(0))
        .expect("cy");
    let staff = relay.state.moderation.staff(&cy_account).expect("a moderator");
    let reports = relay.state.moderation.reports(&staff, None).expect("reports");
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert_eq!(
        (reports[0].reporter.as_str(), reports[0].comment.as_str(), reports[0].content.title.as_str()),
        ("@bob", "The address given is a private home", "Atelier vélo")
    );

    // Ana's app notifies her of the request; her window shows it with the message; then the relay is gone.
    let told = notifications.wait_for("asks to join").await;
    assert_eq!(told, "New request to join\tBob (@bob) asks to join \"Atelier vélo\". \"I can bring a pump\"");
    a.open_event("Atelier vélo").await;
    a.wait_text("#participants", "I can bring a pump").await;
    relay.stop().await;
    a.wait_text("#sync-indicator", "Offline").await;
    // Offline, Ana still sees it and accepts.
    a.click("#participants li.request[data-name=\"bob\"] .accept").await;
    a.wait_text("#participants li.request[data-name=\"bob\"]", "Accepted here: sent with the next sync").await;
    a.wait_text("#notice", "Rally sends it when the relay can be reached").await;
    a.screenshot("31-ana-decides-offline").await;

    // The relay is back: the decision applies, Bob's window says "going", Bob has the mail.
    relay.restart().await;
    a.wait_text_for("#participants li.request[data-name=\"bob\"]", "going", Duration::from_secs(60)).await;
    b.wait_text_for("#my-participations", "As @bob: going", Duration::from_secs(60)).await;
    b.check_page("32-bob-going").await;
    assert_eq!(notifications.wait_for("You are going").await, "\"Atelier vélo\"\tYou are going.");
    let accepted = wait_for_mail(&smtp, "bob@", "You are going to \"Atelier vélo\"").await;
    assert!(accepted.contains("accepted your request") && accepted.contains(&format!("/events/{event}")), "{accepted}");
    let request_digest = mails_to(&smtp, "ana@").into_iter().find(|(s, _)| s.contains("asks to join"));
    assert!(request_digest.is_some_and(|(_, t)| t.contains("I can bring a pump")), "Ana was told of the request");

    // Cy asks while the one place is Bob's: the waiting list, said plainly.
    let cy = Arc::new(Mutex::new(Profile::open(&cy_dir).expect("profile")));
    let cy_sync = rally_client::sync::SyncEngine::connect(cy.clone()).await.expect("cy syncs");
    cy_sync.settle(Duration::from_secs(10)).await.expect("cy's identity on the relay");
    let waiting = participation::join(&cy, &event, "cy", "").await.expect("cy asks");
    assert_eq!(waiting.status, ParticipationStatus::Waitlisted);
    assert_eq!(
        waiting.outcome(),
        "The event is full: you are number 1 on the waiting list, and move up when someone leaves."
    );

    // Bob leaves from his window: Cy moves up, to Ana's approval (an approval event).
    b.click("#my-participations li.participation .leave").await;
    b.wait_text("#my-participations", "As @bob: left").await;
    participation::refresh(&cy).await.expect("refresh");
    let cys = cy.lock().expect("profile").my_participations().expect("mine");
    assert_eq!(cys[0].status, ParticipationStatus::Pending, "{cys:?}");
    assert!(wait_for_mail(&smtp, "cy@", "A place freed up at \"Atelier vélo\"")
        .await
        .contains("waits for the organizer's approval"));
    a.wait_text_for("#participants li.request[data-name=\"cy\"]", "waiting for approval", Duration::from_secs(30))
        .await;
    a.click("#participants li.request[data-name=\"cy\"] .accept").await;
    a.wait_text_for("#participants li.request[data-name=\"cy\"]", "going", Duration::from_secs(30)).await;

    // Ana moves the event by an hour: Cy, going, hears of it once; Bob, gone, does not.
    a.click("#event-edit").await;
    a.fill("#event-start", "2031-05-10 15:00").await;
    a.fill("#event-end", "2031-05-10 18:00").await;
    a.click("#event-save").await;
    a.wait_text("#event-when", "15:00–18:00").await;
    let changed = wait_for_mail(&smtp, "cy@", "Changed: \"Atelier vélo\" (time)").await;
    assert!(changed.contains("Now: Sat 10 May 2031, 15:00–18:00 (Europe/Brussels)"), "{changed}");
    tokio::time::sleep(Duration::from_secs(4)).await;
    let changes = |who: &str| mails_to(&smtp, who).into_iter().filter(|(s, _)| s.starts_with("Changed:")).count();
    assert_eq!((changes("cy@"), changes("bob@")), (1, 0), "{:#?}", smtp.messages());
    a.check_page("33-ana-participants").await;

    cy_sync.stop().await;
    a.quit().await;
    b.quit().await;
}
