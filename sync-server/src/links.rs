//! Addresses the relay puts in mail and pages, and the capability links among them: a link that lets
//! whoever holds it act without logging in (cancel an anonymous participation, change what an address
//! is mailed, read an account's private feed). Each is an HMAC of what it grants under a secret the
//! relay keeps in its database, so none is stored and none can be guessed; a private feed's address
//! changes with its generation.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rusqlite::{Connection, OptionalExtension};
use sha2::Sha256;

use crate::Result;

#[derive(Clone)]
pub struct Links {
    /// Without a trailing slash.
    pub public_url: String,
    pub instance_name: String,
    secret: Vec<u8>,
}

impl Links {
    /// Reads the relay's secret, making it on first start.
    pub fn open(conn: &Connection, public_url: &str, instance_name: &str) -> Result<Links> {
        let stored: Option<String> =
            conn.query_row("SELECT value FROM meta WHERE key = 'link_secret'", [], |r| r.get(0)).optional()?;
        let secret = match stored {
            Some(secret) => secret,
            None => {
                let secret = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
                conn.execute("INSERT INTO meta (key, value) VALUES ('link_secret', ?1)", [&secret])?;
                secret
            }
        };
        Ok(Links {
            public_url: public_url.trim_end_matches('/').to_string(),
            instance_name: instance_name.to_string(),
            secret: secret.into_bytes(),
        })
    }

    /// The capability for `what` (as `cancel:<participation id>`).
    pub fn capability(&self, what: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC takes any key length");
        mac.update(what.as_bytes());
        URL_SAFE_NO_PAD.encode(&mac.finalize().into_bytes()[..24])
    }

    /// True when `token` is the capability for `what` (in constant time).
    pub fn grants(&self, token: &str, what: &str) -> bool {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC takes any key length");
        mac.update(what.as_bytes());
        match URL_SAFE_NO_PAD.decode(token.trim()) {
            Ok(given) => mac.verify_truncated_left(&given).is_ok() && given.len() == 24,
            Err(_) => false,
        }
    }

    pub fn event_page(&self, event_id: &str) -> String {
        format!("{}/events/{event_id}", self.public_url)
    }

    /// A group's public page.
    pub fn group_page(&self, username: &str) -> String {
        format!("{}/@{username}", self.public_url)
    }

    /// Where `email` chooses which mail it gets.
    pub fn mail_settings(&self, email: &str) -> String {
        format!(
            "{}/mail-settings/{}?email={}",
            self.public_url,
            self.capability(&format!("settings:{email}")),
            encode(email)
        )
    }
}

/// A query-string value.
pub fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capabilities_grant_only_what_they_were_made_for() {
        let conn = Connection::open_in_memory().expect("db");
        conn.execute_batch("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);").expect("meta");
        let links = Links::open(&conn, "http://relay/", "Rally").expect("links");
        let token = links.capability("cancel:p1");
        assert!(links.grants(&token, "cancel:p1"));
        assert!(!links.grants(&token, "cancel:p2"));
        assert!(!links.grants("forged", "cancel:p1"));
        assert!(!links.grants(&token[..10], "cancel:p1"), "a prefix is not the capability");
        let again = Links::open(&conn, "http://relay", "Rally").expect("links");
        assert_eq!(again.capability("cancel:p1"), token, "the secret is kept");
    }
}
