//! What a change tells the Fediverse, and the sender that delivers it.
//!
//! [`record`] runs inside the transaction that commits a document's change (it is one of the
//! projections): a published public or unlisted event that appears, changes or goes becomes a
//! `Create`, `Update` or `Delete` from its organizer (and, for a group's event, an `Announce` from the
//! group), written as one delivery per follower inbox. Drafts and private events never get here: they
//! have no public row. The [`run`] loop sends what is due, signed by the activity's actor, and retries
//! with backoff; after `max_attempts` it gives up and keeps the reason for the administrator. A
//! delivery is marked sent only after the inbox said 2xx, so a crash sends it again; receivers
//! (Rally's [`super::inbox`] among them) drop an activity id they already have.

use std::sync::Arc;

use chrono::{Duration, Utc};
use rally_core::model::Visibility;
use rusqlite::{Connection, Transaction};
use serde_json::{json, Value};

use super::actors::{self, LocalActor};
use super::convert::{self, EventActors};
use super::wire::{self, PUBLIC};
use super::{keys, store, Federation, Urls};
use crate::projections::public_tables::Recorded;
use crate::sync::view::{DocumentChanged, DocumentView};
use crate::Result;

/// Queues the activities a committed change causes (see the module's documentation).
pub fn record(tx: &Transaction, urls: &Urls, change: &DocumentChanged, recorded: Recorded) -> Result<()> {
    let verb = match (recorded.was_public, recorded.is_public) {
        (false, true) => "Create",
        (true, true) if change.before != change.after => "Update",
        (true, false) => "Delete",
        _ => return Ok(()),
    };
    let event = match (&change.after, &change.before) {
        (DocumentView::Event(e, _), _) => Some(e),
        (_, DocumentView::Event(e, _)) => Some(e),
        _ => None,
    };
    let Some(event) = event else { return Ok(()) };
    let Some(organizer) = actors::local_identity(tx, &event.details.organizer_id)? else { return Ok(()) };
    let group = match &event.details.group_id {
        Some(id) => actors::local_group(tx, id)?,
        None => None,
    };
    let organizer_url = organizer.url(urls);
    let object_url = urls.event(&event.id);
    let object = match verb {
        "Delete" => json!({"id": object_url, "type": "Tombstone", "formerType": "Event"}),
        _ => {
            let followers = format!("{organizer_url}/followers");
            let group_url = group.as_ref().map(|g| g.url(urls));
            let actors =
                EventActors { organizer: &organizer_url, organizer_followers: &followers, group: group_url.as_deref() };
            serde_json::to_value(convert::event_to_wire(event, &object_url, &actors)).unwrap_or(Value::Null)
        }
    };
    // Instances that follow this one hear of listed (public) events only.
    let listed = event.details.visibility == Visibility::Public;
    let audience: Vec<&str> =
        [Some(organizer.key()), group.as_ref().map(LocalActor::key), listed.then_some(keys::INSTANCE)]
            .into_iter()
            .flatten()
            .collect();
    let inboxes = store::follower_inboxes(tx, &audience)?;
    let activity = json!({
        "@context": wire::context(),
        "id": urls.new_activity(),
        "type": verb,
        "actor": organizer_url,
        "object": object,
        "to": [PUBLIC],
        "cc": [format!("{organizer_url}/followers")],
        "published": Utc::now().to_rfc3339(),
    });
    queue(tx, &inboxes, &organizer, urls, &activity)?;
    // A group's event is announced by the group to its followers, as Mobilizon does.
    if let (Some(group), "Create" | "Update") = (&group, verb) {
        let group_url = group.url(urls);
        let announce = json!({
            "@context": wire::context(),
            "id": urls.new_activity(),
            "type": "Announce",
            "actor": group_url,
            "object": activity["object"],
            "to": [PUBLIC],
            "cc": [format!("{group_url}/followers")],
            "published": Utc::now().to_rfc3339(),
        });
        let inboxes = store::follower_inboxes(tx, &[group.key()])?;
        queue(tx, &inboxes, group, urls, &announce)?;
    }
    Ok(())
}

/// An identity or a group that changed what others show of it (its name, its words, its picture)
/// sends its followers an `Update` of itself, as Mastodon and Mobilizon expect to refresh a profile.
pub fn record_actor(tx: &Transaction, urls: &Urls, change: &DocumentChanged) -> Result<()> {
    let actor = match (&change.before, &change.after) {
        (DocumentView::Identity(b, bi), DocumentView::Identity(a, ai))
            if (&b.display_name, &b.bio, bi) != (&a.display_name, &a.bio, ai) =>
        {
            actors::local_identity(tx, &a.id)?
        }
        (DocumentView::Group(b, bi), DocumentView::Group(a, ai)) if (b, bi) != (a, ai) => {
            actors::local_group(tx, &change.id)?
        }
        _ => return Ok(()),
    };
    let Some(actor) = actor else { return Ok(()) };
    let inboxes = store::follower_inboxes(tx, &[actor.key()])?;
    if inboxes.is_empty() {
        return Ok(());
    }
    let url = actor.url(urls);
    let object = serde_json::to_value(actors::actor_json(tx, urls, &actor)?).unwrap_or(Value::Null);
    let update = json!({
        "@context": wire::context(),
        "id": urls.new_activity(),
        "type": "Update",
        "actor": url,
        "object": object,
        "to": [PUBLIC],
        "cc": [format!("{url}/followers")],
        "published": Utc::now().to_rfc3339(),
    });
    queue(tx, &inboxes, &actor, urls, &update)
}

/// One delivery per inbox, signed by `actor` when sent.
pub fn queue(tx: &Connection, inboxes: &[String], actor: &LocalActor, urls: &Urls, activity: &Value) -> Result<()> {
    let key_id = Urls::key_id(&actor.url(urls));
    let body = activity.to_string();
    let now = Utc::now();
    for inbox in inboxes {
        store::enqueue(tx, inbox, actor.key(), &key_id, &body, now)?;
    }
    Ok(())
}

/// How many deliveries one pass sends at once.
const IN_FLIGHT: usize = 16;

/// Sends due deliveries until the relay stops: woken when some are queued, else every second. Once an
/// hour it forgets what is done with (see [`store::prune`]).
pub async fn run(federation: Arc<Federation>) {
    const HOUR: std::time::Duration = std::time::Duration::from_secs(3600);
    let mut pruned_at: Option<std::time::Instant> = None;
    loop {
        if pruned_at.is_none_or(|at| at.elapsed() >= HOUR) {
            pruned_at = Some(std::time::Instant::now());
            if let Err(e) = store::prune(&federation.db(), Utc::now()) {
                eprintln!("rally-server: forgetting old deliveries: {e}");
            }
        }
        if let Err(e) = federation.follow_instances().await {
            eprintln!("rally-server: following instances: {e}");
        }
        let sent = match send_due(&federation).await {
            Ok(n) => n,
            Err(e) => {
                eprintln!("rally-server: federation deliveries: {e}");
                0
            }
        };
        if sent == 0 {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(1), federation.wake.notified()).await;
        }
    }
}

/// One pass: sends what is due, then records every outcome in one transaction. Returns how many were
/// tried.
pub async fn send_due(federation: &Arc<Federation>) -> Result<usize> {
    let due = store::due(&federation.db(), Utc::now(), IN_FLIGHT as u32)?;
    let count = due.len();
    // Each on a task of its own: signing is CPU work, and the relay's cores share it.
    let attempts: Vec<_> = due
        .into_iter()
        .map(|delivery| {
            let federation = federation.clone();
            tokio::spawn(async move {
                let outcome = send(&federation, &delivery).await;
                (delivery, outcome)
            })
        })
        .collect();
    let mut outcomes = Vec::with_capacity(attempts.len());
    for attempt in attempts {
        match attempt.await {
            Ok(outcome) => outcomes.push(outcome),
            // A send that panicked stays due: it is tried again on the next pass.
            Err(e) => eprintln!("rally-server: a delivery failed: {e}"),
        }
    }
    let settings = federation.settings.clone();
    federation
        .transaction(move |tx| {
            let now = Utc::now();
            for (delivery, outcome) in outcomes {
                match outcome {
                    Ok(()) => store::delivered(tx, delivery.id, now)?,
                    Err(e) => {
                        let attempts = delivery.attempts + 1;
                        let next = (attempts < settings.max_attempts).then(|| {
                            let wait = settings.retry_after * 2_i32.saturating_pow(attempts.min(16) - 1);
                            now + wait.min(Duration::hours(1))
                        });
                        store::failed(tx, delivery.id, &e.to_string(), next, now)?;
                    }
                }
            }
            Ok(())
        })
        .await?;
    Ok(count)
}

async fn send(federation: &Arc<Federation>, delivery: &store::Delivery) -> Result<()> {
    let key = federation.signing_key(&delivery.signer).await?;
    federation.post(&delivery.inbox, delivery.activity.as_bytes(), &delivery.key_id, &key).await
}
