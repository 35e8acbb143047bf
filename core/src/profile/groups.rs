//! Groups on a device: their documents (written by administrators, offline too), the relay's last
//! word on the account's memberships, and who may edit which event.

use chrono::Utc;

use super::Profile;
use crate::document::{self, Kind};
use chrono::DateTime;

use crate::model::{
    CalendarEntry, EventFilter, EventView, Group, GroupDecision, GroupInput, GroupMembers, GroupOverview, GroupRole,
    Member, MemberState, MyGroup, PendingGroupDecision,
};
use crate::store::{index, memberships};
use crate::{image, validate, Error, Result};

impl Profile {
    /// Starts a group's document, founded by one of this profile's identities, which becomes its
    /// administrator here. The relay must then register it (`client::groups::create`), which claims
    /// its `@username`; [`Profile::forget_group`] takes it back if the relay refuses.
    pub fn create_group(&mut self, founder: &str, input: GroupInput) -> Result<Group> {
        let founder = self.identity(founder)?;
        let text = validate::group(&input).map_err(first)?;
        let (avatar, banner) = (image::avatar(input.avatar)?, image::picture(input.banner)?);
        let now = Utc::now();
        let mut stored = self.store.new_doc(Kind::Group, now)?;
        document::write_group(&mut stored.doc, &text, (input.visibility, input.openness), (&avatar, &banner), now)?;
        self.save(&mut stored)?;
        let mine = MyGroup {
            group_id: stored.id.clone(),
            username: text.username,
            name: text.name,
            identity_id: founder.id,
            state: MemberState::Member(GroupRole::Administrator),
            documents: vec![stored.id.clone()],
        };
        self.store.write(|tx| memberships::put(tx, &mine))?;
        self.group(&stored.id)
    }

    /// A group the relay did not register: gone from this profile (marked deleted, as any document).
    pub fn forget_group(&mut self, id: &str) -> Result<()> {
        let mut stored = self.live_doc(id, Kind::Group, "group")?;
        document::mark_deleted(&mut stored.doc, Utc::now())?;
        self.store.write(|tx| {
            crate::store::documents::save(tx, &mut stored, true)?;
            index::put_document(tx, &stored)?;
            memberships::remove(tx, id)
        })
    }

    /// Edits a group's settings: its administrators' to do, offline too. Its username stays.
    pub fn update_group(&mut self, key: &str, input: GroupInput) -> Result<Group> {
        let current = self.group(key)?;
        if self.group_role(&current.id)? != Some(GroupRole::Administrator) {
            return Err(Error::invalid(
                "group",
                format!("only @{}'s administrators change its settings", current.username),
            ));
        }
        let input = GroupInput { username: current.username.clone(), ..input };
        let text = validate::group(&input).map_err(first)?;
        let (avatar, banner) = (image::avatar(input.avatar)?, image::picture(input.banner)?);
        let mut stored = self.live_doc(&current.id, Kind::Group, "group")?;
        document::write_group(
            &mut stored.doc,
            &text,
            (input.visibility, input.openness),
            (&avatar, &banner),
            Utc::now(),
        )?;
        self.save(&mut stored)?;
        self.group(&current.id)
    }

    /// A group whose document this profile has, by id or `@username`.
    pub fn group(&self, key: &str) -> Result<Group> {
        index::group(self.store.conn(), key)?.ok_or_else(|| Error::not_found("group", key))
    }

    /// A group's id from its id or `@username`, among the groups this profile has or the account is
    /// in (an invitation's group has no document here yet).
    pub fn group_key(&self, key: &str) -> Result<Option<String>> {
        let key = key.trim().trim_start_matches('@');
        if let Some(g) = index::group(self.store.conn(), key)? {
            return Ok(Some(g.id));
        }
        Ok(self.my_groups()?.into_iter().find(|g| g.group_id == key || g.username == key).map(|g| g.group_id))
    }

    /// The groups whose documents this profile has.
    pub fn groups(&self) -> Result<Vec<Group>> {
        index::groups(self.store.conn())
    }

    pub fn group_image(&self, key: &str, which: &str) -> Result<Option<Vec<u8>>> {
        let group = self.group(key)?;
        let stored = self.live_doc(&group.id, Kind::Group, "group")?;
        document::read_bytes(&stored.doc, which)
    }

    /// Replaces what this device knows of the account's groups with the relay's answer.
    pub fn set_my_groups(&mut self, all: &[MyGroup]) -> Result<()> {
        self.store.write(|tx| memberships::replace(tx, all))
    }

    /// The account's groups, invitations and requests, as the relay last told them.
    pub fn my_groups(&self) -> Result<Vec<MyGroup>> {
        memberships::list(self.store.conn())
    }

    /// The account's groups, invitations and requests, each with its group's document if it is here.
    pub fn group_overviews(&self) -> Result<Vec<GroupOverview>> {
        self.my_groups()?
            .into_iter()
            .map(|membership| {
                let group = index::group(self.store.conn(), &membership.group_id)?;
                Ok(GroupOverview { membership, group })
            })
            .collect()
    }

    /// A group's calendar in `[from, to)`: its events, one entry per occurrence (its drafts, which
    /// only its editors' devices have, marked).
    pub fn group_calendar(
        &self,
        group: &str,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> Result<Vec<CalendarEntry>> {
        let id = self.group_key(group)?.ok_or_else(|| Error::not_found("group", group))?;
        let filter = EventFilter { from, to, group_id: Some(id), ..Default::default() };
        Ok(self.events(&filter)?.iter().map(CalendarEntry::from_view).collect())
    }

    /// A group's members as last heard, with the decisions not sent yet and the notes of those that
    /// did not apply.
    pub fn group_members(&self, group: &str) -> Result<GroupMembers> {
        let conn = self.store.conn();
        Ok(GroupMembers {
            members: memberships::members(conn, group)?,
            pending: memberships::pending(conn, Some(group))?,
            notes: memberships::notes(conn, group)?,
            offline: None,
        })
    }

    /// Keeps the relay's list of a group's members.
    pub fn set_group_members(&mut self, group: &str, members: &[Member]) -> Result<()> {
        self.store.write(|tx| memberships::set_members(tx, group, members))
    }

    /// An administrator's decision made here (offline too): kept until the next sync sends it.
    pub fn decide_on_member(&mut self, group: &str, decision: GroupDecision) -> Result<GroupMembers> {
        if self.group_role(group)? != Some(GroupRole::Administrator) {
            return Err(Error::invalid("group", "only the group's administrators decide on its members"));
        }
        match &decision {
            GroupDecision::Invite { username } => {
                validate::username(username.trim().trim_start_matches('@'))?;
            }
            GroupDecision::Act { identity_id, .. } if identity_id.trim().is_empty() => {
                return Err(Error::invalid("identity_id", "name the member"));
            }
            GroupDecision::Act { .. } => {}
        }
        self.store.write(|tx| memberships::record_decision(tx, group, &decision, Utc::now()))?;
        self.group_members(group)
    }

    /// Decisions waiting to be sent, oldest first.
    pub fn pending_group_decisions(&self) -> Result<Vec<PendingGroupDecision>> {
        memberships::pending(self.store.conn(), None)
    }

    /// The relay answered a decision: it leaves the queue; `note` says why it did not apply.
    pub fn group_decision_sent(&mut self, decision: &PendingGroupDecision, note: Option<&str>) -> Result<()> {
        self.store.write(|tx| memberships::decision_sent(tx, decision.id, &decision.group_id, note))
    }

    /// This account's role in a group, as last heard.
    pub fn group_role(&self, group_id: &str) -> Result<Option<GroupRole>> {
        Ok(memberships::get(self.store.conn(), group_id)?.and_then(|g| g.role()))
    }

    /// What sync does with this profile's documents: its own are listed in the account's root
    /// document; a group's are synced as the relay last listed the account's groups, plus those made
    /// here that the account may write (a new event of a group it edits), and never listed as its own.
    pub fn sync_plan(&self) -> Result<SyncPlan> {
        let tied: std::collections::HashMap<String, String> =
            index::group_documents(self.store.conn())?.into_iter().collect();
        let mine = self.my_groups()?;
        let role = |group: &str| mine.iter().find(|g| g.group_id == group).and_then(MyGroup::role);
        let own = self.document_ids()?.into_iter().filter(|id| !tied.contains_key(id)).collect();
        let mut groups: Vec<String> = mine.iter().flat_map(|g| g.documents.iter().cloned()).collect();
        for (id, group) in &tied {
            let writes = match role(group) {
                Some(GroupRole::Administrator) => true,
                Some(role) => id != group && role.edits_events(),
                None => false,
            };
            if writes {
                groups.push(id.clone());
            }
        }
        groups.sort();
        groups.dedup();
        Ok(SyncPlan { own, groups, tied: tied.into_keys().collect() })
    }

    /// Whether this profile may change an event: its own (organized by one of its identities) when it
    /// belongs to no group; a group's when its account edits that group's events.
    pub fn may_edit(&self, event: &EventView) -> Result<bool> {
        match &event.event.details.group_id {
            Some(group) => Ok(self.group_role(group)?.is_some_and(GroupRole::edits_events)),
            None => Ok(index::identity(self.store.conn(), &event.event.details.organizer_id)?.is_some()),
        }
    }

    /// Marks groups' events with their group, and those this profile may only read.
    pub(super) fn mark_groups(&self, views: &mut [EventView]) -> Result<()> {
        let mut known: std::collections::HashMap<String, (Option<String>, bool)> = std::collections::HashMap::new();
        for view in views.iter_mut() {
            let Some(group) = view.event.details.group_id.clone() else { continue };
            if !known.contains_key(&group) {
                let name = index::group(self.store.conn(), &group)?.map(|g| g.username);
                let edits = self.group_role(&group)?.is_some_and(GroupRole::edits_events);
                known.insert(group.clone(), (name, edits));
            }
            let (name, edits) = &known[&group];
            view.group = name.clone();
            view.read_only = !edits;
        }
        Ok(())
    }

    /// Refuses a change to an event this profile may only read, naming why.
    pub(super) fn check_editable(&self, id: &str) -> Result<()> {
        let current = self.event(id)?;
        if self.may_edit(&current)? {
            return Ok(());
        }
        Err(match &current.event.details.group_id {
            Some(group) => {
                let name = self.group(group).map(|g| format!("@{}", g.username)).unwrap_or_else(|_| "its group".into());
                Error::invalid("event", format!("only {name}'s administrators and moderators change this event"))
            }
            None => Error::invalid("event", "only its organizer's devices change this event"),
        })
    }

    /// A group event's organizer: one of this profile's identities, or, editing, the one it has.
    pub(super) fn check_group(&self, group_id: Option<&str>) -> Result<()> {
        let Some(group) = group_id else { return Ok(()) };
        if self.group_role(group)?.is_some_and(GroupRole::edits_events) {
            return Ok(());
        }
        Err(Error::invalid("group_id", "only the group's administrators and moderators add events to it"))
    }
}

/// See [`Profile::sync_plan`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncPlan {
    /// The account's own documents: listed in its root document.
    pub own: Vec<String>,
    /// The groups' documents to sync.
    pub groups: Vec<String>,
    /// Every document here tied to a group (synced only when in `groups`).
    pub tied: Vec<String>,
}

fn first(mut problems: Vec<Error>) -> Error {
    problems.swap_remove(0)
}
