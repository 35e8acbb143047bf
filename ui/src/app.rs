//! The window: header (navigation, identity switcher), the current page, and the shared state.

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::components::{IdentitySwitcher, SyncIndicator};
use crate::pages::{AccountPage, EventEditor, EventPage, EventsPage, IdentitiesPage, ImportPage, TakePartPage};
use crate::state::{Action, AppContext, AppState, Route, Tab};

/// Reloads the identity list into the shared state (after any change to identities).
pub fn reload_identities(app: &AppContext) {
    let app = app.clone();
    spawn_local(async move {
        match api::list_identities().await {
            Ok(identities) => app.dispatch(Action::Identities(identities)),
            Err(err) => app.dispatch(Action::Notice(format!("Could not load identities: {err}"))),
        }
    });
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
        // The sync indicator follows background sync, read once a second; never waited on.
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
                    gloo_timers::future::TimeoutFuture::new(1_000).await;
                }
            });
        });
    }
    let go = |route: Route| {
        let app = app.clone();
        Callback::from(move |_: MouseEvent| app.dispatch(Action::Go(route.clone())))
    };
    let on_events =
        matches!(app.route, Route::Events(_) | Route::Event(_) | Route::NewEvent | Route::EditEvent(_) | Route::Import);
    let page = match &app.route {
        Route::Events(tab) => html! { <EventsPage tab={*tab} /> },
        Route::NewEvent => html! { <EventEditor id={None::<String>} /> },
        Route::EditEvent(id) => html! { <EventEditor id={Some(id.clone())} /> },
        Route::Event(id) => html! { <EventPage id={id.clone()} /> },
        Route::Identities => html! { <IdentitiesPage /> },
        Route::Account => html! { <AccountPage /> },
        Route::Import => html! { <ImportPage /> },
        Route::TakePart => html! { <TakePartPage /> },
    };
    html! {
        <ContextProvider<AppContext> context={app.clone()}>
            <header class="top">
                <span class="brand">{ "Rally" }</span>
                <nav>
                    <button id="nav-events" class={classes!(on_events.then_some("active"))} onclick={go(Route::Events(Tab::Upcoming))}>{ "Events" }</button>
                    <button id="nav-take-part" class={classes!((app.route == Route::TakePart).then_some("active"))} onclick={go(Route::TakePart)}>{ "Taking part" }</button>
                    <button id="nav-identities" class={classes!((app.route == Route::Identities).then_some("active"))} onclick={go(Route::Identities)}>{ "Identities" }</button>
                    <button id="nav-account" class={classes!((app.route == Route::Account).then_some("active"))} onclick={go(Route::Account)}>{ "Account" }</button>
                </nav>
                <SyncIndicator />
                <IdentitySwitcher />
            </header>
            if let Some(notice) = &app.notice {
                <p class="notice" id="notice" role="status">{ notice.clone() }</p>
            }
            <main>{ page }</main>
        </ContextProvider<AppContext>>
    }
}
