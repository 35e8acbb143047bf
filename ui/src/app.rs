//! The window: header (navigation, sync state, identity switcher), the current page, notices that
//! stay in view, and the shared state.

use std::collections::HashMap;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::components::{IdentitySwitcher, SyncIndicator};
use crate::pages::{
    AccountPage, EventEditor, EventPage, EventsPage, FollowingPage, GroupPage, GroupsPage, IdentitiesPage, ImportPage,
    ModerationPage, RemoteEventPage, TakePartPage,
};
use crate::state::{Action, AppContext, AppState, Route};

/// Reloads the identity list, with their avatars, into the shared state (after any change to identities).
pub fn reload_identities(app: &AppContext) {
    let app = app.clone();
    spawn_local(async move {
        match api::list_identities().await {
            Ok(identities) => {
                let mut avatars = HashMap::new();
                for i in identities.iter().filter(|i| i.has_avatar) {
                    if let Ok(Some(src)) = api::identity_avatar(&i.id).await {
                        avatars.insert(i.id.clone(), src);
                    }
                }
                app.dispatch(Action::Identities(identities, avatars));
            }
            Err(err) => app.dispatch(Action::Problem(format!("Could not load identities: {err}"))),
        }
    });
}

/// The schemes a link may leave the app by; the shell checks again before handing it to the system.
fn opens_outside(href: &str) -> bool {
    let scheme = href.split(':').next().unwrap_or_default().to_ascii_lowercase();
    matches!(scheme.as_str(), "http" | "https" | "mailto" | "webcal")
}

/// Every click on a web, mail or calendar link, wherever it is in the app, goes to the system's
/// opener instead of the web view (which would navigate away from the app, or do nothing).
fn send_links_to_the_system(app: AppContext) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let handler = Closure::<dyn FnMut(web_sys::MouseEvent)>::new(move |e: web_sys::MouseEvent| {
        let anchor = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|t| t.closest("a[href]").ok().flatten());
        let Some(href) = anchor.and_then(|a| a.get_attribute("href")) else { return };
        if !opens_outside(&href) {
            return;
        }
        e.prevent_default();
        let app = app.clone();
        spawn_local(async move {
            if let Err(err) = api::open_link(&href).await {
                app.dispatch(Action::Problem(err.message));
            }
        });
    });
    let _ = document.add_event_listener_with_callback("click", handler.as_ref().unchecked_ref());
    // The listener lives as long as the window.
    handler.forget();
}

#[function_component(App)]
pub fn app() -> Html {
    let app = use_reducer(AppState::default);
    {
        // Identities load at start, and again whenever sync brought changes.
        let app = app.clone();
        use_effect_with(app.sync.revision, move |_| reload_identities(&app));
    }
    {
        let app = app.clone();
        use_effect_with((), move |_| send_links_to_the_system(app));
    }
    // Moderators see a Moderation page; whether the account is one, as the relay last said.
    let moderates = use_state(|| false);
    {
        let moderates = moderates.clone();
        use_effect_with(app.sync.revision, move |_| {
            spawn_local(async move {
                if let Ok(desk) = api::moderation_desk().await {
                    moderates.set(desk.role.moderates());
                }
            });
        });
    }
    {
        // The sync indicator follows background sync, read once a second, and `rally:` links come
        // in; never waited on.
        let app = app.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                let mut shown = None;
                loop {
                    if let Ok(status) = api::sync_status().await {
                        if shown.as_ref() != Some(&status) {
                            shown = Some(status.clone());
                            app.dispatch(Action::Sync(status));
                        }
                    }
                    // An event's "Open in Rally" link, from the start or handed over since.
                    if let Ok(Some(page)) = api::take_opened_link().await {
                        app.dispatch(Action::Open(page));
                    }
                    gloo_timers::future::TimeoutFuture::new(1_000).await;
                }
            });
        });
    }
    let go = |route: Route| {
        let app = app.clone();
        Callback::from(move |_: MouseEvent| app.dispatch(Action::Go(route.clone())))
    };
    let nav = |id: &'static str, route: Route, active: bool, label: &'static str| {
        html! {
            <button {id} class={classes!(active.then_some("active"))} aria-current={active.then_some("page")} onclick={go(route)}>{ label }</button>
        }
    };
    let page = match &app.route {
        Route::Calendar(_) | Route::Events(_) => html! { <EventsPage route={app.route.clone()} /> },
        Route::NewEvent => html! { <EventEditor id={None::<String>} /> },
        Route::NewGroupEvent(group) => html! { <EventEditor id={None::<String>} group={Some(group.clone())} /> },
        Route::Groups => html! { <GroupsPage /> },
        Route::Group(id) => html! { <GroupPage key={id.clone()} id={id.clone()} /> },
        Route::EditEvent(id) => html! { <EventEditor id={Some(id.clone())} /> },
        Route::Event(id) => html! { <EventPage id={id.clone()} /> },
        Route::Identities => html! { <IdentitiesPage /> },
        Route::Account => html! { <AccountPage /> },
        Route::Import => html! { <ImportPage /> },
        Route::TakePart => html! { <TakePartPage /> },
        Route::Following => html! { <FollowingPage /> },
        Route::RemoteEvent(id) => html! { <RemoteEventPage key={id.clone()} id={id.clone()} /> },
        Route::Moderation => html! { <ModerationPage /> },
    };
    let notice = app.notice.as_ref().map(|n| {
        let dismiss = {
            let app = app.clone();
            Callback::from(move |_: MouseEvent| app.dispatch(Action::Dismiss))
        };
        let open = n.open_file.clone().map(|path| {
            let app = app.clone();
            Callback::from(move |_: MouseEvent| {
                let (app, path) = (app.clone(), path.clone());
                spawn_local(async move {
                    if let Err(err) = api::open_saved_file(&path).await {
                        app.dispatch(Action::Problem(err.message));
                    }
                });
            })
        });
        let undo = (!n.undo.is_empty()).then(|| {
            let (app, ids) = (app.clone(), n.undo.clone());
            Callback::from(move |_: MouseEvent| {
                let (app, ids) = (app.clone(), ids.clone());
                spawn_local(async move {
                    let mut failed = Vec::new();
                    for id in &ids {
                        if let Err(err) = api::restore_draft(id).await {
                            failed.push(err.message);
                        }
                    }
                    app.dispatch(Action::Edited);
                    let back = ids.len() - failed.len();
                    app.dispatch(if failed.is_empty() {
                        Action::Notice(format!("Brought back {back} {}", if back == 1 { "draft" } else { "drafts" }))
                    } else {
                        Action::Problem(format!("Brought back {back}; {}", failed.join("; ")))
                    });
                });
            })
        });
        html! {
            <div class={classes!("toast", n.error.then_some("error"))} role={if n.error { "alert" } else { "status" }}>
                <p id="notice">{ n.text.clone() }</p>
                if let Some(open) = open { <button id="notice-open" onclick={open}>{ "Open file" }</button> }
                if let Some(undo) = undo { <button id="notice-undo" onclick={undo}>{ "Undo" }</button> }
                <button class="dismiss" aria-label="Dismiss" onclick={dismiss}>{ "×" }</button>
            </div>
        }
    });
    html! {
        <ContextProvider<AppContext> context={app.clone()}>
            <header class="top">
                <span class="brand">{ "Rally" }</span>
                <nav aria-label="Main">
                    { nav("nav-events", app.events_view.clone(), app.route.is_events(), "Events") }
                    { nav("nav-take-part", Route::TakePart, app.route == Route::TakePart, "Taking part") }
                    { nav("nav-groups", Route::Groups, app.route.is_groups(), "Groups") }
                    { nav("nav-following", Route::Following, app.route.is_following(), "Following") }
                    { nav("nav-identities", Route::Identities, app.route == Route::Identities, "Identities") }
                    { nav("nav-account", Route::Account, app.route == Route::Account, "Account") }
                    if *moderates { { nav("nav-moderation", Route::Moderation, app.route == Route::Moderation, "Moderation") } }
                </nav>
                <SyncIndicator />
                <IdentitySwitcher />
            </header>
            <main>{ page }</main>
            // Always there, so that screen readers hear what appears in it, and so that a notice
            // coming or going never shifts the page's place among its siblings (which remounts it).
            <div class="notices" aria-live="polite">{ notice.unwrap_or_default() }</div>
        </ContextProvider<AppContext>>
    }
}
