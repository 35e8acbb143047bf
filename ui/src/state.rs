//! What the app remembers between screens, as a reducer over plain data.

use std::rc::Rc;

use rally_core::model::{Identity, SyncStatus};
use yew::Reducible;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Upcoming,
    Past,
    Drafts,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Events(Tab),
    NewEvent,
    EditEvent(String),
    Event(String),
    Identities,
    Account,
    Import,
    /// Joining others' events, and the ones one takes part in.
    TakePart,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AppState {
    pub identities: Vec<Identity>,
    /// The identity new events are organized by; kept across restarts.
    pub current: Option<String>,
    pub route: Route,
    /// A one-line message after an action ("Event deleted").
    pub notice: Option<String>,
    /// What background sync is doing; its `revision` moves when sync changed something here.
    pub sync: SyncStatus,
}

pub enum Action {
    Identities(Vec<Identity>),
    Select(String),
    Go(Route),
    Notice(String),
    Sync(SyncStatus),
}

const CURRENT_KEY: &str = "rally.current_identity";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

impl Default for AppState {
    fn default() -> Self {
        AppState {
            identities: Vec::new(),
            current: storage().and_then(|s| s.get_item(CURRENT_KEY).ok().flatten()),
            route: Route::Events(Tab::Upcoming),
            notice: None,
            sync: SyncStatus::default(),
        }
    }
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Identities(identities) => {
                // Keep the chosen identity if it still exists, else fall back to the first one.
                if !identities.iter().any(|i| Some(&i.id) == next.current.as_ref()) {
                    next.current = identities.first().map(|i| i.id.clone());
                }
                next.identities = identities;
            }
            Action::Select(id) => {
                if let Some(s) = storage() {
                    let _ = s.set_item(CURRENT_KEY, &id);
                }
                next.current = Some(id);
            }
            Action::Go(route) => {
                next.route = route;
                next.notice = None;
            }
            Action::Notice(text) => next.notice = Some(text),
            Action::Sync(status) => next.sync = status,
        }
        if let Some(current) = &next.current {
            if let Some(s) = storage() {
                let _ = s.set_item(CURRENT_KEY, current);
            }
        }
        Rc::new(next)
    }
}

pub type AppContext = yew::UseReducerHandle<AppState>;
