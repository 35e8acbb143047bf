//! Repeating events: which occurrences a rule gives, and how people read it.
//!
//! A rule is read in the event's own zone, on wall-clock time: a weekly 19:00 stays at 19:00 across
//! daylight-saving changes, and an all-day event stays on its calendar days. Occurrences are keyed by
//! the start the rule gives them (iCalendar's RECURRENCE-ID), which is what a cancellation or a move
//! refers to, so that such a change survives edits of anything else.
//!
//! Everything here is pure: listings, exports, the relay's pages and the UI call the same functions.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, LocalResult, Months, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

use crate::model::{Change, EventDetails, Frequency, MonthlyBy, Occurrence, RepeatRule};

/// The most occurrences a rule may be given by count.
pub const MAX_COUNT: u32 = 1_000;
/// The longest step: every 99 days, weeks, months or years.
pub const MAX_INTERVAL: u32 = 99;
/// The most further starts (RDATE) and occurrence changes an event keeps.
pub const MAX_EXTRA_STARTS: usize = 1_000;
pub const MAX_CHANGES: usize = 2_000;
/// The most occurrences one listing takes from one event (an event with no end, listed with no end).
pub const LISTING_CAP: usize = 1_000;
/// Rules stop here at the latest: the last year an event may be in.
const LAST_YEAR: i32 = 2200;
/// Where a rule with no end stops, for whoever needs a span (a VTIMEZONE, an index).
pub const OPEN_END: DateTime<Utc> = match NaiveDate::from_ymd_opt(LAST_YEAR + 1, 1, 1) {
    Some(day) => day.and_time(NaiveTime::MIN).and_utc(),
    None => DateTime::<Utc>::MAX_UTC,
};

/// The day of the `nth` `weekday` of a month (negative: counted from the end), if the month has one.
pub fn nth_weekday(year: i32, month: u32, nth: i8, weekday: Weekday) -> Option<NaiveDate> {
    if nth > 0 {
        return NaiveDate::from_weekday_of_month_opt(year, month, weekday, nth.unsigned_abs());
    }
    let first_of_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }?;
    let mut day = first_of_next.pred_opt()?;
    while day.weekday() != weekday {
        day = day.pred_opt()?;
    }
    let day = day.checked_sub_signed(Duration::weeks(i64::from(-i32::from(nth) - 1)))?;
    (day.month() == month).then_some(day)
}

/// Which `nth` weekday of its month a day is, counted from the start (1 to 5).
pub fn nth_of_month(day: NaiveDate) -> i8 {
    ((day.day() - 1) / 7 + 1) as i8
}

/// True when no later day of the month has the same weekday.
pub fn is_last_of_month(day: NaiveDate) -> bool {
    day.checked_add_signed(Duration::days(7)).is_none_or(|later| later.month() != day.month())
}

/// The instant of a wall-clock time. In a fold the earlier one; in a gap the time is read with the
/// offset in force before the gap, as RFC 5545 says, so 02:30 on a spring-forward night is 03:30.
pub fn local_instant(tz: Tz, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let local = date.and_time(time);
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
        LocalResult::None => {
            let day_before = local.checked_sub_signed(Duration::days(1)).unwrap_or(local);
            let before = tz.from_local_datetime(&day_before).earliest();
            let offset = before.map(|b| chrono::Offset::fix(b.offset()).local_minus_utc()).unwrap_or(0);
            local.checked_sub_signed(Duration::seconds(i64::from(offset))).unwrap_or(local).and_utc()
        }
    }
}

fn zone(d: &EventDetails) -> Tz {
    d.timezone.parse().unwrap_or(Tz::UTC)
}

/// The local days of a rule, from the first on: endless unless the rule ends.
struct RuleDays<'a> {
    rule: &'a RepeatRule,
    first: NaiveDate,
    period: u32,
    pending: Vec<NaiveDate>,
    given: u32,
    done: bool,
}

impl<'a> RuleDays<'a> {
    fn new(rule: &'a RepeatRule, first: NaiveDate) -> Self {
        RuleDays { rule, first, period: 0, pending: Vec::new(), given: 0, done: false }
    }

    /// The candidate days of the next period, in order (some may not exist, as a 31st in April).
    fn fill(&mut self) {
        let step = self.period.saturating_mul(self.rule.interval.max(1));
        self.period += 1;
        let first = self.first;
        let days: Vec<NaiveDate> = match self.rule.frequency {
            Frequency::Daily => first.checked_add_signed(Duration::days(i64::from(step))).into_iter().collect(),
            Frequency::Weekly => {
                let week = first
                    .checked_sub_signed(Duration::days(i64::from(first.weekday().num_days_from_monday())))
                    .and_then(|monday| monday.checked_add_signed(Duration::weeks(i64::from(step))));
                let on = |w: Weekday| {
                    week.and_then(|week| week.checked_add_signed(Duration::days(i64::from(w.num_days_from_monday()))))
                };
                let mut days: Vec<NaiveDate> = if self.rule.weekdays.is_empty() {
                    on(first.weekday()).into_iter().collect()
                } else {
                    self.rule.weekdays.iter().filter_map(|w| on(*w)).collect()
                };
                days.sort();
                days.dedup();
                days
            }
            Frequency::Monthly => {
                let month = NaiveDate::from_ymd_opt(first.year(), first.month(), 1)
                    .and_then(|m| m.checked_add_months(Months::new(step)));
                month
                    .and_then(|m| match self.rule.monthly {
                        MonthlyBy::Date => NaiveDate::from_ymd_opt(m.year(), m.month(), first.day()),
                        MonthlyBy::Weekday { nth } => nth_weekday(m.year(), m.month(), nth, first.weekday()),
                    })
                    .into_iter()
                    .collect()
            }
            Frequency::Yearly => i32::try_from(step)
                .ok()
                .and_then(|s| first.year().checked_add(s))
                .and_then(|y| NaiveDate::from_ymd_opt(y, first.month(), first.day()))
                .into_iter()
                .collect(),
        };
        let past_the_end = match self.rule.frequency {
            Frequency::Daily | Frequency::Weekly => {
                first.checked_add_signed(Duration::days(i64::from(step))).unwrap_or(NaiveDate::MAX)
            }
            Frequency::Monthly => first.checked_add_months(Months::new(step)).unwrap_or(NaiveDate::MAX),
            Frequency::Yearly => {
                first.checked_add_months(Months::new(step.saturating_mul(12))).unwrap_or(NaiveDate::MAX)
            }
        };
        if past_the_end.year() > LAST_YEAR
            || self.rule.until.is_some_and(|u| past_the_end > u.checked_add_signed(Duration::days(7)).unwrap_or(u))
        {
            self.done = true;
        }
        self.pending = days.into_iter().filter(|d| *d >= first).rev().collect();
    }
}

impl Iterator for RuleDays<'_> {
    type Item = NaiveDate;

    fn next(&mut self) -> Option<NaiveDate> {
        loop {
            if self.rule.count.is_some_and(|c| self.given >= c) {
                return None;
            }
            if let Some(day) = self.pending.pop() {
                if self.rule.until.is_some_and(|u| day > u) || day.year() > LAST_YEAR {
                    return None;
                }
                self.given += 1;
                return Some(day);
            }
            if self.done {
                return None;
            }
            self.fill();
        }
    }
}

/// The original starts of an event's occurrences, in order: the rule's and the further ones. Endless
/// for a rule with no end; a single start for an event that does not repeat.
pub fn starts(d: &EventDetails) -> impl Iterator<Item = DateTime<Utc>> + '_ {
    let by_rule: Box<dyn Iterator<Item = DateTime<Utc>> + '_> = match &d.repeat {
        None => Box::new(std::iter::once(d.starts_at)),
        Some(rule) => Box::new(rule_starts(rule, d.starts_at, zone(d), d.all_day)),
    };
    let mut extra: Vec<DateTime<Utc>> = d.extra_starts.clone();
    extra.sort();
    merge_unique(by_rule, extra.into_iter())
}

/// The starts a rule gives an event that starts at `starts_at` in `tz`, the first being `starts_at`.
pub fn rule_starts(
    rule: &RepeatRule,
    starts_at: DateTime<Utc>,
    tz: Tz,
    all_day: bool,
) -> impl Iterator<Item = DateTime<Utc>> + '_ {
    let local = starts_at.with_timezone(&tz);
    let (first, time) = (local.date_naive(), local.time());
    RuleDays::new(rule, first).map(move |day| {
        if day == first {
            starts_at
        } else if all_day {
            crate::when::start_of_day(day, tz)
        } else {
            local_instant(tz, day, time)
        }
    })
}

fn merge_unique<'a>(
    a: impl Iterator<Item = DateTime<Utc>> + 'a,
    b: impl Iterator<Item = DateTime<Utc>> + 'a,
) -> impl Iterator<Item = DateTime<Utc>> + 'a {
    let (mut a, mut b) = (a.peekable(), b.peekable());
    let mut last: Option<DateTime<Utc>> = None;
    std::iter::from_fn(move || loop {
        let next = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) if x <= y => a.next(),
            (Some(_), Some(_)) | (None, Some(_)) => b.next(),
            (Some(_), None) => a.next(),
            (None, None) => return None,
        };
        if next != last {
            last = next;
            return next;
        }
    })
}

/// The end of the occurrence that starts at `start`: as long as the first one (in days, for all-day
/// events, so that a day stays a day across daylight-saving changes).
pub fn end_of(d: &EventDetails, start: DateTime<Utc>) -> DateTime<Utc> {
    if d.all_day {
        let tz = zone(d);
        let days =
            (d.ends_at.with_timezone(&tz).date_naive() - d.starts_at.with_timezone(&tz).date_naive()).num_days().max(1);
        let day = start.with_timezone(&tz).date_naive();
        crate::when::start_of_day(day.checked_add_signed(Duration::days(days)).unwrap_or(day), tz)
    } else {
        start.checked_add_signed(d.ends_at - d.starts_at).unwrap_or(start)
    }
}

/// Occurrences that overlap `[from, to)` (either bound open), in start order, at most `cap`.
/// Cancelled ones are included, marked; moved ones are where they were moved to.
pub fn occurrences(
    d: &EventDetails,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    cap: usize,
) -> Vec<Occurrence> {
    let changes: HashMap<DateTime<Utc>, &Change> =
        d.occurrence_changes.iter().map(|c| (c.original_start, &c.change)).collect();
    // An occurrence moved into the range may come from after it: look that far.
    let horizon = to.map(|to| {
        d.occurrence_changes
            .iter()
            .filter(|c| matches!(c.change, Change::Moved { starts_at, .. } if starts_at < to))
            .map(|c| c.original_start.checked_add_signed(Duration::milliseconds(1)).unwrap_or(c.original_start))
            .fold(to, DateTime::max)
    });
    let mut found = Vec::new();
    for original in starts(d) {
        if horizon.is_some_and(|h| original >= h) {
            break;
        }
        let mut occurrence = Occurrence {
            original_start: original,
            starts_at: original,
            ends_at: end_of(d, original),
            moved: false,
            cancelled: false,
        };
        match changes.get(&original) {
            Some(Change::Cancelled) => occurrence.cancelled = true,
            Some(Change::Moved { starts_at, ends_at }) => {
                occurrence.starts_at = *starts_at;
                occurrence.ends_at = *ends_at;
                occurrence.moved = true;
            }
            None => {}
        }
        let overlaps = from.is_none_or(|f| occurrence.ends_at > f) && to.is_none_or(|t| occurrence.starts_at < t);
        if overlaps {
            found.push(occurrence);
            if found.len() >= cap {
                break;
            }
        }
    }
    found.sort_by_key(|o| (o.starts_at, o.original_start));
    found
}

/// True when the rule (or the further starts) give an occurrence starting at `original`.
pub fn is_occurrence(d: &EventDetails, original: DateTime<Utc>) -> bool {
    starts(d).take_while(|s| *s <= original).any(|s| s == original)
}

/// The earliest start and the latest end any occurrence may have; `None` for the end when the rule
/// has no end. A bound, for indexes: within it, [`occurrences`] decides.
pub fn bounds(d: &EventDetails) -> (DateTime<Utc>, Option<DateTime<Utc>>) {
    let moved = d.occurrence_changes.iter().filter_map(|c| match c.change {
        Change::Moved { starts_at, ends_at } => Some((starts_at, ends_at)),
        Change::Cancelled => None,
    });
    let mut first = d.starts_at;
    let mut last = d.ends_at;
    for (s, e) in moved {
        first = first.min(s);
        last = last.max(e);
    }
    for s in &d.extra_starts {
        first = first.min(*s);
        last = last.max(end_of(d, *s));
    }
    let Some(rule) = &d.repeat else { return (first, Some(last)) };
    let rule_end = match (rule.count, rule.until) {
        (Some(_), _) => starts(d).filter(|s| !d.extra_starts.contains(s)).last().map(|s| end_of(d, s)),
        (None, Some(until)) => {
            let tz = zone(d);
            let after = until.succ_opt().unwrap_or(until);
            Some(end_of(d, crate::when::start_of_day(after, tz)))
        }
        (None, None) => None,
    };
    (first, rule_end.map(|e| e.max(last)))
}

pub fn weekday_name(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

/// "first", "second", …, "last".
pub fn ordinal(nth: i8) -> String {
    match nth {
        -1 => "last".into(),
        -2 => "second to last".into(),
        n if n < 0 => format!("{}th from the end", -n),
        1 => "first".into(),
        2 => "second".into(),
        3 => "third".into(),
        4 => "fourth".into(),
        5 => "fifth".into(),
        n => format!("{n}th"),
    }
}

fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// How an event repeats, in words: "Every 2 weeks on Tuesday and Thursday, until Sun 31 Jan 2027";
/// `None` when it does not repeat.
pub fn describe(d: &EventDetails) -> Option<String> {
    let tz = zone(d);
    let first = d.starts_at.with_timezone(&tz).date_naive();
    let mut text = match &d.repeat {
        None => String::new(),
        Some(rule) => {
            let n = rule.interval.max(1);
            let unit =
                |one: &str, many: &str| if n == 1 { format!("Every {one}") } else { format!("Every {n} {many}") };
            let mut text = match rule.frequency {
                Frequency::Daily => unit("day", "days"),
                Frequency::Weekly => {
                    let days: Vec<String> = if rule.weekdays.is_empty() {
                        vec![weekday_name(first.weekday()).to_string()]
                    } else {
                        let mut days = rule.weekdays.clone();
                        days.sort_by_key(|w| w.num_days_from_monday());
                        days.into_iter().map(|w| weekday_name(w).to_string()).collect()
                    };
                    format!("{} on {}", unit("week", "weeks"), and_list(&days))
                }
                Frequency::Monthly => match rule.monthly {
                    MonthlyBy::Date => format!("{} on day {}", unit("month", "months"), first.day()),
                    MonthlyBy::Weekday { nth } => {
                        format!("{} on the {} {}", unit("month", "months"), ordinal(nth), weekday_name(first.weekday()))
                    }
                },
                Frequency::Yearly => format!("{} on {}", unit("year", "years"), first.format("%-d %B")),
            };
            match (rule.count, rule.until) {
                (Some(1), _) => text.push_str(", once"),
                (Some(c), _) => text.push_str(&format!(", {c} times")),
                (None, Some(u)) => text.push_str(&format!(", until {}", u.format("%a %-d %b %Y"))),
                (None, None) => {}
            }
            text
        }
    };
    if !d.extra_starts.is_empty() {
        let more = d.extra_starts.len();
        let dates = if more == 1 { "date".to_string() } else { "dates".to_string() };
        if text.is_empty() {
            text = format!("On {} {dates}", more + 1);
        } else {
            text.push_str(&format!(", and on {more} more {dates}"));
        }
    }
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EventStatus, JoinMode, OccurrenceChange, Visibility};

    fn event(start: &str, end: &str, tz: &str, all_day: bool, rule: Option<RepeatRule>) -> EventDetails {
        let zone: Tz = tz.parse().expect("zone");
        let (starts_at, ends_at) = crate::when::parse_range(start, end, zone, all_day).expect("times");
        EventDetails {
            organizer_id: "o".into(),
            group_id: None,
            title: "Choir".into(),
            description: String::new(),
            starts_at,
            ends_at,
            timezone: tz.into(),
            all_day,
            place: None,
            online_url: None,
            status: EventStatus::Confirmed,
            visibility: Visibility::Public,
            draft: false,
            join_mode: JoinMode::Free,
            registration_url: None,
            capacity: None,
            waiting_list: false,
            anonymous_participation: false,
            tags: vec![],
            category: None,
            repeat: rule,
            extra_starts: vec![],
            occurrence_changes: vec![],
            occurrence_texts: vec![],
        }
    }

    fn rule(frequency: Frequency) -> RepeatRule {
        RepeatRule { frequency, interval: 1, weekdays: vec![], monthly: MonthlyBy::Date, until: None, count: None }
    }

    fn local(d: &EventDetails, n: usize) -> Vec<String> {
        let tz = zone(d);
        starts(d).take(n).map(|s| s.with_timezone(&tz).format("%a %Y-%m-%d %H:%M").to_string()).collect()
    }

    #[test]
    fn weekly_keeps_wall_clock_time_across_dst() {
        let d = event("2026-03-24 19:00", "2026-03-24 21:00", "Europe/Paris", false, Some(rule(Frequency::Weekly)));
        assert_eq!(local(&d, 3), ["Tue 2026-03-24 19:00", "Tue 2026-03-31 19:00", "Tue 2026-04-07 19:00"]);
        let o = occurrences(&d, None, None, 2);
        assert_eq!(o[1].starts_at.to_rfc3339(), "2026-03-31T17:00:00+00:00", "summer time: UTC+2");
        assert_eq!(o[1].ends_at - o[1].starts_at, Duration::hours(2));
    }

    #[test]
    fn weekly_on_several_days_every_other_week_with_a_count() {
        let r = RepeatRule {
            weekdays: vec![Weekday::Thu, Weekday::Tue],
            interval: 2,
            count: Some(5),
            ..rule(Frequency::Weekly)
        };
        let d = event("2026-12-01 10:00", "2026-12-01 11:00", "UTC", false, Some(r));
        assert_eq!(
            local(&d, 10),
            [
                "Tue 2026-12-01 10:00",
                "Thu 2026-12-03 10:00",
                "Tue 2026-12-15 10:00",
                "Thu 2026-12-17 10:00",
                "Tue 2026-12-29 10:00"
            ]
        );
    }

    #[test]
    fn monthly_by_date_skips_short_months_and_by_weekday_finds_the_last_friday() {
        let d = event(
            "2027-01-31 18:00",
            "2027-01-31 19:00",
            "UTC",
            false,
            Some(RepeatRule { count: Some(3), ..rule(Frequency::Monthly) }),
        );
        assert_eq!(local(&d, 5), ["Sun 2027-01-31 18:00", "Wed 2027-03-31 18:00", "Mon 2027-05-31 18:00"]);
        let r = RepeatRule { monthly: MonthlyBy::Weekday { nth: -1 }, ..rule(Frequency::Monthly) };
        let d = event("2027-01-29 18:00", "2027-01-29 19:00", "UTC", false, Some(r));
        assert_eq!(local(&d, 3), ["Fri 2027-01-29 18:00", "Fri 2027-02-26 18:00", "Fri 2027-03-26 18:00"]);
    }

    #[test]
    fn yearly_on_the_29th_of_february_waits_for_leap_years() {
        let d = event("2028-02-29", "2028-02-29", "Europe/Berlin", true, Some(rule(Frequency::Yearly)));
        assert_eq!(local(&d, 2), ["Tue 2028-02-29 00:00", "Sun 2032-02-29 00:00"]);
    }

    #[test]
    fn until_is_inclusive_and_all_day_stays_on_its_days() {
        let r =
            RepeatRule { until: Some(NaiveDate::from_ymd_opt(2026, 11, 3).expect("day")), ..rule(Frequency::Daily) };
        let d = event("2026-10-24", "2026-10-25", "Europe/Paris", true, Some(r));
        let o = occurrences(&d, None, None, 100);
        assert_eq!(o.len(), 11);
        // 25 October has 25 hours in Paris: the two-day span still ends at local midnight.
        assert_eq!(o[1].starts_at.to_rfc3339(), "2026-10-24T22:00:00+00:00");
        assert_eq!(o[1].ends_at.to_rfc3339(), "2026-10-26T23:00:00+00:00");
    }

    #[test]
    fn a_time_in_the_spring_gap_moves_forward_by_the_gap() {
        let d = event("2026-03-28 02:30", "2026-03-28 03:30", "Europe/Paris", false, Some(rule(Frequency::Daily)));
        assert_eq!(local(&d, 2)[1], "Sun 2026-03-29 03:30");
    }

    #[test]
    fn changes_cancel_and_move_and_ranges_find_moved_ones() {
        let mut d = event("2026-12-01 10:00", "2026-12-01 11:00", "UTC", false, Some(rule(Frequency::Weekly)));
        let all: Vec<DateTime<Utc>> = starts(&d).take(4).collect();
        d.occurrence_changes = vec![
            OccurrenceChange { original_start: all[1], change: Change::Cancelled },
            OccurrenceChange {
                original_start: all[3],
                change: Change::Moved {
                    starts_at: all[0] + Duration::days(2),
                    ends_at: all[0] + Duration::days(2) + Duration::hours(1),
                },
            },
        ];
        let first_week = occurrences(&d, Some(all[0]), Some(all[0] + Duration::days(7)), 10);
        assert_eq!(first_week.len(), 2, "{first_week:?}");
        assert!(first_week[1].moved && first_week[1].original_start == all[3]);
        let o = occurrences(&d, Some(all[1]), Some(all[1] + Duration::hours(1)), 10);
        assert!(o[0].cancelled);
        assert!(is_occurrence(&d, all[2]) && !is_occurrence(&d, all[2] + Duration::hours(1)));
    }

    #[test]
    fn extra_starts_merge_in_order_and_bounds_cover_them() {
        let mut d = event("2026-12-01 10:00", "2026-12-01 11:00", "UTC", false, None);
        d.extra_starts = vec![d.starts_at + Duration::days(30), d.starts_at + Duration::days(10)];
        let all: Vec<DateTime<Utc>> = starts(&d).collect();
        assert_eq!(all, vec![d.starts_at, d.starts_at + Duration::days(10), d.starts_at + Duration::days(30)]);
        assert_eq!(bounds(&d).1, Some(d.ends_at + Duration::days(30)));
        assert_eq!(describe(&d).as_deref(), Some("On 3 dates"));
        let d = event("2026-12-01 10:00", "2026-12-01 11:00", "UTC", false, Some(rule(Frequency::Daily)));
        assert_eq!(bounds(&d).1, None, "no end");
    }

    #[test]
    fn rules_read_as_sentences() {
        let r = RepeatRule {
            weekdays: vec![Weekday::Thu, Weekday::Tue],
            interval: 2,
            until: NaiveDate::from_ymd_opt(2027, 1, 31),
            ..rule(Frequency::Weekly)
        };
        let d = event("2026-12-01 10:00", "2026-12-01 11:00", "UTC", false, Some(r));
        assert_eq!(describe(&d).as_deref(), Some("Every 2 weeks on Tuesday and Thursday, until Sun 31 Jan 2027"));
        let r = RepeatRule { monthly: MonthlyBy::Weekday { nth: 1 }, count: Some(6), ..rule(Frequency::Monthly) };
        let d = event("2026-12-05 10:00", "2026-12-05 11:00", "UTC", false, Some(r));
        assert_eq!(describe(&d).as_deref(), Some("Every month on the first Saturday, 6 times"));
    }

    #[test]
    fn nth_weekdays() {
        assert_eq!(nth_weekday(2031, 3, -1, Weekday::Sun), NaiveDate::from_ymd_opt(2031, 3, 30));
        assert_eq!(nth_weekday(2031, 3, 2, Weekday::Sun), NaiveDate::from_ymd_opt(2031, 3, 9));
        assert_eq!(nth_weekday(2027, 2, 5, Weekday::Mon), None);
        assert_eq!(nth_weekday(2027, 2, -5, Weekday::Mon), None);
        let day = NaiveDate::from_ymd_opt(2027, 1, 29).expect("day");
        assert_eq!((nth_of_month(day), is_last_of_month(day)), (5, true));
    }
}
