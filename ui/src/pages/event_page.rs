//! One event, as its organizer sees it: back and the actions at the top, then the details, the
//! coming dates, the participants, and sharing.

use rally_core::model::{EventStatus, EventView, JoinMode, SyncState, Visibility, WithheldReason};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::components::{Occurrences, Participants, SharePanel};
use crate::format;
use crate::state::{Action, AppContext, Route, Tab};

/// Where a just-published event can be seen, and from when: it depends on whether this device syncs.
fn published_words(visibility: Visibility, sync: SyncState) -> String {
    let who = match visibility {
        Visibility::Public => "anyone, on its public page, the relay's calendar feed and your profile",
        Visibility::Unlisted => "anyone who has its link (it is listed nowhere)",
        Visibility::Private => "people you invite (it has no public page)",
    };
    match sync {
        SyncState::LoggedOut => format!(
            "Published on this device. Nobody else sees it yet: log in (Account) and it is sent to the relay, visible to {who}."
        ),
        SyncState::Offline => format!("Published. The relay is out of reach: it is sent when it is back, then visible to {who}."),
        SyncState::Syncing | SyncState::UpToDate => format!("Published: visible to {who} within seconds."),
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub id: String,
}

#[function_component(EventPage)]
pub fn event_page(p: &Props) -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let event = use_state(|| None::<Result<EventView, String>>);
    let picture = use_state(|| None::<String>);
    let confirming = use_state(|| false);
    // Why the relay keeps it off its pages, if it does (moderators hid it, say): the relay's word,
    // so only while it is reachable; offline the page shows what this device has.
    let withheld = use_state(|| None::<rally_core::model::WithheldDocument>);
    {
        let (event, picture, withheld) = (event.clone(), picture.clone(), withheld.clone());
        use_effect_with((p.id.clone(), app.sync.revision), move |(id, _)| {
            let id = id.clone();
            spawn_local(async move {
                if let Ok(all) = api::withheld_documents().await {
                    withheld.set(all.into_iter().find(|w| w.document_id == id));
                }
                let loaded = api::get_event(&id).await;
                if matches!(&loaded, Ok(v) if v.event.has_picture) {
                    picture.set(api::event_picture(&id).await.ok().flatten());
                }
                event.set(Some(loaded.map_err(|e| e.to_string())));
            });
        });
    }
    let view = match &*event {
        None => return html! { <p>{ "Loading…" }</p> },
        Some(Err(message)) => return html! { <p class="form-error" role="alert">{ message.clone() }</p> },
        Some(Ok(view)) => view.clone(),
    };
    let d = &view.event.details;
    let id = view.event.id.clone();
    let edit = {
        let app = app.clone();
        let id = id.clone();
        Callback::from(move |_| app.dispatch(Action::Go(Route::EditEvent(id.clone()))))
    };
    let publishing = use_state(|| false);
    let publish = {
        let (app, event, id, publishing) = (app.clone(), event.clone(), id.clone(), publishing.clone());
        Callback::from(move |_| {
            let (app, event, id, publishing) = (app.clone(), event.clone(), id.clone(), publishing.clone());
            publishing.set(true);
            spawn_local(async move {
                let published = api::publish_event(&id).await;
                publishing.set(false);
                match published {
                    Ok(view) => {
                        let words = published_words(view.event.details.visibility, app.sync.state);
                        event.set(Some(Ok(view)));
                        app.dispatch(Action::Notice(words));
                    }
                    Err(err) => app.dispatch(Action::Problem(format!("Could not publish: {err}"))),
                }
            });
        })
    };
    let ask = {
        let c = confirming.clone();
        Callback::from(move |_| c.set(true))
    };
    let cancel = {
        let c = confirming.clone();
        Callback::from(move |_| c.set(false))
    };
    let delete = {
        let (app, id) = (app.clone(), id.clone());
        let back = if d.draft { Tab::Drafts } else { Tab::Upcoming };
        Callback::from(move |_| {
            let (app, id) = (app.clone(), id.clone());
            spawn_local(async move {
                match api::delete_event(&id).await {
                    Ok(()) => {
                        app.dispatch(Action::Go(Route::Events(back)));
                        app.dispatch(if back == Tab::Drafts {
                            Action::DraftsDeleted { text: "Draft deleted".into(), ids: vec![id.clone()] }
                        } else {
                            Action::Notice("Event deleted".into())
                        });
                    }
                    Err(err) => app.dispatch(Action::Problem(format!("Could not delete: {err}"))),
                }
            });
        })
    };
    let viewer = format::viewer_zone();
    let back = {
        let app = app.clone();
        Callback::from(move |_: MouseEvent| app.dispatch(Action::Back))
    };
    let actions = html! {
        <div class="page-actions" id="event-actions">
            <button id="back" class="back" onclick={back}>{ "← Back" }</button>
            <span class="spacer"></span>
            if view.read_only {
                <span class="muted" id="event-read-only">{ "Only the group's administrators and moderators change it" }</span>
            } else {
                <button id="event-edit" onclick={edit}>{ "Edit" }</button>
                if d.draft {
                    <button id="event-publish" class="primary" onclick={publish} disabled={*publishing} aria-busy={publishing.to_string()}>
                        { if *publishing { "Publishing…" } else { "Publish" } }
                    </button>
                }
                if *confirming {
                    <span class="confirm" role="alert">{ "Delete this event for good?" }</span>
                    <button id="event-delete-confirm" class="danger" onclick={delete}>{ "Delete" }</button>
                    <button onclick={cancel}>{ "Cancel" }</button>
                } else {
                    <button id="event-delete" onclick={ask}>{ "Delete…" }</button>
                }
            }
        </div>
    };
    html! {
        <article class="event-page card">
            { actions }
            if let Some(src) = &*picture { <img class="picture" src={src.clone()} alt="" /> }
            <div class="badges">
                if let Some(group) = &view.group { <span class="badge group" id="event-group-badge">{ format!("@{group}'s calendar") }</span> }
                if d.draft { <span class="badge draft" id="event-draft-badge">{ if view.group.is_some() { "Draft — only on its editors' devices" } else { "Draft — only on your devices" } }</span> }
                if d.status == EventStatus::Cancelled { <span class="badge cancelled">{ "Cancelled" }</span> }
                if d.status == EventStatus::Tentative { <span class="badge">{ "Tentative" }</span> }
                <span class="badge">{ match d.visibility { Visibility::Public => "Public", Visibility::Unlisted => "Unlisted", Visibility::Private => "Private" } }</span>
            </div>
            if let Some(w) = &*withheld {
                <p class="withheld-note" id="event-withheld" role="status">
                    { match w.reason {
                        WithheldReason::HiddenByModerators => format!("Hidden by the relay's moderators: {}. Only you (and its other editors) still see it.", w.message),
                        _ => format!("Not shown on the relay's pages: {}", w.message),
                    } }
                </p>
            }
            <h1 id="event-heading">{ d.title.clone() }</h1>
            { match (&view.group, view.organizer.is_empty()) {
                // Another member's identity is theirs, not on this device: the group speaks for it.
                (Some(group), true) => html! { <p class="by organizer">{ "Organized by " }<strong>{ format!("@{group}") }</strong></p> },
                _ => organizer_line(&app, &view.organizer),
            } }
            <dl>
                <dt>{ "When" }</dt>
                <dd id="event-when">{ format::in_event_zone(d) }
                    if let Some(mine) = format::in_viewer_zone(d, viewer) { <br /><span class="mine">{ mine }</span> }
                </dd>
                if let Some(rule) = rally_core::recurrence::describe(d) {
                    <dt>{ "Repeats" }</dt><dd id="event-repeats">{ rule }</dd>
                }
                if let Some(place) = &d.place {
                    <dt>{ "Where" }</dt>
                    <dd id="event-where">
                        { place.one_line() }
                        if let (Some(lat), Some(lon)) = (place.latitude, place.longitude) {
                            <br /><a id="event-map" href={format!("https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}")} target="_blank" rel="noopener">{ "Map" }</a>
                            <small class="attribution">{ " © OpenStreetMap contributors" }</small>
                        }
                    </dd>
                }
                if let Some(url) = &d.online_url {
                    <dt>{ "Online" }</dt><dd><a id="event-online" href={url.clone()} target="_blank" rel="noopener">{ url.clone() }</a></dd>
                }
                <dt>{ "Joining" }</dt>
                <dd>{ match d.join_mode {
                    JoinMode::Free => "Anyone may join".to_string(),
                    JoinMode::Approval => "The organizer approves each request".to_string(),
                    JoinMode::Invite => "Invited people only".to_string(),
                    JoinMode::External => format!("Register at {}", d.registration_url.clone().unwrap_or_default()),
                } }
                if let Some(capacity) = d.capacity { { format!(" · {capacity} places") } }
                </dd>
                if !d.tags.is_empty() {
                    <dt>{ "Tags" }</dt><dd class="tags">{ for d.tags.iter().map(|t| html! { <span class="tag">{ format!("#{t}") }</span> }) }</dd>
                }
            </dl>
            if !d.description.is_empty() { <div class="description" id="event-description-text">{ d.description.clone() }</div> }
            if d.repeats() {
                <Occurrences view={view.clone()} on_changed={
                    let event = event.clone();
                    Callback::from(move |changed: EventView| event.set(Some(Ok(changed))))
                } />
            }
            if !d.draft && d.visibility != Visibility::Private && d.join_mode != JoinMode::External {
                <Participants event_id={id.clone()} />
            }
            <SharePanel id={id.clone()} revision={view.event.sequence as u64 + u64::from(!d.draft)} />
        </article>
    }
}

/// "Organized by" with the identity's avatar and display name, as people know it.
fn organizer_line(app: &AppContext, username: &str) -> Html {
    let identity = app.identities.iter().find(|i| i.username == username);
    let avatar = identity.and_then(|i| app.avatars.get(&i.id)).cloned();
    let name = identity.map(|i| i.display_name.clone()).unwrap_or_else(|| format!("@{username}"));
    html! {
        <p class="by organizer">
            if let Some(src) = avatar { <img class="avatar small" src={src} alt="" /> }
            { "Organized by " }<strong>{ name }</strong>
            if identity.is_some() { <span class="username">{ format!(" @{username}") }</span> }
        </p>
    }
}
