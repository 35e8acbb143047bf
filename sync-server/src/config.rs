//! Configuration: flags, else environment variables, else embedded defaults that need nothing set up
//! (SQLite and an outbox folder in `--data`, loopback only).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

#[derive(Debug, Clone, Parser)]
#[command(name = "rally-server", version, about = "Rally's relay")]
pub struct Config {
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
