//! Groups from a device: the group's document is made and edited on the profile (offline too, by its
//! administrators); the relay registers it and owns membership, and this device keeps its last word
//! (`Profile::set_my_groups`) so that roles and the group's documents are known offline.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rally_core::model::{
    CreateGroup, FollowerDecision, Group, GroupDecision, GroupInput, GroupJoin, GroupMembers, GroupSummary,
    MemberAction, MyGroup, PendingFollower,
};
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

/// Sends the decisions kept here, then fetches the account's groups from the relay and keeps them on
/// the profile. Returns them.
pub async fn refresh(profile: &Mutex<Profile>) -> Result<Vec<MyGroup>> {
    send_decisions(profile).await?;
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

/// A group's members: the relay's list when it can be asked (kept here), else the list last heard,
/// saying why. Decisions not sent yet are sent first.
pub async fn members(profile: &Mutex<Profile>, group: &str) -> Result<GroupMembers> {
    let group = group_id(profile, group).await?;
    match fetch_members(profile, &group).await {
        Ok(view) => Ok(view),
        Err(Error::Unreachable { server, reason }) => {
            let mut view = lock(profile)?.group_members(&group)?;
            view.offline = Some(format!("{server} cannot be reached ({reason}): the list as last heard"));
            Ok(view)
        }
        Err(other) => Err(other),
    }
}

async fn fetch_members(profile: &Mutex<Profile>, group: &str) -> Result<GroupMembers> {
    send_decisions(profile).await?;
    let (api, token) = session(profile)?;
    let all = api.group_members(&token, group).await?;
    let mut p = lock(profile)?;
    p.set_group_members(group, &all)?;
    Ok(p.group_members(group)?)
}

/// An administrator's decision (approve, refuse, a role, removal, an invitation): kept on the profile,
/// then sent at once if the relay can be reached, else with the next sync. Answers the members as
/// [`members`] does.
pub async fn decide(profile: &Mutex<Profile>, group: &str, decision: GroupDecision) -> Result<GroupMembers> {
    let group = group_id(profile, group).await?;
    // The role this device knows may be older than the relay's: asked again when it can be.
    match refresh(profile).await {
        Ok(_) | Err(Error::Unreachable { .. }) => {}
        Err(other) => return Err(other),
    }
    let decision = match decision {
        // Named by username, as the members list shows them.
        GroupDecision::Act { identity_id, action } => {
            GroupDecision::Act { identity_id: member_id(profile, &group, &identity_id).await?, action }
        }
        invite => invite,
    };
    lock(profile)?.decide_on_member(&group, decision)?;
    members(profile, &group).await
}

/// A member's identity id from its id or `@username`: in the members list last heard, else in the
/// relay's list when it can be asked.
async fn member_id(profile: &Mutex<Profile>, group: &str, member: &str) -> Result<String> {
    let member = member.trim().trim_start_matches('@');
    if rally_core::document::is_id(member) {
        return Ok(member.to_string());
    }
    let known = |profile: &Mutex<Profile>| -> Result<Option<String>> {
        let members = lock(profile)?.group_members(group)?.members;
        Ok(members.into_iter().find(|m| m.username == member).map(|m| m.identity_id))
    };
    if let Some(id) = known(profile)? {
        return Ok(id);
    }
    match fetch_members(profile, group).await {
        Ok(_) | Err(Error::Unreachable { .. }) => {}
        Err(other) => return Err(other),
    }
    known(profile)?.ok_or_else(|| Error::Protocol(format!("@{member} is not in the group, invited or asking")))
}

/// Sends the administrators' decisions kept here, oldest first. A decision the relay refuses (another
/// administrator decided first, the request was taken back) leaves a note saying so; an unreachable
/// relay leaves the rest for the next time.
pub async fn send_decisions(profile: &Mutex<Profile>) -> Result<usize> {
    let pending = lock(profile)?.pending_group_decisions()?;
    if pending.is_empty() {
        return Ok(0);
    }
    let (api, token) = session(profile)?;
    let mut sent = 0;
    for decision in pending {
        let answer = match &decision.decision {
            GroupDecision::Act { identity_id, action } => {
                api.act_on_member(&token, &decision.group_id, identity_id, *action).await.map(drop)
            }
            GroupDecision::Invite { username } => {
                api.invite_to_group(&token, &decision.group_id, username).await.map(drop)
            }
        };
        let note = match answer {
            Ok(()) => None,
            Err(Error::Relay { message, .. }) => {
                Some(format!("Not applied: {}: {message}", describe(&decision.decision)))
            }
            Err(other) => return Err(other),
        };
        lock(profile)?.group_decision_sent(&decision, note.as_deref())?;
        sent += 1;
    }
    Ok(sent)
}

fn describe(decision: &GroupDecision) -> String {
    match decision {
        GroupDecision::Invite { username } => format!("inviting @{username}"),
        GroupDecision::Act { action, .. } => match action {
            MemberAction::Approve => "approving a request".into(),
            MemberAction::Refuse => "refusing a request".into(),
            MemberAction::Role(role) => format!("making a member {}", role.as_str()),
            MemberAction::Remove => "removing a member".into(),
        },
    }
}

pub async fn delete(profile: &Mutex<Profile>, group: &str) -> Result<()> {
    let group = group_id(profile, group).await?;
    let (api, token) = session(profile)?;
    api.delete_group(&token, &group).await?;
    refresh(profile).await.map(drop)
}

/// People of other servers waiting to follow a group that approves its followers (administrators
/// only; the relay's answer, never kept: deciding needs the relay anyway).
pub async fn followers(profile: &Mutex<Profile>, group: &str) -> Result<Vec<PendingFollower>> {
    let group = group_id(profile, group).await?;
    let (api, token) = session(profile)?;
    api.group_followers(&token, &group).await
}

/// An administrator lets one follow the group, or refuses; those still waiting.
pub async fn decide_follower(
    profile: &Mutex<Profile>,
    group: &str,
    decision: &FollowerDecision,
) -> Result<Vec<PendingFollower>> {
    let group = group_id(profile, group).await?;
    let (api, token) = session(profile)?;
    api.decide_follower(&token, &group, decision).await
}
