//! The window: header (navigation, identity switcher), the current page, and the shared state.

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::components::IdentitySwitcher;
use crate::pages::{EventEditor, EventPage, EventsPage, IdentitiesPage};
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
        let app = app.clone();
        use_effect_with((), move |_| reload_identities(&app));
    }
    let go = |route: Route| {
        let app = app.clone();
        Callback::from(move |_: MouseEvent| app.dispatch(Action::Go(route.clone())))
    };
    let on_events = matches!(app.route, Route::Events(_) | Route::Event(_) | Route::NewEvent | Route::EditEvent(_));
    let page = match &app.route {
        Route::Events(tab) => html! { <EventsPage tab={*tab} /> },
        Route::NewEvent => html! { <EventEditor id={None::<String>} /> },
        Route::EditEvent(id) => html! { <EventEditor id={Some(id.clone())} /> },
        Route::Event(id) => html! { <EventPage id={id.clone()} /> },
        Route::Identities => html! { <IdentitiesPage /> },
    };
    html! {
        <ContextProvider<AppContext> context={app.clone()}>
            <header class="top">
                <span class="brand">{ "Rally" }</span>
                <nav>
                    <button id="nav-events" class={classes!(on_events.then_some("active"))} onclick={go(Route::Events(Tab::Upcoming))}>{ "Events" }</button>
                    <button id="nav-identities" class={classes!((app.route == Route::Identities).then_some("active"))} onclick={go(Route::Identities)}>{ "Identities" }</button>
                </nav>
                <IdentitySwitcher />
            </header>
            if let Some(notice) = &app.notice {
                <p class="notice" id="notice" role="status">{ notice.clone() }</p>
            }
            <main>{ page }</main>
        </ContextProvider<AppContext>>
    }
}
