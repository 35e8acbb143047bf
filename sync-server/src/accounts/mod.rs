//! Accounts: sign up with email and password, confirm by a mailed link, log in and out with opaque
//! session tokens, reset a forgotten password, delete the account. The logic lives here, with no HTTP:
//! the handlers in `api/` only translate.
//!
//! Passwords are hashed with argon2id off the async threads. Tokens are random and stored as SHA-256.
//! Five failed logins for one address within 15 minutes lock further attempts until the window passes.

pub mod password;
pub mod token;

use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use chrono::{Duration, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use crate::mail::{escape_html, Mail, Mailer};
use crate::{Error, Result};

const MAX_FAILURES: i64 = 5;
const FAILURE_WINDOW: Duration = Duration::minutes(15);
const CONFIRM_LIFETIME: Duration = Duration::hours(48);
const RESET_LIFETIME: Duration = Duration::hours(1);

pub use rally_core::model::{Account, NewSession};

/// The peer id suggested to a session for sync: unique per session, so devices are told apart. Any
/// other id works too; the relay binds whichever a connection announces to its account.
fn peer_id(account_id: &str, token_digest: &[u8]) -> String {
    let tag: String = token_digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("rally-{account_id}-{tag}")
}

/// An authenticated request's session.
#[derive(Debug, Clone)]
pub struct Session {
    pub account_id: String,
    token_digest: Vec<u8>,
}

impl Session {
    pub fn peer_id(&self) -> String {
        peer_id(&self.account_id, &self.token_digest)
    }
}

#[derive(Clone, Copy)]
enum Purpose {
    Confirm,
    Reset,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Confirm => "confirm",
            Purpose::Reset => "reset",
        }
    }
}

pub struct Accounts {
    db: Arc<Mutex<Connection>>,
    mailer: Arc<Mailer>,
    public_url: String,
    instance_name: String,
}

pub(crate) fn normalise_email(raw: &str) -> Result<String> {
    let email = raw.trim().to_lowercase();
    let valid = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && matches!(email.split_once('@'), Some((local, domain)) if !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') && !domain.contains('@'));
    if valid {
        Ok(email)
    } else {
        Err(Error::bad_request("invalid_email", format!("\"{}\" is not an email address", raw.trim())))
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| Error::Hashing(e.to_string()))?
}

/// A hash to verify against when the address is unknown, so that a login takes as long either way.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| password::hash("decoy password for unknown accounts").unwrap_or_default())
}

impl Accounts {
    pub fn new(db: Arc<Mutex<Connection>>, mailer: Arc<Mailer>, public_url: String, instance_name: String) -> Self {
        Accounts { db, mailer, public_url: public_url.trim_end_matches('/').to_string(), instance_name }
    }

    fn db(&self) -> Result<MutexGuard<'_, Connection>> {
        self.db.lock().map_err(|_| Error::Poisoned)
    }

    pub async fn sign_up(&self, email: &str, password: &str) -> Result<Account> {
        let email = normalise_email(email)?;
        password::check_rule(password, &email)?;
        let password = password.to_string();
        let hash = blocking(move || password::hash(&password)).await?;
        let id = hex_id();
        {
            let db = self.db()?;
            let taken: bool =
                db.query_row("SELECT count(*) > 0 FROM accounts WHERE email = ?1", [&email], |r| r.get(0))?;
            if taken {
                return Err(Error::Conflict {
                    code: "email_taken",
                    message: format!("{email} already has an account"),
                });
            }
            db.execute(
                "INSERT INTO accounts (id, email, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![id, email, hash, Utc::now().timestamp()],
            )?;
        }
        self.send_confirmation(&id, &email).await?;
        Ok(Account { id, email, confirmed: false })
    }

    /// Sends a fresh confirmation link to an unconfirmed account; says nothing about unknown addresses.
    pub async fn resend_confirmation(&self, email: &str) -> Result<()> {
        let email = normalise_email(email)?;
        let found: Option<String> = self
            .db()?
            .query_row("SELECT id FROM accounts WHERE email = ?1 AND confirmed_at IS NULL", [&email], |r| r.get(0))
            .optional()?;
        match found {
            Some(id) => self.send_confirmation(&id, &email).await,
            None => Ok(()),
        }
    }

    async fn send_confirmation(&self, account_id: &str, email: &str) -> Result<()> {
        let token = self.one_time_token(account_id, Purpose::Confirm, CONFIRM_LIFETIME)?;
        let link = format!("{}/account/confirm?token={token}", self.public_url);
        self.mailer
            .send(Mail {
                to: email.to_string(),
                subject: format!("Confirm your {} account", self.instance_name),
                text: format!(
                    "Welcome to {name}.\n\nConfirm your address to finish signing up:\n{link}\n\nThe link is valid for 48 hours. If you did not sign up, ignore this message.\n",
                    name = self.instance_name
                ),
                html: format!(
                    "<p>Welcome to {name}.</p><p><a href=\"{link}\">Confirm your address</a> to finish signing up.</p><p>The link is valid for 48 hours. If you did not sign up, ignore this message.</p>",
                    name = escape_html(&self.instance_name),
                    link = escape_html(&link)
                ),
            })
            .await
    }

    pub fn confirm(&self, token: &str) -> Result<Account> {
        let account_id = self.take_token(token, Purpose::Confirm)?;
        let db = self.db()?;
        db.execute(
            "UPDATE accounts SET confirmed_at = coalesce(confirmed_at, ?2) WHERE id = ?1",
            params![account_id, Utc::now().timestamp()],
        )?;
        drop(db);
        self.account(&account_id)
    }

    pub async fn log_in(&self, email: &str, password: &str) -> Result<NewSession> {
        let email = normalise_email(email)?;
        let now = Utc::now();
        let since = (now - FAILURE_WINDOW).timestamp();
        let (failures, oldest): (i64, Option<i64>) = self.db()?.query_row(
            "SELECT count(*), min(at) FROM login_failures WHERE email = ?1 AND at > ?2",
            params![email, since],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if failures >= MAX_FAILURES {
            let until = oldest.unwrap_or(now.timestamp()) + FAILURE_WINDOW.num_seconds();
            return Err(Error::TooManyAttempts { retry_after_secs: (until - now.timestamp()).max(1) as u64 });
        }
        let found: Option<(String, String, Option<i64>)> = self
            .db()?
            .query_row("SELECT id, password_hash, confirmed_at FROM accounts WHERE email = ?1", [&email], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        let stored = found.as_ref().map(|(_, hash, _)| hash.clone()).unwrap_or_else(|| decoy_hash().to_string());
        let given = password.to_string();
        let matches = blocking(move || password::verify(&given, &stored)).await?;
        let Some((account_id, _, confirmed_at)) = found.filter(|_| matches) else {
            self.db()?
                .execute("INSERT INTO login_failures (email, at) VALUES (?1, ?2)", params![email, now.timestamp()])?;
            return Err(Error::unauthorized("invalid_credentials", "wrong email address or password"));
        };
        if confirmed_at.is_none() {
            return Err(Error::Forbidden {
                code: "email_not_confirmed",
                message: "confirm your address first: follow the link in the mail we sent".into(),
            });
        }
        let token = token::new_token();
        let digest = token::digest(&token);
        let db = self.db()?;
        db.execute("DELETE FROM login_failures WHERE email = ?1", [&email])?;
        db.execute(
            "INSERT INTO sessions (token_digest, account_id, created_at, last_used_at) VALUES (?1, ?2, ?3, ?3)",
            params![digest, account_id, now.timestamp()],
        )?;
        Ok(NewSession { peer_id: peer_id(&account_id, &digest), token, account_id })
    }

    /// The session a bearer token opens, if it is live.
    pub fn authenticate(&self, token: &str) -> Result<Session> {
        let digest = token::digest(token.trim());
        let db = self.db()?;
        let account_id: Option<String> = db
            .query_row("SELECT account_id FROM sessions WHERE token_digest = ?1", [&digest], |r| r.get(0))
            .optional()?;
        let account_id = account_id
            .ok_or_else(|| Error::unauthorized("invalid_token", "the session token is unknown or revoked"))?;
        // Refreshed at most every few minutes: a write (and an fsync) per request would cost every sync
        // connection and API call for a figure nobody needs to the second.
        db.execute(
            "UPDATE sessions SET last_used_at = ?2 WHERE token_digest = ?1 AND last_used_at < ?2 - 300",
            params![digest, Utc::now().timestamp()],
        )?;
        Ok(Session { account_id, token_digest: digest })
    }

    pub fn log_out(&self, session: &Session) -> Result<()> {
        self.db()?.execute("DELETE FROM sessions WHERE token_digest = ?1", [&session.token_digest])?;
        Ok(())
    }

    /// Mails a reset link if the address has an account; answers the same either way.
    pub async fn request_password_reset(&self, email: &str) -> Result<()> {
        let email = normalise_email(email)?;
        let found: Option<String> =
            self.db()?.query_row("SELECT id FROM accounts WHERE email = ?1", [&email], |r| r.get(0)).optional()?;
        let Some(account_id) = found else {
            return Ok(());
        };
        let token = self.one_time_token(&account_id, Purpose::Reset, RESET_LIFETIME)?;
        let link = format!("{}/account/reset?token={token}", self.public_url);
        self.mailer
            .send(Mail {
                to: email,
                subject: format!("Reset your {} password", self.instance_name),
                text: format!("Someone asked to reset the password of your account.\n\nChoose a new password here (valid for one hour):\n{link}\n\nIf it was not you, ignore this message: your password stays as it is.\n"),
                html: format!("<p>Someone asked to reset the password of your account.</p><p><a href=\"{}\">Choose a new password</a> (valid for one hour).</p><p>If it was not you, ignore this message: your password stays as it is.</p>", escape_html(&link)),
            })
            .await
    }

    /// Sets a new password from a reset link, confirms the address (the link proved it), and closes
    /// every open session.
    pub async fn reset_password(&self, token: &str, new_password: &str) -> Result<()> {
        let account = {
            let digest = token::digest(token.trim());
            let account_id: Option<String> = self
                .db()?
                .query_row(
                    "SELECT account_id FROM account_tokens WHERE token_digest = ?1 AND purpose = 'reset' AND expires_at > ?2",
                    params![digest, Utc::now().timestamp()],
                    |r| r.get(0),
                )
                .optional()?;
            self.account(&account_id.ok_or_else(invalid_link)?)?
        };
        password::check_rule(new_password, &account.email)?;
        let given = new_password.to_string();
        let hash = blocking(move || password::hash(&given)).await?;
        self.take_token(token, Purpose::Reset)?;
        let db = self.db()?;
        db.execute(
            "UPDATE accounts SET password_hash = ?2, confirmed_at = coalesce(confirmed_at, ?3) WHERE id = ?1",
            params![account.id, hash, Utc::now().timestamp()],
        )?;
        db.execute("DELETE FROM sessions WHERE account_id = ?1", [&account.id])?;
        db.execute("DELETE FROM login_failures WHERE email = ?1", [&account.email])?;
        Ok(())
    }

    /// Deletes the account of `session`, after checking its password again.
    pub async fn delete(&self, session: &Session, password: &str) -> Result<()> {
        let stored: String =
            self.db()?
                .query_row("SELECT password_hash FROM accounts WHERE id = ?1", [&session.account_id], |r| r.get(0))?;
        let given = password.to_string();
        if !blocking(move || password::verify(&given, &stored)).await? {
            return Err(Error::unauthorized("invalid_credentials", "wrong password"));
        }
        self.db()?.execute("DELETE FROM accounts WHERE id = ?1", [&session.account_id])?;
        Ok(())
    }

    pub fn account(&self, id: &str) -> Result<Account> {
        self.db()?
            .query_row("SELECT id, email, confirmed_at IS NOT NULL FROM accounts WHERE id = ?1", [id], |r| {
                Ok(Account { id: r.get(0)?, email: r.get(1)?, confirmed: r.get(2)? })
            })
            .optional()?
            .ok_or_else(|| Error::unauthorized("invalid_token", "the account no longer exists"))
    }

    fn one_time_token(&self, account_id: &str, purpose: Purpose, lifetime: Duration) -> Result<String> {
        let token = token::new_token();
        self.db()?.execute(
            "INSERT INTO account_tokens (token_digest, account_id, purpose, expires_at) VALUES (?1, ?2, ?3, ?4)",
            params![token::digest(&token), account_id, purpose.as_str(), (Utc::now() + lifetime).timestamp()],
        )?;
        Ok(token)
    }

    /// Uses up a one-time token: valid once, before it expires.
    fn take_token(&self, token: &str, purpose: Purpose) -> Result<String> {
        let digest = token::digest(token.trim());
        let db = self.db()?;
        let account_id: Option<String> = db
            .query_row(
                "DELETE FROM account_tokens WHERE token_digest = ?1 AND purpose = ?2 AND expires_at > ?3 RETURNING account_id",
                params![digest, purpose.as_str(), Utc::now().timestamp()],
                |r| r.get(0),
            )
            .optional()?;
        account_id.ok_or_else(invalid_link)
    }
}

fn invalid_link() -> Error {
    Error::bad_request("invalid_token", "this link is invalid, already used or expired")
}

fn hex_id() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
