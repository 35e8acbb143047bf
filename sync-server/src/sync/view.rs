//! What a document says once core's rules have checked it, and the one change sync tells the rest of
//! the relay about. A document is input like a form: nothing is derived from it before
//! [`rally_core::validate`] passes. Sync knows nothing of pages, mail or federation: it hands each
//! committed change to a [`Projection`], inside the transaction that stores it.

use automerge::AutoCommit;
use rally_core::model::{Event, Group, Identity, Visibility};
use rusqlite::Transaction;

use crate::Result;

/// A document's change, as committed: what it said before (as the relay last read it) and now.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentChanged {
    pub id: String,
    pub before: DocumentView,
    pub after: DocumentView,
}

/// What follows from documents' changes (public tables, news, federation), written in the same
/// transaction as the change itself, so that none of it is lost or told twice.
pub trait Projection: Send + Sync + 'static {
    fn document_changed(&self, tx: &Transaction, change: &DocumentChanged) -> Result<()>;
}

/// A picture or an avatar as pages serve it: only what browsers show as an image (PNG, JPEG, GIF,
/// WebP, told by their first bytes), never what a document merely calls one.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicImage {
    pub media_type: &'static str,
    pub bytes: Vec<u8>,
}

impl PublicImage {
    pub fn sniff(bytes: Vec<u8>) -> Option<PublicImage> {
        let media_type = match bytes.as_slice() {
            [0x89, b'P', b'N', b'G', ..] => "image/png",
            [0xFF, 0xD8, 0xFF, ..] => "image/jpeg",
            [b'G', b'I', b'F', b'8', ..] => "image/gif",
            [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => "image/webp",
            _ => return None,
        };
        Some(PublicImage { media_type, bytes })
    }

    pub fn etag(&self) -> String {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(&self.bytes);
        format!("\"{}\"", digest.iter().take(12).map(|b| format!("{b:02x}")).collect::<String>())
    }
}

/// What a document says, read and checked with core's rules (nothing else of it is trusted).
#[derive(Debug, Clone, PartialEq)]
pub enum DocumentView {
    /// An event that passed core's checks, with its picture; shown only while published and public
    /// or unlisted.
    Event(Box<Event>, Option<PublicImage>),
    /// An event marked deleted.
    Deleted,
    /// An identity that passed core's checks, with its avatar.
    Identity(Identity, Option<PublicImage>),
    /// A group's document that passed core's checks, with its avatar.
    Group(Box<Group>, Option<PublicImage>),
    /// An event or identity that does not read or fails core's checks, with why.
    Invalid(String),
    Other,
}

impl DocumentView {
    /// What it says about access (events: draft and visibility). The owner is never in a document,
    /// and an invalid event is nobody else's to read.
    pub fn event_facts(&self) -> Option<(bool, Visibility)> {
        match self {
            DocumentView::Event(e, _) => Some((e.details.draft, e.details.visibility)),
            _ => None,
        }
    }

    /// For an event: the group it names (`Some(None)`: none).
    pub fn event_group(&self) -> Option<Option<String>> {
        match self {
            DocumentView::Event(e, _) => Some(e.details.group_id.clone()),
            _ => None,
        }
    }
}

/// The largest image a shown document may hold: core re-encodes pictures and avatars far smaller.
pub const MAX_IMAGE_BYTES: usize = 4 * 1024 * 1024;

fn image_too_large(doc: &AutoCommit, key: &str) -> bool {
    rally_core::document::read_bytes(doc, key).ok().flatten().is_some_and(|bytes| bytes.len() > MAX_IMAGE_BYTES)
}

fn image(doc: &AutoCommit, key: &str) -> Option<PublicImage> {
    rally_core::document::read_bytes(doc, key).ok().flatten().and_then(PublicImage::sniff)
}

fn too_large(key: &str) -> String {
    format!("{key}: larger than {} MiB (the app re-encodes images far smaller)", MAX_IMAGE_BYTES / (1024 * 1024))
}

/// Reads a document with core's checks.
pub fn document_view(doc: &AutoCommit, doc_id: &str) -> DocumentView {
    use rally_core::document::{self, Kind};
    use rally_core::validate;
    match document::kind(doc, doc_id) {
        Ok(Kind::Event) if document::is_deleted(doc).unwrap_or(false) => DocumentView::Deleted,
        Ok(Kind::Event) => match document::read_event(doc, doc_id) {
            Ok(_) if image_too_large(doc, "picture") => DocumentView::Invalid(too_large("picture")),
            Ok(e) => match validate::stored_event(&e.details) {
                Ok(()) => DocumentView::Event(Box::new(e), image(doc, "picture")),
                Err(problem) => DocumentView::Invalid(format!("the event is refused: {problem}")),
            },
            Err(problem) => DocumentView::Invalid(format!("the event does not read: {problem}")),
        },
        Ok(Kind::Identity) => match document::read_identity(doc, doc_id) {
            Ok(_) if image_too_large(doc, "avatar") => DocumentView::Invalid(too_large("avatar")),
            Ok(identity) => match validate::stored_identity(&identity) {
                Ok(()) => DocumentView::Identity(identity, image(doc, "avatar")),
                Err(problem) => DocumentView::Invalid(format!("the identity is refused: {problem}")),
            },
            Err(problem) => DocumentView::Invalid(format!("the identity does not read: {problem}")),
        },
        Ok(Kind::Group) if document::is_deleted(doc).unwrap_or(false) => DocumentView::Deleted,
        Ok(Kind::Group) => match document::read_group(doc, doc_id) {
            Ok(_) if image_too_large(doc, "avatar") => DocumentView::Invalid(too_large("avatar")),
            Ok(group) => match validate::stored_group(&group) {
                Ok(()) => DocumentView::Group(Box::new(group), image(doc, "avatar")),
                Err(problem) => DocumentView::Invalid(format!("the group is refused: {problem}")),
            },
            Err(problem) => DocumentView::Invalid(format!("the group does not read: {problem}")),
        },
        _ => DocumentView::Other,
    }
}
