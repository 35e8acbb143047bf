//! What an address wants mailed: the kinds it turned off, and how long before an event it wants its
//! reminder. Kept by address, so that people without an account (anonymous participants) have them
//! too; changed on the page every mail links to, which the link's capability opens.

use rusqlite::{params, Connection, OptionalExtension};

use super::Kind;
use crate::{Error, Result};

pub const DEFAULT_REMINDER_HOURS: u32 = 24;
/// A week at most: a reminder is about what is coming up.
pub const MAX_REMINDER_HOURS: u32 = 24 * 7;

/// An address's choices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailSettings {
    pub off: Vec<Kind>,
    pub reminder_hours: u32,
}

pub fn read(conn: &Connection, email: &str) -> Result<MailSettings> {
    let row: Option<(String, u32)> = conn
        .query_row("SELECT disabled, reminder_hours FROM mail_settings WHERE email = ?1", [email], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let (disabled, reminder_hours) = row.unwrap_or((String::new(), DEFAULT_REMINDER_HOURS));
    let off = Kind::CHOOSABLE.into_iter().filter(|k| disabled.split(',').any(|d| d == k.as_str())).collect();
    Ok(MailSettings { off, reminder_hours })
}

pub fn write(conn: &Connection, email: &str, settings: &MailSettings) -> Result<()> {
    if !(1..=MAX_REMINDER_HOURS).contains(&settings.reminder_hours) {
        return Err(Error::bad_request(
            "invalid_reminder",
            format!("a reminder comes 1 to {MAX_REMINDER_HOURS} hours before the event"),
        ));
    }
    let disabled: Vec<&str> = settings.off.iter().map(|k| k.as_str()).collect();
    conn.execute(
        "INSERT INTO mail_settings (email, disabled, reminder_hours) VALUES (?1, ?2, ?3)
         ON CONFLICT (email) DO UPDATE SET disabled = excluded.disabled, reminder_hours = excluded.reminder_hours",
        params![email, disabled.join(","), settings.reminder_hours],
    )?;
    Ok(())
}

pub fn is_off(conn: &Connection, email: &str, kind: Kind) -> Result<bool> {
    Ok(Kind::CHOOSABLE.contains(&kind) && read(conn, email)?.off.contains(&kind))
}

pub fn reminder_hours(conn: &Connection, email: &str) -> Result<u32> {
    Ok(read(conn, email)?.reminder_hours)
}
