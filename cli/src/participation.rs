//! Taking part (`rally event join|leave|attending`), deciding (`rally participants …`) and the private
//! feed (`rally feed …`): thin over [`rally_client::participation`] and the profile.

use std::sync::Mutex;

use rally_client::participation::{self, News};
use rally_client::{Error, Result};
use rally_core::model::{Decision, ParticipantEntry, Participation};
use rally_core::profile::Profile;

use crate::args::{FeedCommand, ParticipantsCommand};
use crate::output;

fn lock(profile: &Mutex<Profile>) -> Result<std::sync::MutexGuard<'_, Profile>> {
    profile.lock().map_err(|_| Error::Protocol("the profile lock was poisoned".into()))
}

fn participation_line(p: &Participation) -> String {
    let event = p.event.as_ref().map(|e| format!("{}\t{}", e.title, e.id)).unwrap_or_else(|| p.event_id.clone());
    let mut line = format!("{}\t{}", p.status.label(), event);
    if let Some(n) = p.waitlist_position {
        line.push_str(&format!("\t#{n} in line"));
    }
    line
}

pub async fn join(profile: Profile, event: &str, identity: &str, message: &str, json: bool) -> Result<()> {
    let profile = std::sync::Arc::new(Mutex::new(profile));
    let joined = participation::join_syncing_first(&profile, event, identity, message, crate::sync::SETTLE).await?;
    if json {
        return Ok(output::json(&joined)?);
    }
    println!("{}", joined.outcome());
    Ok(())
}

pub async fn leave(profile: Profile, event: &str, identity: &str, json: bool) -> Result<()> {
    let profile = Mutex::new(profile);
    let left = participation::leave(&profile, event, identity).await?;
    if json {
        return Ok(output::json(&left)?);
    }
    println!("{}", left.outcome());
    Ok(())
}

/// Refreshes from the relay when it can be reached; says so when it cannot, and goes on offline.
async fn refresh(profile: &Mutex<Profile>) -> Result<Option<News>> {
    match participation::refresh(profile).await {
        Ok(news) => Ok(Some(news)),
        Err(Error::Unreachable { server, .. }) => {
            eprintln!(
                "rally: {server} cannot be reached: showing what this device knew, decisions kept for the next sync"
            );
            Ok(None)
        }
        Err(other) => Err(other),
    }
}

pub async fn attending(profile: Profile, json: bool) -> Result<()> {
    let profile = Mutex::new(profile);
    refresh(&profile).await?;
    let mine = lock(&profile)?.my_participations()?;
    if json {
        return Ok(output::json(&mine)?);
    }
    mine.iter().for_each(|p| println!("{}", participation_line(p)));
    Ok(())
}

fn entry_line(e: &ParticipantEntry) -> String {
    let p = &e.participation;
    let who = match &p.username {
        Some(u) => format!("{} (@{u})", p.name),
        None => format!("{} (no account)", p.name),
    };
    let mut line = format!("{}\t{who}\t{}", p.id, p.status.label());
    if let Some(decision) = e.pending {
        line.push_str(&format!(
            "\t[{} on the next sync]",
            if decision == Decision::Accept { "accepting" } else { "refusing" }
        ));
    }
    if let Some(note) = &e.note {
        line.push_str(&format!("\t(not applied: {note})"));
    }
    if !p.message.is_empty() {
        line.push_str(&format!("\t\"{}\"", p.message));
    }
    line
}

pub async fn participants(profile: Profile, cmd: ParticipantsCommand) -> Result<()> {
    let profile = Mutex::new(profile);
    match cmd {
        ParticipantsCommand::List { event, json } => {
            refresh(&profile).await?;
            let list = lock(&profile)?.requests(&participation::event_id(&event))?;
            if json {
                return Ok(output::json(&list)?);
            }
            list.iter().for_each(|e| println!("{}", entry_line(e)));
        }
        ParticipantsCommand::Accept { event, ids, json } => {
            decide(&profile, &event, &ids, Decision::Accept, json).await?
        }
        ParticipantsCommand::Refuse { event, ids, json } => {
            decide(&profile, &event, &ids, Decision::Refuse, json).await?
        }
        ParticipantsCommand::Invite { event, usernames } => {
            participation::invite(&profile, &event, &usernames).await?;
            println!("Invited: {}", usernames.join(", "));
        }
        ParticipantsCommand::Export { event, output: path } => {
            refresh(&profile).await?;
            let csv = lock(&profile)?.participants_csv(&participation::event_id(&event))?;
            std::fs::write(&path, csv)
                .map_err(|source| rally_core::Error::File { path: path.display().to_string(), source })?;
            println!("Wrote {}", path.display());
        }
    }
    Ok(())
}

/// Decides here (kept even offline), then sends what it can, and says what became of each.
async fn decide(profile: &Mutex<Profile>, event: &str, ids: &[String], decision: Decision, json: bool) -> Result<()> {
    let event = participation::event_id(event);
    lock(profile)?.decide(&event, ids, decision)?;
    let sent = refresh(profile).await?.is_some();
    let list = lock(profile)?.requests(&event)?;
    let decided: Vec<&ParticipantEntry> =
        list.iter().filter(|e| ids.iter().any(|id| id.trim() == e.participation.id)).collect();
    if json {
        return Ok(output::json(&decided)?);
    }
    for e in decided {
        let p = &e.participation;
        let line = match (&e.note, e.pending) {
            (Some(note), _) => format!("{}: not applied: {note} (now {})", p.name, p.status.label()),
            (None, Some(_)) => format!("{}: decided here; it applies on the next sync", p.name),
            (None, None) => format!("{}: {}", p.name, p.status.label()),
        };
        println!("{line}");
    }
    if !sent {
        println!("Offline: run `rally sync --once` (or keep the app open) once the relay can be reached.");
    }
    Ok(())
}

pub async fn feed(profile: Profile, cmd: FeedCommand) -> Result<()> {
    let profile = Mutex::new(profile);
    let (reset, json) = match cmd {
        FeedCommand::Show { json } => (false, json),
        FeedCommand::Reset { json } => (true, json),
    };
    let feed = participation::private_feed(&profile, reset).await?;
    if json {
        return Ok(output::json(&feed)?);
    }
    if reset {
        println!("The old address no longer works. The new one:");
    }
    println!("{}\n{}", feed.webcal, feed.url);
    Ok(())
}
