//! `rally group …`: thin over [`rally_client::groups`] (membership, on the relay) and the profile (the
//! group's document, edited offline by its administrators).

use std::sync::{Arc, Mutex};

use rally_client::groups;
use rally_client::{Error, Result};
use rally_core::model::{
    Group, GroupDecision, GroupInput, GroupMembers, GroupOpenness, GroupRole, Member, MemberAction, MemberState,
    MyGroup, Visibility,
};
use rally_core::profile::Profile;

use crate::args::{GroupCommand, GroupFields};
use crate::{identity::image_file, output};

fn lock(profile: &Mutex<Profile>) -> Result<std::sync::MutexGuard<'_, Profile>> {
    profile.lock().map_err(|_| Error::Protocol("the profile lock was poisoned".into()))
}

fn state_label(state: MemberState) -> String {
    match state {
        MemberState::Invited => "invited".into(),
        MemberState::Requested => "asked to join".into(),
        MemberState::Member(role) => role.as_str().into(),
    }
}

fn group_line(g: &MyGroup) -> String {
    format!("@{}\t{}\t{}\t{}", g.username, g.name, state_label(g.state), g.group_id)
}

fn member_line(m: &Member) -> String {
    let mut line = format!("@{}\t{}\t{}\t{}", m.username, m.display_name, state_label(m.state), m.identity_id);
    if !m.message.is_empty() {
        line.push_str(&format!("\t\"{}\"", m.message));
    }
    line
}

fn print_group(g: &Group, mine: Option<&MyGroup>, json: bool) -> Result<()> {
    if json {
        return Ok(output::json(g)?);
    }
    println!("{} (@{})\t{}", g.name, g.username, g.id);
    println!("{}, {}", g.visibility.as_str(), g.openness.as_str().replace('_', " "));
    if let Some(mine) = mine {
        println!("you: {}", state_label(mine.state));
    }
    if !g.summary.is_empty() {
        println!("\n{}", g.summary);
    }
    Ok(())
}

/// Lays the given flags over a group's form.
fn apply(mut input: GroupInput, f: GroupFields) -> rally_core::Result<GroupInput> {
    let set = |field: &mut String, value: Option<String>| {
        if let Some(v) = value {
            *field = v;
        }
    };
    set(&mut input.name, f.name);
    set(&mut input.username, f.username);
    set(&mut input.summary, f.summary);
    set(&mut input.place_name, f.place_name);
    set(&mut input.address, f.address);
    if let Some(v) = f.visibility {
        input.visibility = Visibility::parse(v.trim()).ok_or_else(|| {
            rally_core::Error::invalid("visibility", format!("\"{v}\" is not one of public, unlisted, private"))
        })?;
    }
    if let Some(o) = f.openness {
        input.openness = GroupOpenness::parse(o.trim()).ok_or_else(|| {
            rally_core::Error::invalid("openness", format!("\"{o}\" is not one of open, moderated, invite_only"))
        })?;
    }
    if let Some(avatar) = image_file(f.avatar.as_deref(), "avatar")? {
        input.avatar = avatar;
    }
    if let Some(banner) = image_file(f.banner.as_deref(), "banner")? {
        input.banner = banner;
    }
    Ok(input)
}

/// Refreshes from the relay when it can be reached; says so when it cannot, and goes on offline.
async fn refresh(profile: &Mutex<Profile>) -> Result<()> {
    match groups::refresh(profile).await {
        Ok(_) => Ok(()),
        Err(Error::Unreachable { server, .. }) => {
            eprintln!("rally: {server} cannot be reached: showing what this device knew");
            Ok(())
        }
        Err(other) => Err(other),
    }
}

fn print_members(view: &GroupMembers, json: bool) -> Result<()> {
    if json {
        return Ok(output::json(view)?);
    }
    if let Some(why) = &view.offline {
        eprintln!("rally: {why}");
    }
    view.members.iter().for_each(|m| println!("{}", member_line(m)));
    for p in &view.pending {
        println!("waiting to be sent\t{}", serde_json::to_string(&p.decision).unwrap_or_default());
    }
    view.notes.iter().for_each(|n| println!("{n}"));
    Ok(())
}

pub async fn run(profile: Profile, cmd: GroupCommand) -> Result<()> {
    let profile = Arc::new(Mutex::new(profile));
    match cmd {
        GroupCommand::Create { identity, fields, json } => {
            let input = apply(GroupInput::default(), fields)?;
            let group = groups::create(&profile, &identity, input, crate::sync::SETTLE).await?;
            // The group's document goes to the relay now: its page and its name for others come from it.
            rally_client::sync::SyncEngine::round(profile.clone(), crate::sync::SETTLE).await?;
            let mine = lock(&profile)?.my_groups()?.into_iter().find(|g| g.group_id == group.id);
            print_group(&group, mine.as_ref(), json)
        }
        GroupCommand::Edit { group, fields, json } => {
            let mut p = lock(&profile)?;
            let current = p.group(&group)?;
            let input = apply(GroupInput::from_group(&current), fields)?;
            let updated = p.update_group(&current.id, input)?;
            print_group(&updated, None, json)
        }
        GroupCommand::Show { group, json } => {
            let p = lock(&profile)?;
            let g = p.group(&group)?;
            let mine = p.my_groups()?.into_iter().find(|m| m.group_id == g.id);
            print_group(&g, mine.as_ref(), json)
        }
        GroupCommand::List { json } => {
            refresh(&profile).await?;
            let mine = lock(&profile)?.my_groups()?;
            if json {
                return Ok(output::json(&mine)?);
            }
            mine.iter().for_each(|g| println!("{}", group_line(g)));
            Ok(())
        }
        GroupCommand::Delete { group } => {
            let id = lock(&profile)?.group_key(&group)?.unwrap_or(group);
            groups::delete(&profile, &id).await?;
            let mut p = lock(&profile)?;
            if p.group(&id).is_ok() {
                p.forget_group(&id)?;
            }
            Ok(())
        }
        GroupCommand::Invite { group, username, json } => {
            let username = username.trim().trim_start_matches('@').to_string();
            let after = groups::decide(&profile, &group, GroupDecision::Invite { username }).await?;
            print_members(&after, json)
        }
        GroupCommand::Accept { group, identity, json } => {
            refresh(&profile).await?;
            let identity = match identity {
                Some(identity) => identity,
                None => {
                    let key = group.trim().trim_start_matches('@').to_string();
                    lock(&profile)?
                        .my_groups()?
                        .into_iter()
                        .find(|g| (g.group_id == key || g.username == key) && g.state == MemberState::Invited)
                        .map(|g| g.identity_id)
                        .ok_or_else(|| Error::Protocol(format!("no invitation to {group} for this account")))?
                }
            };
            let joined = groups::join(&profile, &group, &identity, "").await?;
            print_joined(&joined, json)
        }
        GroupCommand::Decline { group } | GroupCommand::Leave { group } => groups::leave(&profile, &group).await,
        GroupCommand::Join { group, identity, message, json } => {
            let joined = groups::join(&profile, &group, &identity, &message).await?;
            print_joined(&joined, json)
        }
        GroupCommand::Members { group, json } => print_members(&groups::members(&profile, &group).await?, json),
        GroupCommand::Approve { group, member } => act(&profile, &group, &member, MemberAction::Approve).await,
        GroupCommand::Refuse { group, member } => act(&profile, &group, &member, MemberAction::Refuse).await,
        GroupCommand::Role { group, member, role } => {
            let role = GroupRole::parse(role.trim()).ok_or_else(|| {
                rally_core::Error::invalid("role", format!("\"{role}\" is not one of administrator, moderator, member"))
            })?;
            act(&profile, &group, &member, MemberAction::Role(role)).await
        }
        GroupCommand::Remove { group, member } => act(&profile, &group, &member, MemberAction::Remove).await,
    }
}

/// An administrator's decision: sent at once when the relay can be reached, else kept for the next sync.
async fn act(profile: &Mutex<Profile>, group: &str, member: &str, action: MemberAction) -> Result<()> {
    let decision = GroupDecision::Act { identity_id: member.to_string(), action };
    let after = groups::decide(profile, group, decision).await?;
    print_members(&after, false)
}

fn print_joined(joined: &MyGroup, json: bool) -> Result<()> {
    if json {
        return Ok(output::json(joined)?);
    }
    println!(
        "{}",
        match joined.state {
            MemberState::Requested => format!("asked to join @{}: an administrator will answer", joined.username),
            _ => format!("you are in @{} ({})", joined.username, state_label(joined.state)),
        }
    );
    Ok(())
}
