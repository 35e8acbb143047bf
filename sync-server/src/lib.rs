//! Rally's relay: accounts, mail, sync and public calendars; public pages and federation arrive as
//! their own modules.
//!
//! Layout:
//! - [`config`]: flags and environment into a [`config::Config`].
//! - [`database`]: the relay's SQLite file in the data folder, with versioned migrations.
//! - [`accounts`]: sign up, confirm, sessions, password reset, deletion: the logic, no HTTP.
//! - [`mail`]: outgoing mail, to an outbox folder by default or through SMTP.
//! - [`links`]: addresses in mail and pages, and capability links (HMACs, nothing stored).
//! - [`notify`]: notifications: a durable mail queue and the worker that sends it, digests, reminders.
//! - [`participation`]: joining events, requests and decisions, waiting lists, anonymous participants.
//! - [`sync`]: documents over the automerge-repo protocol, with per-document access.
//! - [`calendar`]: public .ics files, feeds and event pages, from what sync derives of published events.
//! - [`event_page`]: the HTML of an event's public page (OpenGraph, JSON-LD, map link).
//! - [`api`]: JSON handlers under `/api/v1/` and the two pages mailed links open; thin.
//! - [`run`]: serves a bound listener until `shutdown` resolves; the binary and the tests both call it.

pub mod accounts;
pub mod api;
pub mod calendar;
pub mod config;
pub mod database;
mod error;
pub mod event_page;
pub mod links;
pub mod mail;
pub mod notify;
pub mod participation;
pub mod sync;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

pub use error::{Error, Result};

/// What handlers share.
#[derive(Clone)]
pub struct AppState {
    pub db: Arc<Mutex<rusqlite::Connection>>,
    pub accounts: Arc<accounts::Accounts>,
    pub sync: Arc<sync::SyncHub>,
    pub calendars: Arc<calendar::Calendars>,
    pub participation: Arc<participation::ParticipationService>,
    pub notifications: Arc<notify::Notifications>,
    pub instance_name: Arc<str>,
}

impl AppState {
    /// Opens the data folder and the mail transport for a relay reachable at `bound`.
    pub async fn open(config: &config::Config, bound: SocketAddr) -> Result<AppState> {
        let db = Arc::new(Mutex::new(database::open(&config.data)?));
        let public_url = config.public_url_for(bound);
        let mailer = Arc::new(mail::Mailer::new(&config.sender(&public_url), config.smtp.as_deref(), config.outbox())?);
        let links = links::Links::open(&*db.lock().map_err(|_| Error::Poisoned)?, &public_url, &config.instance_name)?;
        let notifications = notify::Notifications::start(db.clone(), mailer.clone(), links, config.timing());
        let participation = participation::ParticipationService::new(db.clone(), notifications.clone());
        let calendars = calendar::Calendars::new(db.clone(), public_url.clone(), config.instance_name.clone());
        let sync = sync::SyncHub::start(db.clone(), &public_url).await?;
        let accounts = accounts::Accounts::new(db.clone(), mailer, public_url, config.instance_name.clone());
        Ok(AppState {
            db,
            accounts: Arc::new(accounts),
            sync: Arc::new(sync),
            calendars: Arc::new(calendars),
            participation: Arc::new(participation),
            notifications,
            instance_name: config.instance_name.as_str().into(),
        })
    }
}

/// Serves the relay on `listener` until `shutdown` completes.
pub async fn run(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let (sync, notifications) = (state.sync.clone(), state.notifications.clone());
    let served = axum::serve(listener, api::router(state)).with_graceful_shutdown(shutdown).await.map_err(Error::Serve);
    sync.stop().await;
    notifications.stop();
    served
}
