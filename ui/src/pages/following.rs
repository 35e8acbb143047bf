//! People and groups of other servers (Mobilizon, Mastodon, other Rally relays): follow one by
//! `@name@host`, see their events (in the calendar too, marked remote) and join them as one of
//! one's identities. Everything here shows offline, as the relay last said.

use rally_core::model::{
    FederationSnapshot, JoinMode, RemoteEvent, RemoteParticipation, RemoteParticipationStatus, Reported,
};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::components::{Field, ReportForm, SelectField};
use crate::state::{Action, AppContext, Route};

/// What the chooser of identities lists: each as "Name (@username)".
fn identity_options(app: &AppContext) -> Vec<(AttrValue, AttrValue)> {
    app.identities
        .iter()
        .map(|i| (AttrValue::from(i.id.clone()), AttrValue::from(format!("{} (@{})", i.display_name, i.username))))
        .collect()
}

fn username_of(app: &AppContext, identity_id: &str) -> String {
    app.identities.iter().find(|i| i.id == identity_id).map(|i| format!("@{}", i.username)).unwrap_or_default()
}

fn when(e: &RemoteEvent) -> String {
    rally_core::when::describe(&e.event.details)
}

/// The kept snapshot, reloaded whenever sync brought something and whenever `again` changes.
#[hook]
fn use_kept(again: u32) -> UseStateHandle<Option<Result<FederationSnapshot, String>>> {
    let app = use_context::<AppContext>().expect("app context");
    let kept = use_state(|| None);
    {
        let kept = kept.clone();
        use_effect_with((app.sync.revision, again), move |_| {
            spawn_local(async move { kept.set(Some(api::federation_kept().await.map_err(|e| e.to_string()))) });
        });
    }
    kept
}

#[function_component(FollowingPage)]
pub fn following_page() -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let again = use_state(|| 0_u32);
    let kept = use_kept(*again);
    let handle = use_state(String::new);
    let picked = use_state(|| None::<String>);
    let identity = (*picked).clone().or_else(|| app.current.clone()).unwrap_or_default();
    let outcome = use_state(|| None::<Result<String, String>>);
    let sending = use_state(|| false);
    let follow = {
        let (handle, identity, outcome, sending, again) =
            (handle.clone(), identity.clone(), outcome.clone(), sending.clone(), again.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (who, identity, outcome, sending, again) =
                ((*handle).clone(), identity.clone(), outcome.clone(), sending.clone(), again.clone());
            sending.set(true);
            spawn_local(async move {
                let answer = api::follow(&identity, &who).await;
                sending.set(false);
                outcome.set(Some(match answer {
                    Ok(f) if f.accepted => Ok(format!("You follow {} ({})", f.name, f.handle)),
                    Ok(f) => Ok(format!("Asked to follow {} ({}): waiting for their server", f.name, f.handle)),
                    Err(err) => Err(err.to_string()),
                }));
                again.set(*again + 1);
            });
        })
    };
    let on_handle = {
        let handle = handle.clone();
        Callback::from(move |v: String| handle.set(v))
    };
    let on_identity = {
        let picked = picked.clone();
        Callback::from(move |v: String| picked.set(Some(v)))
    };
    let body = match &*kept {
        None => html! {},
        Some(Err(message)) => html! { <p class="form-error" role="alert">{ message.clone() }</p> },
        Some(Ok(all)) => {
            let follows = if all.follows.is_empty() {
                html! { <p class="empty" id="follows-empty">{ "You follow nobody on another server yet." }</p> }
            } else {
                html! {
                    <ul id="follows" class="follow-list">
                        { for all.follows.iter().map(|f| html! {
                            <li class="card follow" data-actor={f.actor.clone()}>
                                <strong>{ f.name.clone() }</strong>
                                <span class="handle">{ f.handle.clone() }</span>
                                <span class={classes!("status", if f.accepted { "going" } else { "pending" })}>
                                    { format!("{} · as {}", if f.accepted { "following" } else { "waiting for their server" }, username_of(&app, &f.identity_id)) }
                                </span>
                            </li>
                        }) }
                    </ul>
                }
            };
            let events = if all.events.is_empty() {
                html! { <p class="empty" id="remote-events-empty">{ "No event from them yet." }</p> }
            } else {
                html! {
                    <ul id="remote-events" class="event-list">
                        { for all.events.iter().map(|e| remote_item(&app, e, &all.participations)) }
                    </ul>
                }
            };
            html! {
                <>
                    <h2>{ "People and groups you follow" }</h2>
                    { follows }
                    <h2>{ "Their events" }</h2>
                    { events }
                </>
            }
        }
    };
    html! {
        <section class="following">
            <h1>{ "Following" }</h1>
            <form class="card form" id="follow-form" onsubmit={follow}>
                <Field id="follow-handle" label="Someone on another server: @name@server, or their page's address" value={(*handle).clone()} on_input={on_handle} placeholder="@someone@mobilizon.example" />
                <SelectField id="follow-identity" label="Follow as" value={AttrValue::from(identity)} options={identity_options(&app)} on_change={on_identity} />
                <div class="buttons">
                    <button type="submit" id="follow-submit" class="primary" disabled={*sending} aria-busy={sending.to_string()}>
                        { if *sending { "Asking…" } else { "Follow" } }
                    </button>
                </div>
                { match &*outcome {
                    Some(Ok(text)) => html! { <p class="outcome" id="follow-outcome" role="status">{ text.clone() }</p> },
                    Some(Err(text)) => html! { <p class="form-error" id="follow-outcome" role="alert">{ text.clone() }</p> },
                    None => html! {},
                } }
            </form>
            { body }
        </section>
    }
}

fn remote_item(app: &AppContext, e: &RemoteEvent, participations: &[RemoteParticipation]) -> Html {
    let open = {
        let (app, id) = (app.clone(), e.event.id.clone());
        Callback::from(move |_: MouseEvent| app.dispatch(Action::Go(Route::RemoteEvent(id.clone()))))
    };
    let mine = participations.iter().find(|p| p.event_id == e.event.id && p.status != RemoteParticipationStatus::Left);
    html! {
        <li>
            <button class="event-item remote" data-id={e.event.id.clone()} onclick={open}>
                <span class="body">
                    <span class="title">{ e.event.details.title.clone() }</span>
                    <span class="when">{ when(e) }</span>
                    if let Some(place) = &e.event.details.place { <span class="where">{ place.one_line() }</span> }
                    <span class="by">{ format!("by {} ({})", e.organizer_name, e.organizer) }</span>
                </span>
                <span class="badges">
                    <span class="badge remote">{ "Remote" }</span>
                    if let Some(p) = mine { <span class="badge going">{ p.status.label() }</span> }
                </span>
            </button>
        </li>
    }
}

#[derive(Properties, PartialEq)]
pub struct RemoteEventProps {
    pub id: String,
}

/// One event of another server: what it says, where one stands, and joining or leaving it.
#[function_component(RemoteEventPage)]
pub fn remote_event_page(p: &RemoteEventProps) -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let again = use_state(|| 0_u32);
    let kept = use_kept(*again);
    let picked = use_state(|| None::<String>);
    let identity = (*picked).clone().or_else(|| app.current.clone()).unwrap_or_default();
    let message = use_state(String::new);
    let busy = use_state(|| false);
    let problem = use_state(|| None::<String>);
    let Some(Ok(all)) = &*kept else {
        return match &*kept {
            Some(Err(message)) => html! { <p class="form-error" role="alert">{ message.clone() }</p> },
            _ => html! {},
        };
    };
    let Some(event) = all.events.iter().find(|e| e.event.id == p.id).cloned() else {
        return html! {
            <section class="remote-event">
                <p class="empty" id="remote-gone">{ "This event is no longer there: its organizer deleted it, or you no longer follow them." }</p>
            </section>
        };
    };
    let standing: Vec<RemoteParticipation> = all
        .participations
        .iter()
        .filter(|x| {
            x.event_id == p.id
                && matches!(x.status, RemoteParticipationStatus::Requested | RemoteParticipationStatus::Going)
        })
        .cloned()
        .collect();
    let done = |busy: UseStateHandle<bool>, problem: UseStateHandle<Option<String>>, again: UseStateHandle<u32>| {
        move |result: Result<(), String>| {
            busy.set(false);
            problem.set(result.err());
            again.set(*again + 1);
        }
    };
    let join = {
        let (id, identity, message) = (p.id.clone(), identity.clone(), message.clone());
        let finish = done(busy.clone(), problem.clone(), again.clone());
        let busy = busy.clone();
        Callback::from(move |_: MouseEvent| {
            let (id, identity, message, finish) = (id.clone(), identity.clone(), (*message).clone(), finish.clone());
            busy.set(true);
            spawn_local(async move {
                finish(api::join_remote(&id, &identity, &message).await.map(|_| ()).map_err(|e| e.to_string()))
            });
        })
    };
    let d = &event.event.details;
    let (label, note) = match d.join_mode {
        JoinMode::Approval => ("Ask to join", "The organizer approves each participant."),
        JoinMode::Invite => ("Join", "Only invited people may join."),
        _ => ("Join", ""),
    };
    let places = d.capacity.map(|c| format!("{c} places"));
    let reporter = identity.clone();
    let host = event.organizer.rsplit('@').next().unwrap_or_default().to_string();
    html! {
        <section class="remote-event card">
            <p class="badges"><span class="badge remote">{ "From another server" }</span></p>
            <h1 id="remote-title">{ d.title.clone() }</h1>
            <p class="by" id="remote-organizer">
                { format!("Organized by {} ({})", event.organizer_name, event.organizer) }
                if let Some(group) = &event.group { { format!(" · {group}") } }
            </p>
            <p id="remote-when">{ when(&event) }</p>
            if let Some(place) = &d.place { <p id="remote-place">{ place.one_line() }</p> }
            if let Some(places) = places { <p>{ places }</p> }
            if !d.description.is_empty() { <p class="description" id="remote-description">{ d.description.clone() }</p> }
            <p><a id="remote-link" href={event.url.clone()} target="_blank" rel="noopener">{ "Its page on its server" }</a></p>
            <h2>{ "Taking part" }</h2>
            { for standing.iter().map(|s| {
                let leave = {
                    let (id, who) = (p.id.clone(), s.identity_id.clone());
                    let finish = done(busy.clone(), problem.clone(), again.clone());
                    let busy = busy.clone();
                    Callback::from(move |_: MouseEvent| {
                        let (id, who, finish) = (id.clone(), who.clone(), finish.clone());
                        busy.set(true);
                        spawn_local(async move { finish(api::leave_remote(&id, &who).await.map_err(|e| e.to_string())) });
                    })
                };
                html! {
                    <p class="standing">
                        <span id="remote-status" class={classes!("status", s.status.as_str())}>
                            { format!("As {}: {}", username_of(&app, &s.identity_id), s.status.label()) }
                        </span>
                        { " " }
                        <button id="remote-leave" class="leave" onclick={leave} disabled={*busy}>{ "Leave" }</button>
                    </p>
                }
            }) }
            if standing.is_empty() {
                if d.join_mode == JoinMode::External {
                    <p>{ "People register elsewhere: " }<a href={d.registration_url.clone().unwrap_or_default()} target="_blank" rel="noopener">{ d.registration_url.clone().unwrap_or_default() }</a></p>
                } else {
                    if !note.is_empty() { <p class="hint">{ note }</p> }
                    <SelectField id="remote-identity" label="Take part as" value={AttrValue::from(identity)} options={identity_options(&app)} on_change={
                        let picked = picked.clone();
                        Callback::from(move |v: String| picked.set(Some(v)))
                    } />
                    <Field id="remote-message" label="A message to the organizer (optional)" multiline=true value={(*message).clone()} on_input={
                        let message = message.clone();
                        Callback::from(move |v: String| message.set(v))
                    } />
                    <div class="buttons">
                        <button id="remote-join" class="primary" onclick={join} disabled={*busy} aria-busy={busy.to_string()}>
                            { if *busy { "Sending…" } else { label } }
                        </button>
                    </div>
                }
            }
            if let Some(text) = &*problem { <p class="form-error" id="remote-problem" role="alert">{ text.clone() }</p> }
            // Reported to this relay's moderators as the identity chosen above, and to its server's.
            <ReportForm reported={Reported::Remote(event.url.clone())} identity={AttrValue::from(reporter)} remote_host={AttrValue::from(host)} />
        </section>
    }
}
