//! Rally's relay: accounts, mail, sync, public pages and calendars, and federation.
//!
//! Layout:
//! - [`config`]: flags and environment into a [`config::Config`].
//! - [`database`]: the relay's SQLite file in the data folder, with versioned migrations.
//! - [`accounts`]: sign up, confirm, sessions, password reset, deletion: the logic, no HTTP.
//! - [`mail`]: outgoing mail, to an outbox folder by default or through SMTP.
//! - [`limits`]: every limit with its default, and the counter behind rate limits.
//! - [`links`]: addresses in mail and pages, and capability links (HMACs, nothing stored).
//! - [`notify`]: notifications: a durable mail queue and the worker that sends it, digests, reminders.
//! - [`participation`]: joining events, requests and decisions, waiting lists, anonymous participants.
//! - [`sync`]: documents over the automerge-repo protocol, with per-document access.
//! - [`projections`]: what follows from a document's change: the public tables, participants' news,
//!   the federation outbox.
//! - [`federation`]: ActivityPub: our actors, signatures, the outbox's sender and the inbox.
//! - [`moderation`]: the relay's roles (moderators, administrators) and the log of what they did.
//! - [`calendar`]: public .ics files, feeds and event pages, from what sync derives of published events.
//! - [`event_page`]: the HTML of an event's public page (OpenGraph, JSON-LD, map link).
//! - [`api`]: JSON handlers under `/api/v1/` and the two pages mailed links open; thin.
//! - [`serve`]: the accept loop: header timeouts and connections per IP.
//! - [`run`]: serves a bound listener until `shutdown` resolves; the binary and the tests both call it.

pub mod accounts;
pub mod api;
pub mod calendar;
pub mod config;
pub mod database;
mod error;
pub mod event_page;
pub mod federation;
pub mod group_page;
pub mod groups;
pub mod home_page;
pub mod limits;
pub mod links;
pub mod mail;
pub mod moderation;
pub mod notify;
pub mod page_layout;
pub mod participation;
pub mod projections;
pub mod serve;
pub mod sync;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

pub use error::{Error, Result};

/// Locks a mutex whether or not a panic poisoned it. A panic (a bug, met on some input) ends the one
/// request it happened in; it must not stop the relay for good. What the relay guards with mutexes
/// stays sound across one: SQLite rolls back a transaction its holder did not commit, and the maps
/// are changed in single steps.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What handlers share.
#[derive(Clone)]
pub struct AppState {
    pub db: Arc<Mutex<rusqlite::Connection>>,
    pub accounts: Arc<accounts::Accounts>,
    pub sync: Arc<sync::SyncHub>,
    pub projections: Arc<projections::Projections>,
    pub federation: Arc<federation::Federation>,
    pub calendars: Arc<calendar::Calendars>,
    pub participation: Arc<participation::ParticipationService>,
    pub groups: Arc<groups::GroupService>,
    pub moderation: Arc<moderation::ModerationService>,
    pub notifications: Arc<notify::Notifications>,
    pub instance_name: Arc<str>,
    pub connections: serve::ConnectionLimits,
}

impl AppState {
    /// Opens the data folder and the mail transport for a relay reachable at `bound`.
    pub async fn open(config: &config::Config, bound: SocketAddr) -> Result<AppState> {
        let db = Arc::new(Mutex::new(database::open(&config.data)?));
        let public_url = config.public_url_for(bound);
        let mailer = Arc::new(mail::Mailer::new(&config.sender(&public_url), config.smtp.as_deref(), config.outbox())?);
        let links = links::Links::open(&lock(&db), &public_url, &config.instance_name)?;
        let notifications = notify::Notifications::start(db.clone(), mailer.clone(), links, config.timing());
        let participation =
            Arc::new(participation::ParticipationService::new(db.clone(), notifications.clone(), config.limits()));
        let calendars = calendar::Calendars::new(db.clone(), public_url.clone(), config.instance_name.clone());
        let federation =
            federation::Federation::new(db.clone(), &public_url, config.federation(), participation.clone())?;
        let federated = federation.settings.enabled.then(|| federation.urls.clone());
        let projections = Arc::new(projections::Projections::new(db.clone(), &public_url, federated.clone()));
        projections.ensure_built().await?;
        let sync = sync::SyncHub::start(db.clone(), projections.clone(), &config.limits()).await?;
        let groups = groups::GroupService::new(db.clone(), notifications.clone(), sync.roles(), projections.clone())?;
        let accounts =
            accounts::Accounts::new(db.clone(), mailer, public_url, config.instance_name.clone(), config.limits());
        let sync = Arc::new(sync);
        let moderation = Arc::new(moderation::ModerationService::new(
            db.clone(),
            notifications.clone(),
            sync.clone(),
            accounts.live().clone(),
            config.limits(),
            federated,
        ));
        Ok(AppState {
            db,
            moderation,
            accounts: Arc::new(accounts),
            sync,
            projections,
            federation,
            calendars: Arc::new(calendars),
            participation,
            groups: Arc::new(groups),
            notifications,
            instance_name: config.instance_name.as_str().into(),
            connections: config.connection_limits(),
        })
    }
}

impl AppState {
    /// Deletes an account and what it published, after checking its password: its sync connections
    /// close, its places in events are freed (organizers told, waiting lists move up), its documents
    /// leave the relay with their pages and feeds (participants of its events told they are
    /// cancelled), and the account goes. Its usernames stay claimed, so nobody can pose as it later.
    pub async fn delete_account(&self, session: &accounts::Session, password: &str) -> Result<()> {
        self.accounts.check_password(session, password).await?;
        self.accounts.live().end_account(&session.account_id);
        self.participation.withdraw_account(&session.account_id)?;
        self.groups.withdraw_account(&session.account_id)?;
        self.sync.remove_account(&session.account_id).await?;
        self.accounts.remove(&session.account_id)?;
        self.notifications.wake();
        Ok(())
    }
}

/// Serves the relay on `listener` until `shutdown` completes.
pub async fn run(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let (sync, notifications, limits) = (state.sync.clone(), state.notifications.clone(), state.connections);
    // The sender starts with the relay (deliveries left from before a crash go out now) and stops
    // with it; what it had not sent stays queued on disk.
    let sender =
        state.federation.settings.enabled.then(|| tokio::spawn(federation::outbox::run(state.federation.clone())));
    let served = serve::serve(listener, api::router(state), limits, shutdown).await.map_err(Error::Serve);
    if let Some(sender) = sender {
        sender.abort();
    }
    sync.stop().await;
    notifications.stop();
    served
}
