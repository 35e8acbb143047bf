//! Taking part in events, and deciding on requests to one's own. The relay is the authority on both;
//! this device keeps its last word, so that both show offline, and keeps the organizer's decisions
//! taken offline until [`refresh`] sends them (the relay applies the first decision made on a request).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rally_core::model::{DecisionResult, JoinRequest, Participation, ParticipationStatus, PrivateFeed, PublicEvent};
use rally_core::profile::Profile;

use crate::relay_api::RelayApi;
use crate::token_store::TokenStore;
use crate::{Error, Result};

pub(crate) fn lock(profile: &Mutex<Profile>) -> Result<MutexGuard<'_, Profile>> {
    profile.lock().map_err(|_| Error::Protocol("the profile lock was poisoned".into()))
}

/// The relay and the session token of a logged-in profile.
pub(crate) fn session(profile: &Mutex<Profile>) -> Result<(RelayApi, String)> {
    let p = lock(profile)?;
    let link = p.account_link()?.ok_or(Error::NotLoggedIn)?;
    let token = TokenStore::for_profile(&p.profile_id()?)?.get()?.ok_or(Error::NotLoggedIn)?;
    Ok((RelayApi::new(&link.server)?, token))
}

/// An event id from what people paste: the id, its `automerge:` URL, or its page's address.
pub fn event_id(text: &str) -> String {
    let text = text.trim().trim_end_matches('/');
    let last = text.rsplit('/').next().unwrap_or(text);
    last.trim_start_matches("automerge:").trim_end_matches(".ics").to_string()
}

/// A published event on this profile's relay, to show before joining it.
pub async fn public_event(profile: &Mutex<Profile>, event: &str) -> Result<PublicEvent> {
    let server = lock(profile)?.account_link()?.ok_or(Error::NotLoggedIn)?.server;
    RelayApi::new(&server)?.public_event(&event_id(event)).await
}

/// Joins an event as one of this profile's identities (id or username).
pub async fn join(profile: &Mutex<Profile>, event: &str, identity: &str, message: &str) -> Result<Participation> {
    let identity = lock(profile)?.identity(identity)?.id;
    let (api, token) = session(profile)?;
    let request = JoinRequest { identity_id: identity, message: message.to_string() };
    let joined = api.join(&token, &event_id(event), &request).await?;
    lock(profile)?.put_my_participation(&joined)?;
    Ok(joined)
}

/// [`join`], for a device that does not sync in the background (the command line): an identity made
/// here offline is not on the relay yet, so it is sent (one round of sync) and the request made again.
pub async fn join_syncing_first(
    profile: &Arc<Mutex<Profile>>,
    event: &str,
    identity: &str,
    message: &str,
    settle: Duration,
) -> Result<Participation> {
    match join(profile, event, identity, message).await {
        Err(Error::Relay { code, .. }) if code == "unknown_identity" => {
            crate::sync::SyncEngine::round(profile.clone(), settle).await?;
            join(profile, event, identity, message).await
        }
        other => other,
    }
}

pub async fn leave(profile: &Mutex<Profile>, event: &str, identity: &str) -> Result<Participation> {
    let identity = lock(profile)?.identity(identity)?.id;
    let (api, token) = session(profile)?;
    let left = api.leave(&token, &event_id(event), &identity).await?;
    lock(profile)?.put_my_participation(&left)?;
    Ok(left)
}

pub async fn invite(profile: &Mutex<Profile>, event: &str, usernames: &[String]) -> Result<()> {
    let (api, token) = session(profile)?;
    api.invite(&token, &event_id(event), usernames).await
}

pub async fn private_feed(profile: &Mutex<Profile>, reset: bool) -> Result<PrivateFeed> {
    let (api, token) = session(profile)?;
    api.private_feed(&token, reset).await
}

/// What a refresh brought that people want to hear of.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct News {
    /// Requests to this account's events that were not here before.
    pub requests: Vec<Participation>,
    /// This account's participations whose status changed (accepted, refused, moved up).
    pub answers: Vec<Participation>,
    /// Decisions taken here that the relay did not apply, with why.
    pub not_applied: Vec<DecisionResult>,
    /// Whether anything this device keeps of participations changed (views showing them reload).
    pub changed: bool,
}

impl News {
    /// Nothing worth telling people (a notification), whether or not views must reload.
    pub fn is_empty(&self) -> bool {
        self.requests.is_empty() && self.answers.is_empty() && self.not_applied.is_empty()
    }
}

/// Sends the decisions taken here, then keeps the relay's whole answer on participations.
pub async fn refresh(profile: &Mutex<Profile>) -> Result<News> {
    let (api, token) = session(profile)?;
    let (pending, known_requests, my_status, before) = {
        let p = lock(profile)?;
        let mine: HashMap<String, ParticipationStatus> =
            p.my_participations()?.into_iter().map(|m| (m.id, m.status)).collect();
        let known: Vec<String> = p.known_request_ids()?;
        (p.pending_decisions()?, known, mine, p.participations_kept()?)
    };
    let mut news = News { changed: !pending.is_empty(), ..News::default() };
    let mut by_event: Vec<(String, Vec<rally_core::model::DecisionRequest>)> = Vec::new();
    for (event, decision) in pending {
        match by_event.iter_mut().find(|(e, _)| *e == event) {
            Some((_, list)) => list.push(decision),
            None => by_event.push((event, vec![decision])),
        }
    }
    for (event, decisions) in by_event {
        let results = api.decide(&token, &event, &decisions).await?;
        news.not_applied.extend(results.iter().filter(|r| !r.applied).cloned());
        lock(profile)?.decisions_sent(&results)?;
    }
    let all = api.participations(&token).await?;
    news.requests = all
        .organizing
        .iter()
        .filter(|r| r.status == ParticipationStatus::Pending && !known_requests.contains(&r.id))
        .cloned()
        .collect();
    news.answers = all.mine.iter().filter(|m| my_status.get(&m.id).is_some_and(|s| *s != m.status)).cloned().collect();
    news.changed |= before != all;
    lock(profile)?.set_participations(&all)?;
    Ok(news)
}
