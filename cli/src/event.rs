use chrono::{DateTime, NaiveDate, Utc, Weekday};
use rally_core::model::{
    Category, DraftFilter, EventFilter, EventInput, EventStatus, Frequency, ImageChange, JoinMode, MonthlyBy,
    OccurrenceEdit, RepeatRule, Visibility,
};
use rally_core::profile::Profile;
use rally_core::{Error, Result};

use crate::args::{EventCommand, EventFields, RepeatFields};
use crate::{identity::image_file, output, participation};

/// Local commands work on the profile; joining, leaving and "attending" speak to the relay.
pub fn run(mut profile: Profile, cmd: EventCommand) -> rally_client::Result<()> {
    let done: Result<()> = match cmd {
        EventCommand::Join { event, identity, message, json } => {
            return crate::runtime()?.block_on(participation::join(profile, &event, &identity, &message, json));
        }
        EventCommand::Leave { event, identity, json } => {
            return crate::runtime()?.block_on(participation::leave(profile, &event, &identity, json));
        }
        EventCommand::Attending { json } => return crate::runtime()?.block_on(participation::attending(profile, json)),
        EventCommand::Create { fields, json } => {
            let input = apply(&profile, EventInput::default(), *fields)?;
            let created = profile.create_event(input)?;
            print_one(&created, json)
        }
        EventCommand::Edit { id, fields, json } => {
            let current = profile.event(&id)?;
            let input = apply(&profile, EventInput::from_event(&current.event), *fields)?;
            let updated = profile.update_event(&current.event.id, input)?;
            print_one(&updated, json)
        }
        EventCommand::Publish { id, json } => {
            let published = profile.publish_event(&id)?;
            print_one(&published, json)
        }
        EventCommand::Delete { id } => profile.delete_event(&id),
        EventCommand::Show { id, json } => print_one(&profile.event(&id)?, json),
        EventCommand::List { from, to, drafts, published, identity, group, json } => {
            let organizer_id = identity.map(|key| profile.identity(&key).map(|i| i.id)).transpose()?;
            let group_id = match group {
                Some(key) => Some(
                    profile
                        .group_key(&key)?
                        .ok_or_else(|| Error::invalid("group_id", format!("no group \"{key}\"")))?,
                ),
                None => None,
            };
            let (from, to) =
                (from.map(|t| instant("from", &t)).transpose()?, to.map(|t| instant("to", &t)).transpose()?);
            let filter = EventFilter {
                from,
                to,
                drafts: match (drafts, published) {
                    (true, _) => DraftFilter::Only,
                    (_, true) => DraftFilter::Exclude,
                    _ => DraftFilter::Include,
                },
                organizer_id,
                group_id,
                // With a range, a repeating event is listed once per occurrence in it; else once.
                series: from.is_none() && to.is_none(),
                ..EventFilter::default()
            };
            print_many(&profile.events(&filter)?, json)
        }
        EventCommand::Search { text, json } => print_many(&profile.search_events(&text)?, json),
        EventCommand::Occurrences { id, from, to, json } => {
            let from = match from {
                Some(t) => instant("from", &t)?,
                None => Utc::now(),
            };
            let to = to.map(|t| instant("to", &t)).transpose()?;
            let view = profile.event(&id)?;
            let occurrences = profile.occurrences(&id, Some(from), to, None)?;
            if json {
                return Ok(output::json(&occurrences)?);
            }
            occurrences.iter().for_each(|o| println!("{}", output::occurrence_line(&view.event.details, o)));
            Ok(())
        }
        EventCommand::CancelOccurrence { id, at } => {
            profile.edit_occurrence(&id, &at.at, OccurrenceEdit::Cancel).map(|_| ())
        }
        EventCommand::RestoreOccurrence { id, at } => {
            profile.edit_occurrence(&id, &at.at, OccurrenceEdit::Restore).map(|_| ())
        }
        EventCommand::MoveOccurrence { id, at, start, end, json } => {
            let moved = profile.edit_occurrence(&id, &at.at, OccurrenceEdit::Move { start, end })?;
            print_one(&moved, json)
        }
    };
    Ok(done?)
}

/// Lays the repeat flags over the rule the event has (or a new one); `--repeat never` removes it.
fn apply_repeat(input: &mut EventInput, f: RepeatFields) -> Result<()> {
    let touched = f.every.is_some()
        || !f.on.is_empty()
        || f.monthly_by.is_some()
        || f.until.is_some()
        || f.count.is_some()
        || f.forever;
    let mut rule = match f.repeat.as_deref().map(|r| r.trim().to_lowercase()) {
        Some(r) if r == "never" || r == "none" => {
            input.repeat = None;
            return Ok(());
        }
        Some(r) => {
            let frequency = match r.as_str() {
                "daily" => Frequency::Daily,
                "weekly" => Frequency::Weekly,
                "monthly" => Frequency::Monthly,
                "yearly" => Frequency::Yearly,
                _ => {
                    return Err(Error::invalid(
                        "repeat",
                        format!("\"{r}\" is not one of daily, weekly, monthly, yearly, never"),
                    ))
                }
            };
            let mut rule = input.repeat.clone().unwrap_or(RepeatRule {
                frequency,
                interval: 1,
                weekdays: vec![],
                monthly: MonthlyBy::Date,
                until: None,
                count: None,
            });
            if rule.frequency != frequency {
                rule = RepeatRule { frequency, weekdays: vec![], monthly: MonthlyBy::Date, ..rule };
            }
            rule
        }
        None if !touched => return Ok(()),
        None => input
            .repeat
            .clone()
            .ok_or_else(|| Error::invalid("repeat", "give how it repeats first (daily, weekly, monthly or yearly)"))?,
    };
    set(&mut rule.interval, f.every);
    if !f.on.is_empty() {
        rule.weekdays =
            f.on.iter()
                .map(|d| {
                    d.trim()
                        .parse::<Weekday>()
                        .map_err(|_| Error::invalid("on", format!("\"{d}\" is not a day of the week")))
                })
                .collect::<Result<_>>()?;
    }
    if let Some(by) = &f.monthly_by {
        rule.monthly = match by.trim() {
            "date" => MonthlyBy::Date,
            "weekday" | "last-weekday" => {
                // The start's weekday, counted from the start of its month or from its end.
                let tz = rally_core::when::parse_zone(&input.timezone)?;
                let (starts_at, _) = rally_core::when::parse_range(&input.start, &input.end, tz, input.all_day)?;
                let day = starts_at.with_timezone(&tz).date_naive();
                let nth = if by.trim() == "last-weekday" { -1 } else { rally_core::recurrence::nth_of_month(day) };
                MonthlyBy::Weekday { nth }
            }
            other => {
                return Err(Error::invalid(
                    "monthly_by",
                    format!("\"{other}\" is not one of date, weekday, last-weekday"),
                ))
            }
        };
    }
    if f.forever {
        (rule.until, rule.count) = (None, None);
    }
    if let Some(until) = &f.until {
        let day = NaiveDate::parse_from_str(until.trim(), "%Y-%m-%d")
            .map_err(|_| Error::invalid("until", format!("\"{until}\" is not a day (YYYY-MM-DD)")))?;
        (rule.until, rule.count) = (Some(day), None);
    }
    if let Some(count) = f.count {
        (rule.until, rule.count) = (None, Some(count));
    }
    input.repeat = Some(rule);
    Ok(())
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
    match f.group.as_deref().map(str::trim) {
        None => {}
        Some("" | "none") => input.group_id.clear(),
        Some(key) => {
            input.group_id = profile
                .group_key(key)?
                .ok_or_else(|| Error::invalid("group_id", format!("no group \"{key}\" known to this profile")))?
        }
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
    set(&mut input.waiting_list, f.waiting_list);
    set(&mut input.anonymous_participation, f.anonymous);
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
    apply_repeat(&mut input, f.repeat)?;
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
