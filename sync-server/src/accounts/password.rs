//! Passwords: a rule people can follow, and argon2id (the crate's default parameters: 19 MiB, two
//! passes) with a random salt per hash, in the PHC string format.

use std::cell::RefCell;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use crate::{Error, Result};

/// Runs password hashing on a few threads of its own, each reusing one 19 MiB work area (see
/// [`argon2id`]): a burst of logins costs `threads` × 19 MiB, however long it lasts.
pub struct Hasher {
    jobs: std::sync::mpsc::Sender<Box<dyn FnOnce() + Send>>,
}

impl Hasher {
    pub fn new(threads: usize) -> Hasher {
        let (jobs, queued) = std::sync::mpsc::channel::<Box<dyn FnOnce() + Send>>();
        let queued = std::sync::Arc::new(std::sync::Mutex::new(queued));
        for n in 0..threads.max(1) {
            let queued = queued.clone();
            let spawned = std::thread::Builder::new().name(format!("password-{n}")).spawn(move || loop {
                let job = crate::lock(&queued).recv();
                match job {
                    Ok(job) => job(),
                    Err(_) => return,
                }
            });
            if let Err(e) = spawned {
                eprintln!("rally-server: a password thread did not start: {e}");
            }
        }
        Hasher { jobs }
    }

    /// Runs `f` on a password thread. Callers bound how many wait (see `Accounts`).
    pub async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
        let (done, result) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = done.send(f());
            }))
            .map_err(|_| Error::Hashing("the password threads stopped".into()))?;
        result.await.map_err(|_| Error::Hashing("a password thread failed".into()))?
    }
}

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

thread_local! {
    /// The memory argon2 works in, kept by each thread for its next hash. Allocated anew for every
    /// hash, it was not given back for reuse: a relay grew by 19 MiB per login up to ten.
    static WORK_AREA: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

fn hashing_error(e: impl std::fmt::Display) -> Error {
    Error::Hashing(e.to_string())
}

/// argon2id of `password` with `salt` into `out`, in this thread's work area.
fn argon2id(params: &Params, password: &[u8], salt: &[u8], out: &mut [u8]) -> Result<()> {
    WORK_AREA.with_borrow_mut(|blocks| {
        let needed = params.block_count();
        if blocks.len() < needed {
            blocks.resize(needed, Block::default());
        }
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
            .hash_password_into_with_memory(password, salt, out, &mut blocks[..needed])
            .map_err(hashing_error)
    })
}

/// A new PHC string for `password`: argon2id, default parameters, a random salt.
pub fn hash(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    let params = Params::default();
    let mut salt_bytes = [0_u8; 64];
    let raw_salt = salt.as_salt().decode_b64(&mut salt_bytes).map_err(hashing_error)?;
    let mut out = [0_u8; Params::DEFAULT_OUTPUT_LEN];
    argon2id(&params, password.as_bytes(), raw_salt, &mut out)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(hashing_error)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(hashing_error)?),
    };
    Ok(phc.to_string())
}

/// Whether `password` is the one `stored` (a PHC string of argon2id) was made from; compared in
/// constant time.
pub fn verify(password: &str, stored: &str) -> Result<bool> {
    let parsed = PasswordHash::new(stored).map_err(hashing_error)?;
    if parsed.algorithm != Algorithm::Argon2id.ident() {
        return Err(Error::Hashing(format!("a stored hash of {}, not argon2id", parsed.algorithm)));
    }
    let params = Params::try_from(&parsed).map_err(hashing_error)?;
    let mut salt_bytes = [0_u8; 64];
    let salt = parsed.salt.ok_or_else(|| hashing_error("a stored hash without salt"))?;
    let raw_salt = salt.decode_b64(&mut salt_bytes).map_err(hashing_error)?;
    let expected = parsed.hash.ok_or_else(|| hashing_error("a stored hash without output"))?;
    let mut out = vec![0_u8; expected.len()];
    argon2id(&params, password.as_bytes(), raw_salt, &mut out)?;
    Ok(Output::new(&out).map_err(hashing_error)? == expected)
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
    fn hashes_made_by_the_crate_itself_still_verify() {
        use argon2::password_hash::PasswordHasher;
        let salt = SaltString::generate(&mut OsRng);
        let stored = Argon2::default().hash_password(b"an older passphrase", &salt).expect("hash").to_string();
        assert!(verify("an older passphrase", &stored).expect("verify"));
        assert!(!verify("another passphrase", &stored).expect("verify"));
    }

    #[test]
    fn the_rule_names_what_is_wrong() {
        assert!(check_rule("short", "a@b.org").is_err());
        assert!(check_rule("aaaaaaaaaaaa", "a@b.org").is_err());
        assert!(check_rule("ana.b@example.org", "ana.b@example.org").is_err());
        assert!(check_rule("a long enough passphrase", "a@b.org").is_ok());
    }
}
