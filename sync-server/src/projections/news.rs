//! News for the mail worker: when a public event that people take part in changes its time, its place
//! or its status, or is deleted (told as cancelled), a row in `event_news` says what it was and is; the
//! worker tells the participants (see [`crate::notify`]). Nothing here knows about mail.

use chrono::Utc;
use rally_core::model::{Event, EventDetails, EventStatus};
use rusqlite::{params, Transaction};

use crate::sync::view::{DocumentChanged, DocumentView};
use crate::{Error, Result};

pub fn record(tx: &Transaction, change: &DocumentChanged) -> Result<()> {
    let DocumentView::Event(before, _) = &change.before else { return Ok(()) };
    let after = match &change.after {
        DocumentView::Event(after, _) => (**after).clone(),
        DocumentView::Deleted => {
            let mut gone = (**before).clone();
            gone.details.status = EventStatus::Cancelled;
            gone
        }
        _ => return Ok(()),
    };
    if told_the_same(&before.details, &after.details) {
        return Ok(());
    }
    let anyone: bool = tx.query_row(
        "SELECT count(*) > 0 FROM participations WHERE event_id = ?1 AND status IN ('going', 'waitlisted')",
        [&change.id],
        |r| r.get(0),
    )?;
    if anyone {
        let json = |e: &Event| serde_json::to_string(e).map_err(|e| Error::Protocol(e.to_string()));
        tx.execute(
            "INSERT INTO event_news (event_id, before, after, at) VALUES (?1, ?2, ?3, ?4)",
            params![change.id, json(before)?, json(&after)?, Utc::now().timestamp_millis()],
        )?;
    }
    Ok(())
}

/// Whether what participants are told about (time, place, status) is the same.
fn told_the_same(a: &EventDetails, b: &EventDetails) -> bool {
    a.starts_at == b.starts_at
        && a.ends_at == b.ends_at
        && a.timezone == b.timezone
        && a.all_day == b.all_day
        && a.repeat == b.repeat
        && a.occurrence_changes == b.occurrence_changes
        && a.place == b.place
        && a.online_url == b.online_url
        && a.status == b.status
}
