//! `rally-server`: reads its configuration and serves until Ctrl-C or SIGTERM.

use anyhow::Context;
use clap::Parser;
use rally_server::{config::Config, run, AppState};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    let state = AppState::open(&config).context("opening the data folder")?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    println!("rally-server: listening on http://{} with data in {}", listener.local_addr()?, config.data.display());
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
