//! `Flag`: another server reports something of ours (an actor, events) with a comment, as Mastodon and
//! Mobilizon send from their instance actor. Kept, bounded, and made a report for this relay's
//! moderators ([`crate::moderation::reports::from_flag`]). A `Flag` that names nothing of ours is
//! refused: another server's report is not ours to read.

use chrono::{DateTime, Utc};
use rusqlite::{params, Transaction};
use serde_json::Value;

use crate::federation::store::RemoteActor;
use crate::federation::wire::{id_of, Activity};
use crate::Result;

/// The longest comment kept, and the most objects one report names.
const MAX_CONTENT: usize = 5_000;
const MAX_OBJECTS: usize = 50;
/// Reports one server may send an hour: beyond, refused (`429`), so that no server fills the
/// moderators' list.
pub const FLAGS_PER_HOST_PER_HOUR: u32 = 30;

pub fn receive(
    tx: &Transaction,
    cx: &super::Context,
    signer: &RemoteActor,
    activity: &Activity,
    now: DateTime<Utc>,
) -> Result<()> {
    crate::limits::attempt(tx, &format!("flag:{}", signer.host), FLAGS_PER_HOST_PER_HOUR, chrono::Duration::hours(1))?
        .map_err(|retry_after_secs| crate::Error::RateLimited {
            code: "too_many_reports",
            message: format!(
                "more than {FLAGS_PER_HOST_PER_HOUR} reports from {} this hour; try again in {retry_after_secs} s",
                signer.host
            ),
            retry_after_secs,
        })?;
    let content: String = activity.content.as_deref().unwrap_or_default().chars().take(MAX_CONTENT).collect();
    let objects: Vec<&str> = match &activity.object {
        Value::Array(items) => items.iter().filter_map(id_of).take(MAX_OBJECTS).collect(),
        other => id_of(other).into_iter().collect(),
    };
    let listed = serde_json::to_string(&objects).unwrap_or_else(|_| "[]".into());
    let first = tx.execute(
        "INSERT INTO federated_reports (activity_id, reporter, content, objects, received_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (activity_id) DO NOTHING",
        params![activity.id, signer.id, content, listed, now.timestamp_millis()],
    )? == 1;
    // For the moderators, as a report of what it names here (once per Flag). One that names nothing
    // of ours was meant for another server: refused, and nothing of it kept (the transaction rolls back).
    if first {
        let notify = cx.participation.notifications();
        let made = crate::moderation::reports::from_flag(tx, cx.urls, notify, &signer.id, &content, &objects, now)?;
        if made.is_none() {
            return Err(crate::Error::Unknown {
                code: "nothing_of_ours",
                message: "the report names nothing on this server: it is not for us to read".into(),
            });
        }
    }
    Ok(())
}
