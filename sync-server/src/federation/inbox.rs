//! What arrives at an inbox (the shared one or an actor's): everything is input until checked. In
//! order: federation on; the body bounded; the signature's framing (it covers the request line,
//! `host`, `date` within the window and the body's `digest`); the signer's domain not blocked; the
//! signature verified with the signer's key (fetched and cached; fetched again once, for a rotated
//! key); the activity's `actor` on the signer's host. Each refusal has its status and reason and
//! changes nothing. Then, once per activity id, its verb in [`super::activities`] handles it in one
//! transaction.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::Utc;
use serde_json::Value;

use super::activities;
use super::store::{self, RemoteActor};
use super::wire::{self, Activity};
use super::{host_of, keys, signature, Federation, MAX_BODY};
use crate::{Error, Result};

/// A request as the handler received it.
pub struct Incoming {
    pub method: String,
    pub path_and_query: String,
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

fn forbidden(code: &'static str, message: impl Into<String>) -> Error {
    Error::Forbidden { code, message: message.into() }
}

/// Checks and handles one delivery.
pub async fn receive(federation: &Arc<Federation>, request: Incoming) -> Result<()> {
    if !federation.settings.enabled {
        return Err(forbidden("federation_off", "federation is switched off on this relay"));
    }
    if request.body.len() > MAX_BODY {
        return Err(Error::TooLarge {
            code: "too_large",
            message: format!("an activity of at most {} KiB", MAX_BODY / 1024),
        });
    }
    let signed = signature::prepare(
        &request.method,
        &request.path_and_query,
        &request.headers,
        Some(&request.body),
        Utc::now(),
    )?;
    let activity: Activity = serde_json::from_slice(&request.body)
        .map_err(|e| Error::bad_request("invalid_activity", format!("not an activity: {e}")))?;
    let signer_url = signed.key_id.split('#').next().unwrap_or_default().to_string();
    let signer_host = host_of(&signer_url)
        .ok_or_else(|| Error::unauthorized("bad_signature", format!("keyId \"{}\" is not a URL", signed.key_id)))?;
    federation.check_domain(&signer_host)?;
    federation.check_actor(&signer_url)?;
    federation.may_deliver(&signer_host)?;
    let signer = signer(federation, &signed, &signer_url).await?;
    let actor = wire::id_of(&activity.actor).unwrap_or_default();
    if host_of(actor).as_deref() != Some(signer.host.as_str()) {
        return Err(forbidden(
            "actor_not_signer",
            format!("the activity speaks for {actor}, but {} signed it", signer.id),
        ));
    }
    // An Announce may name its object by URL: fetched (signed) from its own server before anything
    // is written.
    let announced = match (activity.kind.as_str(), &activity.object) {
        ("Announce", Value::String(url)) => Some(federation.fetch(url).await?),
        _ => None,
    };
    let (urls, participation) = (federation.urls.clone(), federation.participation.clone());
    federation
        .transaction(move |tx| {
            let now = Utc::now();
            // Kept only now that everything is checked: a refused request leaves nothing behind.
            store::put_actor(tx, &signer, now)?;
            if !store::first_time(tx, &activity.id, now)? {
                return Ok(());
            }
            let cx = activities::Context { urls: &urls, participation: &participation };
            activities::handle(tx, &cx, &signer, &activity, announced, now)
        })
        .await?;
    federation.wake.notify_one();
    Ok(())
}

/// The signer, whose key verifies the signature: cached, else fetched; fetched again once if the
/// cached key fails (it may have been rotated).
async fn signer(federation: &Arc<Federation>, signed: &signature::Signed, signer_url: &str) -> Result<RemoteActor> {
    let verifies = |actor: &RemoteActor| {
        actor.key_id == signed.key_id && keys::read_public(&actor.public_pem).is_ok_and(|key| signed.verify(&key))
    };
    let cached = store::actor_by_key(&federation.db(), &signed.key_id)?;
    if let Some(actor) = cached.filter(verifies) {
        return Ok(actor);
    }
    let actor = federation
        .fetch_actor(signer_url)
        .await
        .map_err(|e| Error::unauthorized("bad_signature", format!("the signer's key could not be fetched: {e}")))?;
    if !verifies(&actor) {
        return Err(Error::unauthorized(
            "bad_signature",
            format!("the signature does not verify with the key {}", signed.key_id),
        ));
    }
    Ok(actor)
}
