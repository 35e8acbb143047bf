//! An event in a list: its date block, picture, title, time, place, organizer and marks, so that a
//! list reads at a glance like Mobilizon's cards.

use rally_core::model::{CalendarEntry, Category};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::components::calendar::taking_part_words;
use crate::format;
use crate::state::{Action, AppContext, Route};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub entry: CalendarEntry,
    /// For a folded series: how many more occurrences follow this one.
    #[prop_or_default]
    pub more: usize,
    /// In a list where events are chosen for an action (publish, delete): whether this one is.
    #[prop_or_default]
    pub selected: Option<bool>,
    #[prop_or_default]
    pub on_select: Callback<bool>,
}

/// "Arts", "Outdoors Adventure": a category as people read it.
pub fn category_label(c: Category) -> String {
    let words = c.as_str().split('_').map(|w| {
        let mut chars = w.chars();
        chars.next().map(|f| f.to_string() + &chars.as_str().to_lowercase()).unwrap_or_default()
    });
    words.collect::<Vec<_>>().join(" ")
}

#[function_component(EventCard)]
pub fn event_card(p: &Props) -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let picture = use_state(|| None::<String>);
    {
        let picture = picture.clone();
        let (id, has) = (p.entry.event_id.clone(), p.entry.has_picture);
        use_effect_with((id, has), move |(id, has)| {
            if *has {
                let id = id.clone();
                spawn_local(async move { picture.set(api::event_picture(&id).await.ok().flatten()) });
            }
        });
    }
    let e = &p.entry;
    let viewer = format::viewer_zone();
    let (first, _) = rally_core::calendar::days_covered(e, viewer);
    let organizer = app.identities.iter().find(|i| i.username == e.organizer);
    let avatar = organizer.and_then(|i| app.avatars.get(&i.id)).cloned();
    let who = organizer.map(|i| i.display_name.clone()).unwrap_or_else(|| format!("@{}", e.organizer));
    let open = {
        let (app, id, page) = (app.clone(), e.event_id.clone(), e.page.clone().filter(|_| !e.mine));
        let remote = e.remote;
        // Another's event one takes part in is read on its relay: Taking part looks it up. Another
        // server's event has its own page, from what the relay last sent.
        Callback::from(move |_| match &page {
            Some(_) if remote => app.dispatch(Action::Go(Route::RemoteEvent(id.clone()))),
            Some(page) => app.dispatch(Action::Open(page.clone())),
            None => app.dispatch(Action::Go(Route::Event(id.clone()))),
        })
    };
    let select = p.selected.map(|selected| {
        let on_select = p.on_select.clone();
        let onchange = Callback::from(move |e: Event| {
            on_select.emit(e.target_unchecked_into::<web_sys::HtmlInputElement>().checked())
        });
        html! {
            <input type="checkbox" class="select" id={format!("select-{}", e.event_id)} checked={selected} {onchange}
                aria-label={format!("Choose \"{}\"", e.title)} />
        }
    });
    html! {
        <li class={classes!(select.is_some().then_some("selectable"))}>
            { for select }
            <button class={classes!("event-item", e.draft.then_some("draft"), e.cancelled.then_some("cancelled"))} data-id={e.event_id.clone()} onclick={open}>
                <span class="date-block" aria-hidden="true">
                    <span class="dow">{ first.format("%a").to_string() }</span>
                    <span class="dnum">{ first.format("%-d").to_string() }</span>
                    <span class="mon">{ first.format("%b").to_string() }</span>
                </span>
                if let Some(src) = &*picture { <img class="thumb" src={src.clone()} alt="" /> }
                <span class="body">
                    <span class="title">{ e.title.clone() }</span>
                    <span class="when">{ format!("{} · {}", first.format("%A %-d %B"), format::time_span(e, viewer)) }</span>
                    if let Some(place) = &e.place { <span class="where">{ place.clone() }</span> }
                    <span class="by">
                        if let Some(src) = avatar { <img class="avatar tiny" src={src} alt="" /> }
                        { format!("by {who}") }
                    </span>
                </span>
                <span class="badges">
                    if e.remote { <span class="badge remote" title="From another server">{ "Remote" }</span> }
                    if let Some(group) = &e.group { <span class="badge group">{ format!("@{group}") }</span> }
                    if e.draft { <span class="badge draft">{ "Draft" }</span> }
                    if e.cancelled { <span class="badge cancelled">{ "Cancelled" }</span> }
                    if let Some(status) = e.taking_part { <span class="badge going">{ taking_part_words(status) }</span> }
                    if e.repeats { <span class="badge repeats">{ if p.more > 0 { format!("Repeats · {} more", p.more) } else { "Repeats".into() } }</span> }
                    if e.online { <span class="badge online">{ "Online" }</span> }
                    if let Some(c) = e.category { <span class="badge category">{ category_label(c) }</span> }
                </span>
            </button>
        </li>
    }
}
