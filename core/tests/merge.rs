//! Property: replicas of one event document that edit offline and merge in any order converge, and
//! no replica's edit is lost — neither to a field only it touched, nor to the shared description.
//! Edits go through the same mapping the app uses ([`rally_core::document::write_event`]).

use automerge::{ActorId, AutoCommit};
use chrono::{Duration, TimeZone, Utc};
use proptest::prelude::*;
use rally_core::document::{self, Kind};
use rally_core::model::{
    Change, EventDetails, EventStatus, Frequency, ImageChange, JoinMode, MonthlyBy, OccurrenceChange, Place,
    RepeatRule, Visibility,
};

fn base() -> EventDetails {
    EventDetails {
        organizer_id: "organizer".into(),
        group_id: None,
        title: "Assemblée".into(),
        description: "Ordre du jour:\n".into(),
        starts_at: Utc.with_ymd_and_hms(2026, 12, 1, 18, 0, 0).single().expect("t"),
        ends_at: Utc.with_ymd_and_hms(2026, 12, 1, 20, 0, 0).single().expect("t"),
        timezone: "Europe/Paris".into(),
        all_day: false,
        place: None,
        online_url: None,
        status: EventStatus::Confirmed,
        visibility: Visibility::Public,
        draft: true,
        join_mode: JoinMode::Free,
        registration_url: None,
        capacity: None,
        waiting_list: false,
        anonymous_participation: false,
        tags: vec![],
        category: None,
        repeat: None,
        extra_starts: vec![],
        occurrence_changes: vec![],
        occurrence_texts: vec![],
    }
}

/// The fields replicas own, one each: replica `i` edits only field `i` (plus the shared description).
#[derive(Debug, Clone)]
enum Edit {
    Field(u32),
    /// Insert a replica's marker at a position given as a fraction of the text length.
    Insert(f64),
    /// Delete a span of the text (a fraction of the position and a small length).
    Delete(f64, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (0u32..1000).prop_map(Edit::Field),
        (0.0f64..=1.0).prop_map(Edit::Insert),
        ((0.0f64..=1.0), 1usize..4).prop_map(|(at, n)| Edit::Delete(at, n)),
    ]
}

fn set_owned_field(d: &mut EventDetails, replica: usize, n: u32) {
    match replica {
        0 => d.title = format!("Titre {n}"),
        1 => {
            d.place =
                Some(Place { name: format!("Salle {n}"), address: format!("{n} rue"), latitude: None, longitude: None })
        }
        _ => {
            d.capacity = Some(n + 1);
            d.tags = vec![format!("t{n}")];
        }
    }
}

fn owned_field(d: &EventDetails, replica: usize) -> String {
    match replica {
        0 => d.title.clone(),
        1 => format!("{:?}", d.place),
        _ => format!("{:?} {:?}", d.capacity, d.tags),
    }
}

/// Partial merges in the given order, then everyone with everyone.
fn merge_all(docs: &mut [AutoCommit], merge_order: &[(usize, usize)]) {
    let n = docs.len();
    let all = (0..n).flat_map(|a| (0..n).map(move |b| (a, b)));
    for (a, b) in merge_order.iter().map(|(a, b)| (a % n, b % n)).chain(all) {
        if a != b {
            let mut other = docs[b].fork();
            docs[a].merge(&mut other).expect("merge");
        }
    }
}

fn at(text: &str, fraction: f64) -> usize {
    let len = text.chars().count();
    ((len as f64) * fraction).floor().min(len as f64) as usize
}

/// Moves a position out of any marker it falls in, so that markers stay whole.
fn outside_markers(chars: &[char], pos: usize) -> usize {
    let open = chars[..pos].iter().rposition(|c| *c == '[');
    let close = chars[..pos].iter().rposition(|c| *c == ']');
    match open {
        Some(o) if close.is_none_or(|c| c < o) => {
            chars[pos..].iter().position(|c| *c == ']').map_or(chars.len(), |i| pos + i + 1)
        }
        _ => pos,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn replicas_converge_and_keep_every_edit(
        replicas in 2usize..=3,
        edits in prop::collection::vec(prop::collection::vec(edit(), 1..12), 3),
        merge_order in prop::collection::vec((0usize..3, 0usize..3), 1..12),
        insert_only in any::<bool>(),
    ) {
        let now = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).single().expect("t");
        let mut origin = document::create(Kind::Event, now).expect("doc");
        document::write_event(&mut origin, &base(), &ImageChange::Keep, now).expect("write");
        let saved = origin.save();
        let mut docs: Vec<AutoCommit> = (0..replicas).map(|i| {
            let mut doc = AutoCommit::load(&saved).expect("load");
            doc.set_actor(ActorId::from(vec![i as u8 + 1; 16]));
            doc
        }).collect();

        // Offline: each replica edits its own field and the shared description.
        let mut expected_field = vec![None; replicas];
        let mut markers = vec![Vec::new(); replicas];
        for (r, doc) in docs.iter_mut().enumerate() {
            for (k, e) in edits[r].iter().enumerate() {
                let mut d = document::read_event(doc, "x").expect("read").details;
                match e {
                    Edit::Field(n) => set_owned_field(&mut d, r, *n),
                    Edit::Insert(f) => {
                        let marker = format!("[r{r}e{k}]");
                        let mut chars: Vec<char> = d.description.chars().collect();
                        let pos = outside_markers(&chars, at(&d.description, *f));
                        chars.splice(pos..pos, marker.chars());
                        d.description = chars.into_iter().collect();
                        markers[r].push(marker);
                    }
                    Edit::Delete(f, n) if !insert_only => {
                        // Delete only text outside markers, so markers stay whole and countable.
                        let mut chars: Vec<char> = d.description.chars().collect();
                        let start = at(&d.description, *f).min(chars.len());
                        let end = (start + n).min(chars.len());
                        if outside_markers(&chars, start) == start && !chars[start..end].iter().any(|c| *c == '[' || *c == ']') {
                            chars.drain(start..end);
                            d.description = chars.into_iter().collect();
                        }
                    }
                    Edit::Delete(..) => {}
                }
                document::write_event(doc, &d, &ImageChange::Keep, now + Duration::minutes(k as i64)).expect("write");
                if let Edit::Field(_) = e {
                    expected_field[r] = Some(owned_field(&d, r));
                }
            }
        }

        // Partial merges in a random order, then everyone with everyone.
        merge_all(&mut docs, &merge_order);

        let results: Vec<EventDetails> = docs.iter().map(|d| document::read_event(d, "x").expect("read").details).collect();
        for r in 1..replicas {
            prop_assert_eq!(&results[r], &results[0], "replica {} diverged", r);
            prop_assert_eq!(docs[r].get_heads(), docs[0].get_heads());
        }
        for r in 0..replicas {
            if let Some(value) = &expected_field[r] {
                prop_assert_eq!(&owned_field(&results[0], r), value, "replica {}'s edit was lost", r);
            }
            for marker in &markers[r] {
                prop_assert_eq!(results[0].description.matches(marker.as_str()).count(), 1, "marker {} lost or doubled", marker);
            }
        }
    }
}

/// What a replica does to one occurrence of a weekly event.
#[derive(Debug, Clone)]
enum OccurrenceEdit {
    Cancel,
    /// Move it by this many hours.
    Move(i64),
    Restore,
}

fn occurrence_edit() -> impl Strategy<Value = OccurrenceEdit> {
    prop_oneof![Just(OccurrenceEdit::Cancel), (1i64..48).prop_map(OccurrenceEdit::Move), Just(OccurrenceEdit::Restore),]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Replicas cancel, move (and retitle) and restore occurrences of one weekly event apart (replica
    /// `r` the occurrences `k` with `k % replicas == r`) while one of them also changes the title;
    /// merged in any order they converge, and each replica's last word on each of its occurrences
    /// holds, its own title included.
    #[test]
    fn occurrence_changes_made_apart_all_survive_a_merge(
        replicas in 2usize..=3,
        edits in prop::collection::vec(prop::collection::vec((0usize..12, occurrence_edit()), 1..10), 3),
        merge_order in prop::collection::vec((0usize..3, 0usize..3), 1..8),
    ) {
        let now = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).single().expect("t");
        let mut weekly = base();
        weekly.repeat = Some(RepeatRule {
            frequency: Frequency::Weekly, interval: 1, weekdays: vec![chrono::Weekday::Tue],
            monthly: MonthlyBy::Date, until: None, count: Some(40),
        });
        let originals: Vec<_> = rally_core::recurrence::starts(&weekly).take(12).collect();
        let mut origin = document::create(Kind::Event, now).expect("doc");
        document::write_event(&mut origin, &weekly, &ImageChange::Keep, now).expect("write");
        let saved = origin.save();
        let mut docs: Vec<AutoCommit> = (0..replicas).map(|i| {
            let mut doc = AutoCommit::load(&saved).expect("load");
            doc.set_actor(ActorId::from(vec![i as u8 + 1; 16]));
            doc
        }).collect();
        let mut expected: Vec<std::collections::BTreeMap<usize, Option<Change>>> = vec![Default::default(); replicas];
        let mut expected_titles: Vec<std::collections::BTreeMap<usize, Option<String>>> = vec![Default::default(); replicas];
        for (r, doc) in docs.iter_mut().enumerate() {
            for (k, (n, e)) in edits[r].iter().enumerate() {
                let n = n - n % replicas + r;
                let Some(original) = originals.get(n).copied() else { continue };
                let mut d = document::read_event(doc, "x").expect("read").details;
                d.occurrence_changes.retain(|c| c.original_start != original);
                let change = match e {
                    OccurrenceEdit::Cancel => Some(Change::Cancelled),
                    OccurrenceEdit::Move(h) => Some(Change::Moved {
                        starts_at: original + Duration::hours(*h),
                        ends_at: original + Duration::hours(*h + 2),
                    }),
                    OccurrenceEdit::Restore => None,
                };
                if let Some(change) = &change {
                    d.occurrence_changes.push(OccurrenceChange { original_start: original, change: change.clone() });
                    d.occurrence_changes.sort_by_key(|c| c.original_start);
                }
                // A move also gives the date its own title; a cancel or a restore takes it back.
                let title = match e {
                    OccurrenceEdit::Move(h) => Some(format!("Moved by {h} h")),
                    _ => None,
                };
                d.occurrence_texts.retain(|t| t.original_start != original);
                if let Some(title) = &title {
                    d.occurrence_texts.push(rally_core::model::OccurrenceText {
                        original_start: original, title: Some(title.clone()), description: None, place: None,
                    });
                    d.occurrence_texts.sort_by_key(|t| t.original_start);
                }
                expected_titles[r].insert(n, title);
                if r == 0 {
                    d.title = format!("Chorale {k}");
                }
                document::write_event(doc, &d, &ImageChange::Keep, now + Duration::minutes(k as i64)).expect("write");
                expected[r].insert(n, change);
            }
        }
        merge_all(&mut docs, &merge_order);
        let results: Vec<EventDetails> = docs.iter().map(|d| document::read_event(d, "x").expect("read").details).collect();
        for r in 1..replicas {
            prop_assert_eq!(&results[r], &results[0], "replica {} diverged", r);
        }
        for owned in &expected {
            for (n, change) in owned {
                let found = results[0].occurrence_changes.iter().find(|c| c.original_start == originals[*n]);
                prop_assert_eq!(found.map(|c| &c.change), change.as_ref(), "occurrence {}", n);
            }
        }
        for owned in &expected_titles {
            for (n, title) in owned {
                let found = results[0].occurrence_texts.iter().find(|t| t.original_start == originals[*n]);
                prop_assert_eq!(found.and_then(|t| t.title.as_ref()), title.as_ref(), "title of occurrence {}", n);
            }
        }
        prop_assert!(results[0].repeat.is_some(), "the rule survives");
    }
}
