//! A relay in the test's process (its own runtime, so that a test can stop it as a crash would and
//! start it again on the same port), and accounts made the way people make them.

use std::time::Duration;

use rally_client::account;
use rally_core::model::Credentials;
use rally_core::profile::Profile;
use rally_server::{config::Config, AppState};

#[path = "../../../sync-server/tests/common/smtp.rs"]
mod smtp;
pub use smtp::Smtp;

pub const PASSWORD: &str = "a long enough passphrase";

/// A relay in its own runtime, so that the test can stop it (every connection with it, as a crash
/// would) and start it again on the same data and port.
pub struct TestRelay {
    pub url: String,
    pub state: AppState,
    config: Config,
    port: u16,
    runtime: Option<tokio::runtime::Runtime>,
}

impl TestRelay {
    pub async fn start(config: Config, port: u16) -> TestRelay {
        tokio::task::spawn_blocking(move || {
            let runtime =
                tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
            let (port, state) = runtime.block_on(async {
                let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.expect("bind");
                let bound = listener.local_addr().expect("addr");
                let state = AppState::open(&config, bound).await.expect("relay");
                tokio::spawn(rally_server::run(listener, state.clone(), std::future::pending()));
                (bound.port(), state)
            });
            TestRelay { url: format!("http://127.0.0.1:{port}"), state, config, port, runtime: Some(runtime) }
        })
        .await
        .expect("relay thread")
    }

    pub async fn stop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            tokio::task::spawn_blocking(move || runtime.shutdown_timeout(Duration::from_secs(5))).await.expect("stop");
        }
    }

    pub async fn restart(&mut self) {
        self.stop().await;
        *self = TestRelay::start(self.config.clone(), self.port).await;
    }
}

impl Drop for TestRelay {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Signs up and confirms the way a person would: the link is mailed, to the relay's outbox or, when it
/// sends through SMTP, to `smtp`'s maildir.
pub async fn account_for(relay: &TestRelay, smtp: Option<&Smtp>, email: &str) {
    let credentials = Credentials { email: email.into(), password: PASSWORD.into() };
    account::sign_up(&relay.url, &credentials).await.expect("sign up");
    let token = match smtp {
        Some(smtp) => smtp.token_for(email),
        None => smtp::outbox_token(&relay.config.data.join("outbox"), email),
    };
    relay.state.accounts.confirm(&token).expect("confirm");
}

/// Logs a profile in, the way the Account page does (its token to the keyring).
pub async fn log_in(profile: &std::path::Path, relay: &TestRelay, email: &str) {
    let profile = std::sync::Mutex::new(Profile::open(profile).expect("profile"));
    let credentials = Credentials { email: email.into(), password: PASSWORD.into() };
    account::log_in(&profile, &relay.url, &credentials).await.expect("log in");
}
