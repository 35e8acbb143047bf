//! A date (and time) field that takes what people write ("2/12/2026 18h", "3 janvier") and shows
//! back what it understood, with a picker beside it: a month to click a day in, and a time list.

use chrono::{Datelike, Months, NaiveDate, NaiveTime};
use rally_core::lenient::Written;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::format::read_date as read;
use crate::state::today;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub id: AttrValue,
    pub label: AttrValue,
    pub value: AttrValue,
    pub on_input: Callback<String>,
    #[prop_or_default]
    pub error: Option<String>,
    /// A day only, no time of day.
    #[prop_or_default]
    pub all_day: bool,
}

/// The time a picked day gets when the field had none yet.
fn default_time() -> NaiveTime {
    NaiveTime::from_hms_opt(18, 0, 0).unwrap_or(NaiveTime::MIN)
}

#[function_component(DateTimeField)]
pub fn date_time_field(p: &Props) -> Html {
    let open = use_state(|| false);
    let written = read(&p.value);
    let shown_month = use_state(|| written.map_or_else(today, |w| w.date).with_day(1).unwrap_or_else(today));
    let set = {
        let on_input = p.on_input.clone();
        Callback::from(move |w: Written| on_input.emit(w.canonical()))
    };
    let oninput = {
        let on_input = p.on_input.clone();
        Callback::from(move |e: InputEvent| on_input.emit(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    // On leaving the field, what was understood replaces what was typed, so both read the same.
    let onchange = {
        let (on_input, all_day) = (p.on_input.clone(), p.all_day);
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            if let Some(w) = read(&input.value()) {
                let w = if all_day { Written { time: None, ..w } } else { w };
                on_input.emit(w.canonical());
            }
        })
    };
    let toggle = {
        let (open, shown_month) = (open.clone(), shown_month.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(w) = written {
                shown_month.set(w.date.with_day(1).unwrap_or(w.date));
            }
            open.set(!*open);
        })
    };
    let understood = written.map(|w| match (w.time, p.all_day) {
        (Some(t), false) => format!("{}, {}", w.date.format("%A %-d %B %Y"), t.format("%H:%M")),
        _ => w.date.format("%A %-d %B %Y").to_string(),
    });
    let picker = (*open).then(|| {
        let month = *shown_month;
        let weeks = rally_core::calendar::month_weeks(month, chrono::Weekday::Mon);
        let turn = |n: i32| {
            let shown_month = shown_month.clone();
            Callback::from(move |_: MouseEvent| {
                let next = if n > 0 { month.checked_add_months(Months::new(1)) } else { month.checked_sub_months(Months::new(1)) };
                shown_month.set(next.unwrap_or(month));
            })
        };
        let pick_day = |day: NaiveDate| {
            let (set, open, all_day) = (set.clone(), open.clone(), p.all_day);
            let time = if all_day { None } else { Some(written.and_then(|w| w.time).unwrap_or_else(default_time)) };
            Callback::from(move |_: MouseEvent| {
                set.emit(Written { date: day, time });
                if all_day {
                    open.set(false);
                }
            })
        };
        let pick_time = {
            let set = set.clone();
            Callback::from(move |e: Event| {
                let value = e.target_unchecked_into::<HtmlSelectElement>().value();
                if let Ok(time) = NaiveTime::parse_from_str(&value, "%H:%M") {
                    set.emit(Written { date: written.map_or_else(today, |w| w.date), time: Some(time) });
                }
            })
        };
        let close = {
            let open = open.clone();
            Callback::from(move |_: MouseEvent| open.set(false))
        };
        let current_time = written.and_then(|w| w.time).map(|t| t.format("%H:%M").to_string());
        let mut times: Vec<String> = (0..96).map(|q| format!("{:02}:{:02}", q / 4, q % 4 * 15)).collect();
        if let Some(t) = &current_time {
            if !times.contains(t) {
                times.push(t.clone());
                times.sort();
            }
        }
        html! {
            <div class="picker" id={format!("{}-picker", p.id)} role="dialog" aria-label={format!("Choose: {}", p.label)}>
                <div class="picker-head">
                    <button type="button" class="picker-previous" aria-label="Previous month" onclick={turn(-1)}>{ "‹" }</button>
                    <span class="picker-month">{ month.format("%B %Y").to_string() }</span>
                    <button type="button" class="picker-next" aria-label="Next month" onclick={turn(1)}>{ "›" }</button>
                </div>
                <div class="picker-grid" role="grid">
                    { for weeks.iter().map(|week| html! {
                        <div class="picker-week" role="row">
                            { for week.iter().map(|day| {
                                let chosen = written.is_some_and(|w| w.date == *day);
                                html! {
                                    <button type="button" role="gridcell" data-day={day.to_string()} aria-pressed={chosen.to_string()}
                                        aria-label={day.format("%A %-d %B %Y").to_string()}
                                        class={classes!("picker-day", (day.month() != month.month()).then_some("other-month"), chosen.then_some("chosen"))}
                                        onclick={pick_day(*day)}>{ day.day() }</button>
                                }
                            }) }
                        </div>
                    }) }
                </div>
                if !p.all_day {
                    <label class="picker-time">{ "Time " }
                        <select id={format!("{}-time", p.id)} onchange={pick_time}>
                            if current_time.is_none() { <option value="" selected=true>{ "—" }</option> }
                            { for times.iter().map(|t| html! { <option value={t.clone()} selected={current_time.as_ref() == Some(t)}>{ t.clone() }</option> }) }
                        </select>
                    </label>
                }
                <button type="button" class="picker-done" id={format!("{}-done", p.id)} onclick={close}>{ "Done" }</button>
            </div>
        }
    });
    let placeholder = if p.all_day { "2/12/2026, 12 Dec…" } else { "2/12/2026 18:00, 12 Dec 6pm…" };
    html! {
        <div class={classes!("field", "date-time", p.error.as_ref().map(|_| "invalid"))}>
            <label for={p.id.clone()}>{ p.label.clone() }</label>
            <div class="with-picker">
                <input id={p.id.clone()} type="text" value={p.value.clone()} {placeholder} {oninput} {onchange}
                    aria-invalid={p.error.is_some().to_string()} autocomplete="off"
                    aria-describedby={format!("{}-understood", p.id)} />
                <button type="button" id={format!("{}-pick", p.id)} class="pick" aria-expanded={open.to_string()}
                    aria-label={format!("Choose on a calendar: {}", p.label)} onclick={toggle}>
                    <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
                        <rect x="1.5" y="3" width="13" height="11.5" rx="1.5" fill="none" stroke="currentColor" />
                        <path d="M1.5 6.5h13M5 1.5v3M11 1.5v3" stroke="currentColor" />
                    </svg>
                </button>
            </div>
            <small class="understood" id={format!("{}-understood", p.id)} aria-live="polite">{ understood.unwrap_or_default() }</small>
            { for picker }
            if let Some(error) = &p.error {
                <p class="field-error" id={format!("error-{}", p.id)} role="alert">{ error.clone() }</p>
            }
        </div>
    }
}
