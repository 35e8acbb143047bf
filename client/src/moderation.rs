//! Reporting to the relay's moderators (it needs the relay: moderation is the relay's), and a
//! moderator's desk: kept on the device to read offline ([`refresh`]), with the steps taken here sent
//! in order on the next sync. The relay applies the first decision on a report; a later one comes
//! back refused, and the desk says why.

use std::sync::Mutex;

use chrono::Utc;
use rally_core::model::{ModerationDesk, ModerationStep, ReportInput, Reported};
use rally_core::profile::Profile;

use crate::participation::{lock, session};
use crate::{Error, Result};

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

/// Queues a step taken in the app (sent by the next [`refresh`]).
pub fn queue(profile: &Mutex<Profile>, step: &ModerationStep) -> Result<()> {
    Ok(lock(profile)?.queue_moderation(step)?)
}

/// Sends the steps taken here, in order, then keeps the relay's reports and log: nothing for an
/// account that does not moderate. Answers whether the desk changed. An unreachable relay leaves the
/// steps waiting; a step the relay refuses (another decision came first) is dropped, and why is kept.
pub async fn refresh(profile: &Mutex<Profile>) -> Result<bool> {
    let (api, token) = session(profile)?;
    let before = lock(profile)?.moderation_desk()?;
    let role = api.account(&token).await?.role;
    if !role.moderates() {
        if before.role.moderates() || !before.reports.is_empty() {
            lock(profile)?.set_moderation_desk(&ModerationDesk::default())?;
            return Ok(true);
        }
        return Ok(false);
    }
    let steps = lock(profile)?.moderation_steps()?;
    for (id, step) in steps {
        let refused = match api.moderate(&token, &step).await {
            Ok(()) => None,
            Err(Error::Relay { message, .. }) => Some(message),
            Err(other) => return Err(other),
        };
        lock(profile)?.moderation_step_done(id, refused)?;
    }
    let (reports, log) = (api.moderation_reports(&token).await?, api.moderation_log(&token).await?);
    let kept = lock(profile)?.moderation_desk()?;
    let desk = ModerationDesk {
        role,
        reports,
        log,
        pending: Vec::new(),
        not_applied: kept.not_applied,
        fetched_at: Some(Utc::now()),
    };
    let changed = ModerationDesk { fetched_at: None, ..desk.clone() }
        != ModerationDesk { fetched_at: None, pending: Vec::new(), ..before };
    lock(profile)?.set_moderation_desk(&desk)?;
    Ok(changed)
}
