//! A profile as the app and the CLI use it: real SQLite files in a temporary folder, reopened between
//! steps the way a restart would.

use chrono::{TimeZone, Utc};
use rally_core::model::{DraftFilter, EventFilter, EventInput, IdentityInput, ImageChange, JoinMode};
use rally_core::profile::Profile;
use rally_core::Error;

fn identity(username: &str) -> IdentityInput {
    IdentityInput { username: username.into(), display_name: format!("{username} display"), ..Default::default() }
}

fn event(organizer: &str, title: &str, start: &str, end: &str) -> EventInput {
    EventInput {
        organizer_id: organizer.into(),
        title: title.into(),
        start: start.into(),
        end: end.into(),
        timezone: "Europe/Paris".into(),
        ..Default::default()
    }
}

fn document_count(dir: &std::path::Path) -> i64 {
    let conn = rusqlite::Connection::open(dir.join(rally_core::profile::DATABASE_FILE)).expect("open");
    conn.query_row("SELECT count(*) FROM documents", [], |r| r.get(0)).expect("count")
}

#[test]
fn identities_are_created_edited_and_deleted_and_survive_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ana = {
        let mut p = Profile::open(dir.path()).expect("open");
        let ana = p.create_identity(identity("ana")).expect("create");
        p.update_identity("ana", IdentityInput { bio: "Cyclist".into(), ..identity("ana_b") }).expect("edit");
        ana
    };
    let mut p = Profile::open(dir.path()).expect("reopen");
    let found = p.identity("@ana_b").expect("by new username");
    assert_eq!(found.id, ana.id);
    assert_eq!(found.bio, "Cyclist");
    assert!(p.identity("ana").is_err(), "the old username is gone");
    p.delete_identity(&ana.id).expect("delete");
    assert!(p.identities().expect("list").is_empty());
}

#[test]
fn usernames_are_unique_in_a_profile() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut p = Profile::open(dir.path()).expect("open");
    p.create_identity(identity("ana")).expect("first");
    let before = document_count(dir.path());
    let err = p.create_identity(identity("ana")).expect_err("second is refused");
    assert!(matches!(err, Error::Invalid { field: "username", .. }), "{err}");
    assert_eq!(document_count(dir.path()), before, "nothing stored");
}

#[test]
fn avatars_are_decoded_resized_and_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut p = Profile::open(dir.path()).expect("open");
    let img = image::RgbImage::from_pixel(800, 800, image::Rgb([10, 120, 200]));
    let mut png = std::io::Cursor::new(Vec::new());
    img.write_to(&mut png, image::ImageFormat::Png).expect("encode");
    let ana = p
        .create_identity(IdentityInput { avatar: ImageChange::Set(png.into_inner()), ..identity("ana") })
        .expect("create");
    assert!(ana.has_avatar);
    let stored = p.avatar("ana").expect("avatar").expect("present");
    let decoded = image::load_from_memory(&stored).expect("decodes");
    assert_eq!((decoded.width(), decoded.height()), (256, 256));
    let err = p
        .update_identity(
            "ana",
            IdentityInput { avatar: ImageChange::Set(b"GIF89a but not really".to_vec()), ..identity("ana") },
        )
        .expect_err("refused");
    assert!(matches!(err, Error::Invalid { field: "avatar", .. }), "{err}");
    assert!(p.avatar("ana").expect("avatar").is_some(), "the old avatar is kept");
}

#[test]
fn a_draft_is_created_edited_published_and_deleted_across_restarts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let id = {
        let mut p = Profile::open(dir.path()).expect("open");
        let ana = p.create_identity(identity("ana")).expect("identity");
        let draft = p
            .create_event(EventInput {
                draft: true,
                ..event(&ana.id, "Repair café", "2026-12-05T14:00", "2026-12-05T18:00")
            })
            .expect("create");
        assert!(draft.event.details.draft);
        assert_eq!(draft.organizer, "ana");
        draft.event.id
    };
    {
        let mut p = Profile::open(dir.path()).expect("reopen");
        let mut input = EventInput::from_event(&p.event(&id).expect("found").event);
        input.title = "Repair café #2".into();
        input.join_mode = JoinMode::Approval;
        input.capacity = Some(12);
        p.update_event(&id, input).expect("edit");
    }
    let mut p = Profile::open(dir.path()).expect("reopen");
    let drafts = p.events(&EventFilter { drafts: DraftFilter::Only, ..Default::default() }).expect("drafts");
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0].event.details.title, "Repair café #2");
    assert_eq!(drafts[0].event.details.capacity, Some(12));
    assert_eq!(drafts[0].event.details.starts_at, Utc.with_ymd_and_hms(2026, 12, 5, 13, 0, 0).single().expect("t"));
    let published = p.publish_event(&id).expect("publish");
    assert!(!published.event.details.draft);
    assert!(p.events(&EventFilter { drafts: DraftFilter::Only, ..Default::default() }).expect("drafts").is_empty());
    p.delete_event(&id).expect("delete");
    assert!(matches!(p.event(&id), Err(Error::NotFound { .. })));
    assert!(Profile::open(dir.path()).expect("reopen").events(&EventFilter::default()).expect("list").is_empty());
}

#[test]
fn a_bad_date_range_is_refused_and_stores_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut p = Profile::open(dir.path()).expect("open");
    let ana = p.create_identity(identity("ana")).expect("identity");
    let before = document_count(dir.path());
    let err = p.create_event(event(&ana.id, "Backwards", "2026-12-05T18:00", "2026-12-05T14:00")).expect_err("refused");
    assert!(matches!(err, Error::Invalid { field: "end", .. }), "{err}");
    let err = p.create_event(event("nobody", "Orphan", "2026-12-05T14:00", "2026-12-05T18:00")).expect_err("refused");
    assert!(matches!(err, Error::Invalid { field: "organizer_id", .. }), "{err}");
    assert_eq!(document_count(dir.path()), before);
}

#[test]
fn listing_by_time_range_organizer_and_drafts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut p = Profile::open(dir.path()).expect("open");
    let ana = p.create_identity(identity("ana")).expect("ana");
    let bo = p.create_identity(identity("bo")).expect("bo");
    p.create_event(event(&ana.id, "November", "2026-11-20T10:00", "2026-11-20T12:00")).expect("e");
    // Starts in November, ends in December: it overlaps December.
    p.create_event(event(&bo.id, "Festival", "2026-11-28T10:00", "2026-12-02T22:00")).expect("e");
    p.create_event(EventInput {
        draft: true,
        ..event(&ana.id, "December draft", "2026-12-10T10:00", "2026-12-10T12:00")
    })
    .expect("e");
    p.create_event(event(&bo.id, "January", "2027-01-03T10:00", "2027-01-03T12:00")).expect("e");
    let december = |drafts, organizer_id: Option<String>| {
        let filter = EventFilter {
            from: Some(Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).single().expect("t")),
            to: Some(Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).single().expect("t")),
            drafts,
            organizer_id,
            ..Default::default()
        };
        p.events(&filter).expect("list").into_iter().map(|v| v.event.details.title).collect::<Vec<_>>()
    };
    assert_eq!(december(DraftFilter::Include, None), ["Festival", "December draft"]);
    assert_eq!(december(DraftFilter::Exclude, None), ["Festival"]);
    assert_eq!(december(DraftFilter::Include, Some(ana.id.clone())), ["December draft"]);
}

#[test]
fn search_finds_words_in_titles_descriptions_tags_and_places() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut p = Profile::open(dir.path()).expect("open");
    let ana = p.create_identity(identity("ana")).expect("ana");
    let mut soup = event(&ana.id, "Soupe populaire", "2026-12-01T18:00", "2026-12-01T21:00");
    soup.description = "Bring a bowl; we cook together.".into();
    soup.place_name = "La Cantine".into();
    soup.address = "12 rue de Ménilmontant".into();
    let soup = p.create_event(soup).expect("soup");
    let mut bikes = event(&ana.id, "Vélo repair", "2026-12-02T18:00", "2026-12-02T21:00");
    bikes.tags = vec!["bicycles".into()];
    p.create_event(bikes).expect("bikes");
    let titles = |p: &Profile, q: &str| {
        p.search_events(q).expect("search").into_iter().map(|v| v.event.details.title).collect::<Vec<_>>()
    };
    assert_eq!(titles(&p, "bowl"), ["Soupe populaire"]);
    assert_eq!(titles(&p, "menilmontant"), ["Soupe populaire"], "accents folded");
    assert_eq!(titles(&p, "velo"), ["Vélo repair"]);
    assert_eq!(titles(&p, "bicyc"), ["Vélo repair"], "prefix of the last word");
    assert!(titles(&p, "cantine bicycles").is_empty(), "every word must match");
    assert!(matches!(p.search_events("  \"*  "), Err(Error::Invalid { .. })));
    p.delete_event(&soup.event.id).expect("delete");
    assert!(titles(&p, "bowl").is_empty(), "deleted events leave the search index");
}

#[test]
fn deleting_an_identity_deletes_its_events() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut p = Profile::open(dir.path()).expect("open");
    let ana = p.create_identity(identity("ana")).expect("ana");
    let bo = p.create_identity(identity("bo")).expect("bo");
    p.create_event(event(&ana.id, "Ana's", "2026-12-01T18:00", "2026-12-01T21:00")).expect("e");
    p.create_event(event(&bo.id, "Bo's", "2026-12-01T18:00", "2026-12-01T21:00")).expect("e");
    p.delete_identity("ana").expect("delete");
    let left: Vec<_> =
        p.events(&EventFilter::default()).expect("list").into_iter().map(|v| v.event.details.title).collect();
    assert_eq!(left, ["Bo's"]);
}

#[test]
fn many_edits_compact_and_reload_to_the_same_event() {
    let dir = tempfile::tempdir().expect("tempdir");
    let id = {
        let mut p = Profile::open(dir.path()).expect("open");
        let ana = p.create_identity(identity("ana")).expect("ana");
        let id = p.create_event(event(&ana.id, "v0", "2026-12-01T18:00", "2026-12-01T21:00")).expect("e").event.id;
        for n in 1..=75 {
            let mut input = EventInput::from_event(&p.event(&id).expect("e").event);
            input.title = format!("v{n}");
            input.description.push_str(&format!("line {n}\n"));
            p.update_event(&id, input).expect("edit");
        }
        id
    };
    let conn = rusqlite::Connection::open(dir.path().join(rally_core::profile::DATABASE_FILE)).expect("open");
    let chunks: i64 = conn
        .query_row("SELECT count(*) FROM document_chunks WHERE document_id = ?1", [&id], |r| r.get(0))
        .expect("count");
    assert!(chunks < rally_core::store::documents::COMPACT_AFTER, "{chunks} chunks: compaction never ran");
    // Rebuilding the index from the documents alone gives the same event.
    conn.execute("UPDATE meta SET value = 0 WHERE key = 'index_version'", []).expect("invalidate index");
    drop(conn);
    let p = Profile::open(dir.path()).expect("reopen rebuilds the index");
    let e = p.event(&id).expect("found").event;
    assert_eq!(e.details.title, "v75");
    assert_eq!(e.details.description.lines().count(), 75);
}

#[test]
fn merging_changes_in_any_order_keeps_them_all_and_refuses_garbage() {
    let (a_dir, b_dir) = (tempfile::tempdir().expect("tempdir"), tempfile::tempdir().expect("tempdir"));
    let mut a = Profile::open(a_dir.path()).expect("open");
    let ana = a.create_identity(identity("ana")).expect("ana");
    let id = a.create_event(event(&ana.id, "v0", "2026-12-01T18:00", "2026-12-01T21:00")).expect("e").event.id;
    for n in 1..=4 {
        let mut input = EventInput::from_event(&a.event(&id).expect("e").event);
        input.title = format!("v{n}");
        a.update_event(&id, input).expect("edit");
    }
    // Every change of both documents, one by one, newest first: the worst order sync can deliver.
    let mut changes = Vec::new();
    for doc_id in [id.clone(), ana.id.clone()] {
        let bytes = a.document_bytes(&doc_id).expect("bytes").expect("stored");
        let mut doc = automerge::AutoCommit::load(&bytes.snapshot).expect("load");
        for chunk in &bytes.chunks {
            doc.load_incremental(chunk).expect("chunk");
        }
        for change in doc.get_changes(&[]).into_iter().rev() {
            changes.push((doc_id.clone(), change.raw_bytes().to_vec()));
        }
    }
    let mut b = Profile::open(b_dir.path()).expect("open");
    let err = b.merge_document(&id, b"not automerge at all").expect_err("refused");
    assert!(matches!(err, Error::Document { .. }), "{err}");
    assert!(b.document_ids().expect("ids").is_empty(), "garbage stored nothing");
    for (doc_id, change) in &changes {
        b.merge_document(doc_id, change).expect("merge");
    }
    drop(b);
    let b = Profile::open(b_dir.path()).expect("reopen");
    assert_eq!(b.event(&id).expect("indexed").event, a.event(&id).expect("e").event);
    assert_eq!(b.identity("ana").expect("identity").id, ana.id);
}

#[test]
fn the_calendar_shows_each_occurrence_every_day_covered_drafts_and_events_taken_part_in() {
    use rally_core::model::{
        EventSummary, Frequency, MonthlyBy, Participation, ParticipationStatus, Participations, RepeatRule,
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let mut p = Profile::open(dir.path()).expect("open");
    let ana = p.create_identity(identity("ana")).expect("identity").id;
    let weekly = RepeatRule {
        frequency: Frequency::Weekly,
        interval: 1,
        weekdays: vec![chrono::Weekday::Tue, chrono::Weekday::Thu],
        monthly: MonthlyBy::Date,
        until: None,
        count: None,
    };
    p.create_event(EventInput {
        repeat: Some(weekly),
        ..event(&ana, "Chorale", "2031-03-04 19:00", "2031-03-04 21:00")
    })
    .expect("choir");
    p.create_event(EventInput { all_day: true, draft: true, ..event(&ana, "Marché", "2031-03-08", "2031-03-09") })
        .expect("two-day market, a draft");
    let at = |d, h| Utc.with_ymd_and_hms(2031, 3, d, h, 0, 0).single().expect("time");
    let summary = EventSummary {
        id: "elsewhere".into(),
        title: "Bal folk".into(),
        starts_at: at(6, 18),
        ends_at: at(6, 23),
        timezone: "Europe/Paris".into(),
        all_day: false,
        place: None,
        organizer: "cy".into(),
        url: "http://relay/events/elsewhere".into(),
    };
    let going = Participation {
        id: "p1".into(),
        event_id: "elsewhere".into(),
        identity_id: Some(ana.clone()),
        username: Some("ana".into()),
        name: "ana".into(),
        email: None,
        message: String::new(),
        status: ParticipationStatus::Going,
        waitlist_position: None,
        created_at: at(1, 0),
        updated_at: at(1, 0),
        event: Some(summary),
    };
    p.set_participations(&Participations { mine: vec![going], organizing: vec![] }).expect("participations");

    let entries = p.calendar(Some(at(1, 0)), Some(at(15, 0))).expect("calendar");
    let titles: Vec<&str> = entries.iter().map(|e| e.title.as_str()).collect();
    // Tuesdays and Thursdays 4, 6, 11, 13 March; the ball at the same time on the 6th; the market.
    assert_eq!(titles, ["Chorale", "Bal folk", "Chorale", "Marché", "Chorale", "Chorale"]);
    let ball = &entries[1];
    assert_eq!((ball.mine, ball.taking_part), (false, Some(ParticipationStatus::Going)));
    assert_eq!(ball.page.as_deref(), Some("http://relay/events/elsewhere"), "where it is read");
    assert!(entries[3].draft && entries[3].all_day);
    assert!(entries.iter().filter(|e| e.title == "Chorale").all(|e| e.repeats && e.occurrence.is_some()));

    let paris = chrono_tz::Europe::Paris;
    let days = rally_core::calendar::by_day(
        &entries,
        chrono::NaiveDate::from_ymd_opt(2031, 3, 1).expect("day"),
        chrono::NaiveDate::from_ymd_opt(2031, 3, 31).expect("day"),
        paris,
    );
    let on = |d: u32| days.get(&chrono::NaiveDate::from_ymd_opt(2031, 3, d).expect("day")).map_or(0, Vec::len);
    assert_eq!((on(8), on(9), on(10)), (1, 1, 0), "the market on both its days");
    assert_eq!(on(6), 2, "the choir and the ball clash on the 6th");
}

#[test]
fn a_deleted_draft_comes_back_with_undo_and_a_published_event_does_not() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut p = Profile::open(dir.path()).expect("open");
    let ana = p.create_identity(identity("ana")).expect("identity").id;
    let draft = p
        .create_event(EventInput { draft: true, ..event(&ana, "Brouillon", "2031-05-10 14:00", "2031-05-10 16:00") })
        .expect("draft")
        .event
        .id;
    let published =
        p.create_event(event(&ana, "Publié", "2031-05-11 14:00", "2031-05-11 16:00")).expect("event").event.id;
    p.delete_event(&draft).expect("delete");
    p.delete_event(&published).expect("delete");
    assert!(p.event(&draft).is_err());
    let back = p.restore_draft(&draft).expect("undo");
    assert_eq!(back.event.details.title, "Brouillon");
    let reopened = Profile::open(dir.path()).expect("reopen");
    assert_eq!(reopened.event(&draft).expect("still there").event.details.title, "Brouillon");
    let mut p = reopened;
    let err = p.restore_draft(&published).expect_err("refused");
    assert!(err.to_string().contains("only a deleted draft comes back"), "{err}");
    assert!(p.event(&published).is_err(), "nothing changed");
}

#[test]
fn deleting_an_identity_keeps_the_events_it_organized_for_a_group() {
    use rally_core::model::{GroupInput, GroupOpenness, Visibility};
    let dir = tempfile::tempdir().expect("tempdir");
    let mut p = Profile::open(dir.path()).expect("open");
    let ana = p.create_identity(identity("ana")).expect("ana");
    let founder = p.create_identity(identity("founder")).expect("founder");
    let group = p
        .create_group(
            &founder.id,
            GroupInput {
                name: "Vélorution".into(),
                username: "velorution".into(),
                visibility: Visibility::Public,
                openness: GroupOpenness::Open,
                ..Default::default()
            },
        )
        .expect("group");
    let own = p.create_event(event(&ana.id, "Ana's own", "2031-03-01 18:00", "2031-03-01 20:00")).expect("own");
    let mut input = event(&ana.id, "The group's ride", "2031-03-02 18:00", "2031-03-02 20:00");
    input.group_id = group.id.clone();
    let ride = p.create_event(input).expect("group event");
    p.delete_identity(&ana.id).expect("delete");
    assert!(p.event(&own.event.id).is_err(), "her own event goes with her");
    let kept = p.event(&ride.event.id).expect("the group's event stays");
    assert_eq!(kept.event.details.group_id.as_deref(), Some(group.id.as_str()));
}
