//! A group's month on a device: a group of 200 members and 2,000 events, one in ten repeating weekly,
//! the month view's data (`Profile::group_calendar`, one entry per occurrence) and the personal
//! calendar with the group's events in it, each with the profile opened first, as the app does when it
//! starts on that month.
//!
//! `cargo bench -p rally-core --bench group_calendar`.

use std::time::Duration;

use chrono::{Duration as Span, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use rally_core::model::{
    EventInput, Frequency, GroupInput, GroupRole, IdentityInput, Member, MemberState, MonthlyBy, RepeatRule,
};
use rally_core::profile::Profile;

const EVENTS: usize = 2_000;
const MEMBERS: usize = 200;

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let group = {
        let mut p = Profile::open(dir.path()).expect("profile");
        let ana = p.create_identity(IdentityInput { username: "ana".into(), ..Default::default() }).expect("identity");
        let group = p
            .create_group(
                &ana.id,
                GroupInput { name: "Vélorution".into(), username: "velorution".into(), ..Default::default() },
            )
            .expect("group");
        let members: Vec<Member> = (0..MEMBERS)
            .map(|i| Member {
                identity_id: format!("identity{i}"),
                username: format!("member{i}"),
                display_name: format!("Member {i}"),
                state: MemberState::Member(if i == 0 { GroupRole::Administrator } else { GroupRole::Member }),
                message: String::new(),
                since: Utc::now(),
            })
            .collect();
        p.set_group_members(&group.id, &members).expect("members");
        let origin = Utc.with_ymd_and_hms(2026, 1, 5, 18, 0, 0).single().expect("t");
        for i in 0..EVENTS {
            // Spread over two years; one in ten repeats weekly for a year.
            let start = origin + Span::minutes((i as i64) * 525);
            let repeat = (i % 10 == 0).then(|| RepeatRule {
                frequency: Frequency::Weekly,
                interval: 1,
                weekdays: vec![],
                monthly: MonthlyBy::Date,
                until: None,
                count: Some(52),
            });
            p.create_event(EventInput {
                organizer_id: ana.id.clone(),
                group_id: group.id.clone(),
                title: format!("Ride {i}"),
                description: "Meet at the fountain. Bring lights.".into(),
                start: start.to_rfc3339(),
                end: (start + Span::hours(2)).to_rfc3339(),
                timezone: "Europe/Brussels".into(),
                place_name: "Place Flagey".into(),
                repeat,
                ..Default::default()
            })
            .expect("event");
        }
        group.id
    };
    let from = Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).single().expect("t");
    let to = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).single().expect("t");
    let mut bench = c.benchmark_group("group_month_200_members_2000_events");
    bench.bench_function("group_calendar", |b| {
        b.iter(|| {
            let p = Profile::open(dir.path()).expect("open");
            let month = p.group_calendar(&group, Some(from), Some(to)).expect("month");
            assert!(month.len() > 100, "a month holds the group's events and occurrences, got {}", month.len());
        })
    });
    bench.bench_function("personal_calendar", |b| {
        b.iter(|| {
            let p = Profile::open(dir.path()).expect("open");
            let month = p.calendar(Some(from), Some(to)).expect("month");
            assert!(month.iter().all(|e| e.group.as_deref() == Some("velorution")));
        })
    });
    bench.finish();
}

criterion_group! {
    name = group_calendar;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(6)).warm_up_time(Duration::from_secs(1));
    targets = benches
}
criterion_main!(group_calendar);
