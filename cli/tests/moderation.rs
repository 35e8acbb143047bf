//! Reporting from the command line to a real relay's moderators. Run inside scripts/with-keyring.sh.

mod common;

use common::{logged_in, ok, refused, relay};
use rally_core::model::{ReportState, Reported};
use rally_server::moderation::{self, Actor};

#[test]
fn cy_reports_anas_event_and_the_moderators_read_it() {
    let relay = relay();
    let (ana, cy) = (tempfile::tempdir().expect("d"), tempfile::tempdir().expect("d"));
    let (ana, cy) = (ana.path(), cy.path());
    logged_in(&relay, ana, "ana@example.org");
    ok(ana, &["identity", "create", "--username", "ana", "--name", "Ana"]);
    let event = ok(
        ana,
        &[
            "event",
            "create",
            "--identity",
            "ana",
            "--title",
            "Vide-grenier",
            "--tz",
            "Europe/Paris",
            "--start",
            "2031-06-07 14:00",
            "--end",
            "2031-06-07 17:00",
        ],
    )
    .trim()
    .to_string();
    ok(ana, &["sync", "--once"]);
    logged_in(&relay, cy, "cy@example.org");
    ok(cy, &["identity", "create", "--username", "cy", "--name", "Cy"]);
    ok(cy, &["sync", "--once"]);

    refused(
        cy,
        &["report", "photo", &event, "--identity", "cy", "--comment", "x"],
        "report an event, an identity, a group or a remote one",
    );
    let said = ok(cy, &["report", "event", &event, "--identity", "cy", "--comment", "Counterfeit goods"]);
    assert!(said.starts_with("reported to the relay's moderators"), "{said}");

    // A moderator of the relay reads it, with who reported and what the event was.
    let moderator = {
        let mut conn = rally_server::lock(&relay.state.db);
        moderation::grant(
            &mut conn,
            Actor::Machine,
            "ana@example.org",
            rally_core::model::InstanceRole::Moderator,
            chrono::Utc::now(),
        )
        .expect("grant");
        let id: String =
            conn.query_row("SELECT id FROM accounts WHERE email = 'ana@example.org'", [], |r| r.get(0)).expect("id");
        id
    };
    let staff = relay.state.moderation.staff(&moderator).expect("a moderator");
    let open = relay.state.moderation.reports(&staff, Some(ReportState::Open)).expect("reports");
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0].reported, Reported::Event(event.clone()));
    assert_eq!((open[0].reporter.as_str(), open[0].comment.as_str()), ("@cy", "Counterfeit goods"));
    assert_eq!(open[0].content.title, "Vide-grenier");

    // Two moderators' devices decide on the report before either syncs (as offline): the first sent
    // wins, the second comes back refused and its device says why; both then read it resolved.
    {
        let mut conn = rally_server::lock(&relay.state.db);
        let role = rally_core::model::InstanceRole::Moderator;
        moderation::grant(&mut conn, Actor::Machine, "cy@example.org", role, chrono::Utc::now()).expect("grant");
    }
    let report = open[0].id.clone();
    let devices = [ana, cy].map(|dir| std::sync::Mutex::new(rally_core::profile::Profile::open(dir).expect("profile")));
    let hide = |reason: &str| {
        rally_core::model::ModerationStep::Measure(rally_core::model::MeasureRequest {
            measure: rally_core::model::Measure::HideEvent,
            target: event.clone(),
            reason: reason.into(),
            report: Some(report.clone()),
        })
    };
    let close = rally_core::model::ModerationStep::State {
        report: report.clone(),
        change: rally_core::model::StateChange { state: ReportState::Closed, reason: "Looks fine".into() },
    };
    rally_client::moderation::queue(&devices[0], &hide("Counterfeit goods")).expect("queue");
    rally_client::moderation::queue(&devices[1], &close).expect("queue");
    assert_eq!(devices[1].lock().expect("cy").moderation_desk().expect("desk").pending, std::slice::from_ref(&close));
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    for device in &devices {
        runtime.block_on(rally_client::moderation::refresh(device)).expect("refresh");
    }
    let (first, second) = (
        devices[0].lock().expect("ana").moderation_desk().expect("desk"),
        devices[1].lock().expect("cy").moderation_desk().expect("desk"),
    );
    assert!(first.not_applied.is_empty() && first.pending.is_empty(), "{first:?}");
    assert!(second.pending.is_empty(), "sent, not kept: {second:?}");
    assert_eq!(second.not_applied.len(), 1, "{second:?}");
    assert!(second.not_applied[0].contains("another decision came first"), "{second:?}");
    for desk in [first, second] {
        assert_eq!(desk.reports[0].state, ReportState::Resolved, "the first decision stands");
        assert_eq!(desk.log.iter().filter(|a| a.action == "hide_event").count(), 1);
    }
}
