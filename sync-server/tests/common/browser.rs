//! A real browser for the relay's pages: chromedriver on a free port driving a headless Chromium
//! (both installed by scripts/install-deps.sh), with screenshots kept in `target/e2e-screenshots/`
//! and axe-core's accessibility checks.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;

use super::{free_port, Process, WAIT};

#[path = "../../../scripts/test-support/axe.rs"]
mod axe;

pub struct Browser {
    _driver: Process,
    pub client: fantoccini::Client,
}

/// `target/e2e-screenshots/`, beside the window tests' screenshots.
pub fn screenshots_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_rally-server")).ancestors().nth(2).expect("target folder").join("e2e-screenshots")
}

impl Browser {
    pub async fn start() -> Browser {
        let port = free_port();
        let driver = std::process::Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("chromedriver (apt-get install chromium-driver, or scripts/install-deps.sh)");
        let deadline = std::time::Instant::now() + WAIT;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(std::time::Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempfile::tempdir().expect("profile").keep();
        let caps = json!({"goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--window-size=1200,900",
                     format!("--user-data-dir={}", profile.display())],
        }});
        let caps = caps.as_object().expect("object").clone().into_iter().collect();
        let client = fantoccini::ClientBuilder::native()
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a chromedriver session");
        Browser { _driver: Process(driver), client }
    }

    pub async fn text(&self, css: &str) -> String {
        let el = self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(fantoccini::Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        el.text().await.expect("text")
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        self.client.find(fantoccini::Locator::Css(css)).await.expect(css).send_keys(text).await.expect("type");
    }

    pub async fn click(&self, css: &str) {
        self.client.find(fantoccini::Locator::Css(css)).await.expect(css).click().await.expect("click");
    }

    /// Keeps a screenshot of the page as `target/e2e-screenshots/{name}.png`, then runs axe-core on it:
    /// a serious or critical WCAG A/AA violation fails the test, named with where it is.
    pub async fn check_page(&self, name: &str) {
        let png = self.client.screenshot().await.expect("screenshot");
        let dir = screenshots_dir();
        std::fs::create_dir_all(&dir).expect("screenshot folder");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("save screenshot");
        axe::check(&self.client, name).await;
    }
}
