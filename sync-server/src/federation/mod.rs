//! Federation over ActivityPub, apart from sync and the HTTP API (handlers in `api::federation` only
//! translate): Rally's identities are `Person`s, its groups `Group`s, the relay an `Application`
//! (`relay@host`); published public and unlisted events go out as Mobilizon's `Event`s.
//!
//! - [`wire`]: the JSON as it travels, serde types tested on real payloads.
//! - [`convert`]: between core's model and the wire.
//! - [`keys`], [`signature`]: each actor's RSA keys; draft-cavage HTTP Signatures.
//! - [`actors`]: our actors as JSON, WebFinger and NodeInfo; remote actors fetched and cached.
//! - [`outbox`]: activities a change causes, written in the change's transaction; the sender that
//!   delivers them, signed, with retries.
//! - [`inbox`]: what arrives: checked (signature, digest, date, size, who speaks for whom), then
//!   handed to its verb in [`activities`].
//! - [`objects`]: our events as other servers fetch them.
//! - [`follows`]: our identities following remote actors, and the events that brings.
//! - [`participation`]: remote people joining our events, ours joining theirs.
//! - [`store`]: all of its SQL.

pub mod activities;
pub mod actors;
pub mod admin;
pub mod convert;
pub mod follows;
pub mod group_followers;
pub mod inbox;
pub mod instances;
pub mod keys;
pub mod objects;
pub mod outbox;
pub mod participation;
pub mod signature;
pub mod store;
pub mod wire;

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::Connection;

use crate::{Error, Result};

/// The largest activity or fetched object the relay reads.
pub const MAX_BODY: usize = 256 * 1024;
/// Deliveries one host may make to our inboxes in a minute (a large Mastodon instance delivering
/// for many followed people stays well under it).
pub const DELIVERIES_PER_HOST: u32 = 1_200;
/// Fetches (actors, keys, WebFinger, announced objects) from one host per ten minutes, and from all
/// hosts per minute.
pub const FETCHES_PER_HOST: u32 = 300;
pub const FETCHES_IN_ALL: u32 = 1_000;
/// Follows and joins of remote events one account asks for per hour (each sends and fetches).
pub const ASKS_PER_HOUR: u32 = 100;

/// What the relay's administrator set.
#[derive(Debug, Clone)]
pub struct Settings {
    pub enabled: bool,
    /// Only domains the administrator allowed federate.
    pub allow_list: bool,
    /// Plain http to any host (development); without it only loopback addresses may be http.
    pub allow_http: bool,
    /// The first wait before a failed delivery is tried again; it doubles up to an hour.
    pub retry_after: chrono::Duration,
    pub max_attempts: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            enabled: true,
            allow_list: false,
            allow_http: false,
            retry_after: chrono::Duration::seconds(30),
            max_attempts: 12,
        }
    }
}

/// Where our actors and objects are, from the relay's public URL.
#[derive(Debug, Clone)]
pub struct Urls {
    pub base: String,
}

impl Urls {
    pub fn actor(&self, username: &str) -> String {
        format!("{}/@{username}", self.base)
    }
    pub fn instance(&self) -> String {
        format!("{}/relay", self.base)
    }
    pub fn shared_inbox(&self) -> String {
        format!("{}/inbox", self.base)
    }
    pub fn event(&self, id: &str) -> String {
        format!("{}/events/{id}", self.base)
    }
    pub fn new_activity(&self) -> String {
        format!("{}/activities/{}", self.base, rally_core::document::new_id())
    }
    pub fn key_id(actor: &str) -> String {
        format!("{actor}#main-key")
    }
    /// `host` or `host:port`, as in `acct:name@host`.
    pub fn host(&self) -> String {
        host_of(&self.base).unwrap_or_default()
    }
}

/// `host` or `host:port` of a URL.
pub fn host_of(url: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    let host = url.host_str()?.to_string();
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

/// The relay's side of federation: what handlers and the sender call.
pub struct Federation {
    pub db: Arc<Mutex<Connection>>,
    pub urls: Urls,
    pub settings: Settings,
    /// Remote people's `Join`s go through participation's rules.
    pub participation: Arc<crate::participation::ParticipationService>,
    http: reqwest::Client,
    /// Wakes the sender when deliveries are queued.
    pub wake: tokio::sync::Notify,
    /// Our actors' private keys, read once (parsing one costs more than signing with it).
    signing_keys: Mutex<std::collections::HashMap<String, Arc<rsa::RsaPrivateKey>>>,
    /// Deliveries each host made to our inboxes in the current minute (see [`Federation::may_deliver`]).
    deliveries_in: Mutex<std::collections::HashMap<String, (std::time::Instant, u32)>>,
}

impl Federation {
    pub fn new(
        db: Arc<Mutex<Connection>>,
        public_url: &str,
        settings: Settings,
        participation: Arc<crate::participation::ParticipationService>,
    ) -> Result<Arc<Federation>> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .connect_timeout(Duration::from_secs(5))
            // A redirect could lead a fetch anywhere: none are followed.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Rally/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config(format!("the federation client: {e}")))?;
        Ok(Arc::new(Federation {
            db,
            urls: Urls { base: public_url.trim_end_matches('/').to_string() },
            settings,
            participation,
            http,
            wake: tokio::sync::Notify::new(),
            signing_keys: Mutex::default(),
            deliveries_in: Mutex::default(),
        }))
    }

    pub fn db(&self) -> std::sync::MutexGuard<'_, Connection> {
        crate::lock(&self.db)
    }

    /// Runs `f` in one transaction on a blocking thread.
    pub async fn transaction<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&rusqlite::Transaction) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = this.db();
            let tx = conn.transaction()?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })
        .await
        .map_err(|e| Error::Config(format!("federation task: {e}")))?
    }

    /// Whether a URL may be fetched or delivered to: https, or http to a loopback address (or any
    /// with the development switch); never a blocked domain.
    pub fn check_url(&self, url: &str) -> Result<url::Url> {
        let parsed =
            url::Url::parse(url).map_err(|_| Error::bad_request("invalid_url", format!("\"{url}\" is not a URL")))?;
        let loopback = match parsed.host() {
            Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
            Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
            Some(url::Host::Domain(d)) => d == "localhost",
            None => return Err(Error::bad_request("invalid_url", format!("\"{url}\" names no host"))),
        };
        match parsed.scheme() {
            "https" => {}
            "http" if loopback || self.settings.allow_http => {}
            _ => {
                return Err(Error::bad_request(
                    "insecure_url",
                    format!("\"{url}\": only https (plain http only to this machine, or with --federation-allow-http)"),
                ))
            }
        }
        self.check_domain(&host_of(url).unwrap_or_default())?;
        Ok(parsed)
    }

    /// Counts a fetch, refusing it past [`FETCHES_PER_HOST`] or [`FETCHES_IN_ALL`]: anyone can name a
    /// key on any host in a signature, and a person any handle, and neither may turn the relay into
    /// a crawler of someone else's server.
    /// Counts one delivery to our inboxes from `host` (as its key id names it, before anything is
    /// fetched or verified), refusing past [`DELIVERIES_PER_HOST`] a minute: a server, signed or not,
    /// cannot keep the relay verifying and storing without end. Counted in memory: a busy peer's
    /// deliveries cost no write each.
    pub(crate) fn may_deliver(&self, host: &str) -> Result<()> {
        let now = std::time::Instant::now();
        let minute = Duration::from_secs(60);
        let mut counts = crate::lock(&self.deliveries_in);
        if counts.len() > 10_000 {
            counts.retain(|_, (since, _)| now.duration_since(*since) < minute);
        }
        let (since, count) = counts.entry(host.to_string()).or_insert((now, 0));
        if now.duration_since(*since) >= minute {
            (*since, *count) = (now, 0);
        }
        if *count >= DELIVERIES_PER_HOST {
            let retry_after_secs = minute.saturating_sub(now.duration_since(*since)).as_secs().max(1);
            return Err(Error::RateLimited {
                code: "too_many_activities",
                message: format!("more than {DELIVERIES_PER_HOST} activities from {host} this minute; try again in {retry_after_secs} s"),
                retry_after_secs,
            });
        }
        *count += 1;
        Ok(())
    }

    fn may_fetch(&self, host: &str) -> Result<()> {
        let conn = self.db();
        let refused = |retry_after_secs: u64, whom: &str| Error::RateLimited {
            code: "too_many_fetches",
            message: format!("the relay fetched too much {whom} lately; try again in {retry_after_secs} s"),
            retry_after_secs,
        };
        crate::limits::attempt(&conn, "federation-fetch", FETCHES_IN_ALL, chrono::Duration::minutes(1))?
            .map_err(|secs| refused(secs, "from other servers"))?;
        crate::limits::attempt(
            &conn,
            &format!("federation-fetch:{host}"),
            FETCHES_PER_HOST,
            chrono::Duration::minutes(10),
        )?
        .map_err(|secs| refused(secs, &format!("from {host}")))
    }

    /// Refuses a person of another server this relay's moderators suspended.
    pub fn check_actor(&self, actor: &str) -> Result<()> {
        if store::is_suspended(&self.db(), actor)? {
            return Err(Error::Forbidden { code: "actor_suspended", message: format!("{actor} is suspended here") });
        }
        Ok(())
    }

    /// Refuses a blocked domain, and in allow-list mode one not allowed.
    pub fn check_domain(&self, host: &str) -> Result<()> {
        let conn = self.db();
        if store::is_blocked(&conn, host)? {
            return Err(Error::Forbidden { code: "domain_blocked", message: format!("{host} is blocked here") });
        }
        if self.settings.allow_list && !store::is_allowed(&conn, host)? {
            return Err(Error::Forbidden {
                code: "domain_not_allowed",
                message: format!("{host} is not on this relay's allow-list"),
            });
        }
        Ok(())
    }

    /// A local actor's private key (made if it has none), kept in memory once read.
    pub async fn signing_key(self: &Arc<Self>, actor: &str) -> Result<Arc<rsa::RsaPrivateKey>> {
        if let Some(key) = crate::lock(&self.signing_keys).get(actor) {
            return Ok(key.clone());
        }
        let name = actor.to_string();
        let key = Arc::new(self.transaction(move |tx| keys::of(tx, &name)).await?.private);
        crate::lock(&self.signing_keys).insert(actor.to_string(), key.clone());
        Ok(key)
    }

    /// A signed GET (by the instance actor, for servers in secure mode) of an ActivityPub object.
    pub async fn fetch(self: &Arc<Self>, url: &str) -> Result<serde_json::Value> {
        let parsed = self.check_url(url)?;
        self.may_fetch(&host_of(url).unwrap_or_default())?;
        let key = self.signing_key(keys::INSTANCE).await?;
        let key_id = Urls::key_id(&self.urls.instance());
        let headers = signature::sign("GET", &parsed, None, &key_id, &key)?;
        let mut request = self.http.get(parsed).header(
            "accept",
            "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"",
        );
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let response = request.send().await.map_err(|e| remote(url, e))?;
        if !response.status().is_success() {
            return Err(Error::Remote {
                code: "remote_refused",
                message: format!("{url} answered {}", response.status()),
            });
        }
        let body = read_bounded(response, url).await?;
        serde_json::from_slice(&body)
            .map_err(|e| Error::Remote { code: "remote_invalid", message: format!("{url} sent no JSON: {e}") })
    }

    /// POSTs a signed activity to an inbox.
    pub async fn post(&self, inbox: &str, body: &[u8], key_id: &str, key: &rsa::RsaPrivateKey) -> Result<()> {
        let parsed = self.check_url(inbox)?;
        let headers = signature::sign("POST", &parsed, Some(body), key_id, key)?;
        let mut request = self.http.post(parsed).header("content-type", wire::ACTIVITY_JSON).body(body.to_vec());
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let response = request.send().await.map_err(|e| remote(inbox, e))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let text = response.text().await.unwrap_or_default();
        Err(Error::Remote {
            code: "delivery_refused",
            message: format!("{inbox} answered {status}: {}", text.chars().take(300).collect::<String>()),
        })
    }
}

fn remote(url: &str, e: reqwest::Error) -> Error {
    Error::Remote { code: "remote_unreachable", message: format!("{url}: {e}") }
}

async fn read_bounded(mut response: reqwest::Response, url: &str) -> Result<Vec<u8>> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| remote(url, e))? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_BODY {
            return Err(Error::Remote {
                code: "remote_too_large",
                message: format!("{url} sent more than {} KiB", MAX_BODY / 1024),
            });
        }
    }
    Ok(body)
}
