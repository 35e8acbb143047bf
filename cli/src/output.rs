//! How results and errors are printed: JSON (the shared serde types, as is) or one line per item.

use rally_core::model::{EventDetails, EventView, Identity, Occurrence};
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
    let mut marks = String::new();
    if d.draft {
        marks.push_str(" [draft]");
    }
    match &view.occurrence {
        Some(o) if o.cancelled => marks.push_str(" [cancelled]"),
        Some(o) if o.moved => marks.push_str(" [moved]"),
        None if d.repeats() => marks.push_str(" [repeats]"),
        _ => {}
    }
    format!("{start} – {end} {}{marks}\t{}\t@{}\t{}", d.timezone, d.title, view.organizer, view.event.id)
}

/// One occurrence: its times in the event's zone, and what became of it.
pub fn occurrence_line(d: &EventDetails, o: &Occurrence) -> String {
    let (start, end) = rally_core::when::to_form(o.starts_at, o.ends_at, &d.timezone, d.all_day);
    let mark = if o.cancelled {
        " [cancelled]".to_string()
    } else if o.moved {
        let (from, _) = rally_core::when::to_form(o.original_start, o.ends_at, &d.timezone, d.all_day);
        format!(" [moved from {from}]")
    } else {
        String::new()
    };
    format!("{start} – {end}{mark}")
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
                "repeat_interval" => "--every",
                "repeat_weekdays" => "--on",
                "repeat_monthly" => "--monthly-by",
                "repeat_until" => "--until",
                "repeat_count" => "--count",
                other => return format!("--{}: {message}", other.replace('_', "-")),
            };
            format!("{flag}: {message}")
        }
        other => other.to_string(),
    }
}
