//! A profile's account: sign up, log in (token to the keyring, the link to the profile), log out, and
//! what the profile can say about its session, also offline.

use std::sync::{Mutex, MutexGuard};

pub use rally_core::model::AccountStatus;
use rally_core::model::{Account, AccountLink, Credentials, WithheldDocument};
use rally_core::profile::Profile;

use crate::relay_api::RelayApi;
use crate::token_store::TokenStore;
use crate::{Error, Result};

pub async fn sign_up(server: &str, credentials: &Credentials) -> Result<Account> {
    RelayApi::new(server)?.sign_up(credentials).await
}

// The profile is locked only between network calls, never across one, so the app stays responsive.
fn lock(profile: &Mutex<Profile>) -> Result<MutexGuard<'_, Profile>> {
    profile.lock().map_err(|_| Error::Protocol("the profile lock was poisoned".into()))
}

pub async fn log_in(profile: &Mutex<Profile>, server: &str, credentials: &Credentials) -> Result<AccountLink> {
    let api = RelayApi::new(server)?;
    let session = api.log_in(credentials).await?;
    let mut profile = lock(profile)?;
    TokenStore::for_profile(&profile.profile_id()?)?.set(&session.token)?;
    let link = AccountLink {
        server: api.server().to_string(),
        email: credentials.email.trim().to_lowercase(),
        account_id: session.account_id,
        peer_id: session.peer_id,
    };
    profile.set_account_link(Some(&link))?;
    Ok(link)
}

/// Revokes the session on the relay when it can be reached, and forgets it here in any case.
pub async fn log_out(profile: &Mutex<Profile>) -> Result<()> {
    let (link, tokens) = {
        let p = lock(profile)?;
        (p.account_link()?.ok_or(Error::NotLoggedIn)?, TokenStore::for_profile(&p.profile_id()?)?)
    };
    if let Some(token) = tokens.get()? {
        match RelayApi::new(&link.server)?.log_out(&token).await {
            Ok(()) | Err(Error::Relay { .. }) | Err(Error::Unreachable { .. }) => {}
            Err(other) => return Err(other),
        }
    }
    tokens.delete()?;
    Ok(lock(profile)?.set_account_link(None)?)
}

pub async fn status(profile: &Mutex<Profile>) -> Result<AccountStatus> {
    let (link, profile_id) = {
        let p = lock(profile)?;
        (p.account_link()?, p.profile_id()?)
    };
    let Some(link) = link else {
        return Ok(AccountStatus { logged_in: false, account: None, session: "none".into() });
    };
    let token = TokenStore::for_profile(&profile_id)?.get()?;
    let session = match token {
        None => "none",
        Some(token) => match RelayApi::new(&link.server)?.session(&token).await {
            Ok(_) => "valid",
            Err(Error::Relay { status: 401, .. }) => "revoked",
            Err(Error::Unreachable { .. }) => "unreachable",
            Err(other) => return Err(other),
        },
    };
    Ok(AccountStatus {
        logged_in: session != "none" && session != "revoked",
        account: Some(link),
        session: session.into(),
    })
}

/// Refuses a username that another account claimed on the profile's relay (a username belongs to the
/// first account that used it there). When the profile is not logged in or the relay cannot be
/// reached, nothing can be known: the name is allowed, and a clash shows after the next sync, in
/// [`withheld`].
pub async fn check_username(link: Option<&AccountLink>, profile_id: &str, username: &str) -> Result<()> {
    let username = rally_core::validate::username(username)?;
    let Some(link) = link else { return Ok(()) };
    let Some(token) = TokenStore::for_profile(profile_id)?.get()? else { return Ok(()) };
    match RelayApi::new(&link.server)?.username_availability(&token, &username).await {
        Ok(answer) if !answer.available => Err(Error::Core(rally_core::Error::invalid(
            "username",
            format!("@{username} belongs to another account on {}: choose another", link.server),
        ))),
        Ok(_) | Err(Error::Unreachable { .. }) => Ok(()),
        Err(other) => Err(other),
    }
}

/// The account's documents the relay shows nowhere (on pages, in feeds, to other accounts), and why.
pub async fn withheld(profile: &Mutex<Profile>) -> Result<Vec<WithheldDocument>> {
    let (link, profile_id) = {
        let p = lock(profile)?;
        (p.account_link()?.ok_or(Error::NotLoggedIn)?, p.profile_id()?)
    };
    let token = TokenStore::for_profile(&profile_id)?.get()?.ok_or(Error::NotLoggedIn)?;
    RelayApi::new(&link.server)?.withheld(&token).await
}
