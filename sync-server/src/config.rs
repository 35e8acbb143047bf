//! Configuration: flags, else environment variables, else embedded defaults that need nothing set up
//! (SQLite and an outbox folder in `--data`, loopback only).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

#[derive(Debug, Clone, Parser)]
#[command(name = "rally-server", version, about = "Rally's relay")]
pub struct Config {
    /// Without a command, the relay serves
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Data folder: the relay's SQLite database and its mail outbox
    #[arg(long, env = "RALLY_SERVER_DATA", default_value = "rally-server-data")]
    pub data: PathBuf,
    /// Address to listen on
    #[arg(long, env = "RALLY_SERVER_LISTEN", default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,
    /// The URL people reach this relay at, used in mailed links [default: http://LISTEN]
    #[arg(long, env = "RALLY_SERVER_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Send mail through this SMTP server (smtp://host:port, smtps://…, smtp://…?tls=required);
    /// without it, mail is written to DATA/outbox as .eml files
    #[arg(long, env = "RALLY_SERVER_SMTP")]
    pub smtp: Option<String>,
    /// The name mail and pages show
    #[arg(long, env = "RALLY_SERVER_NAME", default_value = "Rally")]
    pub instance_name: String,
    /// Requests to join that arrive within this many seconds of the first reach the organizer in one mail
    #[arg(long, env = "RALLY_SERVER_DIGEST_DELAY", default_value_t = 600, value_name = "SECONDS")]
    pub digest_delay: u32,
    /// Participants hear of an event's new time or place once its edits have stopped for this long
    #[arg(long, env = "RALLY_SERVER_CHANGE_DELAY", default_value_t = 120, value_name = "SECONDS")]
    pub change_delay: u32,
    /// How often reminders and expired requests are looked for
    #[arg(long, env = "RALLY_SERVER_SCAN_EVERY", default_value_t = 60, value_name = "SECONDS", hide = true)]
    pub scan_every: u32,
    /// The first wait before a failed send is tried again (it doubles each time, up to an hour)
    #[arg(long, env = "RALLY_SERVER_RETRY_AFTER", default_value_t = 30, value_name = "SECONDS", hide = true)]
    pub retry_after: u32,
    /// A session unused for this long ends: its devices log in again [default: 30 days]
    #[arg(long, env = "RALLY_SERVER_SESSION_IDLE", default_value_t = 30 * 24 * 3600, value_name = "SECONDS")]
    pub session_idle: u32,
    /// Passwords hashed at once (argon2id takes 19 MiB and a core for a moment each); more wait, then get 429
    #[arg(long, env = "RALLY_SERVER_CONCURRENT_HASHING", default_value_t = 2, value_name = "N")]
    pub concurrent_hashing: usize,
    /// Mail a stranger can trigger (confirmation, reset, anonymous participation) goes to one address
    /// at most once per this window
    #[arg(long, env = "RALLY_SERVER_MAIL_WINDOW", default_value_t = 900, value_name = "SECONDS")]
    pub mail_window: u32,
    /// Sign-ups, confirmation and reset requests, anonymous participations, each per IP per hour
    #[arg(long, env = "RALLY_SERVER_REQUESTS_PER_IP", default_value_t = 20, value_name = "N")]
    pub requests_per_ip: u32,
    /// Failed logins for one address from one IP within 15 minutes before that IP waits
    #[arg(long, env = "RALLY_SERVER_LOGIN_FAILURES", default_value_t = 5, value_name = "N")]
    pub login_failures: u32,
    /// Storage per account on the relay, in MiB (its documents, pictures included)
    #[arg(long, env = "RALLY_SERVER_ACCOUNT_QUOTA", default_value_t = 256, value_name = "MIB")]
    pub account_quota: u64,
    /// A request's headers must arrive within this many seconds (an idle keep-alive connection too)
    #[arg(long, env = "RALLY_SERVER_HEADER_TIMEOUT", default_value_t = 10, value_name = "SECONDS")]
    pub header_timeout: u32,
    /// Federation over ActivityPub: other servers follow our identities and groups and receive their
    /// public events; `allow-list`: only with domains allowed by `rally-server federation allow`
    #[arg(long, env = "RALLY_SERVER_FEDERATION", default_value = "on", value_parser = ["on", "off", "allow-list"])]
    pub federation: String,
    /// Fetch from and deliver to plain http addresses that are not this machine's (development only;
    /// loopback addresses may always be http)
    #[arg(long, env = "RALLY_SERVER_FEDERATION_ALLOW_HTTP")]
    pub federation_allow_http: bool,
    /// The first wait before a failed delivery to another server is tried again (it doubles, up to an hour)
    #[arg(
        long,
        env = "RALLY_SERVER_FEDERATION_RETRY_AFTER",
        default_value_t = 30,
        value_name = "SECONDS",
        hide = true
    )]
    pub federation_retry_after: u32,
    /// Connections one IP may hold open at once (sync sockets included)
    #[arg(long, env = "RALLY_SERVER_CONNECTIONS_PER_IP", default_value_t = 256, value_name = "N")]
    pub connections_per_ip: usize,
}

/// What the relay's administrator does on its machine, instead of serving.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Federation: domains blocked or allowed, deliveries waiting
    #[command(subcommand)]
    Federation(FederationCommand),
    /// The relay's roles: make the first administrator
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum AdminCommand {
    /// Give the account with this address a role: user, moderator or administrator
    Grant {
        email: String,
        #[arg(long)]
        role: String,
    },
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum FederationCommand {
    /// Refuse a domain's deliveries, stop delivering to it, hide what came from it
    Block { host: String },
    /// Take a domain off the list (blocked or allowed)
    Unblock { host: String },
    /// Allow a domain (with `--federation allow-list`, only allowed domains federate)
    Allow { host: String },
    /// Domains blocked or allowed
    Domains,
    /// Deliveries not yet delivered: inbox, attempts, last error, whether given up
    Deliveries,
    /// Follow another instance (`host` for its `relay` actor, `@name@host`, or an actor's URL): its
    /// public events come to this relay's feed. The running relay sends the Follow.
    Follow { handle: String },
    /// Stop following an instance (the running relay sends the Undo)
    Unfollow { handle: String },
    /// Instances this relay follows, and where each follow stands
    List,
}

impl Config {
    /// For tests and embedding: defaults, with this data folder.
    pub fn with_data(data: PathBuf) -> Config {
        Config { data, ..Config::parse_from(["rally-server"]) }
    }

    /// The public URL, or one built from the address actually bound (port 0 resolved).
    pub fn public_url_for(&self, bound: SocketAddr) -> String {
        self.public_url.clone().unwrap_or_else(|| format!("http://{bound}")).trim_end_matches('/').to_string()
    }

    pub fn timing(&self) -> crate::notify::Timing {
        let secs = |s: u32| chrono::Duration::seconds(s.into());
        crate::notify::Timing {
            digest_delay: secs(self.digest_delay),
            change_delay: secs(self.change_delay),
            scan_every: secs(self.scan_every.max(1)),
            retry_after: secs(self.retry_after.max(1)),
        }
    }

    pub fn limits(&self) -> crate::limits::Limits {
        let secs = |s: u32| chrono::Duration::seconds(s.into());
        crate::limits::Limits {
            session_idle: secs(self.session_idle.max(1)),
            concurrent_hashing: self.concurrent_hashing.max(1),
            mail_window: secs(self.mail_window).min(crate::limits::LONGEST_WINDOW),
            requests_per_ip: self.requests_per_ip.max(1),
            login_failures_per_address: self.login_failures.max(1),
            account_quota: self.account_quota.saturating_mul(1024 * 1024),
            ..Default::default()
        }
    }

    pub fn connection_limits(&self) -> crate::serve::ConnectionLimits {
        crate::serve::ConnectionLimits {
            header_timeout: std::time::Duration::from_secs(self.header_timeout.max(1).into()),
            per_ip: self.connections_per_ip.max(1),
        }
    }

    pub fn federation(&self) -> crate::federation::Settings {
        crate::federation::Settings {
            enabled: self.federation != "off",
            allow_list: self.federation == "allow-list",
            allow_http: self.federation_allow_http,
            retry_after: chrono::Duration::seconds(self.federation_retry_after.max(1).into()),
            ..Default::default()
        }
    }

    pub fn outbox(&self) -> PathBuf {
        self.data.join("outbox")
    }

    /// `Rally <noreply@host>`, the host taken from the public URL.
    pub fn sender(&self, public_url: &str) -> String {
        let host = url::Url::parse(public_url).ok().and_then(|u| u.host_str().map(str::to_string));
        let host = host
            .filter(|h| h.contains('.') && h.parse::<std::net::IpAddr>().is_err())
            .unwrap_or_else(|| "localhost.localdomain".into());
        format!("{} <noreply@{host}>", self.instance_name)
    }
}
