//! The coming dates of a repeating event, each of which its organizer may cancel, move or restore.

use chrono::Utc;
use rally_core::model::{ErrorBody, EventView, Occurrence, OccurrenceEdit};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::components::{error_for, Field};
use crate::state::{Action, AppContext};

/// How many coming dates the page shows.
const SHOWN: usize = 12;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub view: EventView,
    /// Called with the event as it is after a change.
    pub on_changed: Callback<EventView>,
}

/// The occurrence being moved, with its new times as typed.
#[derive(Clone, PartialEq)]
struct Moving {
    original: chrono::DateTime<Utc>,
    start: String,
    end: String,
}

#[function_component(Occurrences)]
pub fn occurrences(p: &Props) -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let list = use_state(|| None::<Result<Vec<Occurrence>, String>>);
    let moving = use_state(|| None::<Moving>);
    let error = use_state(|| None::<ErrorBody>);
    {
        let list = list.clone();
        let id = p.view.event.id.clone();
        use_effect_with((id, p.view.event.sequence, app.sync.revision), move |(id, _, _)| {
            let id = id.clone();
            spawn_local(async move {
                let found = api::event_occurrences(&id, Utc::now(), SHOWN).await;
                list.set(Some(found.map_err(|e| e.to_string())));
            });
        });
    }
    let d = &p.view.event.details;
    let zone: chrono_tz::Tz = d.timezone.parse().unwrap_or(chrono_tz::UTC);
    let apply = {
        let (id, on_changed, app, moving, error) =
            (p.view.event.id.clone(), p.on_changed.clone(), app.clone(), moving.clone(), error.clone());
        Callback::from(move |(original, edit): (chrono::DateTime<Utc>, OccurrenceEdit)| {
            let (id, on_changed, app, moving, error) =
                (id.clone(), on_changed.clone(), app.clone(), moving.clone(), error.clone());
            spawn_local(async move {
                match api::edit_occurrence(&id, original, &edit).await {
                    Ok(view) => {
                        moving.set(None);
                        error.set(None);
                        app.dispatch(Action::Notice(match edit {
                            OccurrenceEdit::Cancel => "That date is cancelled".into(),
                            OccurrenceEdit::Restore => "That date is back as the rule has it".into(),
                            OccurrenceEdit::Move { .. } => "That date is moved".into(),
                        }));
                        on_changed.emit(view);
                    }
                    Err(err) => error.set(Some(err)),
                }
            });
        })
    };
    let rows = match &*list {
        None => html! {},
        Some(Err(message)) => html! { <p class="form-error" role="alert">{ message.clone() }</p> },
        Some(Ok(list)) if list.is_empty() => html! { <p class="empty">{ "No dates to come." }</p> },
        Some(Ok(list)) => html! {
            <ul>{ for list.iter().map(|o| {
                let original = o.original_start;
                let key = original.to_rfc3339();
                let when = rally_core::when::span_text(o.starts_at, o.ends_at, d.all_day, zone);
                let act = |edit: OccurrenceEdit| {
                    let apply = apply.clone();
                    Callback::from(move |_: MouseEvent| apply.emit((original, edit.clone())))
                };
                let start_move = {
                    let moving = moving.clone();
                    let (start, end) = rally_core::when::to_form(o.starts_at, o.ends_at, &d.timezone, d.all_day);
                    Callback::from(move |_: MouseEvent| moving.set(Some(Moving { original, start: start.clone(), end: end.clone() })))
                };
                let editing = moving.as_ref().filter(|m| m.original == original).cloned();
                html! {
                    <li class={classes!("occurrence", o.cancelled.then_some("cancelled"))} data-start={key.clone()}>
                        <span class="when">{ when }</span>
                        if o.cancelled { <span class="badge cancelled">{ "Cancelled" }</span> }
                        if o.moved { <span class="badge">{ "Moved" }</span> }
                        if o.cancelled || o.moved {
                            <button class="occurrence-restore" onclick={act(OccurrenceEdit::Restore)}>{ "Restore" }</button>
                        }
                        if !o.cancelled {
                            <button class="occurrence-cancel" onclick={act(OccurrenceEdit::Cancel)}>{ "Cancel this date" }</button>
                            <button class="occurrence-move" onclick={start_move}>{ "Move…" }</button>
                        }
                        if let Some(m) = editing { { move_form(&m, &moving, &apply, &error) } }
                    </li>
                }
            }) }</ul>
        },
    };
    html! {
        <section class="occurrences" id="occurrences">
            <h2>{ "Coming dates" }</h2>
            { rows }
        </section>
    }
}

fn move_form(
    m: &Moving,
    moving: &UseStateHandle<Option<Moving>>,
    apply: &Callback<(chrono::DateTime<Utc>, OccurrenceEdit)>,
    error: &UseStateHandle<Option<ErrorBody>>,
) -> Html {
    let set = |change: fn(&mut Moving, String)| {
        let moving = moving.clone();
        Callback::from(move |v: String| {
            if let Some(mut next) = (*moving).clone() {
                change(&mut next, v);
                moving.set(Some(next));
            }
        })
    };
    let save = {
        let (m, apply) = (m.clone(), apply.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            apply.emit((m.original, OccurrenceEdit::Move { start: m.start.clone(), end: m.end.clone() }));
        })
    };
    let close = {
        let moving = moving.clone();
        Callback::from(move |_: MouseEvent| moving.set(None))
    };
    html! {
        <form class="move-occurrence" onsubmit={save}>
            <div class="row">
                <Field id="occurrence-move-start" label="Starts" value={m.start.clone()} on_input={set(|m, v| m.start = v)} error={error_for(error, "start")} />
                <Field id="occurrence-move-end" label="Ends" value={m.end.clone()} on_input={set(|m, v| m.end = v)} error={error_for(error, "end")} />
            </div>
            <div class="buttons">
                <button type="submit" id="occurrence-move-save" class="primary">{ "Move" }</button>
                <button type="button" onclick={close}>{ "Cancel" }</button>
            </div>
        </form>
    }
}
