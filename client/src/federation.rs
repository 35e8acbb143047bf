//! Following people and groups of other servers, and taking part in their events, through the relay
//! (which speaks ActivityPub for this account). The calls need the relay; their answers, and what
//! [`refresh`] brings, are kept in the profile so that followed people's events show offline.

use std::sync::Mutex;

use rally_core::model::{
    FederationSnapshot, Follow, FollowRequest, RemoteEvent, RemoteJoinRequest, RemoteParticipation,
};
use rally_core::profile::Profile;

use crate::participation::{lock, session};
use crate::Result;

fn identity_id(profile: &Mutex<Profile>, identity: &str) -> Result<String> {
    Ok(lock(profile)?.identity(identity)?.id)
}

/// `identity` follows `handle` (`@name@host` or an actor's URL); accepted once the other server says so.
pub async fn follow(profile: &Mutex<Profile>, identity: &str, handle: &str) -> Result<Follow> {
    let identity_id = identity_id(profile, identity)?;
    let (api, token) = session(profile)?;
    let follow = api.follow(&token, &FollowRequest { identity_id, handle: handle.trim().to_string() }).await?;
    lock(profile)?.put_follow(&follow)?;
    Ok(follow)
}

pub async fn follows(profile: &Mutex<Profile>) -> Result<Vec<Follow>> {
    let (api, token) = session(profile)?;
    api.follows(&token).await
}

/// The events of the actors this account's identities follow.
pub async fn remote_events(profile: &Mutex<Profile>) -> Result<Vec<RemoteEvent>> {
    let (api, token) = session(profile)?;
    api.remote_events(&token).await
}

pub async fn join(profile: &Mutex<Profile>, event: &str, identity: &str, message: &str) -> Result<RemoteParticipation> {
    let identity_id = identity_id(profile, identity)?;
    let (api, token) = session(profile)?;
    let joined =
        api.join_remote(&token, event, &RemoteJoinRequest { identity_id, message: message.to_string() }).await?;
    lock(profile)?.put_remote_participation(&joined)?;
    Ok(joined)
}

pub async fn leave(profile: &Mutex<Profile>, event: &str, identity: &str) -> Result<()> {
    let identity_id = identity_id(profile, identity)?;
    let (api, token) = session(profile)?;
    api.leave_remote(&token, event, &identity_id).await?;
    // Kept as left until the next refresh brings the relay's own word.
    let mut profile = lock(profile)?;
    let kept = profile
        .federation_kept()?
        .participations
        .into_iter()
        .find(|p| p.event_id == event && p.identity_id == identity_id);
    if let Some(mut p) = kept {
        p.status = rally_core::model::RemoteParticipationStatus::Left;
        profile.put_remote_participation(&p)?;
    }
    Ok(())
}

pub async fn participations(profile: &Mutex<Profile>) -> Result<Vec<RemoteParticipation>> {
    let (api, token) = session(profile)?;
    api.remote_participations(&token).await
}

/// Brings what the relay has of other servers for this account into the profile; whether it changed.
pub async fn refresh(profile: &Mutex<Profile>) -> Result<bool> {
    let (api, token) = session(profile)?;
    let mut now = FederationSnapshot {
        follows: api.follows(&token).await?,
        events: api.remote_events(&token).await?,
        participations: api.remote_participations(&token).await?,
    };
    // In the order the profile keeps them, so that an unchanged answer compares equal.
    now.events.sort_by(|a, b| (a.event.details.starts_at, &a.event.id).cmp(&(b.event.details.starts_at, &b.event.id)));
    let mut profile = lock(profile)?;
    if profile.federation_kept()? == now {
        return Ok(false);
    }
    profile.set_federation(&now)?;
    Ok(true)
}
