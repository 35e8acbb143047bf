//! Events: the calendar (month, week) and the list (upcoming, past, drafts, search), over the same
//! entries: one's own events, drafts included, and the events one takes part in.

use std::rc::Rc;

use chrono::{Days, NaiveDate, Utc};
use rally_core::calendar::{self as cal, View};
use rally_core::model::{CalendarEntry, DraftFilter, EventFilter};
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::api;
use crate::components::{EventCard, MonthView, WeekView};
use crate::format;
use crate::state::{today, Action, AppContext, Route, Tab};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub route: Route,
}

#[function_component(EventsPage)]
pub fn events_page(p: &Props) -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let go = |route: Route| {
        let app = app.clone();
        Callback::from(move |_: MouseEvent| app.dispatch(Action::Go(route.clone())))
    };
    if app.identities.is_empty() {
        return html! {
            <section class="events">
                <div class="card welcome-card" id="welcome">
                    <h1>{ "Welcome to Rally" }</h1>
                    <p>{ "Rally keeps your events on this computer and works without a network. Events are organized by one of your identities: the name and picture people see. Start by making one; you can add more later." }</p>
                    <button id="welcome-create-identity" class="primary" onclick={go(Route::Identities)}>{ "Create your identity" }</button>
                </div>
            </section>
        };
    }
    let view_button = |id: &'static str, route: Route, label: &'static str| {
        let active = match (&p.route, &route) {
            (Route::Calendar(a), Route::Calendar(b)) => a == b,
            (Route::Events(_), Route::Events(_)) => true,
            _ => false,
        };
        html! { <button {id} class={classes!(active.then_some("active"))} aria-pressed={active.to_string()} onclick={go(route)}>{ label }</button> }
    };
    html! {
        <section class="events">
            <div class="page-head">
                <div class="views" role="group" aria-label="View">
                    { view_button("view-month", Route::Calendar(View::Month), "Month") }
                    { view_button("view-week", Route::Calendar(View::Week), "Week") }
                    { view_button("view-list", Route::Events(Tab::Upcoming), "List") }
                </div>
                <div class="buttons">
                    <button id="import-ics" onclick={go(Route::Import)}>{ "Import .ics" }</button>
                    <button id="new-event" class="primary" onclick={go(Route::NewEvent)}>{ "New event" }</button>
                </div>
            </div>
            { match &p.route {
                Route::Calendar(view) => html! { <CalendarPane view={*view} /> },
                Route::Events(tab) => html! { <ListPane tab={*tab} /> },
                _ => html! {},
            } }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct PaneProps {
    view: View,
}

/// Local midnight starting `day` on the viewer's clock.
fn midnight(day: NaiveDate) -> chrono::DateTime<Utc> {
    rally_core::when::start_of_day(day, format::viewer_zone())
}

#[function_component(CalendarPane)]
fn calendar_pane(p: &PaneProps) -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let entries = use_state(|| None::<Result<Rc<Vec<CalendarEntry>>, String>>);
    let jump_error = use_state(|| None::<String>);
    let anchor = app.anchor;
    let (first, last) = cal::shown_days(p.view, anchor, chrono::Weekday::Mon);
    {
        let entries = entries.clone();
        // Loads again when the shown days change, or sync brought changes; not on each move inside.
        use_effect_with((first, last, (app.sync.revision, app.edits)), move |(first, last, _)| {
            let (from, to) = (midnight(*first), midnight(*last + Days::new(1)));
            spawn_local(async move {
                entries.set(Some(api::calendar(Some(from), Some(to)).await.map(Rc::new).map_err(|e| e.to_string())));
            });
        });
    }
    let set_anchor = {
        let app = app.clone();
        Callback::from(move |day: NaiveDate| app.dispatch(Action::Anchor(day)))
    };
    let step = |n: i32| {
        let (app, view) = (app.clone(), p.view);
        Callback::from(move |_: MouseEvent| app.dispatch(Action::Anchor(cal::step(view, app.anchor, n))))
    };
    let to_today = {
        let app = app.clone();
        Callback::from(move |_: MouseEvent| app.dispatch(Action::Anchor(today())))
    };
    let on_day = {
        let app = app.clone();
        Callback::from(move |day: NaiveDate| {
            app.dispatch(Action::Anchor(day));
            app.dispatch(Action::Go(Route::Calendar(View::Week)));
        })
    };
    let on_open = {
        let (app, entries) = (app.clone(), entries.clone());
        Callback::from(move |id: String| {
            let entry = match &*entries {
                Some(Ok(list)) => list.iter().find(|e| e.event_id == id).cloned(),
                _ => None,
            };
            // Others' events one takes part in live on the relay: Taking part looks them up there.
            match entry {
                Some(e) if e.remote => app.dispatch(Action::Go(Route::RemoteEvent(id))),
                // A group's events are on this device, editable or not.
                Some(e) if e.mine || e.group.is_some() => app.dispatch(Action::Go(Route::Event(id))),
                Some(CalendarEntry { page: Some(page), .. }) => app.dispatch(Action::Open(page)),
                _ => app.dispatch(Action::Go(Route::TakePart)),
            }
        })
    };
    let on_jump = {
        let (app, jump_error) = (app.clone(), jump_error.clone());
        Callback::from(move |e: KeyboardEvent| {
            if e.key() != "Enter" {
                return;
            }
            let input: HtmlInputElement = e.target_unchecked_into();
            match rally_core::lenient::read(&input.value(), format::day_order(), today()) {
                Some(written) => {
                    jump_error.set(None);
                    input.set_value("");
                    app.dispatch(Action::Anchor(written.date));
                }
                None => jump_error.set(Some(format!("\"{}\" is not a date Rally can read", input.value()))),
            }
        })
    };
    let heading = match p.view {
        View::Week => format!("{} – {}", first.format("%-d %b"), last.format("%-d %b %Y")),
        _ => anchor.format("%B %Y").to_string(),
    };
    let body = match &*entries {
        None => html! { <p class="loading">{ "Loading…" }</p> },
        Some(Err(message)) => html! { <p class="form-error" role="alert">{ message.clone() }</p> },
        Some(Ok(list)) => match p.view {
            View::Week => {
                html! { <WeekView entries={list.clone()} {anchor} on_anchor={set_anchor} {on_open} {on_day} /> }
            }
            _ => html! { <MonthView entries={list.clone()} {anchor} on_anchor={set_anchor} {on_open} {on_day} /> },
        },
    };
    html! {
        <div class="calendar-pane">
            <div class="toolbar cal-nav">
                <button id="cal-today" onclick={to_today}>{ "Today" }</button>
                <button id="cal-previous" aria-label="Previous" onclick={step(-1)}>{ "‹" }</button>
                <button id="cal-next" aria-label="Next" onclick={step(1)}>{ "›" }</button>
                <h1 id="cal-heading" aria-live="polite">{ heading }</h1>
                <label class="jump">
                    <span class="sr-only">{ "Go to a date" }</span>
                    <input id="cal-jump" type="search" placeholder="Go to a date (24/12, 3 janvier…)" onkeydown={on_jump} aria-invalid={jump_error.is_some().to_string()} />
                </label>
                <span class="legend" aria-hidden="true">
                    <span class="chip mine">{ "Mine" }</span>
                    <span class="chip draft">{ "Draft" }</span>
                    <span class="chip taking-part">{ "✓ Taking part" }</span>
                </span>
            </div>
            if let Some(message) = &*jump_error { <p class="field-error" role="alert">{ message.clone() }</p> }
            { body }
            <p class="hint keys">{ "Keyboard: arrows move a day or a week, Page Up and Page Down a month, T today, Enter opens the week." }</p>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct ListProps {
    tab: Tab,
}

#[function_component(ListPane)]
fn list_pane(p: &ListProps) -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let entries = use_state(|| None::<Result<Vec<CalendarEntry>, String>>);
    let query = use_state(String::new);
    let fold = use_state(|| false);
    // Drafts chosen for publishing or deleting together.
    let chosen = use_state(std::collections::BTreeSet::<String>::new);
    let confirming = use_state(|| false);
    let busy = use_state(|| false);
    // Moves when the list changed here (drafts published or deleted together).
    let reload = use_state(|| 0u32);
    {
        let entries = entries.clone();
        use_effect_with(
            (p.tab, (*query).clone(), (app.sync.revision, app.edits), *reload),
            move |(tab, query, _, _)| {
                let (tab, query) = (*tab, query.trim().to_string());
                spawn_local(async move {
                    let now = Utc::now();
                    let found = if !query.is_empty() {
                        api::search_events(&query).await.map(|list| list.iter().map(CalendarEntry::from_view).collect())
                    } else {
                        match tab {
                            Tab::Upcoming => api::calendar(Some(now), None).await,
                            // An event under way is upcoming, not past.
                            Tab::Past => api::calendar(None, Some(now))
                                .await
                                .map(|list| list.into_iter().filter(|e| e.ends_at <= now).collect()),
                            // A draft is one thing to finish, whatever its dates: listed once.
                            Tab::Drafts => {
                                let filter =
                                    EventFilter { drafts: DraftFilter::Only, series: true, ..Default::default() };
                                api::list_events(&filter)
                                    .await
                                    .map(|list| list.iter().map(CalendarEntry::from_view).collect())
                            }
                        }
                    };
                    entries.set(Some(found.map_err(|e| e.to_string())));
                });
            },
        );
    }
    let tab_button = |tab: Tab, id: &'static str, label: &'static str| {
        let app = app.clone();
        let active = p.tab == tab && query.is_empty();
        let query = query.clone();
        let onclick = Callback::from(move |_| {
            query.set(String::new());
            app.dispatch(Action::Go(Route::Events(tab)));
        });
        html! { <button {id} role="tab" class={classes!(active.then_some("active"))} aria-selected={active.to_string()} {onclick}>{ label }</button> }
    };
    let on_search = {
        let query = query.clone();
        Callback::from(move |e: InputEvent| query.set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let on_fold = {
        let fold = fold.clone();
        Callback::from(move |e: Event| fold.set(e.target_unchecked_into::<HtmlInputElement>().checked()))
    };
    let viewer = format::viewer_zone();
    let body = match &*entries {
        None => html! {},
        Some(Err(message)) => html! { <p class="form-error" role="alert">{ message.clone() }</p> },
        Some(Ok(list)) if list.is_empty() => html! {
            <p class="empty" id="events-empty">{ if query.is_empty() { match p.tab {
                Tab::Upcoming => "Nothing coming up. Create an event, publish a draft, or join one (Taking part).",
                Tab::Past => "No past events yet.",
                Tab::Drafts => "No drafts. Drafts stay on your devices until you publish them.",
            } } else { "No event matches." } }</p>
        },
        Some(Ok(list)) => {
            let lines = cal::agenda(list, *fold && p.tab != Tab::Drafts);
            let mut lines = lines;
            if p.tab == Tab::Past {
                lines.reverse();
            }
            let mut days: Vec<(NaiveDate, Vec<cal::AgendaLine>)> = Vec::new();
            for line in lines {
                let day = cal::days_covered(&list[line.entry], viewer).0;
                match days.last_mut() {
                    Some((d, items)) if *d == day => items.push(line),
                    _ => days.push((day, vec![line])),
                }
            }
            html! {
                <div class="days" id="event-list">
                    { for days.into_iter().map(|(day, items)| html! {
                        <section class="day">
                            <h2>{ format::day_heading(day) }</h2>
                            <ul>{ for items.into_iter().map(|line| {
                                let entry = list[line.entry].clone();
                                let selected = (p.tab == Tab::Drafts).then(|| chosen.contains(&entry.event_id));
                                let on_select = {
                                    let (chosen, id) = (chosen.clone(), entry.event_id.clone());
                                    Callback::from(move |on: bool| {
                                        let mut next = (*chosen).clone();
                                        if on { next.insert(id.clone()); } else { next.remove(&id); }
                                        chosen.set(next);
                                    })
                                };
                                html! { <EventCard {entry} more={line.more} {selected} {on_select} /> }
                            }) }</ul>
                        </section>
                    }) }
                </div>
            }
        }
    };
    let drafts: Vec<String> = match &*entries {
        Some(Ok(list)) if p.tab == Tab::Drafts => list.iter().map(|e| e.event_id.clone()).collect(),
        _ => Vec::new(),
    };
    let choose_all = {
        let (chosen, drafts) = (chosen.clone(), drafts.clone());
        Callback::from(move |_: MouseEvent| {
            chosen.set(if chosen.len() == drafts.len() { Default::default() } else { drafts.iter().cloned().collect() })
        })
    };
    // Publishes or deletes the chosen drafts one by one, and says how it went.
    let act = |publish: bool| {
        let (app, chosen, confirming, busy, reload) =
            (app.clone(), chosen.clone(), confirming.clone(), busy.clone(), reload.clone());
        Callback::from(move |_: MouseEvent| {
            let (app, chosen, confirming, busy, reload) =
                (app.clone(), chosen.clone(), confirming.clone(), busy.clone(), reload.clone());
            let ids: Vec<String> = chosen.iter().cloned().collect();
            busy.set(true);
            spawn_local(async move {
                let mut failed = Vec::new();
                for id in &ids {
                    let done =
                        if publish { api::publish_event(id).await.map(drop) } else { api::delete_event(id).await };
                    if let Err(err) = done {
                        failed.push(err.message);
                    }
                }
                busy.set(false);
                confirming.set(false);
                chosen.set(Default::default());
                let done = ids.len() - failed.len();
                let verb = if publish { "Published" } else { "Deleted" };
                let drafts = if done == 1 { "draft" } else { "drafts" };
                if failed.is_empty() && !publish {
                    app.dispatch(Action::DraftsDeleted { text: format!("{verb} {done} {drafts}"), ids: ids.clone() });
                } else if failed.is_empty() {
                    app.dispatch(Action::Notice(format!("{verb} {done} {drafts}")));
                } else {
                    let why = failed.join("; ");
                    app.dispatch(Action::Problem(format!(
                        "{verb} {done} {drafts}; {} could not be: {why}",
                        failed.len()
                    )));
                }
                reload.set(*reload + 1);
            });
        })
    };
    let ask = {
        let confirming = confirming.clone();
        Callback::from(move |_: MouseEvent| confirming.set(true))
    };
    let cancel = {
        let confirming = confirming.clone();
        Callback::from(move |_: MouseEvent| confirming.set(false))
    };
    let bulk = (p.tab == Tab::Drafts && !drafts.is_empty() && query.is_empty()).then(|| html! {
        <div class="toolbar bulk" id="drafts-bulk">
            <button id="drafts-choose-all" onclick={choose_all}>{ if chosen.len() == drafts.len() { "Choose none" } else { "Choose all" } }</button>
            <button id="drafts-publish" class="primary" disabled={chosen.is_empty() || *busy} onclick={act(true)}>{ format!("Publish {} chosen", chosen.len()) }</button>
            if *confirming {
                <span class="confirm" role="alert">{ format!("Delete {} drafts for good?", chosen.len()) }</span>
                <button id="drafts-delete-confirm" class="danger" disabled={*busy} onclick={act(false)}>{ "Delete" }</button>
                <button onclick={cancel}>{ "Cancel" }</button>
            } else {
                <button id="drafts-delete" disabled={chosen.is_empty() || *busy} onclick={ask}>{ format!("Delete {} chosen…", chosen.len()) }</button>
            }
        </div>
    });
    html! {
        <div class="list-pane">
            <div class="toolbar">
                <div class="tabs" role="tablist">
                    { tab_button(Tab::Upcoming, "tab-upcoming", "Upcoming") }
                    { tab_button(Tab::Past, "tab-past", "Past") }
                    { tab_button(Tab::Drafts, "tab-drafts", "Drafts") }
                </div>
                <label class="fold">
                    <input id="list-fold" type="checkbox" checked={*fold} onchange={on_fold} />
                    { " One line per repeating event" }
                </label>
                <input id="event-search" type="search" aria-label="Search events" placeholder="Search titles, descriptions, tags, places" value={(*query).clone()} oninput={on_search} />
            </div>
            { for bulk }
            { body }
        </div>
    }
}
