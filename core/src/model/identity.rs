use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One of the faces a person shows: `@username`, a display name, a bio and an avatar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Identity {
    /// The identity's document id.
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub bio: String,
    pub has_avatar: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// `automerge:<id>`.
    pub url: String,
}

/// What a person types to create or edit an identity; [`crate::validate::identity`] checks it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IdentityInput {
    pub username: String,
    pub display_name: String,
    #[serde(default)]
    pub bio: String,
    #[serde(default)]
    pub avatar: ImageChange,
}

/// An image field in an edit: leave it, drop it, or replace it with the bytes of a file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "change", content = "bytes")]
pub enum ImageChange {
    #[default]
    Keep,
    Remove,
    Set(Vec<u8>),
}

impl IdentityInput {
    /// The form pre-filled from an existing identity (its avatar kept).
    pub fn from_identity(identity: &Identity) -> Self {
        IdentityInput {
            username: identity.username.clone(),
            display_name: identity.display_name.clone(),
            bio: identity.bio.clone(),
            avatar: ImageChange::Keep,
        }
    }
}
