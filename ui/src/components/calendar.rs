//! Month and week views over a list of occurrences ([`CalendarEntry`]): one's own calendar now, a
//! group's next. Which day shows what, and which entries sit side by side, comes from
//! `rally_core::calendar`; this draws it and moves through it with the keyboard.

use std::rc::Rc;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use chrono_tz::Tz;
use rally_core::calendar::{self as cal, View};
use rally_core::model::{CalendarEntry, ParticipationStatus};
use yew::prelude::*;

use crate::format;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub entries: Rc<Vec<CalendarEntry>>,
    /// The chosen day: the view shows its month or week, and the keyboard moves it.
    pub anchor: NaiveDate,
    pub on_anchor: Callback<NaiveDate>,
    pub on_open: Callback<String>,
    /// A day asked for a closer look (Enter in the month, or "+ more"): the week view opens on it.
    #[prop_or_default]
    pub on_day: Callback<NaiveDate>,
    #[prop_or(Weekday::Mon)]
    pub first: Weekday,
}

/// How many entries a month's day shows before "+ n more".
const PER_DAY: usize = 4;
/// Pixels per hour in the week's time column.
const HOUR: u32 = 44;

/// The day a key moves to, in `view`.
fn moved_by_key(key: &str, view: View, anchor: NaiveDate, first: Weekday) -> Option<NaiveDate> {
    let days = |n: i64| {
        if n >= 0 {
            anchor.checked_add_days(Days::new(n as u64))
        } else {
            anchor.checked_sub_days(Days::new((-n) as u64))
        }
    };
    match key {
        "ArrowLeft" => days(-1),
        "ArrowRight" => days(1),
        "ArrowUp" if view == View::Month => days(-7),
        "ArrowDown" if view == View::Month => days(7),
        "PageUp" => Some(cal::step(view, anchor, -1)),
        "PageDown" => Some(cal::step(view, anchor, 1)),
        "Home" => Some(cal::week_start(anchor, first)),
        "End" => cal::week_start(anchor, first).checked_add_days(Days::new(6)),
        "t" | "T" => Some(crate::state::today()),
        _ => None,
    }
}

fn on_key(view: View, p: &Props) -> Callback<KeyboardEvent> {
    let (anchor, first, on_anchor, on_day) = (p.anchor, p.first, p.on_anchor.clone(), p.on_day.clone());
    Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Enter" && view == View::Month {
            e.prevent_default();
            on_day.emit(anchor);
        } else if let Some(day) = moved_by_key(&e.key(), view, anchor, first) {
            e.prevent_default();
            on_anchor.emit(day);
        }
    })
}

fn cell_id(day: NaiveDate) -> String {
    format!("day-{day}")
}

/// What an entry's colour and marks say, in words.
fn marks(e: &CalendarEntry) -> String {
    let mut parts = Vec::new();
    if e.draft {
        parts.push("draft".to_string());
    }
    if e.cancelled {
        parts.push("cancelled".into());
    }
    if let Some(status) = e.taking_part {
        parts.push(taking_part_words(status).into());
    }
    if e.remote {
        parts.push("from another server".into());
    }
    if let Some(group) = &e.group {
        parts.push(format!("@{group}'s"));
    }
    if !e.mine && e.group.is_none() {
        parts.push(format!("by @{}", e.organizer));
    }
    if parts.is_empty() {
        parts.push("your event".into());
    }
    parts.join(", ")
}

/// The tooltip: the entry in full.
fn describe(e: &CalendarEntry, viewer: Tz) -> String {
    format!("{} · {} · {}", e.title, format::time_span(e, viewer), marks(e))
}

pub fn taking_part_words(status: ParticipationStatus) -> &'static str {
    match status {
        ParticipationStatus::Going => "you are going",
        ParticipationStatus::Pending => "you asked to join",
        ParticipationStatus::Waitlisted => "you are on the waiting list",
        _ => "you took part",
    }
}

/// One entry as a small button: its kind shows in its colour and mark (a draft dashed, an event one
/// takes part in with a check, a cancelled one struck through). `focusable`: reached by Tab (the
/// chosen day's entries in the month, every entry of the week), so that the keyboard opens them.
fn chip(e: &CalendarEntry, viewer: Tz, on_open: &Callback<String>, style: Option<String>, focusable: bool) -> Html {
    let open = {
        let (on_open, id) = (on_open.clone(), e.event_id.clone());
        Callback::from(move |_: MouseEvent| on_open.emit(id.clone()))
    };
    let kind = if e.draft {
        "draft"
    } else if e.taking_part.is_some() {
        "taking-part"
    } else if e.remote {
        "remote"
    } else {
        "mine"
    };
    let time = (!cal::spans_days(e, viewer)).then(|| format::start_time(e, viewer));
    html! {
        <button class={classes!("chip", kind, e.cancelled.then_some("cancelled"), cal::spans_days(e, viewer).then_some("long"))}
            data-event={e.event_id.clone()} data-kind={kind} title={describe(e, viewer)}
            {style} onclick={open} tabindex={if focusable { "0" } else { "-1" }}>
            if e.taking_part.is_some() { <span class="mark" aria-hidden="true">{ "✓ " }</span> }
            if let Some(time) = time { <span class="time">{ time }{ " " }</span> }
            <span class="chip-title">{ e.title.clone() }</span>
            // What the colour and the mark say, for screen readers (the name starts with what is seen).
            <span class="sr-only">{ format!(" · {}", marks(e)) }</span>
        </button>
    }
}

fn weekday_headers(days: &[NaiveDate]) -> Html {
    html! {
        <div class="cal-row cal-head" role="row">
            { for days.iter().map(|d| html! { <div role="columnheader" class="cal-weekday">{ d.format("%a").to_string() }</div> }) }
        </div>
    }
}

#[function_component(MonthView)]
pub fn month_view(p: &Props) -> Html {
    let viewer = format::viewer_zone();
    let today = crate::state::today();
    let weeks = cal::month_weeks(p.anchor, p.first);
    let (first, last) = (weeks[0][0], weeks[weeks.len() - 1][6]);
    let days = cal::by_day(&p.entries, first, last, viewer);
    let month = p.anchor.month();
    let label = p.anchor.format("%B %Y").to_string();
    html! {
        <div class="month" id="month-view" role="grid" tabindex="0" aria-label={label.clone()}
            aria-activedescendant={cell_id(p.anchor)} onkeydown={on_key(View::Month, p)} data-month={p.anchor.format("%Y-%m").to_string()}>
            { weekday_headers(&weeks[0]) }
            { for weeks.iter().map(|week| html! {
                <div class="cal-row" role="row">
                    { for week.iter().map(|day| {
                        let on = days.get(day).map(Vec::as_slice).unwrap_or_default();
                        let pick = {
                            let (on_anchor, day) = (p.on_anchor.clone(), *day);
                            Callback::from(move |_: MouseEvent| on_anchor.emit(day))
                        };
                        let more = {
                            let (on_day, day) = (p.on_day.clone(), *day);
                            Callback::from(move |_: MouseEvent| on_day.emit(day))
                        };
                        html! {
                            <div id={cell_id(*day)} role="gridcell" data-day={day.to_string()} aria-selected={(*day == p.anchor).to_string()}
                                class={classes!("cal-day", (day.month() != month).then_some("other-month"), (*day == today).then_some("today"), (*day == p.anchor).then_some("selected"))}
                                onclick={pick}>
                                <span class="cal-num" aria-label={day.format("%A %-d %B").to_string()}>{ day.day() }</span>
                                { for on.iter().take(PER_DAY).map(|i| chip(&p.entries[*i], viewer, &p.on_open, None, *day == p.anchor)) }
                                if on.len() > PER_DAY {
                                    <button class="more" tabindex="-1" onclick={more}>{ format!("+ {} more", on.len() - PER_DAY) }</button>
                                }
                            </div>
                        }
                    }) }
                </div>
            }) }
        </div>
    }
}

#[function_component(WeekView)]
pub fn week_view(p: &Props) -> Html {
    let viewer = format::viewer_zone();
    let today = crate::state::today();
    let week = cal::week_days(p.anchor, p.first);
    let days = cal::by_day(&p.entries, week[0], week[6], viewer);
    let columns: Vec<Vec<cal::Placed>> = week
        .iter()
        .map(|d| cal::day_columns(&p.entries, days.get(d).map(Vec::as_slice).unwrap_or_default(), *d, viewer))
        .collect();
    // Open an hour before the week's first event, or on the morning when it has none.
    let first_minute = columns.iter().flatten().map(|p| p.from_minute).min().map_or(7 * 60, |m| m.saturating_sub(60));
    let scroller = use_node_ref();
    {
        let scroller = scroller.clone();
        use_effect_with((week[0], first_minute), move |(_, first_minute)| {
            if let Some(el) = scroller.cast::<web_sys::Element>() {
                el.set_scroll_top((first_minute * HOUR / 60) as i32);
            }
        });
    }
    let label = format!("Week of {}", week[0].format("%-d %B %Y"));
    html! {
        <div class="week" id="week-view" role="grid" tabindex="0" aria-label={label} onkeydown={on_key(View::Week, p)}
            aria-activedescendant={cell_id(p.anchor)}>
            <div class="cal-row cal-head week-head" role="row">
                <div class="hours-gutter" aria-hidden="true"></div>
                { for week.iter().map(|d| {
                    let pick = { let (on_anchor, d) = (p.on_anchor.clone(), *d); Callback::from(move |_: MouseEvent| on_anchor.emit(d)) };
                    html! {
                        <div role="columnheader" id={cell_id(*d)} aria-selected={(*d == p.anchor).to_string()} onclick={pick}
                            class={classes!("cal-weekday", (*d == today).then_some("today"), (*d == p.anchor).then_some("selected"))}>
                            { d.format("%a %-d").to_string() }
                        </div>
                    }
                }) }
            </div>
            <div class="cal-row all-day-row" role="row">
                <div class="hours-gutter" role="rowheader">{ "All day" }</div>
                { for week.iter().map(|d| html! {
                    <div class="all-day-cell" role="gridcell" data-day={d.to_string()}>
                        { for days.get(d).into_iter().flatten().filter(|i| cal::spans_days(&p.entries[**i], viewer)).map(|i| chip(&p.entries[*i], viewer, &p.on_open, None, true)) }
                    </div>
                }) }
            </div>
            <div class="week-scroll" ref={scroller}>
                <div class="week-body" role="row" style={format!("height: {}px", 24 * HOUR)}>
                    <div class="hours-gutter" aria-hidden="true">
                        { for (0..24).map(|h| html! { <span class="hour" style={format!("top: {}px", h * HOUR)}>{ format!("{h:02}:00") }</span> }) }
                    </div>
                    { for week.iter().zip(columns).map(|(d, placed_on_day)| {
                        html! {
                            <div class="week-day" role="gridcell" data-day={d.to_string()}>
                                { for placed_on_day.into_iter().map(|placed| {
                                    let style = format!(
                                        "top: {}px; height: {}px; left: calc({} * 100% / {}); width: calc(100% / {} - 3px)",
                                        placed.from_minute * HOUR / 60,
                                        (placed.to_minute - placed.from_minute) * HOUR / 60,
                                        placed.column, placed.columns, placed.columns,
                                    );
                                    chip(&p.entries[placed.entry], viewer, &p.on_open, Some(style), true)
                                }) }
                            </div>
                        }
                    }) }
                </div>
            </div>
        </div>
    }
}
