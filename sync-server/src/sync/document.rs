//! One document the relay has in memory, and the sync state of each connection that asked for it.
//! No IO here: receiving a message returns the frames to send, and the caller (the hub) has already
//! stored the changes the message carries.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use automerge::sync::{self, SyncDoc};
use automerge::AutoCommit;

use super::access::{decide, Access, DocFacts, Roles};
use super::peer::Peer;
use super::view::{document_view, DocumentChanged, DocumentView};
use super::wire::{self, Message};
use crate::{Error, Result};

/// The most accounts that may offer one unowned document at once.
const MAX_OFFERS: usize = 16;

pub struct LiveDoc {
    pub id: String,
    doc: AutoCommit,
    pub facts: DocFacts,
    /// Chunks on disk since the last compaction.
    pub chunks: usize,
    syncs: HashMap<u64, PeerSync>,
    /// Peers told the document is unavailable: they hear from it if it becomes available to them
    /// (uploaded by another device, or published), as automerge-repo expects of a relay.
    waiting: HashMap<u64, Arc<Peer>>,
    pub last_used: Instant,
    roles: Arc<Roles>,
    /// What it said at its last change (or when loaded): the `before` of the next one.
    view: DocumentView,
}

struct PeerSync {
    peer: Arc<Peer>,
    state: sync::State,
}

/// Frames to send, each to one peer.
pub type Outgoing = Vec<(Arc<Peer>, Vec<u8>)>;

/// What receiving a message did.
pub struct Received {
    pub outgoing: Outgoing,
    /// The sender was told the document is unavailable (and waits to hear if that changes).
    pub unavailable: bool,
    /// Set when the document changed: what it said and says.
    pub changed: Option<DocumentChanged>,
}

impl LiveDoc {
    pub fn new(
        id: String,
        doc: AutoCommit,
        facts: DocFacts,
        chunks: usize,
        view: DocumentView,
        roles: Arc<Roles>,
    ) -> LiveDoc {
        LiveDoc {
            id,
            doc,
            facts,
            chunks,
            syncs: HashMap::new(),
            waiting: HashMap::new(),
            last_used: Instant::now(),
            roles,
            view,
        }
    }

    /// A document the relay does not have (yet).
    pub fn missing(id: String, roles: Arc<Roles>) -> LiveDoc {
        LiveDoc::new(id, AutoCommit::new(), DocFacts::default(), 0, DocumentView::Other, roles)
    }

    fn decide(&self, account: &str) -> Access {
        let role = self.facts.group.as_deref().and_then(|group| self.roles.of(account, group));
        decide(&self.facts, account, role)
    }

    /// An event that names a group joins it only when its writer edits that group's events; it leaves
    /// its group when a writer (who may write it) says so. Otherwise the relay keeps the group it had,
    /// and pages show nothing of the event (see `projection`).
    fn follow_group(&mut self, writer: &str, named: Option<String>) {
        if named == self.facts.group {
            return;
        }
        let allowed = match &named {
            Some(group) => self.roles.of(writer, group).is_some_and(rally_core::model::GroupRole::edits_events),
            None => true,
        };
        if allowed {
            self.facts.group = named;
        }
    }

    /// What `from` may do with its message, once its message counts: a `sync` (not a `request`) for a
    /// document the relay has nothing of offers it, and its account may then send first changes; the
    /// first changes make their account the owner, for good, before they reach anyone.
    pub fn admit(&mut self, from: &Peer, request: bool, has_changes: bool) -> Access {
        let empty = self.facts.owner.is_none() && self.chunks == 0 && self.doc.get_heads().is_empty();
        let offers = &mut self.facts.offered_by;
        if !request && empty && offers.len() < MAX_OFFERS && !offers.contains(&from.account) {
            offers.push(from.account.clone());
        }
        let access = self.access(from);
        if access == Access::ReadWrite && has_changes && self.facts.owner.is_none() {
            self.facts.owner = Some(from.account.clone());
            self.facts.offered_by.clear();
        }
        access
    }

    pub fn access(&self, peer: &Peer) -> Access {
        self.decide(&peer.account)
    }

    /// A change the relay itself makes (a moderators' deletion), as its own actor: the change's bytes,
    /// to store, and what it did. Every peer syncing it hears of it through [`LiveDoc::access_changed`].
    pub fn change_here(
        &mut self,
        change: impl FnOnce(&mut AutoCommit) -> rally_core::Result<()>,
    ) -> Result<(Vec<u8>, DocumentChanged)> {
        let heads = self.doc.get_heads();
        change(&mut self.doc).map_err(|e| Error::Protocol(format!("changing {}: {e}", self.id)))?;
        let bytes = self.doc.save_after(&heads);
        let after = document_view(&self.doc, &self.id);
        let before = std::mem::replace(&mut self.view, after.clone());
        self.facts.event = after.event_facts();
        Ok((bytes, DocumentChanged { id: self.id.clone(), before, after }))
    }

    /// What it says now.
    pub fn view(&self) -> &DocumentView {
        &self.view
    }

    pub fn has_peers(&self) -> bool {
        !self.syncs.is_empty() || !self.waiting.is_empty()
    }

    pub fn save(&mut self) -> Vec<u8> {
        self.doc.save()
    }

    /// Applies a sync message from `from` (whose changes, if it may write, are already stored) and
    /// answers it; if the document changed, every other peer syncing it that may still read it hears
    /// of the change.
    pub fn receive(&mut self, from: &Arc<Peer>, message: sync::Message) -> Result<Received> {
        self.last_used = Instant::now();
        let access = self.access(from);
        if access == Access::None {
            self.syncs.remove(&from.connection);
            self.waiting.insert(from.connection, from.clone());
            return Ok(Received {
                outgoing: vec![(from.clone(), self.unavailable(from))],
                unavailable: true,
                changed: None,
            });
        }
        self.waiting.remove(&from.connection);
        let entry = self.syncs.entry(from.connection).or_insert_with(|| PeerSync {
            peer: from.clone(),
            state: if access == Access::ReadWrite { sync::State::new() } else { sync::State::new_read_only() },
        });
        entry.state.set_read_only(access != Access::ReadWrite);
        let before = self.doc.get_heads();
        self.doc
            .sync()
            .receive_sync_message(&mut entry.state, message)
            .map_err(|e| Error::Protocol(format!("a sync message for {} that does not apply: {e}", self.id)))?;
        let changed = self.doc.get_heads() != before;
        let change = changed.then(|| {
            let after = document_view(&self.doc, &self.id);
            let before = std::mem::replace(&mut self.view, after.clone());
            DocumentChanged { id: self.id.clone(), before, after }
        });
        if let Some(change) = &change {
            self.facts.event = change.after.event_facts();
            if let Some(named) = change.after.event_group() {
                self.follow_group(&from.account, named);
            }
        }
        let mut outgoing = Vec::new();
        if changed {
            self.admit_waiting();
        }
        // Others first, the sender last: a change reaches the other devices before its acknowledgement
        // goes back (and in a fixed order, not the map's).
        let mut others: Vec<u64> = self.syncs.keys().copied().filter(|c| *c != from.connection).collect();
        others.sort_unstable();
        if changed {
            for connection in others {
                outgoing.extend(self.generate(connection));
            }
        }
        outgoing.extend(self.generate(from.connection));
        Ok(Received { outgoing, unavailable: false, changed: change })
    }

    /// After who may read it changed (its group's roles, or moderators hid or restored it): starts
    /// syncing with each waiting peer that may now read the document (a new member, one promoted to
    /// drafts' readers), and speaks first to every peer it syncs with, so that one promoted to writer
    /// hears that its changes are wanted now (a reader's last message got no answer, and it waits for
    /// one) and one that lost access is set aside.
    pub fn access_changed(&mut self) -> Outgoing {
        self.admit_waiting();
        let mut connections: Vec<u64> = self.syncs.keys().copied().collect();
        connections.sort_unstable();
        connections.into_iter().filter_map(|connection| self.generate(connection)).collect()
    }

    /// Starts syncing with every waiting peer that may now read the document.
    fn admit_waiting(&mut self) {
        let admitted: Vec<u64> = self
            .waiting
            .iter()
            .filter(|(_, peer)| self.decide(&peer.account) != Access::None)
            .map(|(connection, _)| *connection)
            .collect();
        for connection in admitted {
            if let Some(peer) = self.waiting.remove(&connection) {
                self.syncs.insert(connection, PeerSync { peer, state: sync::State::new() });
            }
        }
    }

    /// The next sync message to one connection, if there is something to say and it may still read.
    fn generate(&mut self, connection: u64) -> Option<(Arc<Peer>, Vec<u8>)> {
        let sync = self.syncs.get(&connection)?;
        let access = self.decide(&sync.peer.account);
        if access == Access::None {
            // It lost access (an event went back to draft): it hears nothing more until it regains it.
            let sync = self.syncs.remove(&connection)?;
            self.waiting.insert(connection, sync.peer);
            return None;
        }
        let sync = self.syncs.get_mut(&connection)?;
        let read_only = access != Access::ReadWrite;
        let nothing_ignored = sync.state.their_heads.as_ref().is_none_or(|heads| heads.is_empty());
        if sync.state.read_only && !read_only && nothing_ignored {
            // Promoted before the peer had sent anything: nothing of it was ignored, so a fresh state
            // rather than automerge's reset exchange, whose empty heads an empty peer never answers.
            sync.state = sync::State::new();
        } else {
            sync.state.set_read_only(read_only);
        }
        let message = self.doc.sync().generate_sync_message(&mut sync.state)?;
        let frame = wire::encode(
            &Message::Sync { document: self.id.clone(), data: message.encode() },
            super::RELAY_PEER_ID,
            &sync.peer.peer_id,
        );
        Some((sync.peer.clone(), frame))
    }

    pub fn unavailable(&self, to: &Peer) -> Vec<u8> {
        wire::encode(&Message::DocUnavailable { document: self.id.clone() }, super::RELAY_PEER_ID, &to.peer_id)
    }

    /// Every other peer syncing this document that may read it, for ephemeral messages.
    pub fn readers_except(&self, connection: u64) -> Vec<Arc<Peer>> {
        self.syncs
            .values()
            .filter(|s| s.peer.connection != connection && self.decide(&s.peer.account) != Access::None)
            .map(|s| s.peer.clone())
            .collect()
    }

    pub fn leave(&mut self, connection: u64) {
        self.syncs.remove(&connection);
        self.waiting.remove(&connection);
    }
}

#[cfg(test)]
mod tests {
    //! Property: whatever the interleaving of edits and deliveries (each direction of each connection
    //! in order, as over a socket), two devices of the owner and the relay converge once the messages
    //! stop, and another account's device never receives anything but "unavailable".

    use std::collections::VecDeque;

    use automerge::transaction::Transactable;
    use automerge::{ActorId, ReadDoc, ROOT};
    use proptest::prelude::*;
    use rally_core::model::GroupRole;

    use super::*;

    struct Device {
        peer: Arc<Peer>,
        doc: AutoCommit,
        state: sync::State,
        to_relay: VecDeque<sync::Message>,
        from_relay: VecDeque<Vec<u8>>,
    }

    impl Device {
        fn new(connection: u64, account: &str, actor: u8) -> Device {
            let (outbox, _) = tokio::sync::mpsc::channel(1);
            let mut doc = AutoCommit::new();
            doc.set_actor(ActorId::from(vec![actor; 16]));
            Device {
                peer: Arc::new(Peer::new(connection, format!("peer-{connection}"), account.into(), outbox)),
                doc,
                state: sync::State::new(),
                to_relay: VecDeque::new(),
                from_relay: VecDeque::new(),
            }
        }

        fn queue_sync(&mut self) {
            if let Some(message) = self.doc.sync().generate_sync_message(&mut self.state) {
                self.to_relay.push_back(message);
            }
        }
    }

    #[derive(Debug, Clone)]
    enum Step {
        Edit { device: usize, key: u8, value: i64 },
        ToRelay(usize),
        FromRelay(usize),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (0..2usize, 0..4u8, any::<i64>()).prop_map(|(device, key, value)| Step::Edit { device, key, value }),
            (0..3usize).prop_map(Step::ToRelay),
            (0..3usize).prop_map(Step::FromRelay),
        ]
    }

    fn deliver_to_relay(relay: &mut LiveDoc, devices: &mut [Device], i: usize) -> bool {
        let Some(message) = devices[i].to_relay.pop_front() else { return false };
        relay.admit(&devices[i].peer.clone(), false, !message.changes.is_empty());
        let received = relay.receive(&devices[i].peer.clone(), message).expect("applies");
        for (to, frame) in received.outgoing {
            let target = devices.iter_mut().find(|d| d.peer.connection == to.connection).expect("a device");
            target.from_relay.push_back(frame);
        }
        true
    }

    fn deliver_from_relay(devices: &mut [Device], i: usize) -> bool {
        let Some(frame) = devices[i].from_relay.pop_front() else { return false };
        let device = &mut devices[i];
        match wire::decode(&frame).expect("a protocol message") {
            Message::Sync { data, .. } => {
                let message = sync::Message::decode(&data).expect("a sync message");
                device.doc.sync().receive_sync_message(&mut device.state, message).expect("applies");
                device.queue_sync();
            }
            Message::DocUnavailable { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
        true
    }

    fn values(doc: &AutoCommit) -> Vec<Option<i64>> {
        (0..4u8)
            .map(|key| match doc.get(ROOT, key.to_string()) {
                Ok(Some((automerge::Value::Scalar(v), _))) => v.as_i64(),
                _ => None,
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn devices_and_relay_converge_and_others_get_nothing(steps in proptest::collection::vec(step(), 1..60)) {
            let mut relay = LiveDoc::missing(rally_core::document::new_id(), Arc::default());
            let mut devices = vec![Device::new(1, "ana", 1), Device::new(2, "ana", 2), Device::new(3, "bo", 3)];
            devices[0].doc.put(ROOT, "0", 0_i64).expect("put");
            for device in devices.iter_mut() {
                device.queue_sync();
            }
            // Bo's device asks for the document too, and offers one change of its own.
            devices[2].doc.put(ROOT, "bo", 1_i64).expect("put");
            for step in steps {
                match step {
                    Step::Edit { device, key, value } => {
                        devices[device].doc.put(ROOT, key.to_string(), value).expect("put");
                        devices[device].queue_sync();
                    }
                    Step::ToRelay(i) => {
                        // Ana's first device reaches the relay first: its changes make it Ana's.
                        if i == 0 || relay.facts.owner.is_some() {
                            deliver_to_relay(&mut relay, &mut devices, i);
                        }
                    }
                    Step::FromRelay(i) => {
                        deliver_from_relay(&mut devices, i);
                    }
                }
            }
            // The network drains: Ana's first device first, until its changes make the document hers
            // (however many of its messages are still queued before the one that carries them).
            for _ in 0..1_000 {
                if relay.facts.owner.is_some() {
                    break;
                }
                deliver_to_relay(&mut relay, &mut devices, 0);
                while deliver_from_relay(&mut devices, 0) {}
                devices[0].queue_sync();
            }
            prop_assert_eq!(relay.facts.owner.as_deref(), Some("ana"), "Ana's first device never reached the relay");
            let mut progress = true;
            while progress {
                progress = false;
                for i in 0..3 {
                    progress |= deliver_to_relay(&mut relay, &mut devices, i);
                    progress |= deliver_from_relay(&mut devices, i);
                }
                for device in devices.iter_mut() {
                    device.queue_sync();
                }
            }
            let on_relay = values(&relay.doc);
            prop_assert_eq!(&values(&devices[0].doc), &on_relay);
            prop_assert_eq!(&values(&devices[1].doc), &on_relay);
            prop_assert_eq!(relay.facts.owner.as_deref(), Some("ana"));
            prop_assert!(relay.doc.get(ROOT, "bo").expect("read").is_none(), "another account's change reached the relay");
            prop_assert!(devices[2].doc.get(ROOT, "0").expect("read").is_none(), "another account read the document");
        }
    }

    #[derive(Debug, Clone)]
    enum GroupStep {
        Edit {
            device: usize,
            key: u8,
            value: i64,
        },
        /// Account b's or c's role changes (`None`: no longer in the group).
        Role {
            account: usize,
            role: Option<GroupRole>,
        },
        ToRelay(usize),
        FromRelay(usize),
    }

    const ACCOUNTS: [&str; 4] = ["a", "b", "c", "d"];

    fn group_step() -> impl Strategy<Value = GroupStep> {
        let role = prop_oneof![
            Just(None),
            Just(Some(GroupRole::Member)),
            Just(Some(GroupRole::Moderator)),
            Just(Some(GroupRole::Administrator)),
        ];
        prop_oneof![
            (0..4usize, 0..3u8, any::<i64>()).prop_map(|(device, key, value)| GroupStep::Edit { device, key, value }),
            (1..3usize, role).prop_map(|(account, role)| GroupStep::Role { account, role }),
            (0..4usize).prop_map(GroupStep::ToRelay),
            (0..4usize).prop_map(GroupStep::FromRelay),
        ]
    }

    fn keys_of(doc: &AutoCommit, device: usize) -> Vec<(String, Option<i64>)> {
        doc.keys(ROOT)
            .filter(|k| k.starts_with(&format!("{device}-")))
            .map(|k| {
                let value = match doc.get(ROOT, &k) {
                    Ok(Some((automerge::Value::Scalar(v), _))) => v.as_i64(),
                    _ => None,
                };
                (k, value)
            })
            .collect()
    }

    fn set_roles(roles: &Roles, now: &[Option<GroupRole>; 4]) {
        let members =
            ACCOUNTS.iter().zip(now).filter_map(|(account, role)| role.map(|r| (account.to_string(), r))).collect();
        roles.set_group("g", members);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// A group's document with roles that change while devices edit and messages travel in any
        /// order: whoever is a member at the end converges with the relay (administrators exactly,
        /// readers with their own refused edits beside); nothing reaches an account that was never a
        /// member; an account that was never an administrator changes nothing on the relay.
        #[test]
        fn group_members_converge_and_roles_decide_what_travels(steps in proptest::collection::vec(group_step(), 1..80)) {
            use GroupRole::*;
            let roles = Arc::new(Roles::default());
            let mut now = [Some(Administrator), Some(Member), Some(Member), None];
            set_roles(&roles, &now);
            let mut relay = LiveDoc::missing(rally_core::document::new_id(), roles.clone());
            relay.facts.owner = Some("a".into());
            relay.facts.group = Some("g".into());
            let mut devices: Vec<Device> = (0..4).map(|i| Device::new(i as u64 + 1, ACCOUNTS[i], i as u8 + 1)).collect();
            let mut ever_member = [true, true, true, false];
            let mut ever_admin = [true, false, false, false];
            for device in devices.iter_mut() {
                device.queue_sync();
            }
            for step in steps {
                match step {
                    GroupStep::Edit { device, key, value } => {
                        devices[device].doc.put(ROOT, format!("{device}-{key}"), value).expect("put");
                        devices[device].queue_sync();
                    }
                    GroupStep::Role { account, role } => {
                        now[account] = role;
                        ever_member[account] |= role.is_some();
                        ever_admin[account] |= role == Some(Administrator);
                        set_roles(&roles, &now);
                        // As the hub does when the group service records a change.
                        for (to, frame) in relay.access_changed() {
                            let target = devices.iter_mut().find(|d| d.peer.connection == to.connection).expect("a device");
                            target.from_relay.push_back(frame);
                        }
                    }
                    GroupStep::ToRelay(i) => {
                        deliver_to_relay(&mut relay, &mut devices, i);
                    }
                    GroupStep::FromRelay(i) => {
                        deliver_from_relay(&mut devices, i);
                    }
                }
            }
            let mut progress = true;
            while progress {
                progress = false;
                for i in 0..4 {
                    progress |= deliver_to_relay(&mut relay, &mut devices, i);
                    progress |= deliver_from_relay(&mut devices, i);
                }
                for device in devices.iter_mut() {
                    device.queue_sync();
                }
            }
            for (i, device) in devices.iter().enumerate() {
                if !ever_admin[i] {
                    prop_assert!(keys_of(&relay.doc, i).is_empty(), "account {} never wrote the group's document", ACCOUNTS[i]);
                }
                if !ever_member[i] {
                    for other in (0..4).filter(|o| *o != i) {
                        prop_assert!(keys_of(&device.doc, other).is_empty(), "a stranger received the group's document");
                    }
                }
                match now[i] {
                    Some(Administrator) => prop_assert_eq!(values_all(&device.doc), values_all(&relay.doc)),
                    Some(_) => {
                        for other in (0..4).filter(|o| *o != i) {
                            prop_assert_eq!(keys_of(&device.doc, other), keys_of(&relay.doc, other), "a reader has the relay's");
                        }
                    }
                    None => {}
                }
            }
        }
    }

    fn values_all(doc: &AutoCommit) -> Vec<(String, Option<i64>)> {
        (0..4).flat_map(|d| keys_of(doc, d)).collect()
    }
}
