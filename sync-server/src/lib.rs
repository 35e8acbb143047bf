//! Rally's relay. So far it opens its data folder and answers health checks; sync, accounts, mail,
//! public pages and federation arrive as their own modules.
//!
//! Layout:
//! - [`config`]: flags and environment into a validated [`config::Config`].
//! - [`database`]: the relay's SQLite file in the data folder, with versioned migrations.
//! - [`api`]: HTTP handlers, thin, over the state in [`AppState`].
//! - [`run`]: serves a bound listener until `shutdown` resolves; the binary and the tests both call it.

pub mod api;
pub mod config;
pub mod database;
mod error;

use std::future::Future;
use std::sync::{Arc, Mutex};

pub use error::{Error, Result};

/// What handlers share.
#[derive(Clone)]
pub struct AppState {
    pub db: Arc<Mutex<rusqlite::Connection>>,
}

impl AppState {
    pub fn open(config: &config::Config) -> Result<AppState> {
        let db = database::open(&config.data)?;
        Ok(AppState { db: Arc::new(Mutex::new(db)) })
    }
}

/// Serves the relay on `listener` until `shutdown` completes.
pub async fn run(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    axum::serve(listener, api::router(state)).with_graceful_shutdown(shutdown).await.map_err(Error::Serve)
}
