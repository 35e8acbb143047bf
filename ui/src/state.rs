//! What the app remembers between screens, as a reducer over plain data.

use std::collections::HashMap;
use std::rc::Rc;

use chrono::NaiveDate;
use rally_core::model::{Identity, SyncStatus};
use yew::Reducible;

/// The list's tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Upcoming,
    Past,
    Drafts,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// The calendar's month or week.
    Calendar(rally_core::calendar::View),
    /// The list of events (the agenda), by tab.
    Events(Tab),
    NewEvent,
    EditEvent(String),
    Event(String),
    Identities,
    Account,
    Import,
    /// Joining others' events, and the ones one takes part in.
    TakePart,
    /// The account's groups, invitations, and creating or finding one.
    Groups,
    /// One group's page (calendar, members, settings), by id.
    Group(String),
    /// A new event of a group.
    NewGroupEvent(String),
    /// People and groups of other servers one follows, and their events.
    Following,
    /// One event of another server, by its id on the relay.
    RemoteEvent(String),
    /// Reports and the action log, for the relay's moderators.
    Moderation,
}

impl Route {
    pub fn is_events(&self) -> bool {
        matches!(
            self,
            Route::Calendar(_)
                | Route::Events(_)
                | Route::Event(_)
                | Route::NewEvent
                | Route::EditEvent(_)
                | Route::Import
        )
    }

    pub fn is_following(&self) -> bool {
        matches!(self, Route::Following | Route::RemoteEvent(_))
    }

    pub fn is_groups(&self) -> bool {
        matches!(self, Route::Groups | Route::Group(_) | Route::NewGroupEvent(_))
    }
}

/// Something the app has to say after an action, kept in view until dismissed or the page changes.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub text: String,
    pub error: bool,
    /// A file just saved, offered to open ("Open file").
    pub open_file: Option<String>,
    /// Drafts just deleted, offered back ("Undo").
    pub undo: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AppState {
    pub identities: Vec<Identity>,
    /// Avatars as data URLs, by identity id.
    pub avatars: HashMap<String, String>,
    /// The identity new events are organized by; kept across restarts.
    pub current: Option<String>,
    pub route: Route,
    /// Where Back goes: the routes visited before this one.
    pub history: Vec<Route>,
    /// The events view last shown (month, week or list), where "Events" goes back to.
    pub events_view: Route,
    /// The day the calendar shows and keyboard moves from.
    pub anchor: NaiveDate,
    pub notice: Option<Notice>,
    /// Moves when this window changed data outside the page that shows it (an Undo from a notice).
    pub edits: u64,
    /// An event page a `rally:` link asked to open, for Taking part to look up.
    pub opening: Option<String>,
    /// What background sync is doing; its `revision` moves when sync changed something here.
    pub sync: SyncStatus,
}

pub enum Action {
    Identities(Vec<Identity>, HashMap<String, String>),
    Select(String),
    Go(Route),
    Back,
    Anchor(NaiveDate),
    /// A confirmation ("Event deleted").
    Notice(String),
    /// A failure, in words.
    Problem(String),
    Saved {
        text: String,
        path: String,
    },
    /// Drafts deleted, which the notice offers to bring back.
    DraftsDeleted {
        text: String,
        ids: Vec<String>,
    },
    /// Data changed from outside the page (the lists reload).
    Edited,
    /// A `rally:` link asked to open this event page: Taking part looks it up.
    Open(String),
    Dismiss,
    Sync(SyncStatus),
}

const CURRENT_KEY: &str = "rally.current_identity";
/// Enough to go back through a session; older steps are dropped.
const HISTORY: usize = 50;

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

pub fn today() -> NaiveDate {
    chrono::Utc::now().with_timezone(&crate::format::viewer_zone()).date_naive()
}

impl Default for AppState {
    fn default() -> Self {
        AppState {
            identities: Vec::new(),
            avatars: HashMap::new(),
            current: storage().and_then(|s| s.get_item(CURRENT_KEY).ok().flatten()),
            route: Route::Calendar(rally_core::calendar::View::Month),
            history: Vec::new(),
            events_view: Route::Calendar(rally_core::calendar::View::Month),
            anchor: today(),
            notice: None,
            edits: 0,
            opening: None,
            sync: SyncStatus::default(),
        }
    }
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Identities(identities, avatars) => {
                // Keep the chosen identity if it still exists, else fall back to the first one.
                if !identities.iter().any(|i| Some(&i.id) == next.current.as_ref()) {
                    next.current = identities.first().map(|i| i.id.clone());
                }
                next.identities = identities;
                next.avatars = avatars;
            }
            Action::Select(id) => next.current = Some(id),
            Action::Go(route) => {
                match route {
                    Route::Calendar(_) => next.events_view = route.clone(),
                    Route::Events(_) => next.events_view = Route::Events(Tab::Upcoming),
                    _ => {}
                }
                if route != next.route {
                    next.history.push(std::mem::replace(&mut next.route, route));
                    if next.history.len() > HISTORY {
                        next.history.remove(0);
                    }
                }
                next.notice = None;
            }
            Action::Back => {
                next.route = next.history.pop().unwrap_or(Route::Calendar(rally_core::calendar::View::Month));
                next.notice = None;
            }
            Action::Anchor(day) => next.anchor = day,
            Action::Notice(text) => next.notice = Some(Notice { text, error: false, open_file: None, undo: vec![] }),
            Action::Problem(text) => next.notice = Some(Notice { text, error: true, open_file: None, undo: vec![] }),
            Action::Saved { text, path } => {
                next.notice = Some(Notice { text, error: false, open_file: Some(path), undo: vec![] })
            }
            Action::DraftsDeleted { text, ids } => {
                next.notice = Some(Notice { text, error: false, open_file: None, undo: ids })
            }
            Action::Edited => next.edits += 1,
            Action::Open(page) => {
                if next.route != Route::TakePart {
                    next.history.push(std::mem::replace(&mut next.route, Route::TakePart));
                }
                next.opening = Some(page);
                next.notice = None;
            }
            Action::Dismiss => next.notice = None,
            Action::Sync(status) => next.sync = status,
        }
        if let (Some(current), Some(s)) = (&next.current, storage()) {
            let _ = s.set_item(CURRENT_KEY, current);
        }
        Rc::new(next)
    }
}

pub type AppContext = yew::UseReducerHandle<AppState>;
