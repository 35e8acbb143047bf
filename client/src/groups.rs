//! Groups from a device: the group's document is made and edited on the profile (offline too, by its
//! administrators); the relay registers it and owns membership, and this device keeps its last word
//! (`Profile::set_my_groups`) so that roles and the group's documents are known offline.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rally_core::model::{CreateGroup, Group, GroupInput, GroupJoin, GroupSummary, Member, MemberAction, MyGroup};
use rally_core::profile::Profile;

use crate::participation::{lock, session};
use crate::{Error, Result};

/// A group by what people paste: its id, its `automerge:` URL, `@name`, or its page's address.
pub fn group_key(text: &str) -> String {
    let text = text.trim().trim_end_matches('/');
    let last = text.rsplit('/').next().unwrap_or(text);
    last.trim_start_matches("automerge:").trim_start_matches('@').to_string()
}

/// Resolves a group this profile knows (by id or `@username`), else asks the relay for it by name.
async fn group_id(profile: &Mutex<Profile>, key: &str) -> Result<String> {
    let key = group_key(key);
    if rally_core::document::is_id(&key) {
        return Ok(key);
    }
    let known = {
        let p = lock(profile)?;
        p.my_groups()?.into_iter().find(|g| g.username == key).map(|g| g.group_id)
    };
    match known {
        Some(id) => Ok(id),
        None => Ok(find(profile, &key).await?.group_id),
    }
}

/// Creates a group founded by one of this profile's identities: its document here, then its
/// registration on the relay (which claims its `@username`). An identity made offline is sent first
/// (one round of sync); a refusal takes the group back off this profile.
pub async fn create(
    profile: &Arc<Mutex<Profile>>,
    founder: &str,
    input: GroupInput,
    settle: Duration,
) -> Result<Group> {
    let (group, founder) = {
        let mut p = lock(profile)?;
        let founder = p.identity(founder)?.id;
        (p.create_group(&founder, input)?, founder)
    };
    let request = CreateGroup { group_id: group.id.clone(), identity_id: founder, username: group.username.clone() };
    let registered = match register(profile, &request).await {
        Err(Error::Relay { code, .. }) if code == "not_your_identity" => {
            crate::sync::SyncEngine::round(profile.clone(), settle).await?;
            register(profile, &request).await
        }
        other => other,
    };
    if let Err(e) = registered {
        lock(profile)?.forget_group(&group.id)?;
        return Err(e);
    }
    refresh(profile).await?;
    Ok(group)
}

async fn register(profile: &Mutex<Profile>, request: &CreateGroup) -> Result<MyGroup> {
    let (api, token) = session(profile)?;
    api.create_group(&token, request).await
}

/// Fetches the account's groups from the relay and keeps them on the profile. Returns them.
pub async fn refresh(profile: &Mutex<Profile>) -> Result<Vec<MyGroup>> {
    let (api, token) = session(profile)?;
    let all = api.my_groups(&token).await?;
    lock(profile)?.set_my_groups(&all)?;
    Ok(all)
}

pub async fn find(profile: &Mutex<Profile>, name: &str) -> Result<GroupSummary> {
    let (api, token) = session(profile)?;
    api.find_group(&token, &group_key(name)).await
}

/// Joins an open group, asks to join a moderated one, or accepts an invitation, as one of this
/// profile's identities.
pub async fn join(profile: &Mutex<Profile>, group: &str, identity: &str, message: &str) -> Result<MyGroup> {
    let group = group_id(profile, group).await?;
    let identity = lock(profile)?.identity(identity)?.id;
    let (api, token) = session(profile)?;
    let joined =
        api.join_group(&token, &group, &GroupJoin { identity_id: identity, message: message.to_string() }).await?;
    refresh(profile).await?;
    Ok(joined)
}

/// Leaves a group, declines an invitation, or takes back a request: with the identity that is in it.
pub async fn leave(profile: &Mutex<Profile>, group: &str) -> Result<()> {
    let group = group_id(profile, group).await?;
    let identity = lock(profile)?
        .my_groups()?
        .into_iter()
        .find(|g| g.group_id == group)
        .map(|g| g.identity_id)
        .ok_or_else(|| Error::Protocol("none of this account's identities is in that group".into()))?;
    let (api, token) = session(profile)?;
    api.leave_group(&token, &group, &identity).await?;
    refresh(profile).await.map(drop)
}

pub async fn invite(profile: &Mutex<Profile>, group: &str, username: &str) -> Result<Member> {
    let group = group_id(profile, group).await?;
    let (api, token) = session(profile)?;
    api.invite_to_group(&token, &group, username.trim().trim_start_matches('@')).await
}

pub async fn members(profile: &Mutex<Profile>, group: &str) -> Result<Vec<Member>> {
    let group = group_id(profile, group).await?;
    let (api, token) = session(profile)?;
    api.group_members(&token, &group).await
}

/// An administrator's decision on a member (by identity id or `@username` as the members list shows).
pub async fn act(profile: &Mutex<Profile>, group: &str, member: &str, action: MemberAction) -> Result<Vec<Member>> {
    let group = group_id(profile, group).await?;
    let (api, token) = session(profile)?;
    let member = member.trim().trim_start_matches('@');
    let identity = if rally_core::document::is_id(member) {
        member.to_string()
    } else {
        let all = api.group_members(&token, &group).await?;
        all.into_iter()
            .find(|m| m.username == member)
            .map(|m| m.identity_id)
            .ok_or_else(|| Error::Protocol(format!("@{member} is not in the group, invited or asking")))?
    };
    let after = api.act_on_member(&token, &group, &identity, action).await?;
    refresh(profile).await?;
    Ok(after)
}

pub async fn delete(profile: &Mutex<Profile>, group: &str) -> Result<()> {
    let group = group_id(profile, group).await?;
    let (api, token) = session(profile)?;
    api.delete_group(&token, &group).await?;
    refresh(profile).await.map(drop)
}
