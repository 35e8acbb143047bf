//! Passwords: a rule people can follow, and argon2id with a random salt per hash.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use crate::{Error, Result};

pub const MIN_LENGTH: usize = 10;
pub const MAX_LENGTH: usize = 256;

/// Long enough, not absurdly long, not one character repeated, not the email address.
pub fn check_rule(password: &str, email: &str) -> Result<()> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(Error::bad_request(
            "weak_password",
            format!("the password must have at least {MIN_LENGTH} characters"),
        ));
    }
    if length > MAX_LENGTH {
        return Err(Error::bad_request(
            "weak_password",
            format!("the password must have at most {MAX_LENGTH} characters"),
        ));
    }
    let mut chars = password.chars();
    let first = chars.next();
    if chars.all(|c| Some(c) == first) {
        return Err(Error::bad_request("weak_password", "the password must not be one character repeated"));
    }
    if password.eq_ignore_ascii_case(email) || password.eq_ignore_ascii_case(email.split('@').next().unwrap_or("")) {
        return Err(Error::bad_request("weak_password", "the password must not be your email address"));
    }
    Ok(())
}

/// argon2id (the crate's default variant and parameters), PHC string format.
pub fn hash(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Hashing(e.to_string()))
}

pub fn verify(password: &str, stored: &str) -> Result<bool> {
    let parsed = PasswordHash::new(stored).map_err(|e| Error::Hashing(e.to_string()))?;
    Ok(Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let a = hash("correct horse battery").expect("hash");
        let b = hash("correct horse battery").expect("hash");
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify("correct horse battery", &a).expect("verify"));
        assert!(!verify("correct horse batterY", &a).expect("verify"));
    }

    #[test]
    fn the_rule_names_what_is_wrong() {
        assert!(check_rule("short", "a@b.org").is_err());
        assert!(check_rule("aaaaaaaaaaaa", "a@b.org").is_err());
        assert!(check_rule("ana.b@example.org", "ana.b@example.org").is_err());
        assert!(check_rule("a long enough passphrase", "a@b.org").is_ok());
    }
}
