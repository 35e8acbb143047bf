//! A real SMTP server for tests: Python's aiosmtpd (installed by scripts/install-deps.sh) on a local
//! port, delivering into a maildir that tests read. Shared by the relay's tests and the window tests.
#![allow(dead_code)]

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// aiosmtpd on a free port, delivering into a maildir.
pub struct Smtp {
    process: Child,
    pub port: u16,
    maildir: PathBuf,
}

impl Smtp {
    pub fn start(dir: &Path) -> Smtp {
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
        Smtp::start_on(dir, port)
    }

    /// On a given port: a server that comes up where the relay was told to send.
    pub fn start_on(dir: &Path, port: u16) -> Smtp {
        let maildir = dir.join("maildir");
        let child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .spawn()
            .expect("python3 -m aiosmtpd (scripts/install-deps.sh installs it)");
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(start.elapsed() < Duration::from_secs(15), "aiosmtpd did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Smtp { process: child, port, maildir }
    }

    /// Messages received so far, as (recipient, subject, plain-text body).
    pub fn messages(&self) -> Vec<(String, String, String)> {
        let Ok(entries) = std::fs::read_dir(self.maildir.join("new")) else { return Vec::new() };
        let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        paths.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
        paths
            .iter()
            .map(|p| {
                let raw = std::fs::read(p).expect("read mail");
                let mail = mailparse::parse_mail(&raw).expect("a MIME message");
                let header = |name: &str| {
                    mail.headers
                        .iter()
                        .find(|h| h.get_key().eq_ignore_ascii_case(name))
                        .map(|h| h.get_value())
                        .unwrap_or_default()
                };
                assert!(mail.subparts.iter().any(|part| part.ctype.mimetype == "text/html"), "an HTML part too");
                (header("To"), header("Subject"), plain_text(&mail))
            })
            .collect()
    }

    /// Waits for the `n`-th message (1-based) and returns the link it carries.
    pub fn link_in_message(&self, n: usize) -> String {
        let start = Instant::now();
        loop {
            if let Some((_, _, text)) = self.messages().get(n - 1) {
                return text
                    .split_whitespace()
                    .find(|w| w.starts_with("http"))
                    .expect("a link in the mail")
                    .to_string();
            }
            assert!(start.elapsed() < Duration::from_secs(10), "mail {n} never arrived");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The token of the confirmation link mailed to `email`, once it arrives.
    pub fn token_for(&self, email: &str) -> String {
        let start = Instant::now();
        loop {
            let found = self.messages().into_iter().find(|(to, _, text)| to.contains(email) && text.contains("token="));
            if let Some((_, _, text)) = found {
                return link_token(&text);
            }
            assert!(start.elapsed() < Duration::from_secs(10), "no confirmation mail to {email}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until `count` messages have arrived, then a moment longer to see that no more come.
    pub fn wait_for(&self, count: usize) -> Vec<(String, String, String)> {
        let start = Instant::now();
        while self.messages().len() < count {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "only {} of {count} mails arrived: {:#?}",
                self.messages().len(),
                self.messages()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        std::thread::sleep(Duration::from_millis(1500));
        self.messages()
    }
}

/// The plain-text part of a mail.
pub fn plain_text(mail: &mailparse::ParsedMail) -> String {
    let part = mail.subparts.iter().find(|p| p.ctype.mimetype == "text/plain").expect("a plain-text part");
    part.get_body().expect("decoded body")
}

/// The token of the first link in `text` that carries one (`…?token=…`).
pub fn link_token(text: &str) -> String {
    let link = text.split_whitespace().find(|w| w.contains("token=")).expect("a link with a token");
    link.split("token=").nth(1).expect("token").to_string()
}

/// The token of the link in the newest mail of `outbox` (a relay's `.eml` folder) sent to `email`.
pub fn outbox_token(outbox: &Path, email: &str) -> String {
    for entry in std::fs::read_dir(outbox).expect("outbox").flatten() {
        let raw = std::fs::read(entry.path()).expect("read");
        let mail = mailparse::parse_mail(&raw).expect("MIME");
        if mail.headers.iter().any(|h| h.get_key() == "To" && h.get_value().contains(email)) {
            return link_token(&plain_text(&mail));
        }
    }
    panic!("no mail to {email} in {}", outbox.display());
}

/// The mails in `outbox` to `email`, oldest first: (subject, plain text).
pub fn outbox_mails(outbox: &Path, email: &str) -> Vec<(String, String)> {
    let Ok(entries) = std::fs::read_dir(outbox) else { return Vec::new() };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    paths
        .iter()
        .filter_map(|p| {
            let raw = std::fs::read(p).ok()?;
            let mail = mailparse::parse_mail(&raw).ok()?;
            let header = |name: &str| {
                mail.headers.iter().find(|h| h.get_key().eq_ignore_ascii_case(name)).map(|h| h.get_value())
            };
            header("To").filter(|to| to.contains(email))?;
            Some((header("Subject").unwrap_or_default(), plain_text(&mail)))
        })
        .collect()
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}
