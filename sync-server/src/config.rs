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
