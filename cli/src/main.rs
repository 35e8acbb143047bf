//! `rally`: the command line over a profile. Parses flags, calls [`rally_core::profile::Profile`],
//! prints. Exit codes: 0 done, 2 bad input (named in the message; nothing stored changed), 1 anything else.

mod account;
mod args;
mod event;
mod export;
mod federation;
mod group;
mod identity;
mod import;
mod output;
mod participation;
mod sync;

use std::process::ExitCode;

use clap::Parser;
use rally_core::{data_dir, profile::Profile};

use args::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("rally: {}", output::describe(&err));
            ExitCode::from(if err.is_bad_input() { 2 } else { 1 })
        }
    }
}

/// The runtime for commands that speak to the relay.
pub(crate) fn runtime() -> rally_client::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| rally_client::Error::Protocol(format!("cannot start the network runtime: {e}")))
}

/// `rally report KIND ID`: thin over [`rally_client::moderation::report`].
async fn report(
    profile: Profile,
    (kind, id): (&str, String),
    identity: &str,
    comment: &str,
    forward: bool,
) -> rally_client::Result<()> {
    use rally_core::model::Reported;
    let reported = match kind {
        "event" => Reported::Event(id),
        "identity" => Reported::Identity(id),
        "group" => Reported::Group(id),
        "remote" => Reported::Remote(id),
        other => {
            return Err(rally_core::Error::invalid(
                "kind",
                format!("\"{other}\": report an event, an identity, a group or a remote one"),
            )
            .into())
        }
    };
    let profile = std::sync::Mutex::new(profile);
    let id = rally_client::moderation::report(&profile, identity, reported, comment, forward).await?;
    println!("reported to the relay's moderators (report {id})");
    Ok(())
}

fn run(cli: Cli) -> rally_client::Result<()> {
    let mut profile = Profile::open(data_dir::resolve(cli.data)?)?;
    match cli.command {
        Command::Identity(cmd) => identity::run(&mut profile, cmd),
        Command::Event(cmd) => event::run(profile, cmd),
        Command::Participants(cmd) => runtime()?.block_on(participation::participants(profile, cmd)),
        Command::Feed(cmd) => runtime()?.block_on(participation::feed(profile, cmd)),
        Command::Group(cmd) => runtime()?.block_on(group::run(profile, cmd)),
        Command::Federation(cmd) => runtime()?.block_on(federation::run(profile, cmd)),
        Command::Report { kind, id, identity, comment, forward } => {
            runtime()?.block_on(report(profile, (&kind, id), &identity, &comment, forward))
        }
        Command::Export(cmd) => Ok(export::run(&profile, cmd)?),
        Command::Import(cmd) => Ok(import::run(&mut profile, cmd)?),
        Command::Account(cmd) => runtime()?.block_on(account::run(profile, cmd)),
        Command::Sync { once } => runtime()?.block_on(sync::run(profile, once)),
    }
}
