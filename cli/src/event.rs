use chrono::{DateTime, NaiveDate, Utc};
use rally_core::model::{
    Category, DraftFilter, EventFilter, EventInput, EventStatus, ImageChange, JoinMode, Visibility,
};
use rally_core::profile::Profile;
use rally_core::{Error, Result};

use crate::args::{EventCommand, EventFields};
use crate::{identity::image_file, output};

pub fn run(profile: &mut Profile, cmd: EventCommand) -> Result<()> {
    match cmd {
        EventCommand::Create { fields, json } => {
            let input = apply(profile, EventInput::default(), *fields)?;
            let created = profile.create_event(input)?;
            print_one(&created, json)
        }
        EventCommand::Edit { id, fields, json } => {
            let current = profile.event(&id)?;
            let input = apply(profile, EventInput::from_event(&current.event), *fields)?;
            let updated = profile.update_event(&current.event.id, input)?;
            print_one(&updated, json)
        }
        EventCommand::Publish { id, json } => {
            let published = profile.publish_event(&id)?;
            print_one(&published, json)
        }
        EventCommand::Delete { id } => profile.delete_event(&id),
        EventCommand::Show { id, json } => print_one(&profile.event(&id)?, json),
        EventCommand::List { from, to, drafts, published, identity, json } => {
            let organizer_id = identity.map(|key| profile.identity(&key).map(|i| i.id)).transpose()?;
            let filter = EventFilter {
                from: from.map(|t| instant("from", &t)).transpose()?,
                to: to.map(|t| instant("to", &t)).transpose()?,
                drafts: match (drafts, published) {
                    (true, _) => DraftFilter::Only,
                    (_, true) => DraftFilter::Exclude,
                    _ => DraftFilter::Include,
                },
                organizer_id,
                ..EventFilter::default()
            };
            print_many(&profile.events(&filter)?, json)
        }
        EventCommand::Search { text, json } => print_many(&profile.search_events(&text)?, json),
    }
}

fn print_one(view: &rally_core::model::EventView, json: bool) -> Result<()> {
    if json {
        output::json(view)
    } else {
        println!("{}", view.event.id);
        Ok(())
    }
}

fn print_many(views: &[rally_core::model::EventView], json: bool) -> Result<()> {
    if json {
        return output::json(&views);
    }
    views.iter().for_each(|v| println!("{}", output::event_line(v)));
    Ok(())
}

/// Lays the given flags over `input`; what is not given stays as it was.
fn apply(profile: &Profile, mut input: EventInput, f: EventFields) -> Result<EventInput> {
    if let Some(key) = f.identity {
        input.organizer_id = profile
            .identity(&key)
            .map_err(|_| Error::invalid("organizer_id", format!("no identity \"{key}\" in this profile")))?
            .id;
    }
    set(&mut input.title, f.title);
    set(&mut input.description, f.description);
    set(&mut input.start, f.start);
    set(&mut input.end, f.end);
    set(&mut input.timezone, f.tz);
    set(&mut input.all_day, f.all_day);
    set(&mut input.draft, f.draft);
    set(&mut input.place_name, f.place_name);
    set(&mut input.address, f.address);
    if f.lat.is_some() || f.lon.is_some() {
        input.latitude = f.lat;
        input.longitude = f.lon;
    }
    set(&mut input.online_url, f.online_url);
    set(&mut input.registration_url, f.registration_url);
    if let Some(s) = f.status {
        input.status = parse("status", &s, EventStatus::parse, EventStatus::ALL.iter().map(|v| v.as_str()))?;
    }
    if let Some(s) = f.visibility {
        input.visibility = parse("visibility", &s, Visibility::parse, Visibility::ALL.iter().map(|v| v.as_str()))?;
    }
    if let Some(s) = f.join_mode {
        input.join_mode = parse("join_mode", &s, JoinMode::parse, JoinMode::ALL.iter().map(|v| v.as_str()))?;
    }
    if let Some(s) = f.category {
        let upper = s.trim().to_uppercase().replace('-', "_");
        input.category = Some(parse("category", &upper, Category::parse, Category::ALL.iter().map(|v| v.as_str()))?);
    }
    if f.no_capacity {
        input.capacity = None;
    } else if f.capacity.is_some() {
        input.capacity = f.capacity;
    }
    if f.clear_tags {
        input.tags.clear();
    } else if !f.tags.is_empty() {
        input.tags = f.tags;
    }
    if f.remove_picture {
        input.picture = ImageChange::Remove;
    } else if let Some(change) = image_file(f.picture.as_deref(), "picture")? {
        input.picture = change;
    }
    Ok(input)
}

fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *slot = value;
    }
}

fn parse<T>(
    field: &'static str,
    text: &str,
    parse: impl Fn(&str) -> Option<T>,
    known: impl Iterator<Item = &'static str>,
) -> Result<T> {
    parse(text.trim()).ok_or_else(|| {
        Error::invalid(field, format!("\"{text}\" is not one of {}", known.collect::<Vec<_>>().join(", ")))
    })
}

fn instant(field: &'static str, text: &str) -> Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text.trim()) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| Error::invalid(field, format!("\"{text}\" is not a date (YYYY-MM-DD) or an RFC 3339 time")))
}
