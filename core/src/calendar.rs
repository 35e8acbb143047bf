//! The arithmetic of calendar views over a list of [`CalendarEntry`]: which days a month or a week
//! shows, which entries fall on each day (a two-day market on both), and where overlapping entries sit
//! side by side in a day's column. No IO and no DOM, so that the app's views, a group's calendar and
//! the tests share it.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Timelike, Utc, Weekday};
use chrono_tz::Tz;

use crate::model::CalendarEntry;
use crate::when::start_of_day;

/// The views a calendar offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Month,
    Week,
    /// A list, one line per occurrence (or per series, folded).
    Agenda,
}

/// The first day of the week holding `day`, weeks starting on `first`.
pub fn week_start(day: NaiveDate, first: Weekday) -> NaiveDate {
    let back = (7 + day.weekday().num_days_from_monday() - first.num_days_from_monday()) % 7;
    day - Days::new(u64::from(back))
}

/// The weeks a month view shows for the month of `anchor`: whole weeks, from the one holding the 1st
/// to the one holding the last day.
pub fn month_weeks(anchor: NaiveDate, first: Weekday) -> Vec<[NaiveDate; 7]> {
    let first_of_month = anchor.with_day(1).unwrap_or(anchor);
    let last_of_month = (first_of_month + Months::new(1)).pred_opt().unwrap_or(first_of_month);
    let mut weeks = Vec::new();
    let mut start = week_start(first_of_month, first);
    while start <= last_of_month {
        weeks.push(week_days(start, first));
        start = start + Days::new(7);
    }
    weeks
}

/// The seven days of the week holding `anchor`.
pub fn week_days(anchor: NaiveDate, first: Weekday) -> [NaiveDate; 7] {
    let start = week_start(anchor, first);
    std::array::from_fn(|i| start + Days::new(i as u64))
}

/// The first and last day (inclusive) a view shows around `anchor`; the agenda shows a month from it.
pub fn shown_days(view: View, anchor: NaiveDate, first: Weekday) -> (NaiveDate, NaiveDate) {
    match view {
        View::Month => {
            let weeks = month_weeks(anchor, first);
            (weeks[0][0], weeks[weeks.len() - 1][6])
        }
        View::Week => {
            let days = week_days(anchor, first);
            (days[0], days[6])
        }
        View::Agenda => (anchor, anchor + Months::new(1)),
    }
}

/// The anchor `n` views later (earlier when negative): a month keeps its day where it can (31 January
/// and one month on is 28 or 29 February).
pub fn step(view: View, anchor: NaiveDate, n: i32) -> NaiveDate {
    let months = Months::new(n.unsigned_abs());
    let days = Days::new(7 * u64::from(n.unsigned_abs()));
    let moved = match (view, n >= 0) {
        (View::Month | View::Agenda, true) => anchor.checked_add_months(months),
        (View::Month | View::Agenda, false) => anchor.checked_sub_months(months),
        (View::Week, true) => anchor.checked_add_days(days),
        (View::Week, false) => anchor.checked_sub_days(days),
    };
    moved.unwrap_or(anchor)
}

/// The first and last day an entry covers: for an all-day event its own days in its own zone (a
/// birthday on the 1st is on the 1st everywhere), else the viewer's days it touches.
pub fn days_covered(e: &CalendarEntry, viewer: Tz) -> (NaiveDate, NaiveDate) {
    let zone = if e.all_day { e.timezone.parse().unwrap_or(chrono_tz::UTC) } else { viewer };
    let first = e.starts_at.with_timezone(&zone).date_naive();
    // The end is exclusive: an event ending at midnight does not touch the next day.
    let last_instant = if e.ends_at > e.starts_at { e.ends_at - chrono::Duration::seconds(1) } else { e.starts_at };
    (first, last_instant.with_timezone(&zone).date_naive().max(first))
}

/// True when an entry belongs in a day's top row rather than its time column: all-day events, and
/// timed ones that cover more than one day.
pub fn spans_days(e: &CalendarEntry, viewer: Tz) -> bool {
    let (first, last) = days_covered(e, viewer);
    e.all_day || last > first
}

/// For each day from `first` to `last`, the entries on it (indices into `entries`): day-long ones
/// first, then by start, then by title.
pub fn by_day(
    entries: &[CalendarEntry],
    first: NaiveDate,
    last: NaiveDate,
    viewer: Tz,
) -> BTreeMap<NaiveDate, Vec<usize>> {
    let mut days: BTreeMap<NaiveDate, Vec<usize>> = BTreeMap::new();
    for (i, e) in entries.iter().enumerate() {
        let (from, to) = days_covered(e, viewer);
        let mut day = from.max(first);
        while day <= to.min(last) {
            days.entry(day).or_default().push(i);
            match day.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }
    }
    for list in days.values_mut() {
        list.sort_by(|a, b| {
            let (a, b) = (&entries[*a], &entries[*b]);
            spans_days(b, viewer)
                .cmp(&spans_days(a, viewer))
                .then(a.starts_at.cmp(&b.starts_at))
                .then(a.title.cmp(&b.title))
        });
    }
    days
}

/// An entry's place in a day's time column: from and to minutes after the day's local midnight, and
/// its column among the entries it overlaps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placed {
    pub entry: usize,
    pub from_minute: u32,
    pub to_minute: u32,
    pub column: usize,
    pub columns: usize,
}

fn minute_of(t: DateTime<Utc>, viewer: Tz) -> u32 {
    let local = t.with_timezone(&viewer);
    local.hour() * 60 + local.minute()
}

/// Lays out the timed entries of `day` (among `indices`, as [`by_day`] gives them) side by side:
/// entries that overlap share the width, each in the first column free at its start.
pub fn day_columns(entries: &[CalendarEntry], indices: &[usize], day: NaiveDate, viewer: Tz) -> Vec<Placed> {
    let day_start = start_of_day(day, viewer);
    let next_start = day.succ_opt().map(|d| start_of_day(d, viewer)).unwrap_or(day_start);
    let mut placed: Vec<Placed> = indices
        .iter()
        .filter(|i| !spans_days(&entries[**i], viewer))
        .map(|&i| {
            let e = &entries[i];
            let from_minute = if e.starts_at <= day_start { 0 } else { minute_of(e.starts_at, viewer) };
            let to_minute = if e.ends_at >= next_start { 24 * 60 } else { minute_of(e.ends_at, viewer) };
            // Short events still get a quarter of an hour, to be seen and clicked.
            Placed { entry: i, from_minute, to_minute: to_minute.max(from_minute + 15), column: 0, columns: 1 }
        })
        .collect();
    placed.sort_by_key(|p| (p.from_minute, std::cmp::Reverse(p.to_minute)));
    // Clusters of entries that overlap one another, directly or through others, share a width.
    let mut cluster_start = 0;
    let mut cluster_end = 0;
    let mut column_ends: Vec<u32> = Vec::new();
    for i in 0..placed.len() {
        if i > 0 && placed[i].from_minute >= cluster_end {
            finish_cluster(&mut placed[cluster_start..i], column_ends.len());
            cluster_start = i;
            column_ends.clear();
        }
        let column = match column_ends.iter().position(|end| *end <= placed[i].from_minute) {
            Some(free) => free,
            None => {
                column_ends.push(0);
                column_ends.len() - 1
            }
        };
        column_ends[column] = placed[i].to_minute;
        placed[i].column = column;
        cluster_end = if i == cluster_start { placed[i].to_minute } else { cluster_end.max(placed[i].to_minute) };
    }
    let columns = column_ends.len();
    finish_cluster(&mut placed[cluster_start..], columns);
    placed
}

fn finish_cluster(cluster: &mut [Placed], columns: usize) {
    for p in cluster {
        p.columns = columns.max(1);
    }
}

/// An agenda line: an entry, and for a folded series how many more of its occurrences follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgendaLine {
    pub entry: usize,
    pub more: usize,
}

/// The agenda's lines, by start: every occurrence, or with `fold` one line per repeating event (its
/// first occurrence shown) so that a twice-weekly choir takes one line, not sixteen.
pub fn agenda(entries: &[CalendarEntry], fold: bool) -> Vec<AgendaLine> {
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by(|a, b| {
        entries[*a].starts_at.cmp(&entries[*b].starts_at).then(entries[*a].title.cmp(&entries[*b].title))
    });
    let mut lines: Vec<AgendaLine> = Vec::new();
    let mut series: BTreeMap<&str, usize> = BTreeMap::new();
    for i in order {
        let e = &entries[i];
        if fold && e.repeats {
            if let Some(line) = series.get(e.event_id.as_str()) {
                lines[*line].more += 1;
                continue;
            }
            series.insert(&e.event_id, lines.len());
        }
        lines.push(AgendaLine { entry: i, more: 0 });
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    fn entry(id: &str, start: (u32, u32, u32), end: (u32, u32, u32), all_day: bool) -> CalendarEntry {
        let paris = chrono_tz::Europe::Paris;
        let at = |(d, h, m): (u32, u32, u32)| {
            paris.with_ymd_and_hms(2026, 12, d, h, m, 0).single().expect("time").with_timezone(&Utc)
        };
        CalendarEntry {
            event_id: id.into(),
            title: id.into(),
            starts_at: at(start),
            ends_at: at(end),
            all_day,
            timezone: "Europe/Paris".into(),
            occurrence: None,
            repeats: false,
            group: None,
            mine: true,
            draft: false,
            cancelled: false,
            taking_part: None,
            organizer: "ana".into(),
            place: None,
            online: false,
            category: None,
            has_picture: false,
            page: None,
            remote: false,
        }
    }

    #[test]
    fn a_month_shows_whole_weeks_from_its_first_to_its_last_day() {
        let weeks = month_weeks(day(2026, 12, 17), Weekday::Mon);
        assert_eq!(weeks.len(), 5);
        assert_eq!(weeks[0][0], day(2026, 11, 30));
        assert_eq!(weeks[4][6], day(2027, 1, 3));
        let sunday_first = month_weeks(day(2026, 2, 1), Weekday::Sun);
        assert_eq!((sunday_first.len(), sunday_first[0][0]), (4, day(2026, 2, 1)));
        assert_eq!(step(View::Month, day(2027, 1, 31), 1), day(2027, 2, 28));
        assert_eq!(step(View::Week, day(2027, 1, 31), -1), day(2027, 1, 24));
        assert_eq!(shown_days(View::Week, day(2026, 12, 2), Weekday::Mon), (day(2026, 11, 30), day(2026, 12, 6)));
    }

    #[test]
    fn a_two_day_event_is_on_both_days_and_one_ending_at_midnight_on_one() {
        let market = entry("market", (5, 0, 0), (7, 0, 0), true);
        let party = entry("party", (5, 20, 0), (6, 0, 0), false);
        let night = entry("night", (5, 22, 0), (6, 2, 0), false);
        let entries = [market, party, night];
        let paris = chrono_tz::Europe::Paris;
        let days = by_day(&entries, day(2026, 12, 1), day(2026, 12, 31), paris);
        // What covers more than the day comes first (the top row of a week), then by start.
        assert_eq!(days[&day(2026, 12, 5)], [0, 2, 1]);
        assert_eq!(days[&day(2026, 12, 6)], [0, 2]);
        assert!(!days.contains_key(&day(2026, 12, 7)));
        // The all-day market keeps its own days for a viewer in New York.
        let ny = chrono_tz::America::New_York;
        assert_eq!(days_covered(&entries[0], ny), (day(2026, 12, 5), day(2026, 12, 6)));
    }

    #[test]
    fn overlapping_events_sit_side_by_side_and_others_take_the_width() {
        let entries = [
            entry("a", (2, 18, 0), (2, 20, 0), false),
            entry("b", (2, 19, 0), (2, 21, 0), false),
            entry("c", (2, 20, 0), (2, 22, 0), false),
            entry("d", (2, 23, 0), (2, 23, 30), false),
        ];
        let paris = chrono_tz::Europe::Paris;
        let placed = day_columns(&entries, &[0, 1, 2, 3], day(2026, 12, 2), paris);
        let of = |i: usize| placed.iter().find(|p| p.entry == i).copied().expect("placed");
        assert_eq!((of(0).column, of(0).columns, of(0).from_minute, of(0).to_minute), (0, 2, 18 * 60, 20 * 60));
        assert_eq!((of(1).column, of(1).columns), (1, 2));
        // c starts when a ends: it takes a's column, in the same cluster as b.
        assert_eq!((of(2).column, of(2).columns), (0, 2));
        assert_eq!((of(3).column, of(3).columns), (0, 1));
    }

    #[test]
    fn the_agenda_folds_a_series_into_one_line_when_asked() {
        let mut entries: Vec<CalendarEntry> = (0..4)
            .map(|i| {
                let mut e = entry("choir", (1 + 7 * i, 19, 0), (1 + 7 * i, 21, 0), false);
                e.repeats = true;
                e
            })
            .collect();
        entries.push(entry("market", (5, 0, 0), (6, 0, 0), true));
        assert_eq!(agenda(&entries, false).len(), 5);
        let folded = agenda(&entries, true);
        assert_eq!(folded, [AgendaLine { entry: 0, more: 3 }, AgendaLine { entry: 4, more: 0 }]);
    }
}
