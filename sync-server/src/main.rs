//! `rally-server`: reads its configuration and serves until Ctrl-C or SIGTERM.

use anyhow::Context;
use clap::Parser;
use rally_server::config::{Command, Config};
use rally_server::{run, AppState};

/// glibc's allocator gives threads that allocate at once arenas of their own (up to eight per core),
/// and memory freed in one serves no other: with large uploads applied beside the async workers, the
/// relay's peak memory under `tests/hostile.rs`'s floods doubled. mimalloc reuses freed memory across
/// threads.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    match &config.command {
        Some(Command::Federation(command)) => {
            let conn = rally_server::database::open(&config.data).context("opening the data folder")?;
            print!("{}", rally_server::federation::admin::run(&conn, command)?);
            return Ok(());
        }
        Some(Command::Admin(command)) => {
            let mut conn = rally_server::database::open(&config.data).context("opening the data folder")?;
            print!("{}", rally_server::moderation::admin::run(&mut conn, command)?);
            return Ok(());
        }
        None => {}
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    let bound = listener.local_addr()?;
    let state = AppState::open(&config, bound).await.context("opening the data folder")?;
    let mail = match &config.smtp {
        Some(smtp) => format!("mail through {smtp}"),
        None => format!("mail to {}", config.outbox().display()),
    };
    println!("rally-server: listening on http://{bound} with data in {}, {mail}", config.data.display());
    run(listener, state, shutdown_signal()).await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
