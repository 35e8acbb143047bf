//! Each local actor's RSA key pair (identities and groups by id, the instance as [`INSTANCE`]), made
//! the first time the actor is shown or signs, and kept in `actor_keys`; and remote keys read in
//! either PEM form the Fediverse publishes (SPKI, as Mastodon; PKCS#1, as Mobilizon).

use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::{RsaPrivateKey, RsaPublicKey};
use rusqlite::{params, OptionalExtension, Transaction};

use crate::{Error, Result};

/// The instance actor's key name.
pub const INSTANCE: &str = "relay";
const BITS: usize = 2048;

/// A local actor's keys.
#[derive(Clone)]
pub struct KeyPair {
    pub private: RsaPrivateKey,
    pub public_pem: String,
}

/// The actor's keys, made and stored now if it has none.
pub fn of(tx: &Transaction, actor: &str) -> Result<KeyPair> {
    let stored: Option<(String, String)> = tx
        .query_row("SELECT private_pem, public_pem FROM actor_keys WHERE actor = ?1", [actor], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    if let Some((private_pem, public_pem)) = stored {
        let private = RsaPrivateKey::from_pkcs8_pem(&private_pem)
            .map_err(|e| Error::Config(format!("the stored key of {actor} does not read: {e}")))?;
        return Ok(KeyPair { private, public_pem });
    }
    let private = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, BITS)
        .map_err(|e| Error::Config(format!("making a key for {actor}: {e}")))?;
    let public_pem = RsaPublicKey::from(&private)
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| Error::Config(format!("writing a key: {e}")))?;
    let private_pem = private.to_pkcs8_pem(LineEnding::LF).map_err(|e| Error::Config(format!("writing a key: {e}")))?;
    tx.execute(
        "INSERT INTO actor_keys (actor, private_pem, public_pem) VALUES (?1, ?2, ?3)",
        params![actor, private_pem.as_str(), public_pem],
    )?;
    Ok(KeyPair { private, public_pem })
}

/// Reads a remote actor's public key, SPKI (`BEGIN PUBLIC KEY`) or PKCS#1 (`BEGIN RSA PUBLIC KEY`).
pub fn read_public(pem: &str) -> std::result::Result<RsaPublicKey, String> {
    let pem = pem.trim();
    RsaPublicKey::from_public_key_pem(pem)
        .or_else(|_| RsaPublicKey::from_pkcs1_pem(pem))
        .map_err(|e| format!("the key is neither an SPKI nor a PKCS#1 RSA public key: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_forms_of_the_same_key() {
        use rsa::pkcs1::EncodeRsaPublicKey;
        let private = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 1024).expect("key");
        let public = RsaPublicKey::from(&private);
        let spki = public.to_public_key_pem(LineEnding::LF).expect("spki");
        let pkcs1 = public.to_pkcs1_pem(LineEnding::LF).expect("pkcs1");
        assert!(pkcs1.contains("BEGIN RSA PUBLIC KEY"));
        assert_eq!(read_public(&spki).expect("spki reads"), public);
        assert_eq!(read_public(&pkcs1).expect("pkcs1 reads"), public);
        assert!(read_public("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----").is_err());
    }
}
