//! Who may see and change a document: a pure function of what the relay knows about the document and
//! who asks. Tested here without a socket.
//!
//! - The owning account's devices read and write. Nothing is offered unasked: a device learns its
//!   account's documents from the account's root document and asks for each (announcing every
//!   document to every new connection would cost the relay per document and connection).
//! - A published public or unlisted event is readable, never writable, by every other authenticated
//!   account, which must ask for it by id.
//! - Drafts, private events, identities and anything else go to nobody else.
//! - A document the relay knows nothing of is writable and offered to nobody: that is how a device
//!   uploads a new document. The account that first sends its changes is recorded as its owner
//!   ([`super::registry::Registry::note_writer`]) before those changes are applied.

use rally_core::model::Visibility;
use samod::ShareConfig;

/// What the relay derives from a document's stored bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DocFacts {
    /// The account that first sent changes for it; fixed from then on.
    pub owner: Option<String>,
    /// Set for events: (draft, visibility).
    pub event: Option<(bool, Visibility)>,
}

/// The facts of a document, or `None` while the relay has never stored it.
pub fn decide(facts: Option<&DocFacts>, account: &str) -> ShareConfig {
    let Some(facts) = facts else {
        return ShareConfig::read_write().with_announce(false);
    };
    if facts.owner.as_deref() == Some(account) {
        return ShareConfig::read_write().with_announce(false);
    }
    match facts.event {
        Some((false, Visibility::Public | Visibility::Unlisted)) => ShareConfig::read_only().with_announce(false),
        _ => ShareConfig::none(),
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
            assert_eq!(decide(Some(&facts), "a"), ShareConfig::read_write().with_announce(false));
        }
    }

    #[test]
    fn others_read_only_published_public_or_unlisted_events() {
        assert_eq!(
            decide(Some(&event("a", false, Visibility::Public)), "b"),
            ShareConfig::read_only().with_announce(false)
        );
        assert_eq!(
            decide(Some(&event("a", false, Visibility::Unlisted)), "b"),
            ShareConfig::read_only().with_announce(false)
        );
        assert_eq!(decide(Some(&event("a", true, Visibility::Public)), "b"), ShareConfig::none(), "a draft");
        assert_eq!(decide(Some(&event("a", false, Visibility::Private)), "b"), ShareConfig::none(), "private");
        let identity = DocFacts { owner: Some("a".into()), event: None };
        assert_eq!(decide(Some(&identity), "b"), ShareConfig::none(), "an account's own documents");
    }

    #[test]
    fn nobody_writes_a_document_without_an_owner() {
        let orphan = DocFacts { owner: None, event: Some((false, Visibility::Public)) };
        assert_eq!(decide(Some(&orphan), "b").access, samod::ShareAccess::ReadOnly, "a published event stays readable");
        let orphan = DocFacts { owner: None, event: None };
        assert_eq!(decide(Some(&orphan), "b"), ShareConfig::none());
    }

    #[test]
    fn a_new_document_is_accepted_but_announced_to_nobody() {
        let decision = decide(None, "anyone");
        assert!(!decision.announce);
        assert_eq!(decision.access, samod::ShareAccess::ReadWrite);
    }
}
