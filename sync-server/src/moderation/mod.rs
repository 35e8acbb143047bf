//! Moderation: the relay's roles (user, moderator, administrator) and the append-only log of what
//! moderators and administrators do. Reports and actions on content build on it (issue 14).
//!
//! - [`rules`]: who may do what, a pure function.
//! - [`ModerationService`]: roles and the log in the relay's database; no HTTP.
//! - [`reports`]: reports, with a copy of what they name, and moderators' notes and decisions.
//! - [`hiding`]: measures on content and accounts (hide, suspend, restore), read by pages and sync.
//! - [`admin`]: `rally-server admin …` on the relay's machine.

pub mod admin;
pub mod hiding;
pub mod letters;
pub mod reports;
pub mod rules;

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use rally_core::model::{InstanceRole, MeasureRequest, ModerationAction};
use rusqlite::{params, Connection, OptionalExtension};

use crate::{Error, Result};

/// Who acts: an account (by id), or the relay's machine (its administrator at a shell).
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    Account(&'a str),
    Machine,
}

/// A moderator or administrator, as checked: made only by [`ModerationService::staff`], so that a
/// function taking one cannot be reached by anyone else.
#[derive(Debug, Clone)]
pub struct Staff {
    pub account: String,
    pub role: InstanceRole,
}

pub struct ModerationService {
    db: Arc<Mutex<Connection>>,
    notify: Arc<crate::notify::Notifications>,
    /// Hiding re-derives pages and feeds and changes who syncs what.
    sync: Arc<crate::sync::SyncHub>,
    /// Suspending an account closes its open connections.
    live: Arc<crate::accounts::live::LiveSessions>,
    limits: crate::limits::Limits,
    /// Where our actors are, when the relay federates: reports of remote content are forwarded.
    federation: Option<crate::federation::Urls>,
}

/// An account's role (`user` for an unknown one: it may do nothing more than anyone).
pub fn role_of(conn: &Connection, account: &str) -> Result<InstanceRole> {
    let role: Option<String> =
        conn.query_row("SELECT role FROM accounts WHERE id = ?1", [account], |r| r.get(0)).optional()?;
    Ok(role.as_deref().and_then(InstanceRole::parse).unwrap_or(InstanceRole::User))
}

/// Gives the account with `email` a role, as `by` (checked with [`rules::may_grant`]), and logs it.
pub fn grant(conn: &mut Connection, by: Actor<'_>, email: &str, role: InstanceRole, now: DateTime<Utc>) -> Result<()> {
    let tx = conn.transaction()?;
    let email = email.trim().to_ascii_lowercase();
    let target: Option<(String, String)> = tx
        .query_row("SELECT id, role FROM accounts WHERE email = ?1", [&email], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((target, now_role)) = target else {
        return Err(Error::Unknown { code: "unknown_account", message: format!("no account has the address {email}") });
    };
    let now_role = InstanceRole::parse(&now_role).unwrap_or(InstanceRole::User);
    let by_name = match by {
        Actor::Account(account) => {
            let administrators: i64 =
                tx.query_row("SELECT count(*) FROM accounts WHERE role = 'administrator'", [], |r| r.get(0))?;
            let administrators = usize::try_from(administrators).unwrap_or(0);
            rules::may_grant(role_of(&tx, account)?, now_role, role, administrators)?;
            email_of(&tx, account)?
        }
        Actor::Machine => "the relay's machine".to_string(),
    };
    tx.execute("UPDATE accounts SET role = ?2 WHERE id = ?1", params![target, role.as_str()])?;
    log(&tx, &by_name, "grant_role", &format!("{email}: {}", role.as_str()), "", now)?;
    tx.commit()?;
    Ok(())
}

/// The address of an account, as the log names who acted.
fn email_of(conn: &Connection, account: &str) -> Result<String> {
    Ok(conn.query_row("SELECT email FROM accounts WHERE id = ?1", [account], |r| r.get(0))?)
}

fn log(conn: &Connection, by: &str, action: &str, target: &str, reason: &str, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "INSERT INTO moderation_log (at, by, action, target, reason) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![now.timestamp_millis(), by, action, target, reason],
    )?;
    Ok(())
}

impl ModerationService {
    pub fn new(
        db: Arc<Mutex<Connection>>,
        notify: Arc<crate::notify::Notifications>,
        sync: Arc<crate::sync::SyncHub>,
        live: Arc<crate::accounts::live::LiveSessions>,
        limits: crate::limits::Limits,
        federation: Option<crate::federation::Urls>,
    ) -> ModerationService {
        ModerationService { db, notify, sync, live, limits, federation }
    }

    fn db(&self) -> std::sync::MutexGuard<'_, Connection> {
        crate::lock(&self.db)
    }

    pub fn role_of(&self, account: &str) -> Result<InstanceRole> {
        role_of(&self.db(), account)
    }

    /// Checks that `account` moderates this relay (`403 not_moderator` otherwise).
    pub fn staff(&self, account: &str) -> Result<Staff> {
        let role = self.role_of(account)?;
        rules::may_moderate(role)?;
        Ok(Staff { account: account.to_string(), role })
    }

    /// An administrator gives (or takes back, with `user`) a role.
    pub fn grant(&self, by: &Staff, email: &str, role: InstanceRole) -> Result<()> {
        grant(&mut self.db(), Actor::Account(&by.account), email, role, Utc::now())
    }

    /// Takes a measure (hide, suspend, restore; see [`hiding`]): recorded, logged, its author mailed,
    /// its report resolved; pages, feeds, federation and sync follow at once.
    pub async fn take(&self, by: &Staff, request: MeasureRequest) -> Result<()> {
        let author = email_of(&self.db(), &by.account)?;
        let links = self.notify.links().clone();
        let applied = self
            .sync
            .moderate(move |tx| {
                let applied = hiding::apply(tx, &links, &author, &request, Utc::now())?;
                let documents = applied.documents.clone();
                Ok((applied, documents))
            })
            .await?;
        if let Some(account) = &applied.suspended {
            self.live.end_account(account);
        }
        if let Some(event) = &applied.delete {
            self.sync.delete_for_good(event).await?;
        }
        self.notify.wake();
        Ok(())
    }

    /// The action log, newest first.
    pub fn log(&self, _by: &Staff) -> Result<Vec<ModerationAction>> {
        let conn = self.db();
        let mut stmt = conn
            .prepare_cached("SELECT at, by, action, target, reason FROM moderation_log ORDER BY id DESC LIMIT 1000")?;
        let rows = stmt.query_map([], |r| {
            Ok(ModerationAction {
                at: DateTime::from_timestamp_millis(r.get(0)?).unwrap_or_default(),
                by: r.get(1)?,
                action: r.get(2)?,
                target: r.get(3)?,
                reason: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
