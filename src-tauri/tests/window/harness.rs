//! What it takes to drive the real window: an X server (Xvfb, unless a display is already there),
//! tauri-driver in front of WebKitWebDriver, and a WebDriver session per app start. Everything started
//! here is stopped on drop; tauri-driver gets SIGTERM, never SIGKILL, so its WebKitWebDriver child
//! does not outlive it.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[path = "../../../scripts/test-support/axe.rs"]
mod axe;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};

/// The downloads folder the app on `data` is given: a sibling of it.
pub fn downloads_of(data: &Path) -> std::path::PathBuf {
    data.parent().expect("a data folder inside a temporary one").join("downloads")
}

pub struct Desktop {
    xvfb: Option<Child>,
    driver: Child,
    display: String,
    port: u16,
    /// A folder whose `xdg-open` records what the app hands to the system's opener, instead of
    /// starting a browser or a mail program.
    opener: tempfile::TempDir,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port()
}

fn wait_until(what: &str, timeout: Duration, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < timeout, "{what} not ready after {timeout:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn terminate(child: &mut Child) {
    let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The newest modification time of the files below `dir`.
fn newest(dir: &Path) -> std::time::SystemTime {
    let mut latest = std::time::SystemTime::UNIX_EPOCH;
    for entry in std::fs::read_dir(dir).expect("read source folder").flatten() {
        let path = entry.path();
        let time =
            if path.is_dir() { newest(&path) } else { entry.metadata().and_then(|m| m.modified()).expect("mtime") };
        latest = latest.max(time);
    }
    latest
}

/// The app embeds ui/dist at build time; a bundle older than the UI's sources would test old code.
fn check_ui_bundle_is_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("repository root");
    let bundle = root.join("ui/dist/ui_bg.wasm");
    let built = std::fs::metadata(&bundle).and_then(|m| m.modified()).unwrap_or_else(|_| {
        panic!("{} is missing: run scripts/build-ui.sh (scripts/test.sh does it)", bundle.display())
    });
    let sources = newest(&root.join("ui/src")).max(newest(&root.join("core/src")));
    assert!(built >= sources, "ui/dist is older than the UI's sources: run scripts/build-ui.sh, then cargo test again");
}

impl Desktop {
    pub fn start() -> Desktop {
        check_ui_bundle_is_fresh();
        let (xvfb, display) = match std::env::var("DISPLAY").ok().filter(|d| !d.is_empty()) {
            Some(display) => (None, display),
            None => {
                // Tests in this binary start in parallel: one at a time picks a display and starts it.
                static PICKING: std::sync::Mutex<()> = std::sync::Mutex::new(());
                let _one_at_a_time = PICKING.lock().unwrap_or_else(|p| p.into_inner());
                // The first display number with neither a socket nor a lock file.
                let n = (100..400)
                    .find(|n| {
                        !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                            && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
                    })
                    .expect("a free X display number");
                let child = Command::new("Xvfb")
                    .args([&format!(":{n}"), "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .expect("Xvfb (apt-get install xvfb, or run scripts/install-deps.sh)");
                let socket = PathBuf::from(format!("/tmp/.X11-unix/X{n}"));
                wait_until("Xvfb", Duration::from_secs(10), || socket.exists());
                (Some(child), format!(":{n}"))
            }
        };
        let opener = tempfile::tempdir().expect("opener folder");
        let script = opener.path().join("xdg-open");
        let log = opener.path().join("opened.txt");
        std::fs::write(&script, format!("#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\n", log.display()))
            .expect("recorder");
        let chmod = Command::new("chmod").arg("+x").arg(&script).status().expect("chmod");
        assert!(chmod.success(), "chmod the opener recorder");
        let path = format!("{}:{}", opener.path().display(), std::env::var("PATH").unwrap_or_default());
        let port = free_port();
        let driver = Command::new("tauri-driver")
            .args(["--port", &port.to_string(), "--native-port", &free_port().to_string()])
            .env("DISPLAY", &display)
            .env("PATH", path)
            // The app registers itself as the handler of rally: links; here, in a folder of the test's.
            .env("XDG_DATA_HOME", opener.path().join("data"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tauri-driver (cargo install --locked tauri-driver --version 2.1.0, or scripts/install-deps.sh)");
        wait_until("tauri-driver", Duration::from_secs(20), || TcpStream::connect(("127.0.0.1", port)).is_ok());
        Desktop { xvfb, driver, display, port, opener }
    }

    /// What the app handed to the system's opener so far (URLs, files), oldest first.
    pub fn opened(&self) -> Vec<String> {
        std::fs::read_to_string(self.opener.path().join("opened.txt"))
            .map(|text| text.lines().map(str::to_string).collect())
            .unwrap_or_default()
    }

    /// Waits until the opener was handed something containing `needle`.
    pub async fn wait_opened(&self, needle: &str) -> String {
        let start = Instant::now();
        loop {
            if let Some(found) = self.opened().into_iter().find(|o| o.contains(needle)) {
                return found;
            }
            assert!(start.elapsed() < Duration::from_secs(15), "the opener never got {needle:?}: {:?}", self.opened());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Starts the app on `data` and opens a WebDriver session on its window. Files the app saves for
    /// people to open go to [`downloads_of`]`(data)`.
    pub async fn launch(&self, data: &Path) -> App {
        self.launch_with(data, &[]).await
    }

    /// [`Desktop::launch`] with more arguments, as the system passes a `rally:` link.
    pub async fn launch_with(&self, data: &Path, more: &[&str]) -> App {
        let mut args = vec![
            "--data".to_string(),
            data.to_str().expect("utf-8 path").to_string(),
            "--downloads".to_string(),
            downloads_of(data).to_str().expect("utf-8 path").to_string(),
        ];
        args.extend(more.iter().map(|a| a.to_string()));
        let caps = serde_json::json!({
            "browserName": "wry",
            "tauri:options": { "application": env!("CARGO_BIN_EXE_rally-desktop"), "args": args },
        });
        let caps = caps.as_object().expect("object").clone().into_iter().collect();
        let client = ClientBuilder::native()
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a WebDriver session on the app");
        let app = App { client };
        app.wait("header.top").await;
        app
    }

    pub fn display(&self) -> &str {
        &self.display
    }
}

impl Drop for Desktop {
    fn drop(&mut self) {
        terminate(&mut self.driver);
        if let Some(xvfb) = self.xvfb.as_mut() {
            terminate(xvfb);
        }
    }
}

/// One run of the app, driven like a person would: find, type, click, read.
pub struct App {
    pub client: Client,
}

impl App {
    pub async fn wait(&self, css: &str) -> Element {
        match self.client.wait().at_most(Duration::from_secs(15)).for_element(Locator::Css(css)).await {
            Ok(el) => el,
            Err(e) => {
                self.screenshot("failure").await;
                panic!("no element {css}: {e} (see e2e-screenshots/failure.png)");
            }
        }
    }

    /// Waits until `css` matches nothing (a page changed, an item left a list).
    pub async fn wait_gone(&self, css: &str) {
        let start = Instant::now();
        while !self.client.find_all(Locator::Css(css)).await.expect("find").is_empty() {
            assert!(start.elapsed() < Duration::from_secs(15), "{css} still there");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the element's text contains `needle`, and returns the text.
    pub async fn wait_text(&self, css: &str, needle: &str) -> String {
        self.wait_text_for(css, needle, Duration::from_secs(15)).await
    }

    /// `wait_text` with its own bound, for what waits on something slower than the window (a
    /// reconnection with backoff).
    pub async fn wait_text_for(&self, css: &str, needle: &str, limit: Duration) -> String {
        let start = Instant::now();
        loop {
            if let Ok(el) = self.client.find(Locator::Css(css)).await {
                if let Ok(text) = el.text().await {
                    if text.contains(needle) {
                        return text;
                    }
                }
            }
            if start.elapsed() > limit {
                self.screenshot("failure").await;
                panic!("{css} never showed {needle:?} (see e2e-screenshots/failure.png)");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Picks `path` in a file input, as a person choosing it in the file dialog would.
    pub async fn choose_file(&self, css: &str, path: &Path) {
        let el = self.wait(css).await;
        el.send_keys(path.to_str().expect("utf-8 path")).await.unwrap_or_else(|e| panic!("choose {css}: {e}"));
    }

    /// An attribute of the first element matching `css`.
    pub async fn attr(&self, css: &str, name: &str) -> String {
        let el = self.wait(css).await;
        el.attr(name).await.unwrap_or_else(|e| panic!("{css}[{name}]: {e}")).unwrap_or_default()
    }

    pub async fn click(&self, css: &str) {
        let el = self.wait(css).await;
        // In the middle of the view, where the sticky header cannot cover it.
        let at = serde_json::to_value(&el).expect("element reference");
        let centre = "arguments[0].scrollIntoView({block: 'center'})";
        self.client.execute(centre, vec![at]).await.unwrap_or_else(|e| panic!("scroll to {css}: {e}"));
        if let Err(e) = el.click().await {
            self.screenshot("failure").await;
            panic!("click {css}: {e:?} (see e2e-screenshots/failure.png)");
        }
    }

    /// Replaces the content of an input the way typing would (select all, type).
    /// Replaces the text of an input. A form may still be filling itself in (an editor loading its
    /// event) when this starts; what was typed is read back and typed again until it holds.
    pub async fn fill(&self, css: &str, text: &str) {
        for _ in 0..20 {
            let el = self.wait(css).await;
            el.clear().await.unwrap_or_else(|e| panic!("clear {css}: {e}"));
            el.send_keys(text).await.unwrap_or_else(|e| panic!("type into {css}: {e}"));
            tokio::time::sleep(Duration::from_millis(50)).await;
            if el.prop("value").await.ok().flatten().as_deref() == Some(text) {
                return;
            }
        }
        panic!("{css} would not hold {text:?}");
    }

    /// Picks the option with `value` in a select, as a person choosing it would.
    pub async fn select(&self, css: &str, value: &str) {
        self.click(&format!("{css} option[value=\"{value}\"]")).await;
    }

    /// How many elements match `css` now.
    pub async fn count(&self, css: &str) -> usize {
        self.client.find_all(Locator::Css(css)).await.expect("find").len()
    }

    /// Clicks the list item whose text contains `title`.
    pub async fn click_item(&self, css: &str, title: &str) {
        let start = Instant::now();
        loop {
            for el in self.client.find_all(Locator::Css(css)).await.expect("find") {
                if el.text().await.map(|t| t.contains(title)).unwrap_or(false) {
                    el.click().await.expect("click item");
                    return;
                }
            }
            assert!(start.elapsed() < Duration::from_secs(15), "no {css} with {title:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Opens one of the profile's events from the event list, by its title.
    pub async fn open_event(&self, title: &str) {
        self.click("#nav-events").await;
        self.click("#view-list").await;
        self.click_item(".event-item", title).await;
        self.wait_text("#event-heading", title).await;
    }

    /// Runs `script` in the page (its `arguments` are `args`) and returns what it returns.
    pub async fn eval(&self, script: &str, args: Vec<serde_json::Value>) -> serde_json::Value {
        self.client.execute(script, args).await.unwrap_or_else(|e| panic!("script {script}: {e}"))
    }

    /// Presses keys on the element that has focus, as a person at the keyboard would.
    pub async fn keys(&self, css: &str, keys: &str) {
        let el = self.wait(css).await;
        el.send_keys(keys).await.unwrap_or_else(|e| panic!("keys into {css}: {e}"));
    }

    /// Keeps a screenshot of the page (`target/e2e-screenshots/{name}.png`), then runs axe-core on it:
    /// a serious or critical WCAG A/AA violation fails the test, named with where it is.
    pub async fn check_page(&self, name: &str) {
        self.screenshot(name).await;
        axe::check(&self.client, name).await;
    }

    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("screenshot");
        let dir = screenshots_dir();
        std::fs::create_dir_all(&dir).expect("screenshot folder");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("save screenshot");
    }

    pub async fn quit(self) {
        self.client.close().await.expect("end the session (the app quits)");
    }
}

/// `target/e2e-screenshots/`, found from the app binary's own place in the target folder.
pub fn screenshots_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_rally-desktop")).ancestors().nth(2).expect("target folder").join("e2e-screenshots")
}
