//! Events: upcoming, past and drafts, grouped by day, with full-text search over the local copy.

use chrono::Utc;
use rally_core::model::{DraftFilter, EventFilter, EventView};
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::api;
use crate::format;
use crate::state::{Action, AppContext, Route, Tab};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub tab: Tab,
}

fn filter_for(tab: Tab) -> EventFilter {
    let now = Utc::now();
    match tab {
        Tab::Upcoming => EventFilter { from: Some(now), drafts: DraftFilter::Exclude, ..Default::default() },
        Tab::Past => {
            EventFilter { to: Some(now), drafts: DraftFilter::Exclude, descending: true, ..Default::default() }
        }
        // A draft is one thing to finish, whatever its dates: listed once.
        Tab::Drafts => EventFilter { drafts: DraftFilter::Only, series: true, ..Default::default() },
    }
}

#[function_component(EventsPage)]
pub fn events_page(p: &Props) -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let events = use_state(|| None::<Result<Vec<EventView>, String>>);
    let query = use_state(String::new);
    {
        let events = events.clone();
        // Reloads on a tab or query change, and when sync brought changes.
        use_effect_with((p.tab, (*query).clone(), app.sync.revision), move |(tab, query, _)| {
            let (tab, query) = (*tab, query.trim().to_string());
            spawn_local(async move {
                let found = if query.is_empty() {
                    api::list_events(&filter_for(tab)).await.map(|list| match tab {
                        // An event under way is upcoming, not past.
                        Tab::Past => list.into_iter().filter(|v| v.event.details.ends_at <= Utc::now()).collect(),
                        _ => list,
                    })
                } else {
                    api::search_events(&query).await
                };
                events.set(Some(found.map_err(|e| e.to_string())));
            });
        });
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
    let new_event = {
        let app = app.clone();
        Callback::from(move |_| app.dispatch(Action::Go(Route::NewEvent)))
    };
    let viewer = format::viewer_zone();
    let body = match &*events {
        None => html! {},
        Some(Err(message)) => html! { <p class="form-error" role="alert">{ message.clone() }</p> },
        Some(Ok(list)) if list.is_empty() => html! {
            <p class="empty" id="events-empty">{ if query.is_empty() { match p.tab {
                Tab::Upcoming => "Nothing coming up. Create an event, or publish a draft.",
                Tab::Past => "No past events yet.",
                Tab::Drafts => "No drafts. Drafts stay on your devices until you publish them.",
            } } else { "No event matches." } }</p>
        },
        Some(Ok(list)) => {
            let mut days: Vec<(chrono::NaiveDate, Vec<&EventView>)> = Vec::new();
            for view in list {
                let day = format::day_of(&view.event.details, viewer);
                match days.last_mut() {
                    Some((d, items)) if *d == day => items.push(view),
                    _ => days.push((day, vec![view])),
                }
            }
            html! {
                <div class="days" id="event-list">
                    { for days.into_iter().map(|(day, items)| html! {
                        <section class="day">
                            <h3>{ format::day_heading(day) }</h3>
                            <ul>{ for items.into_iter().map(|v| event_item(&app, v, viewer)) }</ul>
                        </section>
                    }) }
                </div>
            }
        }
    };
    let go_import = {
        let app = app.clone();
        Callback::from(move |_| app.dispatch(Action::Go(Route::Import)))
    };
    html! {
        <section class="events">
            <div class="page-head">
                <h1>{ "Events" }</h1>
                <div class="buttons">
                    <button id="import-ics" onclick={go_import} disabled={app.identities.is_empty()}>{ "Import .ics" }</button>
                    <button id="new-event" class="primary" onclick={new_event} disabled={app.identities.is_empty()}>{ "New event" }</button>
                </div>
            </div>
            if app.identities.is_empty() {
                <p class="welcome">{ "Create an identity first (Identities, above): events are organized by one of your identities." }</p>
            }
            <div class="toolbar">
                <div class="tabs" role="tablist">
                    { tab_button(Tab::Upcoming, "tab-upcoming", "Upcoming") }
                    { tab_button(Tab::Past, "tab-past", "Past") }
                    { tab_button(Tab::Drafts, "tab-drafts", "Drafts") }
                </div>
                <input id="event-search" type="search" placeholder="Search titles, descriptions, tags, places" value={(*query).clone()} oninput={on_search} />
            </div>
            { body }
        </section>
    }
}

fn event_item(app: &AppContext, view: &EventView, viewer: chrono_tz::Tz) -> Html {
    let d = &view.event.details;
    let open = {
        let app = app.clone();
        let id = view.event.id.clone();
        Callback::from(move |_| app.dispatch(Action::Go(Route::Event(id.clone()))))
    };
    html! {
        <li>
            <button class="event-item" data-id={view.event.id.clone()} onclick={open}>
                <span class="title">{ d.title.clone() }</span>
                <span class="badges">
                    if d.draft { <span class="badge draft">{ "Draft" }</span> }
                    if d.status == rally_core::model::EventStatus::Cancelled { <span class="badge cancelled">{ "Cancelled" }</span> }
                    if view.occurrence.as_ref().is_some_and(|o| o.moved) { <span class="badge">{ "Moved" }</span> }
                    if d.repeats() { <span class="badge repeats" title={rally_core::recurrence::describe(d)}>{ "Repeats" }</span> }
                </span>
                <span class="when">{ format::in_event_zone(d) }</span>
                if let Some(mine) = format::in_viewer_zone(d, viewer) { <span class="when mine">{ mine }</span> }
                if let Some(place) = &d.place { <span class="where">{ if place.name.is_empty() { place.address.clone() } else { place.name.clone() } }</span> }
                <span class="by">{ format!("by @{}", view.organizer) }</span>
            </button>
        </li>
    }
}
