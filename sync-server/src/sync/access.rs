//! Who may see and change a document: a pure function of what the relay knows about the document and
//! who asks, checked on every message. Tested here without a socket.
//!
//! - The owning account's devices read and write. Nothing is offered unasked: a device learns its
//!   account's documents from the account's root document and asks for each.
//! - A published public or unlisted event is readable, never writable, by every other authenticated
//!   account, which must ask for it by id.
//! - Drafts, private events, identities and anything else go to nobody else.
//! - A group's documents answer to roles, not to an owner: the group's own document is written by its
//!   administrators and read by its members; its events are written by its administrators and
//!   moderators, its drafts read by them alone, its published events read by every member (and,
//!   public or unlisted, by everyone as above). Roles are read on every message, so a change of role
//!   applies to the connections that are open.
//! - A document the relay's moderators hid goes only to those who write it (`moderation::hiding`).
//! - A document the relay has nothing of may be offered (a `sync` for it) by any account; each that
//!   offered it may send its first changes, and the first whose changes the relay stores owns it for
//!   good. An empty `sync` claims nothing, so no one can reserve an id that another device will upload.

use std::collections::HashMap;
use std::sync::{Mutex, RwLock};

use rally_core::model::{GroupRole, Visibility};

/// What the relay knows of a stored document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DocFacts {
    /// The account that first sent changes for it; fixed from then on.
    pub owner: Option<String>,
    /// Set for events: (draft, visibility), read from the document itself.
    pub event: Option<(bool, Visibility)>,
    /// While the relay has nothing of it and no owner: the accounts that offered it.
    pub offered_by: Vec<String>,
    /// The group it belongs to: the group's own document, or an event of the group.
    pub group: Option<String>,
    /// Hidden by the relay's moderators ([`crate::moderation::hiding::hidden_because`]).
    pub hidden: bool,
}

/// Each account's role in each group (its best identity's), as the group service last recorded it,
/// and the groups whose roles changed since the hub last looked (it lets in the connections that
/// waited for one of their documents and may now read it).
#[derive(Default)]
pub struct Roles {
    groups: RwLock<HashMap<String, HashMap<String, GroupRole>>>,
    changed: Mutex<Vec<String>>,
    wake: tokio::sync::Notify,
}

impl Roles {
    pub fn of(&self, account: &str, group: &str) -> Option<GroupRole> {
        let groups = self.groups.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        groups.get(group).and_then(|members| members.get(account)).copied()
    }

    /// Replaces a group's roles (an empty map for a group that is gone).
    pub fn set_group(&self, group: &str, members: HashMap<String, GroupRole>) {
        {
            let mut groups = self.groups.write().unwrap_or_else(std::sync::PoisonError::into_inner);
            if members.is_empty() {
                groups.remove(group);
            } else {
                groups.insert(group.to_string(), members);
            }
        }
        crate::lock(&self.changed).push(group.to_string());
        self.wake.notify_one();
    }

    /// Waits until some group's roles change; the groups that did, each once.
    pub async fn changed(&self) -> Vec<String> {
        loop {
            let mut groups = std::mem::take(&mut *crate::lock(&self.changed));
            if !groups.is_empty() {
                groups.sort();
                groups.dedup();
                return groups;
            }
            self.wake.notified().await;
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The document is unavailable to this account: it gets `doc-unavailable`, nothing else.
    None,
    /// Our changes go to the peer; its changes are ignored.
    ReadOnly,
    ReadWrite,
}

/// What `account`, whose role in the document's group is `role`, may do with the document.
pub fn decide(facts: &DocFacts, account: &str, role: Option<GroupRole>) -> Access {
    let access = if facts.group.is_some() { by_role(facts, role) } else { by_owner(facts, account) };
    match access {
        Access::ReadOnly if facts.hidden => Access::None,
        access => access,
    }
}

fn by_owner(facts: &DocFacts, account: &str) -> Access {
    match &facts.owner {
        Some(owner) if owner == account => return Access::ReadWrite,
        None if facts.offered_by.iter().any(|a| a == account) => return Access::ReadWrite,
        _ => {}
    }
    match facts.event {
        Some((false, Visibility::Public | Visibility::Unlisted)) => Access::ReadOnly,
        _ => Access::None,
    }
}

fn by_role(facts: &DocFacts, role: Option<GroupRole>) -> Access {
    let published_to_all = matches!(facts.event, Some((false, Visibility::Public | Visibility::Unlisted)));
    match (facts.event, role) {
        // The group's own document.
        (None, Some(GroupRole::Administrator)) => Access::ReadWrite,
        (None, Some(_)) => Access::ReadOnly,
        (None, None) => Access::None,
        (Some(_), Some(role)) if role.edits_events() => Access::ReadWrite,
        (Some((false, _)), Some(_)) => Access::ReadOnly,
        _ if published_to_all => Access::ReadOnly,
        _ => Access::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(owner: &str, draft: bool, visibility: Visibility) -> DocFacts {
        DocFacts { owner: Some(owner.into()), event: Some((draft, visibility)), ..Default::default() }
    }

    #[test]
    fn the_owner_reads_and_writes_everything_it_owns() {
        for facts in [event("a", true, Visibility::Private), DocFacts { owner: Some("a".into()), ..Default::default() }]
        {
            assert_eq!(decide(&facts, "a", None), Access::ReadWrite);
        }
    }

    #[test]
    fn others_read_only_published_public_or_unlisted_events() {
        assert_eq!(decide(&event("a", false, Visibility::Public), "b", None), Access::ReadOnly);
        assert_eq!(decide(&event("a", false, Visibility::Unlisted), "b", None), Access::ReadOnly);
        assert_eq!(decide(&event("a", true, Visibility::Public), "b", None), Access::None, "a draft");
        assert_eq!(decide(&event("a", false, Visibility::Private), "b", None), Access::None, "private");
        let identity = DocFacts { owner: Some("a".into()), ..Default::default() };
        assert_eq!(decide(&identity, "b", None), Access::None, "an account's own documents");
    }

    #[test]
    fn nobody_writes_a_document_without_an_owner() {
        let orphan = DocFacts { event: Some((false, Visibility::Public)), ..Default::default() };
        assert_eq!(decide(&orphan, "b", None), Access::ReadOnly, "a published event stays readable");
        assert_eq!(decide(&DocFacts::default(), "b", None), Access::None);
    }

    #[test]
    fn every_account_that_offered_an_unowned_document_may_send_it_until_one_owns_it() {
        let offered = DocFacts { offered_by: vec!["a".into(), "b".into()], ..Default::default() };
        assert_eq!(decide(&offered, "a", None), Access::ReadWrite);
        assert_eq!(decide(&offered, "b", None), Access::ReadWrite);
        assert_eq!(decide(&offered, "c", None), Access::None);
        let owned = DocFacts { owner: Some("b".into()), ..offered };
        assert_eq!(decide(&owned, "a", None), Access::None, "once owned, an earlier offer counts for nothing");
    }

    #[test]
    fn a_groups_documents_answer_to_roles_not_to_their_owner() {
        use GroupRole::*;
        let group =
            |event| DocFacts { owner: Some("founder".into()), event, group: Some("g".into()), ..Default::default() };
        let own = group(None);
        assert_eq!(decide(&own, "founder", None), Access::None, "the founder's account, no longer a member");
        assert_eq!(decide(&own, "x", Some(Administrator)), Access::ReadWrite);
        assert_eq!(decide(&own, "x", Some(Moderator)), Access::ReadOnly);
        assert_eq!(decide(&own, "x", Some(Member)), Access::ReadOnly);
        assert_eq!(decide(&own, "x", None), Access::None);
        let draft = group(Some((true, Visibility::Public)));
        for editor in [Administrator, Moderator] {
            assert_eq!(decide(&draft, "x", Some(editor)), Access::ReadWrite);
        }
        assert_eq!(decide(&draft, "x", Some(Member)), Access::None, "a draft is its editors'");
        assert_eq!(decide(&draft, "x", None), Access::None);
        let private = group(Some((false, Visibility::Private)));
        assert_eq!(decide(&private, "x", Some(Member)), Access::ReadOnly);
        assert_eq!(decide(&private, "x", None), Access::None, "nothing private of a group goes to others");
        let public = group(Some((false, Visibility::Unlisted)));
        assert_eq!(decide(&public, "x", Some(Member)), Access::ReadOnly);
        assert_eq!(decide(&public, "x", None), Access::ReadOnly, "published for all");
        assert_eq!(
            decide(&public, "founder", None),
            Access::ReadOnly,
            "its creator's account, once removed, reads only"
        );
    }

    #[test]
    fn a_hidden_document_goes_only_to_those_who_write_it() {
        let hidden = DocFacts { hidden: true, ..event("a", false, Visibility::Public) };
        assert_eq!(decide(&hidden, "a", None), Access::ReadWrite, "its owner keeps it");
        assert_eq!(decide(&hidden, "b", None), Access::None);
        let group = DocFacts { group: Some("g".into()), ..hidden };
        assert_eq!(decide(&group, "x", Some(GroupRole::Moderator)), Access::ReadWrite, "the group's editors keep it");
        assert_eq!(decide(&group, "x", Some(GroupRole::Member)), Access::None);
        assert_eq!(decide(&group, "x", None), Access::None);
    }

    #[test]
    fn roles_are_read_as_last_recorded() {
        let roles = Roles::default();
        roles.set_group("g", HashMap::from([("a".to_string(), GroupRole::Moderator)]));
        assert_eq!(roles.of("a", "g"), Some(GroupRole::Moderator));
        assert_eq!(roles.of("b", "g"), None);
        roles.set_group("g", HashMap::new());
        assert_eq!(roles.of("a", "g"), None, "removed");
    }
}
