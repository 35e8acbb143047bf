//! The people who asked to join one of the organizer's events: each request with its message, accept
//! or refuse one or many (offline too: sync sends the decisions, and a decision another device made
//! first is shown as such), and the list as CSV.

use std::collections::BTreeSet;

use rally_core::model::{Decision, ParticipantEntry, ParticipationStatus, SyncState};
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::api;
use crate::state::{Action, AppContext};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub event_id: String,
}

#[function_component(Participants)]
pub fn participants(p: &Props) -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let list = use_state(|| None::<Result<Vec<ParticipantEntry>, String>>);
    let selected = use_state(BTreeSet::<String>::new);
    {
        let list = list.clone();
        use_effect_with((p.event_id.clone(), app.sync.revision), move |(id, _)| {
            let id = id.clone();
            spawn_local(async move { list.set(Some(api::event_requests(&id).await.map_err(|e| e.to_string()))) });
        });
    }
    let decide = {
        let (app, list, selected, id) = (app.clone(), list.clone(), selected.clone(), p.event_id.clone());
        Callback::from(move |(ids, decision): (Vec<String>, Decision)| {
            let (app, list, selected, id) = (app.clone(), list.clone(), selected.clone(), id.clone());
            spawn_local(async move {
                match api::decide(&id, &ids, decision).await {
                    Ok(updated) => {
                        list.set(Some(Ok(updated)));
                        selected.set(BTreeSet::new());
                        let verb = if decision == Decision::Accept { "Accepted" } else { "Refused" };
                        app.dispatch(Action::Notice(if app.sync.state == SyncState::UpToDate {
                            format!("{verb}: {} request(s)", ids.len())
                        } else {
                            format!("{verb} here: Rally sends it when the relay can be reached")
                        }));
                    }
                    Err(err) => app.dispatch(Action::Problem(format!("Could not decide: {err}"))),
                }
            });
        })
    };
    let export = {
        let (app, id) = (app.clone(), p.event_id.clone());
        Callback::from(move |_: MouseEvent| {
            let (app, id) = (app.clone(), id.clone());
            spawn_local(async move {
                match api::save_participants_csv(&id).await {
                    Ok(path) => {
                        app.dispatch(Action::Saved { text: format!("Saved the participant list in {path}"), path })
                    }
                    Err(err) => app.dispatch(Action::Problem(format!("Could not save the list: {err}"))),
                }
            });
        })
    };
    let entries = match &*list {
        None => return html! {},
        Some(Err(message)) => return html! { <p class="form-error" role="alert">{ message.clone() }</p> },
        Some(Ok(entries)) => entries.clone(),
    };
    let count = |s: ParticipationStatus| entries.iter().filter(|e| e.participation.status == s).count();
    let summary = format!(
        "{} going · {} waiting for approval · {} on the waiting list",
        count(ParticipationStatus::Going),
        count(ParticipationStatus::Pending),
        count(ParticipationStatus::Waitlisted)
    );
    let bulk = |decision: Decision| {
        let (decide, selected) = (decide.clone(), selected.clone());
        Callback::from(move |_: MouseEvent| decide.emit(((*selected).iter().cloned().collect(), decision)))
    };
    html! {
        <section class="participants" id="participants">
            <h2>{ "Participants" }</h2>
            <p id="participants-summary">{ summary }</p>
            if entries.is_empty() {
                <p class="empty" id="participants-empty">{ "Nobody has asked to join yet." }</p>
            } else {
                <ul>{ for entries.iter().map(|e| entry(e, &decide, &selected)) }</ul>
                <div class="buttons">
                    <button id="participants-accept" disabled={selected.is_empty()} onclick={bulk(Decision::Accept)}>{ "Accept selected" }</button>
                    <button id="participants-refuse" disabled={selected.is_empty()} onclick={bulk(Decision::Refuse)}>{ "Refuse selected" }</button>
                    <button id="participants-csv" onclick={export}>{ "Export as CSV" }</button>
                </div>
            }
        </section>
    }
}

fn entry(
    e: &ParticipantEntry,
    decide: &Callback<(Vec<String>, Decision)>,
    selected: &UseStateHandle<BTreeSet<String>>,
) -> Html {
    let p = &e.participation;
    let who = match &p.username {
        Some(u) => format!("{} (@{u})", p.name),
        None => format!("{} (no account)", p.name),
    };
    let status = match (p.status, p.waitlist_position) {
        (ParticipationStatus::Waitlisted, Some(n)) => format!("on the waiting list (number {n})"),
        (s, _) => s.label().to_string(),
    };
    let one = |decision: Decision| {
        let (decide, id) = (decide.clone(), p.id.clone());
        Callback::from(move |_: MouseEvent| decide.emit((vec![id.clone()], decision)))
    };
    let toggle = {
        let (selected, id) = (selected.clone(), p.id.clone());
        Callback::from(move |ev: Event| {
            let mut next = (*selected).clone();
            if ev.target_unchecked_into::<HtmlInputElement>().checked() {
                next.insert(id.clone());
            } else {
                next.remove(&id);
            }
            selected.set(next);
        })
    };
    let open = matches!(p.status, ParticipationStatus::Pending | ParticipationStatus::Waitlisted);
    html! {
        <li class="request" data-id={p.id.clone()} data-name={p.username.clone().unwrap_or_else(|| p.name.clone())}>
            if open { <input type="checkbox" class="select" checked={selected.contains(&p.id)} onchange={toggle} aria-label={format!("Select {who}")} /> }
            <strong class="who">{ who }</strong>
            <span class={classes!("status", p.status.as_str())}>{ status }</span>
            if let Some(decision) = e.pending {
                <span class="badge pending">{ if decision == Decision::Accept { "Accepted here: sent with the next sync" } else { "Refused here: sent with the next sync" } }</span>
            }
            if let Some(note) = &e.note { <span class="note" role="alert">{ format!("Not applied: {note}") }</span> }
            if !p.message.is_empty() { <blockquote class="message">{ p.message.clone() }</blockquote> }
            if open && e.pending.is_none() {
                <button class="accept" onclick={one(Decision::Accept)}>{ "Accept" }</button>
                <button class="refuse" onclick={one(Decision::Refuse)}>{ "Refuse" }</button>
            }
        </li>
    }
}
