//! "Import .ics": pick a file from another calendar, see what it holds in local time and in order,
//! choose what to import, and import it as drafts of the current identity. What is skipped says why;
//! importing the same file again adds nothing twice.

use std::collections::BTreeSet;

use rally_core::model::{ImportReport, ImportedEvent};
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::read_picked_file;
use crate::api;
use crate::format;
use crate::state::{Action, AppContext, Route, Tab};

/// When an imported event happens, on the viewer's clock (an all-day event on its own days).
fn when(e: &ImportedEvent, viewer: chrono_tz::Tz) -> String {
    if e.all_day {
        let zone: chrono_tz::Tz = e.timezone.parse().unwrap_or(viewer);
        return format!("{}, all day", e.starts_at.with_timezone(&zone).format("%a %-d %b %Y"));
    }
    e.starts_at.with_timezone(&viewer).format("%a %-d %b %Y, %H:%M").to_string()
}

/// A file that cannot be read, in words: the browser's own message ("FileReader cannot find blob")
/// tells nobody what to do.
fn unreadable(_reason: String) -> String {
    "The file could not be read: it may have been moved or deleted since you chose it. Choose it again.".into()
}

#[function_component(ImportPage)]
pub fn import_page() -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let file_ref = use_node_ref();
    let preview = use_state(|| None::<Result<ImportReport, String>>);
    // The UIDs left out of the import.
    let unchosen = use_state(BTreeSet::<String>::new);
    let busy = use_state(|| false);
    let identity = app.current.clone().unwrap_or_default();
    let username = app.identities.iter().find(|i| i.id == identity).map(|i| i.username.clone()).unwrap_or_default();
    let run = |dry_run: bool| {
        let (app, file_ref, preview, identity, unchosen, busy) =
            (app.clone(), file_ref.clone(), preview.clone(), identity.clone(), unchosen.clone(), busy.clone());
        Callback::from(move |_| {
            let (app, file_ref, preview, identity, unchosen, busy) =
                (app.clone(), file_ref.clone(), preview.clone(), identity.clone(), unchosen.clone(), busy.clone());
            spawn_local(async move {
                let Some(picked) = file_ref.cast::<HtmlInputElement>() else { return };
                let bytes = match read_picked_file(&picked).await {
                    Some(Ok(bytes)) => bytes,
                    Some(Err(reason)) => return preview.set(Some(Err(unreadable(reason)))),
                    None => return preview.set(Some(Err("Choose a calendar file (.ics) first.".into()))),
                };
                let tz = format::viewer_zone().name().to_string();
                let only: Option<Vec<String>> = match (&*preview, dry_run) {
                    (Some(Ok(report)), false) => Some(
                        report.imported.iter().map(|e| e.uid.clone()).filter(|uid| !unchosen.contains(uid)).collect(),
                    ),
                    _ => None,
                };
                busy.set(true);
                let done = api::import_ics(&bytes, &identity, &tz, dry_run, only.as_deref()).await;
                busy.set(false);
                match done {
                    Ok(report) if dry_run => {
                        unchosen.set(BTreeSet::new());
                        preview.set(Some(Ok(report)));
                    }
                    Ok(report) => {
                        app.dispatch(Action::Go(Route::Events(Tab::Drafts)));
                        let n = report.imported.len();
                        app.dispatch(Action::Notice(format!(
                            "Imported {n} {} as drafts: publish them from Drafts, one by one or together{}",
                            if n == 1 { "event" } else { "events" },
                            if report.already_there.is_empty() {
                                String::new()
                            } else {
                                format!(" ({} were already here)", report.already_there.len())
                            }
                        )));
                    }
                    Err(err) => preview.set(Some(Err(err.message))),
                }
            });
        })
    };
    let reset = {
        let preview = preview.clone();
        Callback::from(move |_: Event| preview.set(None))
    };
    let viewer = format::viewer_zone();
    let body = match &*preview {
        None => html! {},
        Some(Err(message)) => html! { <p class="form-error" role="alert" id="import-error">{ message.clone() }</p> },
        Some(Ok(report)) => {
            let mut events: Vec<&ImportedEvent> = report.imported.iter().collect();
            events.sort_by_key(|e| e.starts_at);
            let chosen = events.iter().filter(|e| !unchosen.contains(&e.uid)).count();
            let set_all = |on: bool| {
                let (unchosen, uids) =
                    (unchosen.clone(), events.iter().map(|e| e.uid.clone()).collect::<BTreeSet<_>>());
                Callback::from(move |_: MouseEvent| unchosen.set(if on { BTreeSet::new() } else { uids.clone() }))
            };
            html! {
                <div id="import-report">
                    <h2>{ format!("{} to import", report.imported.len()) }</h2>
                    if events.len() > 1 {
                        <div class="buttons">
                            <button id="import-all" onclick={set_all(true)}>{ "Choose all" }</button>
                            <button id="import-none" onclick={set_all(false)}>{ "Choose none" }</button>
                        </div>
                    }
                    <ul id="import-will" class="import-list">{ for events.iter().map(|e| {
                        let id = format!("import-{}", e.uid.chars().filter(char::is_ascii_alphanumeric).collect::<String>());
                        let toggle = {
                            let (unchosen, uid) = (unchosen.clone(), e.uid.clone());
                            Callback::from(move |ev: Event| {
                                let mut next = (*unchosen).clone();
                                if ev.target_unchecked_into::<HtmlInputElement>().checked() {
                                    next.remove(&uid);
                                } else {
                                    next.insert(uid.clone());
                                }
                                unchosen.set(next);
                            })
                        };
                        html! {
                            <li>
                                <input type="checkbox" id={id.clone()} data-uid={e.uid.clone()} checked={!unchosen.contains(&e.uid)} onchange={toggle} />
                                <label for={id}>
                                    <strong>{ e.title.clone() }</strong>{ " — " }{ when(e, viewer) }
                                    if let Some(rule) = &e.repeats { <span class="hint">{ format!(" · {rule}") }</span> }
                                </label>
                            </li>
                        }
                    }) }</ul>
                    if !report.already_there.is_empty() {
                        <p>{ format!("{} already imported before, left as they are.", report.already_there.len()) }</p>
                    }
                    if !report.skipped.is_empty() {
                        <h2>{ format!("{} skipped", report.skipped.len()) }</h2>
                        <ul id="import-skipped">{ for report.skipped.iter().map(|s| html! {
                            <li>{ format!("{}: {}", s.title.clone().or_else(|| s.uid.clone()).unwrap_or_default(), s.reason) }</li>
                        }) }</ul>
                    }
                    if !report.skipped_lines.is_empty() {
                        <details>
                            <summary>{ format!("{} details left out", report.skipped_lines.len()) }</summary>
                            <ul id="import-left-out">{ for report.skipped_lines.iter().map(|l| html! { <li>{ l.clone() }</li> }) }</ul>
                        </details>
                    }
                    <div class="buttons">
                        <button id="import-confirm" class="primary" onclick={run(false)} disabled={chosen == 0 || *busy} aria-busy={busy.to_string()}>
                            { if *busy { "Importing…".to_string() } else { format!("Import {chosen} as drafts") } }
                        </button>
                    </div>
                </div>
            }
        }
    };
    html! {
        <section class="import card form">
            <h1>{ "Import events from a calendar file" }</h1>
            <p>{ format!("The events become drafts of @{username}; nothing is published until you publish it.") }</p>
            <div class="field">
                <label for="import-file">{ "Calendar file (.ics)" }</label>
                <input id="import-file" type="file" accept=".ics,text/calendar" ref={file_ref.clone()} onchange={reset} />
            </div>
            <div class="buttons">
                <button id="import-preview" onclick={run(true)} disabled={*busy}>{ "Show what will be imported" }</button>
            </div>
            { body }
        </section>
    }
}
