//! The session token lives in the OS keyring (Secret Service on Linux, through the keyring crate),
//! one entry per profile, and nowhere else.

use crate::{Error, Result};

const SERVICE: &str = "org.rally.desktop";

/// The keyring entry of one profile.
pub struct TokenStore {
    entry: keyring::Entry,
}

impl TokenStore {
    pub fn for_profile(profile_id: &str) -> Result<TokenStore> {
        let entry = keyring::Entry::new(SERVICE, &format!("session:{profile_id}"))
            .map_err(|e| Error::Keyring(e.to_string()))?;
        Ok(TokenStore { entry })
    }

    pub fn get(&self) -> Result<Option<String>> {
        match self.entry.get_password() {
            Ok(token) => Ok(Some(token)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(Error::Keyring(e.to_string())),
        }
    }

    pub fn set(&self, token: &str) -> Result<()> {
        self.entry.set_password(token).map_err(|e| Error::Keyring(e.to_string()))
    }

    pub fn delete(&self) -> Result<()> {
        match self.entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(Error::Keyring(e.to_string())),
        }
    }
}
