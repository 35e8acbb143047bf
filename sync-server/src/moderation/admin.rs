//! `rally-server admin …`: what the relay's administrator does on its machine (the first
//! administrator is made here).

use chrono::Utc;
use rally_core::model::InstanceRole;
use rusqlite::Connection;

use super::{grant, Actor};
use crate::config::AdminCommand;
use crate::{Error, Result};

/// Runs one command; what it prints.
pub fn run(conn: &mut Connection, command: &AdminCommand) -> Result<String> {
    match command {
        AdminCommand::Grant { email, role } => {
            let role = InstanceRole::parse(role).ok_or_else(|| {
                Error::bad_request("invalid_role", format!("\"{role}\": a role is user, moderator or administrator"))
            })?;
            grant(conn, Actor::Machine, email, role, Utc::now())?;
            Ok(format!("{email}: {}\n", role.as_str()))
        }
    }
}
