//! "Add to calendar" and sharing, under an event: save the .ics, the relay's calendar links (https and
//! webcal) once the event is public there, and sharing by mail, to Mastodon (the instance is asked
//! once and remembered) and to other networks.

use rally_core::model::EventLinks;
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::api;
use crate::state::{Action, AppContext};

const MASTODON_KEY: &str = "rally.mastodon_instance";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub id: String,
    /// Changes when the event does, so the links follow.
    pub revision: u64,
}

#[function_component(SharePanel)]
pub fn share_panel(p: &Props) -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let links = use_state(|| None::<EventLinks>);
    let instance = use_state(|| storage().and_then(|s| s.get_item(MASTODON_KEY).ok().flatten()).unwrap_or_default());
    let instance_error = use_state(|| None::<String>);
    {
        let links = links.clone();
        use_effect_with((p.id.clone(), p.revision), move |(id, _)| {
            let id = id.clone();
            spawn_local(async move { links.set(api::event_links(&id).await.ok()) });
        });
    }
    let save = {
        let (app, id) = (app.clone(), p.id.clone());
        Callback::from(move |_| {
            let (app, id) = (app.clone(), id.clone());
            spawn_local(async move {
                match api::save_event_ics(&id).await {
                    Ok(path) => {
                        app.dispatch(Action::Saved { text: format!("Saved {path}: open it with your calendar"), path })
                    }
                    Err(err) => app.dispatch(Action::Problem(format!("Could not save the .ics: {err}"))),
                }
            });
        })
    };
    let Some(links) = (*links).clone() else { return html! {} };
    let copy = {
        let (app, page) = (app.clone(), links.page.clone());
        Callback::from(move |_| {
            let Some(page) = page.clone() else { return };
            if let Some(window) = web_sys::window() {
                let _ = window.navigator().clipboard().write_text(&page);
                app.dispatch(Action::Notice("Link copied".into()));
            }
        })
    };
    let on_instance = {
        let instance = instance.clone();
        Callback::from(move |e: InputEvent| instance.set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let to_mastodon = {
        let (instance, error, text) = (instance.clone(), instance_error.clone(), links.share_text.clone());
        Callback::from(move |_| match rally_core::share::mastodon(&instance, &text) {
            Ok(url) => {
                if let Some(s) = storage() {
                    let _ = s.set_item(MASTODON_KEY, instance.trim());
                }
                error.set(None);
                let error = error.clone();
                spawn_local(async move {
                    if let Err(err) = api::open_link(&url).await {
                        error.set(Some(err.message));
                    }
                });
            }
            Err(err) => error.set(Some(err.to_string())),
        })
    };
    html! {
        <section class="share card" id="event-share">
            <h2>{ "Calendar and sharing" }</h2>
            <div class="buttons">
                <button id="event-add-to-calendar" onclick={save}>{ "Add to calendar (.ics)" }</button>
                if links.page.is_some() { <button id="share-copy" onclick={copy}>{ "Copy link" }</button> }
                <a id="share-mail" class="button" href={links.mailto.clone()}>{ "Share by mail" }</a>
            </div>
            if let Some(page) = &links.page {
                <p>{ "Public page: " }<a id="share-page" href={page.clone()} target="_blank" rel="noopener">{ page.clone() }</a></p>
            }
            if let (Some(https), Some(webcal)) = (&links.feed_https, &links.feed_webcal) {
                <p>{ "Organizer's calendar: " }
                    <a id="feed-webcal" href={webcal.clone()}>{ "subscribe (webcal)" }</a>{ " · " }
                    <a id="feed-https" href={https.clone()} target="_blank" rel="noopener">{ https.clone() }</a>
                </p>
            }
            <div class="mastodon">
                <label for="share-mastodon-instance">{ "Your Mastodon instance" }</label>
                <input id="share-mastodon-instance" placeholder="mastodon.social" value={(*instance).clone()} oninput={on_instance} />
                <button id="share-mastodon" onclick={to_mastodon}>{ "Share to Mastodon" }</button>
                if let Some(message) = &*instance_error { <p class="form-error" role="alert">{ message.clone() }</p> }
            </div>
            if !links.networks.is_empty() {
                <p class="networks">{ "Share on: " }
                    { for links.networks.iter().map(|n| html! {
                        <a class="share-network" href={n.url.clone()} target="_blank" rel="noopener">{ n.name.clone() }{ " " }</a>
                    }) }
                </p>
            }
        </section>
    }
}
