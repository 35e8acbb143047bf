use std::path::Path;

use rally_core::model::{IdentityInput, ImageChange};
use rally_core::profile::Profile;

use rally_core::{Error, Result};

use crate::args::IdentityCommand;
use crate::output;

/// Refuses a username another account claimed on the relay, when the profile is logged in and the
/// relay answers; offline, the relay says so after the next sync (`rally sync`).
fn check_with_relay(profile: &Profile, username: &str) -> rally_client::Result<()> {
    let link = profile.account_link()?;
    if link.is_none() {
        return Ok(());
    }
    let profile_id = profile.profile_id()?;
    crate::runtime()?.block_on(rally_client::account::check_username(link.as_ref(), &profile_id, username))
}

pub fn run(profile: &mut Profile, cmd: IdentityCommand) -> rally_client::Result<()> {
    match cmd {
        IdentityCommand::Create { username, name, bio, avatar, json } => {
            check_with_relay(profile, &username)?;
            let avatar = image_file(avatar.as_deref(), "avatar")?.unwrap_or_default();
            let created = profile.create_identity(IdentityInput { username, display_name: name, bio, avatar })?;
            if json {
                Ok(output::json(&created)?)
            } else {
                println!("{}", created.id);
                Ok(())
            }
        }
        IdentityCommand::List { json } => {
            let all = profile.identities()?;
            if json {
                return Ok(output::json(&all)?);
            }
            all.iter().for_each(|i| println!("{}", output::identity_line(i)));
            Ok(())
        }
        IdentityCommand::Show { identity, json } => {
            let found = profile.identity(&identity)?;
            if json {
                Ok(output::json(&found)?)
            } else {
                println!("{}", output::identity_line(&found));
                Ok(())
            }
        }
        IdentityCommand::Edit { identity, username, name, bio, avatar, remove_avatar, json } => {
            let current = profile.identity(&identity)?;
            let mut input = IdentityInput::from_identity(&current);
            if let Some(username) = username.as_deref().filter(|u| u.trim() != current.username) {
                check_with_relay(profile, username)?;
            }
            input.username = username.unwrap_or(input.username);
            input.display_name = name.unwrap_or(input.display_name);
            input.bio = bio.unwrap_or(input.bio);
            if remove_avatar {
                input.avatar = ImageChange::Remove;
            } else if let Some(change) = image_file(avatar.as_deref(), "avatar")? {
                input.avatar = change;
            }
            let updated = profile.update_identity(&current.id, input)?;
            if json {
                Ok(output::json(&updated)?)
            } else {
                println!("{}", output::identity_line(&updated));
                Ok(())
            }
        }
        IdentityCommand::Delete { identity } => Ok(profile.delete_identity(&identity)?),
    }
}

/// Reads an image file given on the command line; core decodes and checks it.
pub fn image_file(path: Option<&Path>, field: &'static str) -> Result<Option<ImageChange>> {
    let Some(path) = path else {
        return Ok(None);
    };
    let bytes =
        std::fs::read(path).map_err(|e| Error::invalid(field, format!("cannot read {}: {e}", path.display())))?;
    Ok(Some(ImageChange::Set(bytes)))
}
