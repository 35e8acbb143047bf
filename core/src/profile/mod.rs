//! A profile: one data folder, one person's local copy. Every use case the desktop app and the CLI
//! offer is a method here, so both behave the same and tests reach them without a window.
//!
//! Each write validates first, then changes the document and its index rows in one transaction: on any
//! error nothing stored changes.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::document::{self, Kind};
use crate::model::{
    AccountLink, CalendarEntry, Change, Decision, DecisionRequest, DecisionResult, EventFilter, EventInput, EventLinks,
    EventView, ExportSelection, Identity, IdentityInput, ImageChange, ImportReport, ImportedEvent, Occurrence,
    OccurrenceChange, OccurrenceEdit, ParticipantEntry, Participation, ParticipationStatus, Participations, ShareLink,
    SkippedEvent,
};
use crate::store::{documents, index, participations, Store, StoredDoc};
use crate::{ical, image, recurrence, validate, Error, Result};

mod groups;
mod moderation;
mod remote;

pub use groups::SyncPlan;

pub const DATABASE_FILE: &str = "rally.sqlite3";

/// What an import does with a file's events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportMode<'a> {
    /// Nothing stored: what would be imported, skipped, or is there already.
    Preview,
    All,
    /// Only the events with these UIDs (as a preview lists them).
    Only(&'a [String]),
}
const SEARCH_LIMIT: u32 = 200;

pub struct Profile {
    dir: PathBuf,
    store: Store,
}

impl Profile {
    /// Opens (creating if needed) the profile in `dir`.
    pub fn open(dir: impl AsRef<Path>) -> Result<Profile> {
        let dir = dir.as_ref().to_path_buf();
        std::fs::create_dir_all(&dir).map_err(|source| Error::Io { path: dir.display().to_string(), source })?;
        let store = Store::open(&dir.join(DATABASE_FILE))?;
        Ok(Profile { dir, store })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A random id for this profile, made on first use: it names the profile's keyring entry, so that
    /// two profiles of one person can be logged into different accounts.
    pub fn profile_id(&self) -> Result<String> {
        if let Some(id) = self.store.meta("profile_id")? {
            return Ok(String::from_utf8_lossy(&id).into_owned());
        }
        let id = document::new_id();
        self.store.set_meta("profile_id", Some(id.as_bytes()))?;
        Ok(id)
    }

    /// The relay account this profile is logged into, if any.
    pub fn account_link(&self) -> Result<Option<AccountLink>> {
        let Some(json) = self.store.meta("account")? else { return Ok(None) };
        serde_json::from_slice(&json)
            .map(Some)
            .map_err(|e| Error::Document { id: "(account link)".into(), message: e.to_string() })
    }

    pub fn set_account_link(&mut self, link: Option<&AccountLink>) -> Result<()> {
        let json = link
            .map(serde_json::to_vec)
            .transpose()
            .map_err(|e| Error::Document { id: "(account link)".into(), message: e.to_string() })?;
        self.store.set_meta("account", json.as_deref())
    }

    pub fn identities(&self) -> Result<Vec<Identity>> {
        index::identities(self.store.conn())
    }

    /// An identity by id or by username (with or without `@`).
    pub fn identity(&self, key: &str) -> Result<Identity> {
        index::identity(self.store.conn(), key)?.ok_or_else(|| Error::not_found("identity", key))
    }

    pub fn avatar(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let identity = self.identity(key)?;
        self.live_doc(&identity.id, Kind::Identity, "identity").and_then(|d| document::read_bytes(&d.doc, "avatar"))
    }

    pub fn create_identity(&mut self, input: IdentityInput) -> Result<Identity> {
        let text = validate::identity(&input)?;
        let avatar = image::avatar(input.avatar)?;
        let now = Utc::now();
        let mut stored = self.store.new_doc(Kind::Identity, now)?;
        document::write_identity(&mut stored.doc, &text, &avatar, now)?;
        self.save(&mut stored)?;
        self.identity(&stored.id)
    }

    pub fn update_identity(&mut self, key: &str, input: IdentityInput) -> Result<Identity> {
        let id = self.identity(key)?.id;
        let text = validate::identity(&input)?;
        let avatar = image::avatar(input.avatar)?;
        let mut stored = self.live_doc(&id, Kind::Identity, "identity")?;
        document::write_identity(&mut stored.doc, &text, &avatar, Utc::now())?;
        self.save(&mut stored)?;
        self.identity(&id)
    }

    /// Deletes an identity and the events it organizes, as Mobilizon does; a group's events it
    /// organized stay on the group's calendar (they are the group's).
    pub fn delete_identity(&mut self, key: &str) -> Result<()> {
        let id = self.identity(key)?.id;
        let mut docs = vec![self.live_doc(&id, Kind::Identity, "identity")?];
        for event_id in index::organized_by(self.store.conn(), &id)? {
            docs.push(self.live_doc(&event_id, Kind::Event, "event")?);
        }
        let now = Utc::now();
        for stored in &mut docs {
            document::mark_deleted(&mut stored.doc, now)?;
        }
        self.store.write(|tx| {
            for stored in &mut docs {
                documents::save(tx, stored, true)?;
                index::put_document(tx, stored)?;
            }
            Ok(())
        })
    }

    pub fn create_event(&mut self, input: EventInput) -> Result<EventView> {
        let (details, picture) = self.check_event(input)?;
        let now = Utc::now();
        let mut stored = self.store.new_doc(Kind::Event, now)?;
        document::write_event(&mut stored.doc, &details, &picture, now)?;
        self.save(&mut stored)?;
        self.event(&stored.id)
    }

    pub fn update_event(&mut self, id: &str, input: EventInput) -> Result<EventView> {
        let mut stored = self.live_doc(id, Kind::Event, "event")?;
        self.check_editable(id)?;
        let organizer = document::read_event(&stored.doc, id)?.details.organizer_id;
        let (details, picture) = self.check_event_by(input, Some(&organizer))?;
        document::write_event(&mut stored.doc, &details, &picture, Utc::now())?;
        self.save(&mut stored)?;
        self.event(id)
    }

    /// Turns a draft into a published event (a no-op for one already published).
    pub fn publish_event(&mut self, id: &str) -> Result<EventView> {
        let current = self.event(id)?;
        if !current.event.details.draft {
            return Ok(current);
        }
        let mut input = EventInput::from_event(&current.event);
        input.draft = false;
        self.update_event(id, input)
    }

    /// The occurrences of one event that overlap `[from, to)`, the first `limit` of them (at most
    /// [`recurrence::LISTING_CAP`] when the range has no end), cancelled and moved ones included.
    pub fn occurrences(
        &self,
        id: &str,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        limit: Option<usize>,
    ) -> Result<Vec<Occurrence>> {
        let view = self.event(id)?;
        let cap = if to.is_some() { usize::MAX } else { recurrence::LISTING_CAP };
        let cap = limit.map_or(cap, |l| l.min(cap));
        Ok(recurrence::occurrences(&view.event.details, from, to, cap))
    }

    /// Cancels, moves or restores one occurrence of a repeating event. `at` names it by the start the
    /// rule gives it, as typed: a local time in the event's zone, an RFC 3339 instant, or a day for an
    /// all-day event. Moved times are read as the event form reads them.
    pub fn edit_occurrence(&mut self, id: &str, at: &str, edit: OccurrenceEdit) -> Result<EventView> {
        let view = self.event(id)?;
        let d = &view.event.details;
        if !d.repeats() {
            return Err(Error::invalid("at", "the event does not repeat: edit the event itself"));
        }
        let tz = crate::when::parse_zone(&d.timezone)?;
        let original = crate::when::parse_instant("at", at, tz, d.all_day)?;
        if !recurrence::is_occurrence(d, original) {
            let next: Vec<String> = recurrence::occurrences(d, Some(original), None, 3)
                .iter()
                .map(|o| crate::when::to_form(o.original_start, o.ends_at, &d.timezone, d.all_day).0)
                .collect();
            return Err(Error::invalid(
                "at",
                format!("no occurrence starts at {} (next ones: {})", at.trim(), next.join(", ")),
            ));
        }
        let mut input = EventInput::from_event(&view.event);
        let before = input.occurrence_changes.len();
        input.occurrence_changes.retain(|c| c.original_start != original);
        match edit {
            OccurrenceEdit::Cancel => {
                input.occurrence_changes.push(OccurrenceChange { original_start: original, change: Change::Cancelled })
            }
            OccurrenceEdit::Restore if input.occurrence_changes.len() == before => {
                return Err(Error::invalid("at", "that occurrence is neither cancelled nor moved"));
            }
            OccurrenceEdit::Restore => {}
            OccurrenceEdit::Move { start, end } => {
                let (starts_at, ends_at) = crate::when::parse_range(&start, &end, tz, d.all_day)?;
                let change = Change::Moved { starts_at, ends_at };
                input.occurrence_changes.push(OccurrenceChange { original_start: original, change });
            }
        }
        self.update_event(id, input)
    }

    /// Brings back a draft deleted here ("Undo"). A draft never left this account's devices, so
    /// nothing else acted on its deletion; a published event's deletion told the relay and its
    /// participants, and is not taken back this way.
    pub fn restore_draft(&mut self, id: &str) -> Result<EventView> {
        let mut stored = match self.store.load(id.trim())? {
            Some(stored) if stored.kind == Kind::Event => stored,
            _ => return Err(Error::not_found("event", id)),
        };
        if document::is_deleted(&stored.doc)? {
            if !document::read_event(&stored.doc, &stored.id)?.details.draft {
                return Err(Error::invalid(
                    "event",
                    "only a deleted draft comes back: a published event's deletion was already announced",
                ));
            }
            document::mark_restored(&mut stored.doc, Utc::now())?;
            self.save(&mut stored)?;
        }
        self.event(id)
    }

    pub fn delete_event(&mut self, id: &str) -> Result<()> {
        let mut stored = self.live_doc(id, Kind::Event, "event")?;
        self.check_editable(id)?;
        document::mark_deleted(&mut stored.doc, Utc::now())?;
        self.store.write(|tx| {
            documents::save(tx, &mut stored, true)?;
            index::put_document(tx, &stored)
        })
    }

    pub fn event(&self, id: &str) -> Result<EventView> {
        let mut view = index::event(self.store.conn(), id.trim())?.ok_or_else(|| Error::not_found("event", id))?;
        self.mark_groups(std::slice::from_mut(&mut view))?;
        Ok(view)
    }

    pub fn event_picture(&self, id: &str) -> Result<Option<Vec<u8>>> {
        let stored = self.live_doc(id, Kind::Event, "event")?;
        document::read_bytes(&stored.doc, "picture")
    }

    pub fn events(&self, filter: &EventFilter) -> Result<Vec<EventView>> {
        if let (Some(from), Some(to)) = (filter.from, filter.to) {
            if to <= from {
                return Err(Error::invalid("to", "must come after from"));
            }
        }
        let mut views = index::events(self.store.conn(), filter)?;
        self.mark_groups(&mut views)?;
        Ok(views)
    }

    /// What a calendar shows in `[from, to)` (open-ended where `None`): this profile's events, one entry per occurrence, drafts
    /// included, and the events its identities take part in (as last heard from the relay), each
    /// marked so that a clash with one's own choir shows.
    pub fn calendar(&self, from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> Result<Vec<CalendarEntry>> {
        let filter = EventFilter { from, to, ..Default::default() };
        let mut entries: Vec<CalendarEntry> =
            self.events(&filter)?.into_iter().map(|v| CalendarEntry::from_view(&v)).collect();
        let active = [ParticipationStatus::Going, ParticipationStatus::Pending, ParticipationStatus::Waitlisted];
        for p in self.my_participations()? {
            let (Some(event), true) = (&p.event, active.contains(&p.status)) else { continue };
            let mut found = false;
            for e in entries.iter_mut().filter(|e| e.event_id == p.event_id) {
                e.taking_part = Some(p.status);
                found = true;
            }
            if !found && to.is_none_or(|to| event.starts_at < to) && from.is_none_or(|from| event.ends_at > from) {
                entries.push(CalendarEntry {
                    event_id: p.event_id.clone(),
                    title: event.title.clone(),
                    starts_at: event.starts_at,
                    ends_at: event.ends_at,
                    all_day: event.all_day,
                    timezone: event.timezone.clone(),
                    occurrence: None,
                    repeats: false,
                    mine: false,
                    group: None,
                    draft: false,
                    cancelled: false,
                    taking_part: Some(p.status),
                    organizer: event.organizer.clone(),
                    place: event.place.clone(),
                    online: false,
                    category: None,
                    has_picture: false,
                    page: Some(event.url.clone()),
                    remote: false,
                });
            }
        }
        let standing = self.remote_standing()?;
        for e in crate::store::remote::events(self.store.conn(), from, to)? {
            entries.push(CalendarEntry::from_remote(&e, standing.get(&e.event.id).copied()));
        }
        entries.sort_by(|a, b| a.starts_at.cmp(&b.starts_at).then(a.title.cmp(&b.title)));
        Ok(entries)
    }

    /// An .ics of one event, of one identity's events, or of every event (drafts included: this is
    /// the person's own calendar).
    pub fn export_ics(&self, selection: &ExportSelection) -> Result<(String, usize)> {
        let (events, name) = match selection {
            ExportSelection::Event(id) => (vec![self.event(id)?], None),
            ExportSelection::Identity(key) => {
                let identity = self.identity(key)?;
                let filter =
                    EventFilter { organizer_id: Some(identity.id.clone()), series: true, ..Default::default() };
                (self.events(&filter)?, Some(format!("{} (@{})", identity.display_name, identity.username)))
            }
            ExportSelection::All => {
                (self.events(&EventFilter { series: true, ..Default::default() })?, Some("Rally".to_string()))
            }
        };
        let items: Vec<ical::IcsEvent> =
            events.iter().map(|view| ical::IcsEvent { event: &view.event, page_url: None }).collect();
        Ok((ical::calendar(&items, &ical::CalendarMeta { name, refresh: None }), events.len()))
    }

    /// Imports the events of an .ics file as drafts of `identity` (or, previewing, says what it would
    /// do). Times the file gives without a zone are read in `floating`, unless the calendar names one.
    /// An event imported before by this identity (same UID) is left alone; what cannot become an
    /// event is listed with the reason.
    pub fn import_ics(
        &mut self,
        bytes: &[u8],
        identity: &str,
        floating: &str,
        mode: ImportMode,
    ) -> Result<ImportReport> {
        let dry_run = mode == ImportMode::Preview;
        let organizer = self.identity(identity)?;
        let floating = crate::when::parse_zone(floating)?;
        let reading = ical::import::read_events(bytes, floating)
            .map_err(|e| Error::invalid("file", format!("not a calendar this can read: {e}")))?;
        let filter = EventFilter { organizer_id: Some(organizer.id.clone()), series: true, ..Default::default() };
        let known: std::collections::HashMap<String, EventView> =
            self.events(&filter)?.into_iter().filter_map(|v| Some((v.event.source_uid.clone()?, v))).collect();
        let mut report = ImportReport {
            skipped: reading
                .skipped
                .into_iter()
                .map(|s| SkippedEvent { uid: s.uid, title: s.title, reason: s.reason })
                .collect(),
            skipped_lines: reading.skipped_lines.iter().map(ToString::to_string).collect(),
            ..Default::default()
        };
        for incoming in reading.events {
            if let ImportMode::Only(chosen) = mode {
                if !chosen.contains(&incoming.uid) {
                    continue;
                }
            }
            if let Some(existing) = known.get(&incoming.uid) {
                report.already_there.push(ImportedEvent {
                    uid: incoming.uid,
                    id: Some(existing.event.id.clone()),
                    title: existing.event.details.title.clone(),
                    starts_at: existing.event.details.starts_at,
                    all_day: existing.event.details.all_day,
                    timezone: existing.event.details.timezone.clone(),
                    repeats: recurrence::describe(&existing.event.details),
                });
                continue;
            }
            for what in &incoming.left_out {
                report.skipped_lines.push(format!("{}: {what}", incoming.uid));
            }
            let input = imported_input(&organizer.id, &incoming);
            let checked = self.check_event(input);
            let (mut details, picture) = match checked {
                Ok(checked) => checked,
                Err(err) => {
                    report.skipped.push(SkippedEvent {
                        uid: Some(incoming.uid),
                        title: Some(incoming.title),
                        reason: err.to_string(),
                    });
                    continue;
                }
            };
            // iCalendar ignores an EXDATE or RECURRENCE-ID that names no occurrence; so does Rally, saying so.
            let changes = std::mem::take(&mut details.occurrence_changes);
            let (kept, stray): (Vec<_>, Vec<_>) =
                changes.into_iter().partition(|c| recurrence::is_occurrence(&details, c.original_start));
            details.occurrence_changes = kept;
            let texts = std::mem::take(&mut details.occurrence_texts);
            let (kept_texts, stray_texts): (Vec<_>, Vec<_>) =
                texts.into_iter().partition(|t| recurrence::is_occurrence(&details, t.original_start));
            details.occurrence_texts = kept_texts;
            let strays = stray.iter().map(|c| c.original_start).chain(stray_texts.iter().map(|t| t.original_start));
            for original in strays {
                report.skipped_lines.push(format!(
                    "{}: the change of the occurrence at {} names no occurrence of the event; left out",
                    incoming.uid,
                    original.to_rfc3339()
                ));
            }
            let id = if dry_run {
                None
            } else {
                let now = Utc::now();
                let mut stored = self.store.new_doc(Kind::Event, now)?;
                document::write_event(&mut stored.doc, &details, &picture, now)?;
                document::set_source_uid(&mut stored.doc, &incoming.uid)?;
                self.save(&mut stored)?;
                Some(stored.id)
            };
            report.imported.push(ImportedEvent {
                uid: incoming.uid,
                id,
                repeats: recurrence::describe(&details),
                title: details.title,
                starts_at: details.starts_at,
                all_day: details.all_day,
                timezone: details.timezone,
            });
        }
        Ok(report)
    }

    /// Saves one event's .ics in `dir` under a name from its title (never over another file), for the
    /// person to open with their calendar; returns where.
    pub fn save_event_ics(&self, id: &str, dir: &Path) -> Result<PathBuf> {
        let view = self.event(id)?;
        let (ics, _) = self.export_ics(&ExportSelection::Event(view.event.id.clone()))?;
        save_new_file(dir, &slug(&view.event.details.title, "event"), "ics", &ics)
    }

    /// Saves the participant list of one of this profile's events as CSV in `dir`; returns where.
    pub fn save_participants_csv(&self, id: &str, dir: &Path) -> Result<PathBuf> {
        let view = self.event(id)?;
        let csv = self.participants_csv(&view.event.id)?;
        save_new_file(dir, &format!("{}-participants", slug(&view.event.details.title, "event")), "csv", &csv)
    }

    /// Where an event can be found and shared from: its relay page and calendars once published (and
    /// not private) on a relay this profile is logged in to, and share links.
    pub fn event_links(&self, id: &str) -> Result<EventLinks> {
        let view = self.event(id)?;
        let d = &view.event.details;
        let relay = self.account_link()?.map(|link| link.server.trim_end_matches('/').to_string());
        let public = !d.draft && d.visibility != crate::model::Visibility::Private;
        let page = relay.as_ref().filter(|_| public).map(|server| format!("{server}/events/{}", view.event.id));
        let feed = relay
            .as_ref()
            .filter(|_| public && d.visibility == crate::model::Visibility::Public && !view.organizer.is_empty())
            .map(|server| format!("{server}/@{}/feed.ics", view.organizer));
        Ok(EventLinks {
            ics: page.as_ref().map(|p| format!("{p}.ics")),
            feed_webcal: feed.as_ref().and_then(|f| f.split_once("://")).map(|(_, rest)| format!("webcal://{rest}")),
            feed_https: feed,
            mailto: crate::share::mailto(d, page.as_deref()),
            share_text: crate::share::text(d, page.as_deref()),
            networks: page
                .as_deref()
                .map(|p| crate::share::networks(d, p))
                .unwrap_or_default()
                .into_iter()
                .map(|(name, url)| ShareLink { name: name.into(), url })
                .collect(),
            page,
        })
    }

    pub fn search_events(&self, text: &str) -> Result<Vec<EventView>> {
        index::search(self.store.conn(), text, SEARCH_LIMIT)
    }

    /// Keeps the relay's answer on participations: this account's own and the requests to its events.
    pub fn set_participations(&mut self, all: &Participations) -> Result<()> {
        self.store.write(|tx| participations::replace(tx, all))
    }

    /// Keeps one participation the relay just answered with (a join, a leave) until the next refresh.
    pub fn put_my_participation(&mut self, p: &Participation) -> Result<()> {
        self.store.write(|tx| participations::put(tx, "mine", p))
    }

    /// Everything kept of participations, as the relay last answered.
    pub fn participations_kept(&self) -> Result<Participations> {
        let conn = self.store.conn();
        Ok(Participations {
            mine: participations::list(conn, "mine", None)?,
            organizing: participations::list(conn, "organizing", None)?,
        })
    }

    /// This account's participations, with their events, as last heard from the relay.
    pub fn my_participations(&self) -> Result<Vec<Participation>> {
        participations::list(self.store.conn(), "mine", None)
    }

    /// The requests to one of this profile's events, with decisions taken here and not sent yet.
    pub fn requests(&self, event_id: &str) -> Result<Vec<ParticipantEntry>> {
        let event_id = self.event(event_id)?.event.id;
        let conn = self.store.conn();
        participations::list(conn, "organizing", Some(&event_id))?
            .into_iter()
            .map(|p| {
                let pending = participations::pending_for(conn, &p.id)?;
                let note = participations::note(conn, &p.id)?;
                Ok(ParticipantEntry { participation: p, pending, note })
            })
            .collect()
    }

    /// Accepts or refuses requests to an event, here and now, offline too: the decisions reach the
    /// relay with the next sync, which applies the first decision made on each request.
    pub fn decide(&mut self, event_id: &str, ids: &[String], decision: Decision) -> Result<Vec<ParticipantEntry>> {
        let event_id = self.event(event_id)?.event.id;
        let known = participations::list(self.store.conn(), "organizing", Some(&event_id))?;
        for id in ids {
            if !known.iter().any(|p| p.id == id.trim()) {
                return Err(Error::not_found("request", format!("{} to this event (rally sync first?)", id.trim())));
            }
        }
        let now = Utc::now();
        self.store.write(|tx| {
            for id in ids {
                participations::record_decision(tx, &event_id, id.trim(), decision, now)?;
            }
            Ok(())
        })?;
        self.requests(&event_id)
    }

    /// The ids of every request to this account's events this device has heard of.
    pub fn known_request_ids(&self) -> Result<Vec<String>> {
        Ok(participations::list(self.store.conn(), "organizing", None)?.into_iter().map(|p| p.id).collect())
    }

    /// Decisions taken here that the relay has not answered yet, with their event.
    pub fn pending_decisions(&self) -> Result<Vec<(String, DecisionRequest)>> {
        participations::pending(self.store.conn())
    }

    pub fn decisions_sent(&mut self, results: &[DecisionResult]) -> Result<()> {
        self.store.write(|tx| participations::sent(tx, results))
    }

    /// The participants of one of this account's events as CSV (RFC 4180), for a spreadsheet.
    pub fn participants_csv(&self, event_id: &str) -> Result<String> {
        let event = self.event(event_id)?.event;
        let field = |text: &str| {
            if text.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", text.replace('"', "\"\""))
            } else {
                text.to_string()
            }
        };
        let mut csv =
            String::from("name,username,status,waiting_list_position,message,asked_at,changed_at,decision_to_send\r\n");
        for entry in self.requests(&event.id)? {
            let p = &entry.participation;
            let row = [
                field(&p.name),
                field(p.username.as_deref().unwrap_or("")),
                p.status.as_str().to_string(),
                p.waitlist_position.map(|n| n.to_string()).unwrap_or_default(),
                field(&p.message),
                p.created_at.to_rfc3339(),
                p.updated_at.to_rfc3339(),
                entry.pending.map(|d| d.as_str().to_string()).unwrap_or_default(),
            ];
            csv.push_str(&row.join(","));
            csv.push_str("\r\n");
        }
        Ok(csv)
    }

    /// A value the sync engine keeps for itself (samod's storage id).
    pub fn sync_meta(&self, key: &str) -> Result<Option<Vec<u8>>> {
        self.store.meta(key)
    }

    pub fn set_sync_meta(&mut self, key: &str, value: Option<&[u8]>) -> Result<()> {
        self.store.set_meta(key, value)
    }

    /// Every document of the profile, deleted ones included: what sync offers the relay.
    pub fn document_ids(&self) -> Result<Vec<String>> {
        documents::all_ids(self.store.conn())
    }

    /// Documents written at or after `since` (unix ms), by anyone, and the latest write time: how a
    /// long-running sync notices writes made by other processes on the same profile.
    pub fn documents_changed_since(&self, since: i64) -> Result<(Vec<String>, i64)> {
        documents::changed_since(self.store.conn(), since)
    }

    /// A document's stored bytes (snapshot, then the chunks since), for a sync engine to load.
    pub fn document_bytes(&self, id: &str) -> Result<Option<documents::DocumentBytes>> {
        documents::bytes(self.store.conn(), id)
    }

    /// Merges bytes that came from elsewhere (another device, through the relay) into a document,
    /// creating it if this profile has never seen it, and re-indexes it. Returns whether it changed.
    ///
    /// Sync delivers a document change by change, in any order: bytes whose dependencies have not
    /// arrived are kept (`incoming_chunks`) and applied again with every later arrival, so nothing
    /// received is ever dropped. Bytes that are not Automerge at all are refused and change nothing.
    pub fn merge_document(&mut self, id: &str, bytes: &[u8]) -> Result<bool> {
        if !document::is_id(id) {
            return Err(Error::invalid("document", format!("\"{id}\" is not a document id")));
        }
        let damaged = |e: automerge::AutomergeError| Error::Document { id: id.into(), message: e.to_string() };
        let pending = documents::incoming(self.store.conn(), id)?;
        let existing = self.store.load(id)?;
        let (mut doc, before) = match &existing {
            Some(stored) => {
                let mut doc = stored.doc.clone();
                let heads = doc.get_heads();
                (doc, Some(heads))
            }
            None => (automerge::AutoCommit::new(), None),
        };
        // Bytes that are not Automerge fail here, before anything is written.
        for chunk in pending.iter().map(Vec::as_slice).chain([bytes]) {
            doc.load_incremental(chunk).map_err(damaged)?;
        }
        let complete = doc.get_missing_deps(&[]).is_empty();
        let mut stored = match existing {
            Some(mut stored) => {
                stored.doc = doc;
                stored
            }
            None => match document::kind(&doc, id) {
                Ok(kind) => self.store.adopt(id, kind, doc),
                // Not enough of it yet to know what it is: keep the bytes for later.
                Err(_) => {
                    self.store.write(|tx| documents::keep_incoming(tx, id, bytes))?;
                    return Ok(false);
                }
            },
        };
        let changed = before.as_ref() != Some(&stored.doc.get_heads());
        let deleted = document::is_deleted(&stored.doc)?;
        self.store.write(|tx| {
            if complete {
                documents::clear_incoming(tx, id)?;
            } else {
                documents::keep_incoming(tx, id, bytes)?;
            }
            if changed {
                documents::save(tx, &mut stored, deleted)?;
                index::put_received(tx, &stored)?;
            }
            Ok(())
        })?;
        Ok(changed)
    }

    fn check_event(&self, input: EventInput) -> Result<(crate::model::EventDetails, ImageChange)> {
        self.check_event_by(input, None)
    }

    /// Checks an event form; `organizer` is the one an edited event has, which a group's editor keeps
    /// even when it is another member's identity.
    fn check_event_by(
        &self,
        input: EventInput,
        organizer: Option<&str>,
    ) -> Result<(crate::model::EventDetails, ImageChange)> {
        let mut details = validate::event(&input)?;
        self.check_group(details.group_id.as_deref())?;
        let kept = details.group_id.is_some() && organizer == Some(details.organizer_id.as_str());
        if !kept {
            let organizer = index::identity(self.store.conn(), &details.organizer_id)?.ok_or_else(|| {
                Error::invalid("organizer_id", format!("no identity \"{}\" in this profile", input.organizer_id))
            })?;
            details.organizer_id = organizer.id;
        }
        Ok((details, image::picture(input.picture)?))
    }

    fn live_doc(&self, id: &str, kind: Kind, what: &'static str) -> Result<StoredDoc> {
        match self.store.load(id.trim())? {
            Some(stored) if stored.kind == kind && !document::is_deleted(&stored.doc)? => Ok(stored),
            _ => Err(Error::not_found(what, id)),
        }
    }

    fn save(&mut self, stored: &mut StoredDoc) -> Result<()> {
        self.store.write(|tx| {
            documents::save(tx, stored, false)?;
            index::put_document(tx, stored)
        })
    }
}

/// A file name from a title: "Repair café #2" → "repair-caf-2" (at most eight words), else `fallback`.
fn slug(title: &str, fallback: &str) -> String {
    let slug = title
        .chars()
        .map(|c| if c.is_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|w| !w.is_empty())
        .take(8)
        .collect::<Vec<_>>()
        .join("-");
    if slug.is_empty() {
        fallback.to_string()
    } else {
        slug
    }
}

/// Writes `content` to `dir/stem.ext`, or `stem-2.ext`, … : never over a file already there.
fn save_new_file(dir: &Path, stem: &str, ext: &str, content: &str) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|source| Error::File { path: dir.display().to_string(), source })?;
    let path = (1..)
        .map(|n| dir.join(if n == 1 { format!("{stem}.{ext}") } else { format!("{stem}-{n}.{ext}") }))
        .find(|p| !p.exists())
        .expect("a free name");
    std::fs::write(&path, content).map_err(|source| Error::File { path: path.display().to_string(), source })?;
    Ok(path)
}

/// The form an imported VEVENT fills in: a draft, times as instants (days as days), text cut to the
/// limits the form has.
fn imported_input(organizer_id: &str, e: &ical::import::Incoming) -> EventInput {
    let cut = |text: &str, max: usize| text.chars().take(max).collect::<String>();
    let tz: chrono_tz::Tz = e.timezone.parse().unwrap_or(chrono_tz::UTC);
    let (start, end) = if e.all_day {
        let first = e.starts_at.with_timezone(&tz).date_naive();
        // The form takes the last day; the file's end is the day after it.
        let last = (e.ends_at.with_timezone(&tz).date_naive() - chrono::Duration::days(1)).max(first);
        (first.to_string(), last.to_string())
    } else {
        (e.starts_at.to_rfc3339(), e.ends_at.to_rfc3339())
    };
    // A place is one line in the form; files often write the address over several.
    let place = ical::import::place_of(e.location.as_deref(), e.geo).unwrap_or_default();
    let mut tags: Vec<String> = Vec::new();
    for tag in &e.tags {
        let tag = cut(&tag.replace(',', " "), validate::MAX_TAG).trim().to_string();
        if !tag.is_empty() && tags.len() < validate::MAX_TAGS && !tags.iter().any(|t| t.eq_ignore_ascii_case(&tag)) {
            tags.push(tag);
        }
    }
    EventInput {
        organizer_id: organizer_id.to_string(),
        title: cut(&e.title, validate::MAX_TITLE),
        description: cut(&e.description, validate::MAX_DESCRIPTION),
        start,
        end,
        timezone: tz.name().to_string(),
        all_day: e.all_day,
        place_name: place.name,
        address: place.address,
        latitude: place.latitude,
        longitude: place.longitude,
        status: if e.cancelled {
            crate::model::EventStatus::Cancelled
        } else if e.tentative {
            crate::model::EventStatus::Tentative
        } else {
            crate::model::EventStatus::Confirmed
        },
        draft: true,
        tags,
        repeat: e.repeat.clone(),
        extra_starts: e.extra_starts.clone(),
        occurrence_changes: e.occurrence_changes.clone(),
        occurrence_texts: e.occurrence_texts.clone(),
        ..Default::default()
    }
}
