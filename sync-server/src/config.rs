//! Configuration: flags, else environment variables, else embedded defaults that need nothing set up.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

#[derive(Debug, Clone, Parser)]
#[command(name = "rally-server", version, about = "Rally's relay")]
pub struct Config {
    /// Data folder: the relay's SQLite database and, later, its mail outbox
    #[arg(long, env = "RALLY_SERVER_DATA", default_value = "rally-server-data")]
    pub data: PathBuf,
    /// Address to listen on
    #[arg(long, env = "RALLY_SERVER_LISTEN", default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,
}
