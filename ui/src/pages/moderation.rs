//! The Moderation page, for the relay's moderators and administrators: reports by state, each with
//! what was reported as it was then, who reported and why, notes between moderators and the measures
//! taken from it; and the action log. Everything reads offline, as last fetched; steps taken offline
//! wait on this device and go on the next sync, where the first decision on a report wins.

use rally_core::model::{
    Measure, MeasureRequest, ModerationDesk, ModerationStep, Report, ReportState, Reported, StateChange,
};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::components::Field;
use crate::state::{Action, AppContext};

#[derive(Clone, Copy, PartialEq)]
enum Tab {
    Reports(ReportState),
    Log,
}

fn what(reported: &Reported) -> &'static str {
    match reported {
        Reported::Event(_) => "Event",
        Reported::Identity(_) => "Identity",
        Reported::Group(_) => "Group",
        Reported::Remote(_) => "Of another server",
    }
}

fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&crate::format::viewer_zone()).format("%Y-%m-%d %H:%M").to_string()
}

fn step_words(step: &ModerationStep) -> String {
    match step {
        ModerationStep::Measure(m) => format!("{}: {}", m.measure.as_str().replace('_', " "), m.reason),
        ModerationStep::Note { text, .. } => format!("note: {text}"),
        ModerationStep::State { change, .. } => format!("{}: {}", change.state.as_str(), change.reason),
    }
}

#[function_component(ModerationPage)]
pub fn moderation_page() -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let desk = use_state(|| None::<Result<ModerationDesk, String>>);
    let tab = use_state(|| Tab::Reports(ReportState::Open));
    {
        let desk = desk.clone();
        use_effect_with(app.sync.revision, move |_| {
            spawn_local(async move { desk.set(Some(api::moderation_desk().await.map_err(|e| e.to_string()))) });
        });
    }
    let on_step = {
        let (desk, app) = (desk.clone(), app.clone());
        Callback::from(move |step: ModerationStep| {
            let (desk, app) = (desk.clone(), app.clone());
            spawn_local(async move {
                match api::moderate(&step).await {
                    Ok(now) => {
                        desk.set(Some(Ok(now)));
                        app.dispatch(Action::Notice("Kept; sent to the relay on the next sync".into()));
                    }
                    Err(err) => app.dispatch(Action::Problem(err.message)),
                }
            });
        })
    };
    let desk = match &*desk {
        None => return html! { <p>{ "Loading…" }</p> },
        Some(Err(message)) => return html! { <p class="form-error" role="alert">{ message.clone() }</p> },
        Some(Ok(desk)) => desk.clone(),
    };
    if !desk.role.moderates() {
        return html! {
            <section class="moderation">
                <h1>{ "Moderation" }</h1>
                <p class="empty" id="moderation-none">{ "Only the relay's moderators see reports. An administrator of the relay makes you one." }</p>
            </section>
        };
    }
    let tab_button = |id: &'static str, which: Tab, label: String| {
        let tab = tab.clone();
        let active = *tab == which;
        html! {
            <button {id} role="tab" aria-selected={active.to_string()} class={classes!(active.then_some("active"))}
                onclick={Callback::from(move |_: MouseEvent| tab.set(which))}>{ label }</button>
        }
    };
    let count = |state: ReportState| desk.reports.iter().filter(|r| r.state == state).count();
    let body = match *tab {
        Tab::Log => html! {
            <table class="moderation-log" id="moderation-log">
                <thead><tr><th>{ "When" }</th><th>{ "Who" }</th><th>{ "What" }</th><th>{ "On what" }</th><th>{ "Why" }</th></tr></thead>
                <tbody>
                    { for desk.log.iter().map(|a| html! {
                        <tr class="log-line"><td>{ when(a.at) }</td><td>{ a.by.clone() }</td><td class="log-action">{ a.action.replace('_', " ") }</td><td>{ a.target.clone() }</td><td>{ a.reason.clone() }</td></tr>
                    }) }
                </tbody>
            </table>
        },
        Tab::Reports(state) => {
            let shown: Vec<&Report> = desk.reports.iter().filter(|r| r.state == state).collect();
            if shown.is_empty() {
                html! { <p class="empty" id="reports-empty">{ format!("No {} report.", state.as_str()) }</p> }
            } else {
                html! {
                    <ul class="reports" id="reports">
                        { for shown.into_iter().map(|r| {
                            let pending: Vec<ModerationStep> = desk.pending.iter().filter(|s| s.report() == Some(r.id.as_str())).cloned().collect();
                            html! { <ReportCard key={r.id.clone()} report={r.clone()} {pending} on_step={on_step.clone()} /> }
                        }) }
                    </ul>
                }
            }
        }
    };
    html! {
        <section class="moderation">
            <h1>{ "Moderation" }</h1>
            <p class="hint" id="moderation-fetched">
                { match desk.fetched_at {
                    Some(at) => format!("As the relay said at {}. Steps you take offline are sent on the next sync.", when(at)),
                    None => "Not fetched from the relay yet.".to_string(),
                } }
            </p>
            if !desk.pending.is_empty() {
                <p class="pending" id="moderation-pending" role="status">{ format!("{} waiting to be sent to the relay.", desk.pending.len()) }</p>
            }
            if !desk.not_applied.is_empty() {
                <ul class="form-error" id="moderation-refused">
                    { for desk.not_applied.iter().rev().take(5).map(|why| html! { <li>{ format!("Not applied: {why}") }</li> }) }
                </ul>
            }
            <div class="tabs" role="tablist">
                { tab_button("tab-open", Tab::Reports(ReportState::Open), format!("Open ({})", count(ReportState::Open))) }
                { tab_button("tab-resolved", Tab::Reports(ReportState::Resolved), format!("Resolved ({})", count(ReportState::Resolved))) }
                { tab_button("tab-closed", Tab::Reports(ReportState::Closed), format!("Closed ({})", count(ReportState::Closed))) }
                { tab_button("tab-log", Tab::Log, "Action log".to_string()) }
            </div>
            { body }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct CardProps {
    report: Report,
    /// Steps on this report taken here and not sent yet.
    pending: Vec<ModerationStep>,
    on_step: Callback<ModerationStep>,
}

#[function_component(ReportCard)]
fn report_card(p: &CardProps) -> Html {
    let r = &p.report;
    let note = use_state(String::new);
    let reason = use_state(String::new);
    let deleting = use_state(|| false);
    let set = |h: &UseStateHandle<String>| {
        let h = h.clone();
        Callback::from(move |v: String| h.set(v))
    };
    let send_note = {
        let (note, on_step, report) = (note.clone(), p.on_step.clone(), r.id.clone());
        Callback::from(move |_: MouseEvent| {
            on_step.emit(ModerationStep::Note { report: report.clone(), text: (*note).clone() });
            note.set(String::new());
        })
    };
    let measure = |measure: Measure, target: String, from_report: bool| {
        let (reason, on_step, report) = (reason.clone(), p.on_step.clone(), r.id.clone());
        Callback::from(move |_: MouseEvent| {
            let report = from_report.then(|| report.clone());
            on_step.emit(ModerationStep::Measure(MeasureRequest {
                measure,
                target: target.clone(),
                reason: (*reason).clone(),
                report,
            }));
        })
    };
    let close = {
        let (reason, on_step, report) = (reason.clone(), p.on_step.clone(), r.id.clone());
        Callback::from(move |_: MouseEvent| {
            let change = StateChange { state: ReportState::Closed, reason: (*reason).clone() };
            on_step.emit(ModerationStep::State { report: report.clone(), change });
        })
    };
    let open = r.state == ReportState::Open;
    let actions = match (&r.reported, open) {
        (Reported::Event(id), true) => html! {
            <>
                <button class="measure-hide danger" onclick={measure(Measure::HideEvent, id.clone(), true)}>{ "Hide the event" }</button>
                // Deleting cannot be undone: a second button, in words, before it goes.
                if *deleting {
                    <span class="confirm-delete" role="alert">{ "Delete it from the relay and its author's devices? This cannot be undone." }</span>
                    <button class="measure-delete-confirm danger" onclick={measure(Measure::DeleteEvent, id.clone(), true)}>{ "Delete for good" }</button>
                    <button class="measure-delete-cancel" onclick={ let deleting = deleting.clone(); Callback::from(move |_: MouseEvent| deleting.set(false)) }>{ "Keep it" }</button>
                } else {
                    <button class="measure-delete" onclick={ let deleting = deleting.clone(); Callback::from(move |_: MouseEvent| deleting.set(true)) }>{ "Delete it for good…" }</button>
                }
            </>
        },
        (Reported::Identity(id), true) => html! {
            <>
                <button class="measure-suspend-identity danger" onclick={measure(Measure::SuspendIdentity, id.clone(), true)}>{ "Suspend the identity" }</button>
                <button class="measure-suspend-account danger" onclick={measure(Measure::SuspendAccount, id.clone(), true)}>{ "Suspend the whole account" }</button>
            </>
        },
        (Reported::Remote(url), true) => html! {
            <button class="measure-suspend-remote danger" onclick={measure(Measure::SuspendRemote, url.clone(), true)}>{ "Suspend its author on this relay" }</button>
        },
        (Reported::Remote(url), false) => html! {
            <button class="measure-restore-remote" onclick={measure(Measure::RestoreRemote, url.clone(), false)}>{ "Lift its author's suspension" }</button>
        },
        (Reported::Event(id), false) => html! {
            <button class="measure-restore" onclick={measure(Measure::RestoreEvent, id.clone(), false)}>{ "Restore the event" }</button>
        },
        (Reported::Identity(id), false) => html! {
            <>
                <button class="measure-restore-identity" onclick={measure(Measure::RestoreIdentity, id.clone(), false)}>{ "Restore the identity" }</button>
                <button class="measure-restore-account" onclick={measure(Measure::RestoreAccount, id.clone(), false)}>{ "Lift the account's suspension" }</button>
            </>
        },
        _ => html! {},
    };
    html! {
        <li class="card form report-card" data-report={r.id.clone()}>
            <p class="report-kind"><span class="badge">{ what(&r.reported) }</span>{ format!(" reported {}", when(r.created_at)) }</p>
            <h2 class="report-title">{ r.content.title.clone() }</h2>
            <p class="by">{ format!("by {}", r.content.author) }</p>
            if !r.content.text.is_empty() { <blockquote class="report-text">{ r.content.text.chars().take(600).collect::<String>() }</blockquote> }
            if !r.events.is_empty() {
                <p>{ "With: " }{ r.events.iter().map(|e| e.title.clone()).collect::<Vec<_>>().join(", ") }</p>
            }
            <p class="reporter">{ "Reported by " }<strong class="report-reporter">{ r.reporter.clone() }</strong>{ ": " }<span class="report-comment">{ r.comment.clone() }</span></p>
            if let Some(host) = &r.forwarded_to { <p class="hint">{ format!("Forwarded to {host}.") }</p> }
            if !r.notes.is_empty() {
                <ul class="notes">
                    { for r.notes.iter().map(|n| html! { <li class="report-note">{ format!("{} — {}: {}", when(n.at), n.by, n.text) }</li> }) }
                </ul>
            }
            if !p.pending.is_empty() {
                <ul class="notes pending">
                    { for p.pending.iter().map(|s| html! { <li class="report-pending">{ format!("Waiting to be sent — {}", step_words(s)) }</li> }) }
                </ul>
            }
            <Field id={format!("note-{}", r.id)} label="A note for the other moderators" multiline=true value={(*note).clone()} on_input={set(&note)} />
            <div class="buttons"><button class="report-add-note" onclick={send_note}>{ "Add the note" }</button></div>
            <Field id={format!("reason-{}", r.id)} label="Reason (the author is told it)" value={(*reason).clone()} on_input={set(&reason)} />
            <div class="buttons report-actions">
                { actions }
                if open { <button class="report-close" onclick={close}>{ "Close without action" }</button> }
            </div>
        </li>
    }
}
