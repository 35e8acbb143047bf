//! Always in the header: whether this device is syncing, and when it last did.

use rally_core::model::SyncState;
use yew::prelude::*;

use crate::state::AppContext;

#[function_component(SyncIndicator)]
pub fn sync_indicator() -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let sync = &app.sync;
    let last = sync.last_synced_at.map(|t| t.with_timezone(&crate::format::viewer_zone()).format("%H:%M").to_string());
    let (class, text) = match sync.state {
        SyncState::LoggedOut => ("local", "On this device only".to_string()),
        SyncState::Offline => (
            "offline",
            match &last {
                Some(t) => format!("Offline · last synced {t}"),
                None => "Offline".to_string(),
            },
        ),
        SyncState::Syncing => ("syncing", "Syncing…".to_string()),
        SyncState::UpToDate => ("ok", format!("Up to date{}", last.map(|t| format!(" · {t}")).unwrap_or_default())),
    };
    let title = sync.message.clone().unwrap_or_else(|| match sync.state {
        SyncState::LoggedOut => "Log in (Account) to sync with your other devices".into(),
        _ => String::new(),
    });
    html! { <span id="sync-indicator" class={classes!("sync", class)} data-state={class} {title}>
        <span class="dot" aria-hidden="true"></span><span class="sync-text">{ text }</span>
    </span> }
}
