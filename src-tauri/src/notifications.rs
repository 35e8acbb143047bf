//! Desktop notifications (Tauri's notification plugin: D-Bus notifications on Linux) for what
//! background sync hears of participations while the app runs: requests to one's events, answers to
//! one's own requests, and decisions another device made first.

use std::sync::{Arc, Mutex};

use rally_client::participation::News;
use rally_core::profile::Profile;
use tauri::AppHandle;
use tauri_plugin_notification::NotificationExt;
use tokio::sync::broadcast;

/// What a piece of news says, as (title, body) per notification.
fn texts(news: &News, profile: &Mutex<Profile>) -> Vec<(String, String)> {
    let title_of = |event: &str| {
        profile.lock().ok().and_then(|p| p.event(event).ok()).map(|e| e.event.details.title).unwrap_or_default()
    };
    let mut out = Vec::new();
    for p in &news.requests {
        let who = p.username.as_ref().map_or(p.name.clone(), |u| format!("{} (@{u})", p.name));
        let mut body = format!("{who} asks to join \"{}\".", title_of(&p.event_id));
        if !p.message.is_empty() {
            body.push_str(&format!(" \"{}\"", p.message));
        }
        out.push(("New request to join".to_string(), body));
    }
    for p in &news.answers {
        let title = p.event.as_ref().map(|e| e.title.clone()).unwrap_or_default();
        out.push((format!("\"{title}\""), p.outcome()));
    }
    for r in &news.not_applied {
        out.push(("A decision was not applied".to_string(), r.note.clone().unwrap_or_default()));
    }
    out
}

/// Shows a notification for each piece of news, for as long as the app runs.
pub fn start(app: AppHandle, mut news: broadcast::Receiver<News>, profile: Arc<Mutex<Profile>>) {
    tauri::async_runtime::spawn(async move {
        loop {
            let found = match news.recv().await {
                Ok(found) => found,
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return,
            };
            for (title, body) in texts(&found, &profile) {
                // A desktop without a notification service still has the app's own views.
                if let Err(err) = app.notification().builder().title(title).body(body).show() {
                    eprintln!("rally: desktop notification: {err}");
                }
            }
        }
    });
}
