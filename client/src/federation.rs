//! Following people and groups of other servers, and taking part in their events, through the relay
//! (which speaks ActivityPub for this account). Every call needs the relay: the answers are the
//! relay's.

use std::sync::Mutex;

use rally_core::model::{Event, Follow, FollowRequest, RemoteJoinRequest, RemoteParticipation};
use rally_core::profile::Profile;

use crate::participation::session;
use crate::{Error, Result};

fn identity_id(profile: &Mutex<Profile>, identity: &str) -> Result<String> {
    let profile = profile.lock().map_err(|_| Error::Protocol("the profile lock was poisoned".into()))?;
    Ok(profile.identity(identity)?.id)
}

/// `identity` follows `handle` (`@name@host` or an actor's URL); accepted once the other server says so.
pub async fn follow(profile: &Mutex<Profile>, identity: &str, handle: &str) -> Result<Follow> {
    let identity_id = identity_id(profile, identity)?;
    let (api, token) = session(profile)?;
    api.follow(&token, &FollowRequest { identity_id, handle: handle.to_string() }).await
}

pub async fn follows(profile: &Mutex<Profile>) -> Result<Vec<Follow>> {
    let (api, token) = session(profile)?;
    api.follows(&token).await
}

/// The events of the actors this account's identities follow.
pub async fn remote_events(profile: &Mutex<Profile>) -> Result<Vec<Event>> {
    let (api, token) = session(profile)?;
    api.remote_events(&token).await
}

pub async fn join(profile: &Mutex<Profile>, event: &str, identity: &str, message: &str) -> Result<RemoteParticipation> {
    let identity_id = identity_id(profile, identity)?;
    let (api, token) = session(profile)?;
    api.join_remote(&token, event, &RemoteJoinRequest { identity_id, message: message.to_string() }).await
}

pub async fn leave(profile: &Mutex<Profile>, event: &str, identity: &str) -> Result<()> {
    let identity_id = identity_id(profile, identity)?;
    let (api, token) = session(profile)?;
    api.leave_remote(&token, event, &identity_id).await
}

pub async fn participations(profile: &Mutex<Profile>) -> Result<Vec<RemoteParticipation>> {
    let (api, token) = session(profile)?;
    api.remote_participations(&token).await
}
