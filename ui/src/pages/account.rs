//! The account: log in, sign up or reset a password on a relay; once logged in, who and where, and
//! log out. The app works the same without an account: this only adds sync.

use rally_core::model::{AccountStatus, Credentials, ErrorBody, PrivateFeed, WithheldDocument};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::components::{error_for, Field};
use crate::state::{Action, AppContext};

/// The relay `scripts/run.sh` starts.
const LOCAL_RELAY: &str = "http://127.0.0.1:8787";

#[derive(Clone, Copy, PartialEq)]
enum Intent {
    LogIn,
    SignUp,
    Reset,
}

#[function_component(AccountPage)]
pub fn account_page() -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let status = use_state(|| None::<AccountStatus>);
    let server = use_state(|| LOCAL_RELAY.to_string());
    let email = use_state(String::new);
    let password = use_state(String::new);
    let error = use_state(|| None::<ErrorBody>);
    let busy = use_state(|| false);
    let reload = {
        let status = status.clone();
        Callback::from(move |_: ()| {
            let status = status.clone();
            spawn_local(async move {
                if let Ok(s) = api::account_status().await {
                    status.set(Some(s));
                }
            });
        })
    };
    {
        let reload = reload.clone();
        use_effect_with(app.sync.state, move |_| reload.emit(()));
    }
    let act = |intent: Intent| {
        let (server, email, password, error, busy, app, reload) =
            (server.clone(), email.clone(), password.clone(), error.clone(), busy.clone(), app.clone(), reload.clone());
        Callback::from(move |e: MouseEvent| {
            e.prevent_default();
            let credentials = Credentials { email: (*email).clone(), password: (*password).clone() };
            let (server, error, busy, app, reload, password) =
                ((*server).clone(), error.clone(), busy.clone(), app.clone(), reload.clone(), password.clone());
            busy.set(true);
            spawn_local(async move {
                let done = match intent {
                    Intent::LogIn => api::log_in(&server, &credentials)
                        .await
                        .map(|link| format!("Logged in as {}: syncing with {}", link.email, link.server)),
                    Intent::SignUp => api::sign_up(&server, &credentials)
                        .await
                        .map(|a| format!("Account created. Follow the link mailed to {}, then log in.", a.email)),
                    Intent::Reset => api::request_password_reset(&server, &credentials.email).await.map(|()| {
                        format!("If {} has an account there, a reset link is on its way.", credentials.email)
                    }),
                };
                busy.set(false);
                match done {
                    Ok(message) => {
                        error.set(None);
                        password.set(String::new());
                        app.dispatch(Action::Notice(message));
                        reload.emit(());
                    }
                    Err(err) => error.set(Some(err)),
                }
            });
        })
    };
    let log_out = {
        let (app, reload) = (app.clone(), reload.clone());
        Callback::from(move |_| {
            let (app, reload) = (app.clone(), reload.clone());
            spawn_local(async move {
                match api::log_out().await {
                    Ok(()) => app.dispatch(Action::Notice("Logged out: everything stays on this device".into())),
                    Err(err) => app.dispatch(Action::Problem(format!("Could not log out: {err}"))),
                }
                reload.emit(());
            });
        })
    };
    let set = |handle: &UseStateHandle<String>| {
        let handle = handle.clone();
        Callback::from(move |v: String| handle.set(v))
    };
    let body = match &*status {
        None => html! { <p>{ "Loading…" }</p> },
        Some(AccountStatus { account: Some(link), session, .. }) => html! {
            <div class="card" id="account-details">
                <p>{ "Logged in as " }<strong id="account-email-shown">{ link.email.clone() }</strong>{ " on " }{ link.server.clone() }</p>
                <p class="hint">{ match session.as_str() {
                    "valid" => "The relay accepts this device.",
                    "unreachable" => "The relay cannot be reached right now: Rally works offline and syncs when it can.",
                    "revoked" => "The relay no longer accepts this device's session: log in again.",
                    _ => "",
                } }</p>
                <button id="account-logout" onclick={log_out}>{ "Log out" }</button>
                <WithheldPanel />
                <PrivateFeedPanel />
            </div>
        },
        Some(_) => {
            let general = (*error).clone().filter(|e| !matches!(e.field.as_deref(), Some("email" | "password")));
            html! {
                <form class="card form" id="account-form">
                    <p class="welcome">{ "Rally works without an account. Log in to sync your identities and events with your other devices through a relay." }</p>
                    if let Some(err) = general { <p class="form-error" id="account-error" role="alert">{ err.to_string() }</p> }
                    <Field id="account-server" label="Relay" kind="url" value={(*server).clone()} on_input={set(&server)} />
                    <Field id="account-email" label="Email" kind="email" value={(*email).clone()} on_input={set(&email)} error={error_for(&error, "email")} />
                    <Field id="account-password" label="Password" kind="password" value={(*password).clone()} on_input={set(&password)} error={error_for(&error, "password")} hint={AttrValue::Static("At least 10 characters.")} />
                    <div class="buttons">
                        <button type="submit" id="account-login" class="primary" disabled={*busy} onclick={act(Intent::LogIn)}>{ "Log in" }</button>
                        <button type="button" id="account-signup" disabled={*busy} onclick={act(Intent::SignUp)}>{ "Create an account" }</button>
                        <button type="button" id="account-reset" disabled={*busy} onclick={act(Intent::Reset)}>{ "Forgot the password?" }</button>
                    </div>
                </form>
            }
        }
    };
    html! {
        <section class="account">
            <h1>{ "Account" }</h1>
            { body }
        </section>
    }
}

/// What the relay shows nowhere (a username another account has, a date out of range…), with why:
/// a clash made offline shows here after sync. Nothing when all is shown.
#[function_component(WithheldPanel)]
fn withheld_panel() -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let withheld = use_state(Vec::<WithheldDocument>::new);
    {
        let withheld = withheld.clone();
        use_effect_with(app.sync.state, move |_| {
            spawn_local(async move {
                if let Ok(list) = api::withheld_documents().await {
                    withheld.set(list);
                }
            });
        });
    }
    if withheld.is_empty() {
        return html! {};
    }
    let name = |id: &str| {
        let identity = app.identities.iter().find(|i| i.id == id).map(|i| format!("@{}", i.username));
        identity.unwrap_or_else(|| format!("document {id}"))
    };
    html! {
        <div class="withheld" id="withheld">
            <h2>{ "Not shown by the relay" }</h2>
            <p class="hint">{ "These stay on your devices and sync between them, but the relay shows them to nobody else." }</p>
            <ul>
                { for withheld.iter().map(|w| html! {
                    <li class="withheld-item">{ format!("{}: {}", name(&w.document_id), w.message) }</li>
                }) }
            </ul>
        </div>
    }
}

/// The secret address of "events I attend", to subscribe to in a calendar; a reset gives a new one
/// and closes the old.
#[function_component(PrivateFeedPanel)]
fn private_feed_panel() -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let feed = use_state(|| None::<Result<PrivateFeed, String>>);
    let load = |reset: bool| {
        let (feed, app) = (feed.clone(), app.clone());
        Callback::from(move |_: MouseEvent| {
            let (feed, app) = (feed.clone(), app.clone());
            spawn_local(async move {
                let got = api::private_feed(reset).await.map_err(|e| e.to_string());
                if reset && got.is_ok() {
                    app.dispatch(Action::Notice("A new address: the old one no longer works".into()));
                }
                feed.set(Some(got));
            });
        })
    };
    html! {
        <div class="private-feed" id="private-feed">
            <h2>{ "Events I attend, in my calendar" }</h2>
            <p class="hint">{ "A secret address: anyone who has it sees which events you go to. Reset it if it leaked." }</p>
            { match &*feed {
                None => html! { <button id="private-feed-show" onclick={load(false)}>{ "Show the address" }</button> },
                Some(Err(message)) => html! { <p class="form-error" role="alert">{ message.clone() }</p> },
                Some(Ok(f)) => html! {
                    <>
                        <p><a id="private-feed-webcal" href={f.webcal.clone()}>{ "Subscribe (webcal)" }</a></p>
                        <p><code id="private-feed-url">{ f.url.clone() }</code></p>
                        <button id="private-feed-reset" onclick={load(true)}>{ "Reset the address" }</button>
                    </>
                },
            } }
        </div>
    }
}
