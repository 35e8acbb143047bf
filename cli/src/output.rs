//! How results and errors are printed: JSON (the shared serde types, as is) or one line per item.

use rally_core::model::{EventView, Identity};
use rally_core::Error;

pub fn json<T: serde::Serialize>(value: &T) -> rally_core::Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::Document { id: "(output)".into(), message: e.to_string() })?;
    println!("{text}");
    Ok(())
}

pub fn identity_line(identity: &Identity) -> String {
    format!("@{}\t{}\t{}", identity.username, identity.display_name, identity.id)
}

pub fn event_line(view: &EventView) -> String {
    let d = &view.event.details;
    let (start, end) = rally_core::when::to_form(d.starts_at, d.ends_at, &d.timezone, d.all_day);
    let draft = if d.draft { " [draft]" } else { "" };
    format!("{start} – {end} {}{draft}\t{}\t@{}\t{}", d.timezone, d.title, view.organizer, view.event.id)
}

/// An error as the person typed things: core's field names become the flags they came from.
pub fn describe(err: &rally_client::Error) -> String {
    match err {
        rally_client::Error::Core(err) => describe_core(err),
        other => other.to_string(),
    }
}

fn describe_core(err: &Error) -> String {
    match err {
        Error::Invalid { field, message } => {
            let flag = match *field {
                "organizer_id" => "--identity",
                "timezone" => "--tz",
                "display_name" => "--name",
                "latitude" => "--lat",
                "longitude" => "--lon",
                "tags" => "--tag",
                other => return format!("--{}: {message}", other.replace('_', "-")),
            };
            format!("{flag}: {message}")
        }
        other => other.to_string(),
    }
}
