//! `rally:` links, which an event's public page offers ("Open in Rally"): the system starts the app
//! with `rally://join?event=<the page's address>`, and the app opens Taking part on that event. When
//! the app already runs on the profile, the new process hands the link to it over a socket in the
//! profile's folder and exits, so that one window serves one profile.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub const SCHEME: &str = "rally";
/// A link longer than this is no page address: what a socket reads is bounded too.
const MAX_LINK: usize = 4096;

/// The event page a `rally:` link names, when it names one (an http or https address).
pub fn event_page(link: &str) -> Option<String> {
    let parsed = url::Url::parse(link.trim()).ok()?;
    if parsed.scheme() != SCHEME || link.len() > MAX_LINK {
        return None;
    }
    let (_, page) = parsed.query_pairs().find(|(k, _)| k == "event")?;
    let page = url::Url::parse(&page).ok()?;
    matches!(page.scheme(), "http" | "https").then(|| page.to_string())
}

fn socket_of(profile: &Path) -> PathBuf {
    profile.join("open.sock")
}

/// Either this process serves the profile's links (those handed over arrive in `pending`), or another
/// one does: `link` was handed to it, or, with no link, this one runs beside it as it always could
/// (a window still closing, say, must not stop a new one from opening).
pub enum Claim {
    Serving,
    HandedOver,
    Beside,
}

/// Serves `rally:` links for the profile in `profile`, or hands `link` to the process that does.
pub fn claim(profile: &Path, link: Option<&str>, pending: Arc<Mutex<Option<String>>>) -> std::io::Result<Claim> {
    let socket = socket_of(profile);
    if let Ok(mut other) = UnixStream::connect(&socket) {
        return Ok(match link {
            Some(link) => {
                writeln!(other, "{link}")?;
                Claim::HandedOver
            }
            None => Claim::Beside,
        });
    }
    // Nobody answers: a socket file left by a process that is gone.
    let _ = std::fs::remove_file(&socket);
    let listener = UnixListener::bind(&socket)?;
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            // One process that connects and says nothing does not hold the door for the others.
            let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(2)));
            let mut line = String::new();
            let mut reader = BufReader::new(stream).take(MAX_LINK as u64 + 1);
            if reader.read_line(&mut line).is_ok() {
                if let Some(page) = event_page(&line) {
                    *pending.lock().unwrap_or_else(|p| p.into_inner()) = Some(page);
                }
            }
        }
    });
    Ok(Claim::Serving)
}

/// Makes this binary the handler of `rally:` links for the person (a desktop entry in
/// `$XDG_DATA_HOME/applications`, made the default by `xdg-mime` where it is installed). Once done,
/// a start only reads the entry back; `xdg-mime` runs off the start-up path.
pub fn register(exe: &Path) -> std::io::Result<()> {
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .ok_or_else(|| std::io::Error::other("no XDG_DATA_HOME or HOME"))?;
    let dir = data.join("applications");
    std::fs::create_dir_all(&dir)?;
    let name = "org.rally.desktop-links.desktop";
    let entry = format!(
        "[Desktop Entry]\nType=Application\nName=Rally\nComment=Community events\nExec=\"{}\" %u\n\
         MimeType=x-scheme-handler/{SCHEME};\nNoDisplay=true\nTerminal=false\n",
        exe.display()
    );
    let path = dir.join(name);
    if std::fs::read_to_string(&path).is_ok_and(|written| written == entry) {
        return Ok(());
    }
    std::fs::write(&path, entry)?;
    std::thread::spawn(move || {
        let _ = std::process::Command::new("xdg-mime")
            .args(["default", name, &format!("x-scheme-handler/{SCHEME}")])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_names_an_event_page_and_nothing_else() {
        let link = "rally://join?event=https%3A%2F%2Frelay.example%2Fevents%2Fabc";
        assert_eq!(event_page(link).as_deref(), Some("https://relay.example/events/abc"));
        assert_eq!(event_page("rally://join?event=file%3A%2F%2F%2Fetc%2Fpasswd"), None);
        assert_eq!(event_page("https://relay.example/events/abc"), None);
    }

    #[test]
    fn a_second_process_hands_its_link_to_the_first() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pending = Arc::new(Mutex::new(None));
        assert!(matches!(claim(dir.path(), None, pending.clone()).expect("first"), Claim::Serving));
        // A second window with no link opens beside the first.
        assert!(matches!(claim(dir.path(), None, Arc::new(Mutex::new(None))).expect("beside"), Claim::Beside));
        // A process that connects and says nothing only delays the next one.
        let _silent = UnixStream::connect(socket_of(dir.path())).expect("connect");
        let link = "rally://join?event=http%3A%2F%2F127.0.0.1%3A8787%2Fevents%2Fabc";
        let second = claim(dir.path(), Some(link), Arc::new(Mutex::new(None))).expect("second");
        assert!(matches!(second, Claim::HandedOver));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while pending.lock().expect("lock").is_none() {
            assert!(std::time::Instant::now() < deadline, "the link never arrived");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert_eq!(pending.lock().expect("lock").as_deref(), Some("http://127.0.0.1:8787/events/abc"));
    }
}
