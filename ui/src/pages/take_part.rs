//! Taking part in others' events: find one by its link, join it as one of one's identities with a
//! message to the organizer; and the events one takes part in, with where one stands (shown offline
//! too, as last heard from the relay).

use rally_core::model::{
    ErrorBody, FederationSnapshot, JoinMode, Participation, ParticipationStatus, PublicEvent, RemoteParticipation,
    RemoteParticipationStatus, Reported,
};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::components::{Field, ReportForm, SelectField};
use crate::state::{Action, AppContext, Route};

/// The identity last used to join, preselected next time.
const LAST_IDENTITY: &str = "rally.join_identity";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

#[function_component(TakePartPage)]
pub fn take_part_page() -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let link = use_state(String::new);
    let found = use_state(|| None::<Result<PublicEvent, String>>);
    // The one last used, if it is still one of this profile's; else the one acting now.
    let remembered = storage()
        .and_then(|s| s.get_item(LAST_IDENTITY).ok().flatten())
        .filter(|id| app.identities.iter().any(|i| i.id == *id));
    let picked = use_state(|| remembered);
    // What the chooser shows and joining uses: the pick while it is one of this profile's identities.
    let identity = (*picked)
        .clone()
        .filter(|id| app.identities.iter().any(|i| i.id == *id))
        .or_else(|| app.current.clone())
        .unwrap_or_default();
    let message = use_state(String::new);
    let outcome = use_state(|| None::<Result<String, ErrorBody>>);
    let mine = use_state(|| None::<Result<Vec<Participation>, String>>);
    // Other servers' events one takes part in, as the relay last said.
    let elsewhere = use_state(FederationSnapshot::default);
    {
        let (mine, elsewhere) = (mine.clone(), elsewhere.clone());
        use_effect_with((app.sync.revision, (*outcome).clone()), move |_| {
            spawn_local(async move {
                mine.set(Some(api::my_participations().await.map_err(|e| e.to_string())));
                if let Ok(kept) = api::federation_kept().await {
                    elsewhere.set(kept);
                }
            });
        });
    }
    {
        // Opened by a `rally:` link: that event, looked up at once.
        let (link, found, outcome) = (link.clone(), found.clone(), outcome.clone());
        use_effect_with(app.opening.clone(), move |opening| {
            if let Some(page) = opening.clone() {
                link.set(page.clone());
                outcome.set(None);
                spawn_local(async move { found.set(Some(api::public_event(&page).await.map_err(|e| e.to_string()))) });
            }
        });
    }
    let look_up = {
        let (link, found, outcome) = (link.clone(), found.clone(), outcome.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (link, found, outcome) = ((*link).clone(), found.clone(), outcome.clone());
            outcome.set(None);
            spawn_local(async move { found.set(Some(api::public_event(&link).await.map_err(|e| e.to_string()))) });
        })
    };
    let joining = use_state(|| false);
    let join = {
        let (found, identity, message, outcome, app, joining) =
            (found.clone(), identity.clone(), message.clone(), outcome.clone(), app.clone(), joining.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(Ok(event)) = (*found).clone() else { return };
            let (identity, message, outcome, app, joining, found) =
                (identity.clone(), (*message).clone(), outcome.clone(), app.clone(), joining.clone(), found.clone());
            if let Some(s) = storage() {
                let _ = s.set_item(LAST_IDENTITY, &identity);
            }
            joining.set(true);
            spawn_local(async move {
                let joined = api::join_event(&event.event.id, &identity, &message).await;
                joining.set(false);
                if let Ok(p) = &joined {
                    app.dispatch(Action::Notice(p.outcome()));
                    // The places as they are now, with this person counted.
                    if let Ok(now) = api::public_event(&event.event.id).await {
                        found.set(Some(Ok(now)));
                    }
                }
                outcome.set(Some(joined.map(|p| p.outcome())));
            });
        })
    };
    let set = |handle: &UseStateHandle<String>| {
        let handle = handle.clone();
        Callback::from(move |v: String| handle.set(v))
    };
    let identities: Vec<(AttrValue, AttrValue)> = app
        .identities
        .iter()
        .map(|i| (AttrValue::from(i.id.clone()), AttrValue::from(format!("{} (@{})", i.display_name, i.username))))
        .collect();
    let found_card = match &*found {
        None => html! {},
        Some(Err(message)) => html! { <p class="form-error" id="join-error" role="alert">{ message.clone() }</p> },
        Some(Ok(public)) => {
            let d = &public.event.details;
            let places = match public.remaining {
                Some(1) => format!("{} going · 1 place left", public.going),
                Some(left) => format!("{} going · {left} places left", public.going),
                None => format!("{} going", public.going),
            };
            let (label, note) = match d.join_mode {
                JoinMode::Approval => ("Ask to join", "The organizer approves each participant."),
                JoinMode::Invite => ("Join", "Only invited people may join."),
                _ => ("Join", ""),
            };
            html! {
                <div class="card form" id="join-event">
                    <h2>{ d.title.clone() }</h2>
                    <p class="by">{ format!("Organized by @{}", public.organizer) }</p>
                    <p id="join-when">{ rally_core::when::describe(d) }</p>
                    if let Some(rule) = rally_core::recurrence::describe(d) { <p>{ rule }</p> }
                    if let Some(place) = &d.place { <p>{ place.one_line() }</p> }
                    <p id="join-places">{ places }</p>
                    if d.join_mode == JoinMode::External {
                        <p>{ "People register elsewhere: " }<a href={d.registration_url.clone().unwrap_or_default()} target="_blank" rel="noopener">{ d.registration_url.clone().unwrap_or_default() }</a></p>
                    } else {
                        if !note.is_empty() { <p class="hint">{ note }</p> }
                        <SelectField id="join-identity" label="Take part as" value={AttrValue::from(identity.clone())} options={identities} on_change={
                            let picked = picked.clone();
                            Callback::from(move |v: String| picked.set(Some(v)))
                        } />
                        <Field id="join-message" label="A message to the organizer (optional)" multiline=true value={(*message).clone()} on_input={set(&message)} />
                        // Once in, the button is gone: the outcome below says where one stands.
                        if !matches!(&*outcome, Some(Ok(_))) {
                            <div class="buttons">
                                <button id="join-submit" class="primary" onclick={join} disabled={*joining} aria-busy={joining.to_string()}>
                                    { if *joining { "Sending…" } else { label } }
                                </button>
                            </div>
                        }
                    }
                    { match &*outcome {
                        Some(Ok(text)) => html! { <p class="outcome" id="join-outcome" role="status">{ text.clone() }</p> },
                        Some(Err(err)) => html! { <p class="form-error" id="join-outcome" role="alert">{ err.to_string() }</p> },
                        None => html! {},
                    } }
                    // Reported as the identity chosen above.
                    <ReportForm reported={Reported::Event(public.event.id.clone())} identity={AttrValue::from(identity.clone())} />
                </div>
            }
        }
    };
    let list = match &*mine {
        None => html! {},
        Some(Err(message)) => html! { <p class="form-error" role="alert">{ message.clone() }</p> },
        // Events of other servers one takes part in are listed below: then this list is simply empty.
        Some(Ok(list)) if list.is_empty() && elsewhere.participations.is_empty() => {
            html! { <p class="empty" id="my-participations-empty">{ "You take part in no event yet." }</p> }
        }
        Some(Ok(list)) if list.is_empty() => html! {},
        Some(Ok(list)) => html! {
            <ul id="my-participations">{ for list.iter().map(|p| participation_item(&app, p, &outcome)) }</ul>
        },
    };
    html! {
        <section class="take-part">
            <h1>{ "Taking part" }</h1>
            <form class="card form" id="join-lookup" onsubmit={look_up}>
                <Field id="join-link" label="An event's link (or its id)" value={(*link).clone()} on_input={set(&link)} placeholder="https://…/events/…" />
                <div class="buttons"><button type="submit" id="join-lookup-button">{ "Look it up" }</button></div>
            </form>
            { found_card }
            <h2>{ "Events I take part in" }</h2>
            { list }
            if elsewhere.participations.iter().any(|p| p.status != RemoteParticipationStatus::Left) {
                <h2>{ "On other servers" }</h2>
                <ul id="remote-participations">
                    { for elsewhere.participations.iter().filter(|p| p.status != RemoteParticipationStatus::Left).map(|p| remote_item(&app, p, &elsewhere)) }
                </ul>
            }
        </section>
    }
}

fn participation_item(
    app: &AppContext,
    p: &Participation,
    outcome: &UseStateHandle<Option<Result<String, ErrorBody>>>,
) -> Html {
    let leave = {
        let (app, outcome) = (app.clone(), outcome.clone());
        let (event, identity) = (p.event_id.clone(), p.identity_id.clone().unwrap_or_default());
        Callback::from(move |_: MouseEvent| {
            let (app, outcome, event, identity) = (app.clone(), outcome.clone(), event.clone(), identity.clone());
            spawn_local(async move {
                let left = api::leave_event(&event, &identity).await;
                match &left {
                    Ok(p) => app.dispatch(Action::Notice(p.outcome())),
                    Err(err) => app.dispatch(Action::Problem(format!("Could not leave: {err}"))),
                }
                outcome.set(Some(left.map(|p| p.outcome())));
            });
        })
    };
    let (title, when) = match &p.event {
        Some(e) => {
            let tz: chrono_tz::Tz = e.timezone.parse().unwrap_or(chrono_tz::UTC);
            (
                e.title.clone(),
                format!("{} ({})", rally_core::when::span_text(e.starts_at, e.ends_at, e.all_day, tz), e.timezone),
            )
        }
        None => (p.event_id.clone(), "no longer public".to_string()),
    };
    let status = match (p.status, p.waitlist_position) {
        (ParticipationStatus::Waitlisted, Some(n)) => format!("on the waiting list (number {n})"),
        (status, _) => status.label().to_string(),
    };
    let active = !matches!(p.status, ParticipationStatus::Left | ParticipationStatus::Refused);
    html! {
        <li class="participation card" data-event={p.event_id.clone()}>
            <strong class="title">{ title }</strong>
            <span class="when">{ when }</span>
            <span class={classes!("status", p.status.as_str())}>{ format!("As @{}: {status}", p.username.clone().unwrap_or_default()) }</span>
            if active { <button class="leave" onclick={leave}>{ "Leave" }</button> }
        </li>
    }
}

/// One of other servers' events one takes part in (or asked to): opened on its own page in the app.
fn remote_item(app: &AppContext, p: &RemoteParticipation, kept: &FederationSnapshot) -> Html {
    let open = {
        let (app, id) = (app.clone(), p.event_id.clone());
        Callback::from(move |_: MouseEvent| app.dispatch(Action::Go(Route::RemoteEvent(id.clone()))))
    };
    let title = kept.events.iter().find(|e| e.event.id == p.event_id).map(|e| e.event.details.title.clone());
    let who = app.identities.iter().find(|i| i.id == p.identity_id).map(|i| i.username.clone()).unwrap_or_default();
    html! {
        <li class="participation card remote" data-event={p.event_id.clone()}>
            <strong class="title">{ title.unwrap_or_else(|| p.event_url.clone()) }</strong>
            <span class="badge remote">{ "Remote" }</span>
            <span class={classes!("status", p.status.as_str())}>{ format!("As @{who}: {}", p.status.label()) }</span>
            <button class="open" onclick={open}>{ "Open" }</button>
        </li>
    }
}
