//! "Report to the moderators…": a comment, sent as the chosen identity; for something of another
//! server, the choice of telling its own moderators too (without saying who reports).

use rally_core::model::Reported;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::{CheckField, Field};
use crate::api;
use crate::state::{Action, AppContext};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub reported: Reported,
    /// The identity that reports (an id of this profile).
    pub identity: AttrValue,
    /// For something of another server: that server's name, offered to forward the report to.
    #[prop_or_default]
    pub remote_host: Option<AttrValue>,
}

#[function_component(ReportForm)]
pub fn report_form(p: &Props) -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let open = use_state(|| false);
    let comment = use_state(String::new);
    let forward = use_state(|| true);
    let error = use_state(|| None::<String>);
    if !*open {
        let open = open.clone();
        return html! {
            <p><button class="link" id="report-open" onclick={Callback::from(move |_: MouseEvent| open.set(true))}>{ "Report to the moderators…" }</button></p>
        };
    }
    let send = {
        let (reported, identity, remote) = (p.reported.clone(), p.identity.to_string(), p.remote_host.is_some());
        let (open, comment, forward, error) = (open.clone(), comment.clone(), forward.clone(), error.clone());
        Callback::from(move |_: MouseEvent| {
            let (reported, identity, app) = (reported.clone(), identity.clone(), app.clone());
            let (text, forward) = ((*comment).clone(), remote && *forward);
            let (open, error) = (open.clone(), error.clone());
            spawn_local(async move {
                match api::report(&identity, &reported, &text, forward).await {
                    Ok(_) => {
                        open.set(false);
                        error.set(None);
                        app.dispatch(Action::Notice("Reported to the relay's moderators".into()));
                    }
                    Err(err) => error.set(Some(err.message)),
                }
            });
        })
    };
    let on_comment = {
        let comment = comment.clone();
        Callback::from(move |v: String| comment.set(v))
    };
    html! {
        <div class="report" id="report-form">
            <Field id="report-comment" label="What is wrong with it? (the moderators read this, and see who reports)" multiline=true value={(*comment).clone()} on_input={on_comment} error={(*error).clone()} />
            if let Some(host) = &p.remote_host {
                <CheckField id="report-forward" label={format!("Send it to the moderators of {host} too (they do not learn who you are)")} checked={*forward} on_change={ let forward = forward.clone(); Callback::from(move |v: bool| forward.set(v)) } />
            }
            <div class="buttons">
                <button id="report-send" onclick={send}>{ "Send the report" }</button>
                <button id="report-cancel" onclick={ let open = open.clone(); Callback::from(move |_: MouseEvent| open.set(false)) }>{ "Cancel" }</button>
            </div>
        </div>
    }
}
