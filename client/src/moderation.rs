//! Reporting to the relay's moderators (it needs the relay: moderation is the relay's).

use std::sync::Mutex;

use rally_core::model::{ReportInput, Reported};
use rally_core::profile::Profile;

use crate::participation::{lock, session};
use crate::Result;

/// `identity` (a username or id of this profile) reports `reported` with a comment, and for something
/// of another server, `forward`s it there too; the report's id.
pub async fn report(
    profile: &Mutex<Profile>,
    identity: &str,
    reported: Reported,
    comment: &str,
    forward: bool,
) -> Result<String> {
    let reporter_identity = lock(profile)?.identity(identity)?.id;
    let (api, token) = session(profile)?;
    let input = ReportInput { reporter_identity, reported, comment: comment.to_string(), events: Vec::new(), forward };
    api.report(&token, &input).await
}
