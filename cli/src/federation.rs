//! `rally federation …`: thin over [`rally_client::federation`] (the relay speaks ActivityPub for the
//! account).

use std::sync::Mutex;

use rally_client::federation;
use rally_client::Result;
use rally_core::profile::Profile;

use crate::args::FederationCommand;
use crate::output;

pub async fn run(profile: Profile, cmd: FederationCommand) -> Result<()> {
    let profile = Mutex::new(profile);
    match cmd {
        FederationCommand::Follow { handle, identity, json } => {
            let follow = federation::follow(&profile, &identity, &handle).await?;
            if json {
                return Ok(output::json(&follow)?);
            }
            println!("following {} ({}): waiting for its server to accept", follow.handle, follow.name);
        }
        FederationCommand::Follows { json } => {
            let follows = federation::follows(&profile).await?;
            if json {
                return Ok(output::json(&follows)?);
            }
            for f in follows {
                let state = if f.accepted { "following" } else { "waiting for acceptance" };
                println!("{}\t{}\t{state}\t{}", f.handle, f.name, f.actor);
            }
        }
        FederationCommand::Events { json } => {
            let events = federation::remote_events(&profile).await?;
            if json {
                return Ok(output::json(&events)?);
            }
            for e in events {
                let d = &e.event.details;
                println!("{}\t{}\t{}\t{}\t{}", d.starts_at.to_rfc3339(), d.title, e.organizer, e.event.id, e.url);
            }
        }
        FederationCommand::Join { event, identity, message, json } => {
            let joined = federation::join(&profile, &event, &identity, &message).await?;
            if json {
                return Ok(output::json(&joined)?);
            }
            println!("asked to join {}: waiting for its server's answer", joined.event_url);
        }
        FederationCommand::Leave { event, identity } => {
            federation::leave(&profile, &event, &identity).await?;
            println!("left {event}");
        }
        FederationCommand::TakingPart { json } => {
            let all = federation::participations(&profile).await?;
            if json {
                return Ok(output::json(&all)?);
            }
            for p in all {
                println!("{}\t{}\t{}", p.status.as_str(), p.event_url, p.event_id);
            }
        }
    }
    Ok(())
}
