//! Who may see and change a document: a pure function of what the relay knows about the document and
//! who asks, checked on every message. Tested here without a socket.
//!
//! - The owning account's devices read and write. Nothing is offered unasked: a device learns its
//!   account's documents from the account's root document and asks for each.
//! - A published public or unlisted event is readable, never writable, by every other authenticated
//!   account, which must ask for it by id.
//! - Drafts, private events, identities and anything else go to nobody else.
//! - A document the relay has nothing of is claimed by the first account that offers it (sends a
//!   `sync` for it), which becomes its owner for good.

use rally_core::model::Visibility;

/// What the relay knows of a stored document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DocFacts {
    /// The account that first sent changes for it; fixed from then on.
    pub owner: Option<String>,
    /// Set for events: (draft, visibility), read from the document itself.
    pub event: Option<(bool, Visibility)>,
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
    if facts.owner.as_deref() == Some(account) {
        return Access::ReadWrite;
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
        DocFacts { owner: Some(owner.into()), event: Some((draft, visibility)) }
    }

    #[test]
    fn the_owner_reads_and_writes_everything_it_owns() {
        for facts in [event("a", true, Visibility::Private), DocFacts { owner: Some("a".into()), event: None }] {
            assert_eq!(decide(&facts, "a"), Access::ReadWrite);
        }
    }

    #[test]
    fn others_read_only_published_public_or_unlisted_events() {
        assert_eq!(decide(&event("a", false, Visibility::Public), "b"), Access::ReadOnly);
        assert_eq!(decide(&event("a", false, Visibility::Unlisted), "b"), Access::ReadOnly);
        assert_eq!(decide(&event("a", true, Visibility::Public), "b"), Access::None, "a draft");
        assert_eq!(decide(&event("a", false, Visibility::Private), "b"), Access::None, "private");
        let identity = DocFacts { owner: Some("a".into()), event: None };
        assert_eq!(decide(&identity, "b"), Access::None, "an account's own documents");
    }

    #[test]
    fn nobody_writes_a_document_without_an_owner() {
        let orphan = DocFacts { owner: None, event: Some((false, Visibility::Public)) };
        assert_eq!(decide(&orphan, "b"), Access::ReadOnly, "a published event stays readable");
        assert_eq!(decide(&DocFacts::default(), "b"), Access::None);
    }
}
