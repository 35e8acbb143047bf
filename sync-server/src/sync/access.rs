//! Who may see and change a document: a pure function of what the relay knows about the document and
//! who asks, checked on every message. Tested here without a socket.
//!
//! - The owning account's devices read and write. Nothing is offered unasked: a device learns its
//!   account's documents from the account's root document and asks for each.
//! - A published public or unlisted event is readable, never writable, by every other authenticated
//!   account, which must ask for it by id.
//! - Drafts, private events, identities and anything else go to nobody else.
//! - A document the relay has nothing of may be offered (a `sync` for it) by any account; each that
//!   offered it may send its first changes, and the first whose changes the relay stores owns it for
//!   good. An empty `sync` claims nothing, so no one can reserve an id that another device will upload.

use rally_core::model::Visibility;

/// What the relay knows of a stored document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DocFacts {
    /// The account that first sent changes for it; fixed from then on.
    pub owner: Option<String>,
    /// Set for events: (draft, visibility), read from the document itself.
    pub event: Option<(bool, Visibility)>,
    /// While the relay has nothing of it and no owner: the accounts that offered it.
    pub offered_by: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The document is unavailable to this account: it gets `doc-unavailable`, nothing else.
    None,
    /// Our changes go to the peer; its changes are ignored.
    ReadOnly,
    ReadWrite,
}

pub fn decide(facts: &DocFacts, account: &str) -> Access {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn event(owner: &str, draft: bool, visibility: Visibility) -> DocFacts {
        DocFacts { owner: Some(owner.into()), event: Some((draft, visibility)), offered_by: vec![] }
    }

    #[test]
    fn the_owner_reads_and_writes_everything_it_owns() {
        for facts in [event("a", true, Visibility::Private), DocFacts { owner: Some("a".into()), ..Default::default() }]
        {
            assert_eq!(decide(&facts, "a"), Access::ReadWrite);
        }
    }

    #[test]
    fn others_read_only_published_public_or_unlisted_events() {
        assert_eq!(decide(&event("a", false, Visibility::Public), "b"), Access::ReadOnly);
        assert_eq!(decide(&event("a", false, Visibility::Unlisted), "b"), Access::ReadOnly);
        assert_eq!(decide(&event("a", true, Visibility::Public), "b"), Access::None, "a draft");
        assert_eq!(decide(&event("a", false, Visibility::Private), "b"), Access::None, "private");
        let identity = DocFacts { owner: Some("a".into()), ..Default::default() };
        assert_eq!(decide(&identity, "b"), Access::None, "an account's own documents");
    }

    #[test]
    fn nobody_writes_a_document_without_an_owner() {
        let orphan = DocFacts { event: Some((false, Visibility::Public)), ..Default::default() };
        assert_eq!(decide(&orphan, "b"), Access::ReadOnly, "a published event stays readable");
        assert_eq!(decide(&DocFacts::default(), "b"), Access::None);
    }

    #[test]
    fn every_account_that_offered_an_unowned_document_may_send_it_until_one_owns_it() {
        let offered = DocFacts { offered_by: vec!["a".into(), "b".into()], ..Default::default() };
        assert_eq!(decide(&offered, "a"), Access::ReadWrite);
        assert_eq!(decide(&offered, "b"), Access::ReadWrite);
        assert_eq!(decide(&offered, "c"), Access::None);
        let owned = DocFacts { owner: Some("b".into()), ..offered };
        assert_eq!(decide(&owned, "a"), Access::None, "once owned, an earlier offer counts for nothing");
    }
}
