//! The one place where raw input becomes trusted values. Every rule names the field it guards, so a
//! form can show the message next to that field and the CLI can name the flag.
//!
//! Rules that need the store (a username already taken, an organizer that exists) live in
//! [`crate::profile`]; images are checked by [`crate::image`], which decodes them.

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;

use crate::model::{
    Change, EventDetails, EventInput, Frequency, Identity, IdentityInput, JoinMode, MonthlyBy, OccurrenceChange,
    OccurrenceText, Place, RepeatRule,
};
use crate::recurrence::{self, MAX_CHANGES, MAX_COUNT, MAX_EXTRA_STARTS, MAX_INTERVAL};
use crate::{when, Error, Result};

pub const MAX_USERNAME: usize = 30;
pub const MAX_DISPLAY_NAME: usize = 100;
pub const MAX_BIO: usize = 2_000;
pub const MAX_TITLE: usize = 200;
pub const MAX_DESCRIPTION: usize = 50_000;
pub const MAX_PLACE_NAME: usize = 200;
pub const MAX_ADDRESS: usize = 500;
pub const MAX_URL: usize = 2_000;
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG: usize = 40;
pub const MAX_CAPACITY: u32 = 1_000_000;
/// The years an event's times may fall in: what a calendar needs, and far inside what chrono can
/// compute, so that nothing derived from a checked event (a local time, an occurrence) overflows.
pub const FIRST_YEAR: i32 = 1900;
pub const LAST_YEAR: i32 = 2200;

fn in_years(field: &'static str, t: DateTime<Utc>) -> Result<()> {
    if (FIRST_YEAR..=LAST_YEAR).contains(&t.year()) {
        Ok(())
    } else {
        Err(Error::invalid(field, format!("must be between the years {FIRST_YEAR} and {LAST_YEAR}")))
    }
}

/// The text parts of an identity, validated. Usernames are `[a-z0-9_]{1,30}`, as in Mobilizon.
#[derive(Debug, Clone, PartialEq)]
pub struct IdentityText {
    pub username: String,
    pub display_name: String,
    pub bio: String,
}

pub fn username(name: &str) -> Result<String> {
    let name = name.trim();
    let offer = |problem: String| match suggest_username(name) {
        s if s.is_empty() || s == name => problem,
        s => format!("{problem}; \"{s}\" would do"),
    };
    if name.is_empty() {
        return Err(Error::invalid("username", "is required"));
    }
    if name.chars().count() > MAX_USERNAME {
        return Err(Error::invalid("username", format!("must be at most {MAX_USERNAME} characters")));
    }
    if let Some(bad) = name.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')) {
        return Err(Error::invalid("username", offer(format!("may hold only a-z, 0-9 and _ (found \"{bad}\")"))));
    }
    Ok(name.to_string())
}

/// The text parts of a group, validated: the name (required), the `@username` (identities' rules:
/// one namespace on the relay), the summary, and an optional place.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupText {
    pub name: String,
    pub username: String,
    pub summary: String,
    pub place: Option<Place>,
}

/// The most a group's summary holds.
pub const MAX_SUMMARY: usize = 20_000;

/// Checks a group form, every problem at once, each naming its field.
pub fn group(input: &crate::model::GroupInput) -> std::result::Result<GroupText, Vec<Error>> {
    let mut p = Problems::default();
    let name = p.check(bounded("name", &input.name, MAX_DISPLAY_NAME).and_then(|name| match name.is_empty() {
        true => Err(Error::invalid("name", "is required")),
        false => Ok(name),
    }));
    let username = p.check(username(&input.username));
    let summary = normalise_newlines(input.summary.trim());
    if summary.chars().count() > MAX_SUMMARY {
        p.0.push(Error::invalid("summary", format!("must be at most {MAX_SUMMARY} characters")));
    }
    let place = p.check(place(&EventInput {
        place_name: input.place_name.clone(),
        address: input.address.clone(),
        ..Default::default()
    }));
    match (name, username, place) {
        (Some(name), Some(username), Some(place)) if p.0.is_empty() => Ok(GroupText { name, username, summary, place }),
        _ => Err(p.0),
    }
}

/// Checks a group document from elsewhere with the form's rules.
pub fn stored_group(g: &crate::model::Group) -> Result<()> {
    let checked = group(&crate::model::GroupInput::from_group(g)).map_err(|mut problems| problems.swap_remove(0))?;
    if checked.username != g.username {
        return Err(Error::invalid("username", format!("\"{}\" is not written as a username", g.username)));
    }
    Ok(())
}

/// A username made from a display name, as Mobilizon proposes one: "Jérôme Dupont" gives
/// `jerome_dupont`. Empty when nothing in the name can make one.
pub fn suggest_username(display_name: &str) -> String {
    let mut out = String::new();
    for c in crate::fold::fold(display_name).chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if (c.is_whitespace() || "_-.'’".contains(c)) && !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    let out: String = out.trim_end_matches('_').chars().take(MAX_USERNAME).collect();
    out.trim_end_matches('_').to_string()
}

pub fn identity(input: &IdentityInput) -> Result<IdentityText> {
    let username = username(&input.username)?;
    let display_name = bounded("display_name", &input.display_name, MAX_DISPLAY_NAME)?;
    // People often leave the display name blank: show the username then, as Mobilizon does.
    let display_name = if display_name.is_empty() { username.clone() } else { display_name };
    let bio = bounded("bio", &input.bio, MAX_BIO)?;
    Ok(IdentityText { username, display_name, bio })
}

/// Checks an event form. The organizer id is carried over as given; the profile checks it exists.
/// The first problem, in the form's order; [`event_problems`] gives them all.
pub fn event(input: &EventInput) -> Result<EventDetails> {
    checked_event(input).map_err(|mut problems| problems.swap_remove(0))
}

/// Every problem of an event form at once, in the order of its fields, so that a form shows each
/// next to its field and clears it as it is fixed. Empty when the form is valid.
pub fn event_problems(input: &EventInput) -> Vec<Error> {
    checked_event(input).err().unwrap_or_default()
}

/// Gathers the problems of independent checks instead of stopping at the first.
#[derive(Default)]
struct Problems(Vec<Error>);

impl Problems {
    fn check<T>(&mut self, result: Result<T>) -> Option<T> {
        result.map_err(|e| self.0.push(e)).ok()
    }
}

fn checked_event(input: &EventInput) -> std::result::Result<EventDetails, Vec<Error>> {
    let mut p = Problems::default();
    let title = p.check(bounded("title", &input.title, MAX_TITLE).and_then(|title| match title.is_empty() {
        true => Err(Error::invalid("title", "is required")),
        false => Ok(title),
    }));
    let description = normalise_newlines(&input.description);
    if description.chars().count() > MAX_DESCRIPTION {
        p.0.push(Error::invalid("description", format!("must be at most {MAX_DESCRIPTION} characters")));
    }
    let tz = p.check(when::parse_zone(&input.timezone));
    // Without a zone, local times mean nothing yet: the zone's problem is the one to show.
    let times = tz.and_then(|tz| {
        p.check(when::parse_range(&input.start, &input.end, tz, input.all_day).and_then(|(starts_at, ends_at)| {
            in_years("start", starts_at)?;
            in_years("end", ends_at)?;
            Ok((starts_at, ends_at))
        }))
    });
    let repeat = match (&input.repeat, times, tz) {
        (Some(rule), Some((starts_at, _)), Some(tz)) => p.check(repeat(rule, starts_at, tz).map(Some)),
        _ => Some(None),
    };
    let place = p.check(place(input));
    let online_url = p.check(optional_url("online_url", &input.online_url));
    let registration_url = p.check(optional_url("registration_url", &input.registration_url));
    if input.join_mode == JoinMode::External && registration_url.as_ref().is_some_and(Option::is_none) {
        p.0.push(Error::invalid("registration_url", "is required when people register elsewhere"));
    }
    if let Some(capacity) = input.capacity {
        if capacity == 0 || capacity > MAX_CAPACITY {
            p.0.push(Error::invalid("capacity", format!("must be between 1 and {MAX_CAPACITY}")));
        }
    }
    let tags = p.check(tags(&input.tags));
    let extra_starts = times.and_then(|(starts_at, _)| p.check(extra_starts(&input.extra_starts, starts_at)));
    let occurrence_changes = p.check(occurrence_changes(&input.occurrence_changes));
    let occurrence_texts = p.check(occurrence_texts(&input.occurrence_texts));
    let group_id = match input.group_id.trim() {
        "" => None,
        // A document id's shape (base58); the profile checks the group is one it edits.
        id if id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric()) => Some(id.to_string()),
        id => {
            p.0.push(Error::invalid("group_id", format!("\"{id}\" is not a group")));
            None
        }
    };
    match (
        title,
        tz,
        times,
        repeat,
        place,
        online_url,
        registration_url,
        tags,
        extra_starts,
        (occurrence_changes, occurrence_texts),
    ) {
        (
            Some(title),
            Some(tz),
            Some((starts_at, ends_at)),
            Some(repeat),
            Some(place),
            Some(online_url),
            Some(registration_url),
            Some(tags),
            Some(extra_starts),
            (Some(occurrence_changes), Some(occurrence_texts)),
        ) if p.0.is_empty() => Ok(EventDetails {
            organizer_id: input.organizer_id.trim().to_string(),
            group_id,
            title,
            description,
            starts_at,
            ends_at,
            timezone: tz.name().to_string(),
            all_day: input.all_day,
            place,
            online_url,
            status: input.status,
            visibility: input.visibility,
            draft: input.draft,
            join_mode: input.join_mode,
            registration_url,
            capacity: input.capacity,
            waiting_list: input.waiting_list,
            anonymous_participation: input.anonymous_participation,
            tags,
            category: input.category,
            repeat,
            extra_starts,
            occurrence_changes,
            occurrence_texts,
        }),
        _ => Err(p.0),
    }
}

/// Checks an event read from a document that came from elsewhere (another device, the relay's disk,
/// any automerge-repo client) with the form's own rules, before anything is derived from it. Its
/// instants are range-checked first, since putting it back into its form formats them in its zone;
/// then it is validated as if typed. A document is input like a form.
pub fn stored_event(d: &EventDetails) -> Result<()> {
    if d.extra_starts.len() > MAX_EXTRA_STARTS {
        return Err(Error::invalid("extra_starts", format!("at most {MAX_EXTRA_STARTS} further dates")));
    }
    if d.occurrence_changes.len() > MAX_CHANGES {
        return Err(Error::invalid("occurrence_changes", format!("at most {MAX_CHANGES} changed occurrences")));
    }
    if d.occurrence_texts.len() > MAX_CHANGES {
        return Err(Error::invalid("occurrence_texts", format!("at most {MAX_CHANGES} retitled occurrences")));
    }
    d.occurrence_texts.iter().try_for_each(|t| in_years("occurrence_texts", t.original_start))?;
    in_years("start", d.starts_at)?;
    in_years("end", d.ends_at)?;
    // The form reads "Paris" kindly; what is stored must be the IANA name itself.
    if d.timezone.parse::<Tz>().is_err() {
        return Err(Error::invalid("timezone", format!("\"{}\" is not an IANA zone name", d.timezone)));
    }
    d.extra_starts.iter().try_for_each(|s| in_years("extra_starts", *s))?;
    for change in &d.occurrence_changes {
        in_years("occurrence_changes", change.original_start)?;
        if let Change::Moved { starts_at, ends_at } = change.change {
            in_years("occurrence_changes", starts_at)?;
            in_years("occurrence_changes", ends_at)?;
        }
    }
    if let Some(until) = d.repeat.as_ref().and_then(|r| r.until) {
        if !(FIRST_YEAR..=LAST_YEAR).contains(&until.year()) {
            return Err(Error::invalid("repeat_until", format!("must be before the year {LAST_YEAR}")));
        }
    }
    let mut form = EventInput::from_details(d);
    if !d.all_day {
        // As instants: a form's wall-clock minutes would drop seconds and fold DST repeats.
        form.start = d.starts_at.to_rfc3339();
        form.end = d.ends_at.to_rfc3339();
    }
    event(&form).map(|_| ())
}

/// Checks an identity read from a document, as [`stored_event`] does events; its username must be
/// exactly one a form would give, since it names the identity on pages and in invitations.
pub fn stored_identity(identity: &Identity) -> Result<()> {
    let checked = self::identity(&IdentityInput::from_identity(identity))?;
    if checked.username != identity.username {
        return Err(Error::invalid("username", format!("\"{}\" is not written as a username", identity.username)));
    }
    Ok(())
}

/// A rule whose first occurrence is the event's start, so that the rule and the start never disagree
/// (RFC 5545 leaves a rule out of step with its DTSTART undefined).
fn repeat(rule: &RepeatRule, starts_at: DateTime<Utc>, tz: Tz) -> Result<RepeatRule> {
    let first = starts_at.with_timezone(&tz).date_naive();
    let mut rule = rule.clone();
    if !(1..=MAX_INTERVAL).contains(&rule.interval) {
        return Err(Error::invalid("repeat_interval", format!("must be between 1 and {MAX_INTERVAL}")));
    }
    if rule.frequency == Frequency::Weekly {
        rule.weekdays.sort_by_key(|w| w.num_days_from_monday());
        rule.weekdays.dedup();
        if rule.weekdays.is_empty() {
            rule.weekdays.push(first.weekday());
        }
        if !rule.weekdays.contains(&first.weekday()) {
            return Err(Error::invalid(
                "repeat_weekdays",
                format!("the event starts on a {}: include that day", recurrence::weekday_name(first.weekday())),
            ));
        }
    } else if !rule.weekdays.is_empty() {
        return Err(Error::invalid("repeat_weekdays", "only weekly events repeat on chosen days of the week"));
    }
    match (rule.frequency, rule.monthly) {
        (Frequency::Monthly, MonthlyBy::Weekday { nth }) => {
            if nth == 0 || !(-5..=5).contains(&nth) {
                return Err(Error::invalid("repeat_monthly", "counts weekdays from 1 to 5, or -1 (last) to -5"));
            }
            if recurrence::nth_weekday(first.year(), first.month(), nth, first.weekday()) != Some(first) {
                return Err(Error::invalid(
                    "repeat_monthly",
                    format!(
                        "the event starts on the {} {} of its month: repeat on that one",
                        recurrence::ordinal(if recurrence::is_last_of_month(first) && nth < 0 {
                            -1
                        } else {
                            recurrence::nth_of_month(first)
                        }),
                        recurrence::weekday_name(first.weekday())
                    ),
                ));
            }
        }
        (Frequency::Monthly, MonthlyBy::Date) => {}
        (_, _) => rule.monthly = MonthlyBy::Date,
    }
    match (rule.count, rule.until) {
        (Some(_), Some(_)) => {
            return Err(Error::invalid("repeat_count", "give an end date or a number of times, not both"));
        }
        (Some(count), None) if !(1..=MAX_COUNT).contains(&count) => {
            return Err(Error::invalid("repeat_count", format!("must be between 1 and {MAX_COUNT}")));
        }
        (None, Some(until)) if until < first => {
            return Err(Error::invalid("repeat_until", "comes before the first day of the event"));
        }
        (None, Some(until)) if until.year() > LAST_YEAR => {
            return Err(Error::invalid("repeat_until", format!("must be before the year {LAST_YEAR}")));
        }
        _ => {}
    }
    Ok(rule)
}

fn extra_starts(starts: &[DateTime<Utc>], first: DateTime<Utc>) -> Result<Vec<DateTime<Utc>>> {
    if starts.len() > MAX_EXTRA_STARTS {
        return Err(Error::invalid("extra_starts", format!("at most {MAX_EXTRA_STARTS} further dates")));
    }
    let mut starts: Vec<DateTime<Utc>> = starts.iter().copied().filter(|s| *s != first).collect();
    starts.iter().try_for_each(|s| in_years("extra_starts", *s))?;
    starts.sort();
    starts.dedup();
    Ok(starts)
}

fn occurrence_changes(changes: &[OccurrenceChange]) -> Result<Vec<OccurrenceChange>> {
    if changes.len() > MAX_CHANGES {
        return Err(Error::invalid("occurrence_changes", format!("at most {MAX_CHANGES} changed occurrences")));
    }
    let mut out: Vec<OccurrenceChange> = Vec::with_capacity(changes.len());
    for change in changes {
        if let Change::Moved { starts_at, ends_at } = change.change {
            if ends_at <= starts_at {
                return Err(Error::invalid("end", "the occurrence must end after it starts"));
            }
            in_years("start", starts_at)?;
        }
        // The last word on one occurrence wins.
        out.retain(|c| c.original_start != change.original_start);
        out.push(change.clone());
    }
    out.sort_by_key(|c| c.original_start);
    Ok(out)
}

/// Occurrences' own titles, descriptions and places, with the series' own rules; the last word on
/// one occurrence wins.
fn occurrence_texts(texts: &[OccurrenceText]) -> Result<Vec<OccurrenceText>> {
    const FIELD: &str = "occurrence_texts";
    if texts.len() > MAX_CHANGES {
        return Err(Error::invalid(FIELD, format!("at most {MAX_CHANGES} retitled occurrences")));
    }
    let mut out: Vec<OccurrenceText> = Vec::with_capacity(texts.len());
    for text in texts {
        let title = match &text.title {
            Some(title) => match bounded(FIELD, title, MAX_TITLE)? {
                t if t.is_empty() => None,
                t => Some(t),
            },
            None => None,
        };
        let description = text.description.as_ref().map(|d| normalise_newlines(d));
        if description.as_ref().is_some_and(|d| d.chars().count() > MAX_DESCRIPTION) {
            return Err(Error::invalid(FIELD, format!("a description must be at most {MAX_DESCRIPTION} characters")));
        }
        let place = match &text.place {
            Some(p) => place(&EventInput {
                place_name: p.name.clone(),
                address: p.address.clone(),
                latitude: p.latitude,
                longitude: p.longitude,
                ..Default::default()
            })
            .map_err(|e| Error::invalid(FIELD, e.to_string()))?,
            None => None,
        };
        out.retain(|t| t.original_start != text.original_start);
        if title.is_some() || description.is_some() || place.is_some() {
            out.push(OccurrenceText { original_start: text.original_start, title, description, place });
        }
    }
    out.sort_by_key(|t| t.original_start);
    Ok(out)
}

fn place(input: &EventInput) -> Result<Option<Place>> {
    let name = bounded("place_name", &input.place_name, MAX_PLACE_NAME)?;
    let address = bounded("address", &input.address, MAX_ADDRESS)?;
    let (latitude, longitude) = match (input.latitude, input.longitude) {
        (None, None) => (None, None),
        (Some(lat), Some(lon)) => {
            if !(-90.0..=90.0).contains(&lat) {
                return Err(Error::invalid("latitude", "must be between -90 and 90"));
            }
            if !(-180.0..=180.0).contains(&lon) {
                return Err(Error::invalid("longitude", "must be between -180 and 180"));
            }
            (Some(lat), Some(lon))
        }
        (Some(_), None) => return Err(Error::invalid("longitude", "is required with a latitude")),
        (None, Some(_)) => return Err(Error::invalid("latitude", "is required with a longitude")),
    };
    if name.is_empty() && address.is_empty() && latitude.is_none() {
        return Ok(None);
    }
    Ok(Some(Place { name, address, latitude, longitude }))
}

fn tags(raw: &[String]) -> Result<Vec<String>> {
    let mut tags: Vec<String> = Vec::new();
    for tag in raw {
        let tag = tag.trim().trim_start_matches('#').trim();
        if tag.is_empty() {
            continue;
        }
        if tag.chars().count() > MAX_TAG {
            return Err(Error::invalid("tags", format!("\"{tag}\" is longer than {MAX_TAG} characters")));
        }
        if tag.contains(',') {
            return Err(Error::invalid("tags", format!("\"{tag}\" holds a comma: give each tag separately")));
        }
        if !tags.iter().any(|t| t.to_lowercase() == tag.to_lowercase()) {
            tags.push(tag.to_string());
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(Error::invalid("tags", format!("at most {MAX_TAGS} tags")));
    }
    Ok(tags)
}

fn optional_url(field: &'static str, raw: &str) -> Result<Option<String>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    if raw.len() > MAX_URL {
        return Err(Error::invalid(field, format!("must be at most {MAX_URL} characters")));
    }
    let parsed = url::Url::parse(raw).map_err(|_| {
        Error::invalid(field, format!("\"{raw}\" is not a link: write the whole address, starting with https://"))
    })?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return Err(Error::invalid(field, "must be an http:// or https:// link"));
    }
    Ok(Some(parsed.to_string()))
}

/// Trims, refuses control characters, bounds the length in characters.
fn bounded(field: &'static str, raw: &str, max: usize) -> Result<String> {
    let value = raw.trim();
    if value.chars().count() > max {
        return Err(Error::invalid(field, format!("must be at most {max} characters")));
    }
    if value.chars().any(|c| c.is_control()) {
        return Err(Error::invalid(field, "must not hold control characters or line breaks"));
    }
    Ok(value.to_string())
}

/// CRLF and lone CR become LF, so that text exports and diffs stay sane.
fn normalise_newlines(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> EventInput {
        EventInput {
            organizer_id: "x".into(),
            title: "Repair café".into(),
            start: "2026-12-05T14:00".into(),
            end: "2026-12-05T18:00".into(),
            timezone: "Europe/Brussels".into(),
            ..Default::default()
        }
    }

    #[test]
    fn usernames_follow_mobilizon_rules() {
        assert_eq!(username(" ana_42 ").expect("valid"), "ana_42");
        for bad in ["", "Ana", "ana-b", "a".repeat(31).as_str(), "zoë"] {
            let err = username(bad).expect_err(bad);
            assert!(matches!(err, Error::Invalid { field: "username", .. }), "{bad}: {err}");
        }
    }

    #[test]
    fn a_good_form_validates() {
        let details = event(&form()).expect("valid");
        assert_eq!(details.timezone, "Europe/Brussels");
        assert_eq!(details.place, None);
    }

    #[test]
    fn empty_title_is_refused() {
        let err = event(&EventInput { title: "   ".into(), ..form() }).expect_err("refused");
        assert!(matches!(err, Error::Invalid { field: "title", .. }));
    }

    #[test]
    fn every_problem_of_a_form_at_once_in_its_order() {
        let input = EventInput {
            title: " ".into(),
            end: "2026-12-05 12:00".into(),
            online_url: "ftp://example.org".into(),
            capacity: Some(0),
            ..form()
        };
        let fields: Vec<&str> = event_problems(&input)
            .iter()
            .map(|e| match e {
                Error::Invalid { field, .. } => *field,
                other => panic!("{other}"),
            })
            .collect();
        assert_eq!(fields, ["title", "end", "online_url", "capacity"]);
        assert!(matches!(event(&input), Err(Error::Invalid { field: "title", .. })));
        assert!(event_problems(&form()).is_empty());
    }

    #[test]
    fn a_group_form_names_every_field_at_fault() {
        use crate::model::GroupInput;
        let ok = GroupInput {
            name: " Collectif Vélo ".into(),
            username: "collectif_velo".into(),
            summary: "Réparer ensemble.\r\nChaque samedi.".into(),
            place_name: "Maison du vélo".into(),
            ..Default::default()
        };
        let checked = group(&ok).expect("valid");
        assert_eq!(
            (checked.name.as_str(), checked.summary.as_str()),
            ("Collectif Vélo", "Réparer ensemble.\nChaque samedi.")
        );
        assert_eq!(checked.place.map(|p| p.name).as_deref(), Some("Maison du vélo"));
        let bad = GroupInput {
            name: " ".into(),
            username: "Collectif Vélo".into(),
            summary: "x".repeat(MAX_SUMMARY + 1),
            ..ok
        };
        let fields: Vec<String> = group(&bad)
            .expect_err("refused")
            .iter()
            .map(|e| match e {
                Error::Invalid { field, .. } => field.to_string(),
                other => other.to_string(),
            })
            .collect();
        assert_eq!(fields, ["name", "username", "summary"]);
    }

    #[test]
    fn a_username_is_proposed_from_the_display_name() {
        assert_eq!(suggest_username("Jérôme Dupont"), "jerome_dupont");
        assert_eq!(suggest_username("  Ana B. "), "ana_b");
        assert_eq!(suggest_username("Zoë-Marie O'Neil"), "zoe_marie_o_neil");
        assert_eq!(suggest_username("日本語"), "");
        assert_eq!(suggest_username(&"a ".repeat(40)).len(), MAX_USERNAME - 1);
        let err = username("Jérôme").expect_err("refused");
        assert_eq!(err.to_string(), "username: may hold only a-z, 0-9 and _ (found \"J\"); \"jerome\" would do");
    }

    #[test]
    fn tags_are_trimmed_and_deduplicated() {
        let input = EventInput { tags: vec!["#Repair".into(), "repair".into(), " bikes ".into(), "".into()], ..form() };
        assert_eq!(event(&input).expect("valid").tags, vec!["Repair", "bikes"]);
    }

    #[test]
    fn external_join_needs_a_link_and_links_must_be_web() {
        let err = event(&EventInput { join_mode: JoinMode::External, ..form() }).expect_err("refused");
        assert!(matches!(err, Error::Invalid { field: "registration_url", .. }));
        let err = event(&EventInput { online_url: "javascript:alert(1)".into(), ..form() }).expect_err("refused");
        assert!(matches!(err, Error::Invalid { field: "online_url", .. }));
    }

    #[test]
    fn coordinates_come_in_pairs_and_in_range() {
        let err = event(&EventInput { latitude: Some(50.0), ..form() }).expect_err("refused");
        assert!(matches!(err, Error::Invalid { field: "longitude", .. }));
        let err = event(&EventInput { latitude: Some(95.0), longitude: Some(4.0), ..form() }).expect_err("refused");
        assert!(matches!(err, Error::Invalid { field: "latitude", .. }));
    }

    #[test]
    fn a_weekly_rule_must_include_the_first_day() {
        let rule = RepeatRule {
            frequency: Frequency::Weekly,
            interval: 1,
            weekdays: vec![chrono::Weekday::Mon],
            monthly: MonthlyBy::Date,
            until: None,
            count: None,
        };
        // 2026-12-05 is a Saturday.
        let err = event(&EventInput { repeat: Some(rule.clone()), ..form() }).expect_err("refused");
        assert!(matches!(err, Error::Invalid { field: "repeat_weekdays", .. }), "{err}");
        let rule = RepeatRule { weekdays: vec![], ..rule };
        let details = event(&EventInput { repeat: Some(rule), ..form() }).expect("valid");
        assert_eq!(details.repeat.expect("rule").weekdays, vec![chrono::Weekday::Sat]);
    }

    #[test]
    fn a_monthly_rule_by_weekday_must_match_the_start_and_ends_are_checked() {
        let rule = RepeatRule {
            frequency: Frequency::Monthly,
            interval: 1,
            weekdays: vec![],
            monthly: MonthlyBy::Weekday { nth: 2 },
            until: None,
            count: None,
        };
        // The first Saturday of December 2026.
        let err = event(&EventInput { repeat: Some(rule.clone()), ..form() }).expect_err("refused");
        assert!(matches!(err, Error::Invalid { field: "repeat_monthly", .. }), "{err}");
        let ok = RepeatRule { monthly: MonthlyBy::Weekday { nth: 1 }, ..rule.clone() };
        assert!(event(&EventInput { repeat: Some(ok.clone()), ..form() }).is_ok());
        let both = RepeatRule { count: Some(3), until: chrono::NaiveDate::from_ymd_opt(2027, 1, 1), ..ok };
        let err = event(&EventInput { repeat: Some(both), ..form() }).expect_err("refused");
        assert!(matches!(err, Error::Invalid { field: "repeat_count", .. }), "{err}");
        let early =
            RepeatRule { monthly: MonthlyBy::Date, until: chrono::NaiveDate::from_ymd_opt(2026, 12, 4), ..rule };
        let err = event(&EventInput { repeat: Some(early), ..form() }).expect_err("refused");
        assert!(matches!(err, Error::Invalid { field: "repeat_until", .. }), "{err}");
    }

    #[test]
    fn zero_capacity_is_refused() {
        let err = event(&EventInput { capacity: Some(0), ..form() }).expect_err("refused");
        assert!(matches!(err, Error::Invalid { field: "capacity", .. }));
    }
}
