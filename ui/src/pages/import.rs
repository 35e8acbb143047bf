//! "Import .ics": pick a file from another calendar, see what will be imported and what is skipped and
//! why, then import it as drafts of the current identity. Importing the same file again adds nothing
//! twice.

use rally_core::model::ImportReport;
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::read_picked_file;
use crate::api;
use crate::format;
use crate::state::{Action, AppContext, Route, Tab};

#[function_component(ImportPage)]
pub fn import_page() -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let file_ref = use_node_ref();
    let preview = use_state(|| None::<Result<ImportReport, String>>);
    let identity = app.current.clone().unwrap_or_default();
    let username = app.identities.iter().find(|i| i.id == identity).map(|i| i.username.clone()).unwrap_or_default();
    let run = |dry_run: bool| {
        let (app, file_ref, preview, identity) = (app.clone(), file_ref.clone(), preview.clone(), identity.clone());
        Callback::from(move |_| {
            let (app, file_ref, preview, identity) = (app.clone(), file_ref.clone(), preview.clone(), identity.clone());
            spawn_local(async move {
                let Some(picked) = file_ref.cast::<HtmlInputElement>() else { return };
                let bytes = match read_picked_file(&picked).await {
                    Some(Ok(bytes)) => bytes,
                    Some(Err(message)) => return preview.set(Some(Err(message))),
                    None => return preview.set(Some(Err("Choose a .ics file first".into()))),
                };
                let tz = format::viewer_zone().name().to_string();
                match api::import_ics(&bytes, &identity, &tz, dry_run).await {
                    Ok(report) if dry_run => preview.set(Some(Ok(report))),
                    Ok(report) => {
                        app.dispatch(Action::Go(Route::Events(Tab::Drafts)));
                        app.dispatch(Action::Notice(format!(
                            "Imported {} events as drafts{}",
                            report.imported.len(),
                            if report.already_there.is_empty() {
                                String::new()
                            } else {
                                format!(" ({} were already here)", report.already_there.len())
                            }
                        )));
                    }
                    Err(err) => preview.set(Some(Err(err.to_string()))),
                }
            });
        })
    };
    let reset = {
        let preview = preview.clone();
        Callback::from(move |_: Event| preview.set(None))
    };
    html! {
        <section class="import card">
            <h1>{ "Import events from a calendar file" }</h1>
            <p>{ format!("The events become drafts of @{username}; nothing is published.") }</p>
            <label for="import-file">{ "Calendar file (.ics)" }</label>
            <input id="import-file" type="file" accept=".ics,text/calendar" ref={file_ref.clone()} onchange={reset} />
            <div class="buttons">
                <button id="import-preview" onclick={run(true)}>{ "Show what will be imported" }</button>
            </div>
            { match &*preview {
                None => html! {},
                Some(Err(message)) => html! { <p class="form-error" role="alert" id="import-error">{ message.clone() }</p> },
                Some(Ok(report)) => html! {
                    <div id="import-report">
                        <h2>{ format!("{} to import", report.imported.len()) }</h2>
                        <ul id="import-will">{ for report.imported.iter().map(|e| html! {
                            <li>{ format!("{} — {}", e.starts_at.format("%Y-%m-%d %H:%M UTC"), e.title) }</li>
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
                        <div class="buttons">
                            <button id="import-confirm" class="primary" onclick={run(false)} disabled={report.imported.is_empty()}>
                                { format!("Import {} as drafts", report.imported.len()) }
                            </button>
                        </div>
                    </div>
                },
            } }
        </section>
    }
}
