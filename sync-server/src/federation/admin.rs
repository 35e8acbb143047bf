//! `rally-server federation …`: what the relay's administrator sets and reads on its machine.

use chrono::Utc;
use rusqlite::Connection;

use super::{instances, store};
use crate::config::FederationCommand;
use crate::{Error, Result};

/// Runs one command; what it prints.
pub fn run(conn: &Connection, command: &FederationCommand) -> Result<String> {
    let now = Utc::now();
    Ok(match command {
        FederationCommand::Block { host } => {
            store::set_domain(conn, &checked(host)?, Some("block"), now)?;
            format!("{host}: blocked (its deliveries are refused, nothing is delivered to it)\n")
        }
        FederationCommand::Allow { host } => {
            store::set_domain(conn, &checked(host)?, Some("allow"), now)?;
            format!("{host}: allowed\n")
        }
        FederationCommand::Unblock { host } => {
            store::set_domain(conn, &checked(host)?, None, now)?;
            format!("{host}: neither blocked nor allowed\n")
        }
        FederationCommand::Domains => {
            store::domains(conn)?.into_iter().map(|(host, policy)| format!("{host}\t{policy}\n")).collect()
        }
        FederationCommand::Follow { handle } => {
            let handle = instances::instance_handle(handle)?;
            store::ask_instance_follow(conn, &handle, now)?;
            format!("{handle}: the running relay sends the Follow; `federation list` says when it is accepted\n")
        }
        FederationCommand::Unfollow { handle } => {
            let handle = instances::instance_handle(handle)?;
            if !store::ask_instance_unfollow(conn, &handle)? {
                return Err(Error::bad_request("not_followed", format!("{handle} is not followed")));
            }
            format!("{handle}: the running relay sends the Undo and forgets it\n")
        }
        FederationCommand::List => store::instance_follows(conn, &[])?
            .into_iter()
            .map(|f| format!("{}\t{}\t{}\n", f.handle, f.state, f.error.unwrap_or_default()))
            .collect(),
        FederationCommand::Deliveries => store::undelivered(conn)?
            .into_iter()
            .map(|d| {
                let state = if d.given_up { "given up" } else { "waiting" };
                format!(
                    "{}\t{}\t{} attempts\t{state}\t{}\n",
                    d.inbox,
                    d.kind,
                    d.attempts,
                    d.last_error.unwrap_or_default()
                )
            })
            .collect(),
    })
}

/// `host` or `host:port`, lower case, nothing else.
fn checked(host: &str) -> Result<String> {
    let host = host.trim().to_ascii_lowercase();
    let valid =
        !host.is_empty() && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    match valid {
        true => Ok(host),
        false => Err(Error::bad_request("invalid_host", format!("\"{host}\" is not a host name"))),
    }
}
