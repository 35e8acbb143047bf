//! Outgoing mail. With no configuration, each message is written as an `.eml` file to the outbox folder
//! in the data folder (readable by any mail client, nothing is lost); with `--smtp URL`, lettre sends it
//! through that server.

use std::path::PathBuf;

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::{Error, Result};

enum Transport {
    Outbox(AsyncFileTransport<Tokio1Executor>, PathBuf),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

pub struct Mailer {
    from: Mailbox,
    transport: Transport,
}

/// A message for one person, with a plain-text and an HTML part.
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Mailer {
    /// Mail to `smtp` (`smtp://host:port`, `smtps://…`, or `smtp://…?tls=required`) or, without it, to
    /// `outbox`.
    pub fn new(from: &str, smtp: Option<&str>, outbox: PathBuf) -> Result<Mailer> {
        let from: Mailbox = from.parse().map_err(|e| Error::Config(format!("sender address {from}: {e}")))?;
        let transport = match smtp {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| Error::Config(format!("--smtp {url}: {e}")))?
                    .build(),
            ),
            None => {
                let folder_error = |source| Error::DataFolder { path: outbox.display().to_string(), source };
                std::fs::create_dir_all(&outbox).map_err(folder_error)?;
                crate::database::keep_private(&outbox).map_err(folder_error)?;
                Transport::Outbox(AsyncFileTransport::new(outbox.clone()), outbox)
            }
        };
        Ok(Mailer { from, transport })
    }

    pub async fn send(&self, mail: Mail) -> Result<()> {
        // A bare address, never a display name: whatever the caller passed, one mailbox gets it.
        let to: lettre::Address = mail.to.parse().map_err(|e| Error::Mail(format!("recipient {}: {e}", mail.to)))?;
        let to = Mailbox::new(None, to);
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject)
            .multipart(MultiPart::alternative_plain_html(mail.text, mail.html))
            .map_err(|e| Error::Mail(e.to_string()))?;
        match &self.transport {
            Transport::Outbox(t, folder) => {
                let id = t.send(message).await.map_err(|e| Error::Mail(e.to_string()))?;
                let file = folder.join(format!("{id}.eml"));
                crate::database::keep_private(&file).map_err(|e| Error::Mail(format!("{}: {e}", file.display())))
            }
            Transport::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| Error::Mail(e.to_string())),
        }
    }
}

/// Text that goes into HTML mail bodies.
pub fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
