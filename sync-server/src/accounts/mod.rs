//! Accounts: sign up with email and password, confirm by a mailed link, log in and out with opaque
//! session tokens, reset a forgotten password, delete the account. The logic lives here, with no HTTP:
//! the handlers in `api/` only translate.
//!
//! Passwords are hashed with argon2id off the async threads, a few at a time (a login storm waits,
//! then gets 429, instead of taking the relay's memory). Tokens are random and stored as SHA-256;
//! a session unused for [`Limits::session_idle`] ends, and ending a session closes its sync sockets
//! ([`live`]). Nothing a stranger can ask for says whether an address has an account, and the mail
//! they can trigger goes at most once per address per window. Failed logins are counted per address
//! and IP and per IP: they slow the one trying, not the owner elsewhere.

pub mod live;
pub mod password;
pub mod token;

use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use chrono::{Duration, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use tokio::sync::Semaphore;

use crate::limits::{self, Limits};
use crate::mail::{escape_html, Mail, Mailer};
use crate::{Error, Result};

const CONFIRM_LIFETIME: Duration = Duration::hours(48);
const RESET_LIFETIME: Duration = Duration::hours(1);
/// A session's last use is written at most this often (a write per request would cost every call).
const TOUCH_EVERY_SECS: i64 = 300;

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
    limits: Limits,
    hashing: Semaphore,
    hasher: password::Hasher,
    live: Arc<live::LiveSessions>,
}

/// An address as one normal form: a bare addr-spec (`name@example.org`, no display name, no angle
/// brackets, no comments), lower-cased, so that one mailbox is one key for limits and lookups.
pub(crate) fn normalise_email(raw: &str) -> Result<String> {
    let email = raw.trim().to_lowercase();
    let valid = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control() || "<>()[],;:\\\"".contains(c))
        && matches!(email.split_once('@'), Some((local, domain)) if !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') && !domain.contains('@'))
        && email.parse::<lettre::Address>().is_ok();
    if valid {
        Ok(email)
    } else {
        Err(Error::bad_request("invalid_email", format!("\"{}\" is not an email address", raw.trim())))
    }
}

/// A hash to verify against when the address is unknown, so that a login takes as long either way.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| password::hash("decoy password for unknown accounts").unwrap_or_default())
}

impl Accounts {
    pub fn new(
        db: Arc<Mutex<Connection>>,
        mailer: Arc<Mailer>,
        public_url: String,
        instance_name: String,
        limits: Limits,
    ) -> Self {
        Accounts {
            db,
            mailer,
            public_url: public_url.trim_end_matches('/').to_string(),
            instance_name,
            hashing: Semaphore::new(limits.concurrent_hashing.max(1)),
            hasher: password::Hasher::new(limits.concurrent_hashing),
            limits,
            live: Arc::default(),
        }
    }

    /// The open sync connections of each session, which ending a session closes.
    pub fn live(&self) -> &Arc<live::LiveSessions> {
        &self.live
    }

    fn db(&self) -> Result<MutexGuard<'_, Connection>> {
        Ok(crate::lock(&self.db))
    }

    /// Runs argon2 off the async threads, at most [`Limits::concurrent_hashing`] at once; a login that
    /// waits longer than [`limits::HASH_WAIT`] for its turn is answered 429.
    async fn hashing<T: Send + 'static>(&self, f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
        let busy = || Error::RateLimited {
            code: "busy",
            message: "the relay is busy checking passwords; try again in a moment".into(),
            retry_after_secs: 2,
        };
        let _permit = tokio::time::timeout(limits::HASH_WAIT, self.hashing.acquire())
            .await
            .map_err(|_| busy())?
            .map_err(|_| busy())?;
        self.hasher.run(f).await
    }

    fn per_ip(&self, kind: &str, ip: IpAddr) -> Result<()> {
        let what = format!("{kind} requests");
        limits::limit(
            &*self.db()?,
            &format!("{kind}-ip:{ip}"),
            self.limits.requests_per_ip,
            self.limits.ip_window,
            &what,
        )
    }

    fn may_mail(&self, kind: &str, address: &str) -> Result<bool> {
        limits::may_mail(&*self.db()?, kind, address, self.limits.mail_window)
    }

    /// Creates an account and mails its confirmation link. An address that already has an account
    /// is answered the same (its owner is told by mail instead), so sign-up tells nobody who is here.
    pub async fn sign_up(&self, email: &str, password: &str, ip: IpAddr) -> Result<Account> {
        let email = normalise_email(email)?;
        password::check_rule(password, &email)?;
        self.per_ip("signup", ip)?;
        let password = password.to_string();
        let hash = self.hashing(move || password::hash(&password)).await?;
        let id = hex_id();
        let inserted = self.db()?.execute(
            "INSERT INTO accounts (id, email, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (email) DO NOTHING",
            params![id, email, hash, Utc::now().timestamp()],
        )?;
        if inserted == 0 {
            if self.may_mail("signup", &email)? {
                self.send_already_there(&email).await?;
            }
            return Ok(Account { id, email, confirmed: false, role: Default::default() });
        }
        if let Err(e) = self.send_confirmation(&id, &email).await {
            // Nobody could confirm it: no account is left behind by a failed sign-up.
            self.db()?.execute("DELETE FROM accounts WHERE id = ?1", [&id])?;
            return Err(e);
        }
        Ok(Account { id, email, confirmed: false, role: Default::default() })
    }

    /// Sends a fresh confirmation link to an unconfirmed account; says nothing about unknown addresses.
    pub async fn resend_confirmation(&self, email: &str, ip: IpAddr) -> Result<()> {
        let email = normalise_email(email)?;
        self.per_ip("confirmation", ip)?;
        let found: Option<String> = self
            .db()?
            .query_row("SELECT id FROM accounts WHERE email = ?1 AND confirmed_at IS NULL", [&email], |r| r.get(0))
            .optional()?;
        match found {
            Some(id) if self.may_mail("confirm", &email)? => self.send_confirmation(&id, &email).await,
            _ => Ok(()),
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

    async fn send_already_there(&self, email: &str) -> Result<()> {
        let reset = format!("{}/account/reset", self.public_url);
        self.mailer
            .send(Mail {
                to: email.to_string(),
                subject: format!("Your {} account", self.instance_name),
                text: format!(
                    "Someone, probably you, tried to sign up to {name} with this address, which already has an account.\n\nIf you forgot your password, ask for a new one from the app (\"Forgot password\"). If it was not you, ignore this message: nothing changed.\n\n{reset}\n",
                    name = self.instance_name
                ),
                html: format!(
                    "<p>Someone, probably you, tried to sign up to {name} with this address, which already has an account.</p><p>If you forgot your password, ask for a new one from the app (\"Forgot password\"). If it was not you, ignore this message: nothing changed.</p>",
                    name = escape_html(&self.instance_name)
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

    /// Opens a session. Failed attempts are counted for this address from this IP, and for this IP
    /// in all: past either limit this IP waits; the owner, from anywhere else, does not.
    pub async fn log_in(&self, email: &str, password: &str, ip: IpAddr) -> Result<NewSession> {
        let email = normalise_email(email)?;
        let (pair, from_ip) = (format!("login-fail:{ip}:{email}"), format!("login-fail-ip:{ip}"));
        let l = &self.limits;
        for (key, max) in [(&pair, l.login_failures_per_address), (&from_ip, l.login_failures_per_ip)] {
            if let Some(retry_after_secs) = limits::blocked(&*self.db()?, key, max, l.login_window)? {
                return Err(Error::RateLimited {
                    code: "too_many_attempts",
                    message: format!("too many failed logins from here; try again in {retry_after_secs} s"),
                    retry_after_secs,
                });
            }
        }
        let found: Option<(String, String, Option<i64>, Option<String>)> = self
            .db()?
            .query_row(
                "SELECT id, password_hash, confirmed_at, suspended FROM accounts WHERE email = ?1",
                [&email],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let stored = match &found {
            Some((_, hash, _, _)) => hash.clone(),
            // Made once, on a password thread like every hash.
            None => self.hasher.run(|| Ok(decoy_hash().to_string())).await?,
        };
        let given = password.to_string();
        let matches = self.hashing(move || password::verify(&given, &stored)).await?;
        let Some((account_id, _, confirmed_at, suspended)) = found.filter(|_| matches) else {
            let db = self.db()?;
            limits::record(&db, &pair)?;
            limits::record(&db, &from_ip)?;
            return Err(Error::unauthorized("invalid_credentials", "wrong email address or password"));
        };
        if let Some(reason) = suspended {
            return Err(Error::Forbidden {
                code: "account_suspended",
                message: format!("the relay's moderators suspended this account: {reason}"),
            });
        }
        if confirmed_at.is_none() {
            return Err(Error::Forbidden {
                code: "email_not_confirmed",
                message: "confirm your address first: follow the link in the mail we sent".into(),
            });
        }
        let token = token::new_token();
        let digest = token::digest(&token);
        let now = Utc::now().timestamp();
        let db = self.db()?;
        db.execute("DELETE FROM attempts WHERE key = ?1", [&pair])?;
        db.execute(
            "INSERT INTO sessions (token_digest, account_id, created_at, last_used_at) VALUES (?1, ?2, ?3, ?3)",
            params![digest, account_id, now],
        )?;
        Ok(NewSession { peer_id: peer_id(&account_id, &digest), token, account_id })
    }

    /// The session a bearer token opens, if it is live and was used within the idle limit.
    pub fn authenticate(&self, token: &str) -> Result<Session> {
        let digest = token::digest(token.trim());
        let db = self.db()?;
        let found: Option<(String, i64)> = db
            .query_row("SELECT account_id, last_used_at FROM sessions WHERE token_digest = ?1", [&digest], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let (account_id, last_used_at) =
            found.ok_or_else(|| Error::unauthorized("invalid_token", "the session token is unknown or revoked"))?;
        let now = Utc::now().timestamp();
        if last_used_at < now - self.limits.session_idle.num_seconds() {
            db.execute("DELETE FROM sessions WHERE token_digest = ?1", [&digest])?;
            return Err(Error::unauthorized("session_expired", "the session was unused for too long: log in again"));
        }
        let session = Session { account_id, token_digest: digest };
        Self::touch_in(&db, &session, now)?;
        Ok(session)
    }

    /// Counts as a use of the session (an open sync connection uses it without new requests).
    pub fn touch(&self, session: &Session) -> Result<()> {
        Self::touch_in(&*self.db()?, session, Utc::now().timestamp())
    }

    fn touch_in(db: &Connection, session: &Session, now: i64) -> Result<()> {
        db.execute(
            "UPDATE sessions SET last_used_at = ?2 WHERE token_digest = ?1 AND last_used_at < ?2 - ?3",
            params![session.token_digest, now, TOUCH_EVERY_SECS],
        )?;
        Ok(())
    }

    /// Registers a long-lived connection of `session`: it is told when the session ends.
    pub fn keep_open(&self, session: &Session) -> live::Ending {
        self.live.register(&session.account_id, &session.token_digest)
    }

    /// Ends the session, and closes its open sync connections.
    pub fn log_out(&self, session: &Session) -> Result<()> {
        self.db()?.execute("DELETE FROM sessions WHERE token_digest = ?1", [&session.token_digest])?;
        self.live.end_session(&session.token_digest);
        Ok(())
    }

    /// Mails a reset link if the address has an account; answers the same either way, and mails
    /// one address at most once per window.
    pub async fn request_password_reset(&self, email: &str, ip: IpAddr) -> Result<()> {
        let email = normalise_email(email)?;
        self.per_ip("reset", ip)?;
        let found: Option<String> =
            self.db()?.query_row("SELECT id FROM accounts WHERE email = ?1", [&email], |r| r.get(0)).optional()?;
        let Some(account_id) = found else {
            return Ok(());
        };
        if !self.may_mail("reset", &email)? {
            return Ok(());
        }
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

    /// Sets a new password from a reset link, confirms the address (the link proved it), and ends
    /// every session, open sync connections included.
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
        let hash = self.hashing(move || password::hash(&given)).await?;
        self.take_token(token, Purpose::Reset)?;
        let db = self.db()?;
        db.execute(
            "UPDATE accounts SET password_hash = ?2, confirmed_at = coalesce(confirmed_at, ?3) WHERE id = ?1",
            params![account.id, hash, Utc::now().timestamp()],
        )?;
        db.execute("DELETE FROM sessions WHERE account_id = ?1", [&account.id])?;
        db.execute("DELETE FROM attempts WHERE key LIKE 'login-fail:%:' || ?1", [&account.email])?;
        drop(db);
        self.live.end_account(&account.id);
        Ok(())
    }

    /// Checks the password of `session`'s account again (before a deletion).
    pub async fn check_password(&self, session: &Session, password: &str) -> Result<()> {
        let stored: String =
            self.db()?
                .query_row("SELECT password_hash FROM accounts WHERE id = ?1", [&session.account_id], |r| r.get(0))?;
        let given = password.to_string();
        if !self.hashing(move || password::verify(&given, &stored)).await? {
            return Err(Error::unauthorized("invalid_credentials", "wrong password"));
        }
        Ok(())
    }

    /// Deletes the account and its sessions, and closes its open connections. What it published is
    /// the other services' to remove (see [`crate::AppState::delete_account`]).
    pub fn remove(&self, account_id: &str) -> Result<()> {
        self.live.end_account(account_id);
        self.db()?.execute("DELETE FROM accounts WHERE id = ?1", [account_id])?;
        Ok(())
    }

    pub fn account(&self, id: &str) -> Result<Account> {
        self.db()?
            .query_row("SELECT id, email, confirmed_at IS NOT NULL, role FROM accounts WHERE id = ?1", [id], |r| {
                let role: String = r.get(3)?;
                Ok(Account {
                    id: r.get(0)?,
                    email: r.get(1)?,
                    confirmed: r.get(2)?,
                    role: rally_core::model::InstanceRole::parse(&role).unwrap_or_default(),
                })
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
