//! One group: its calendar (the month view over the group's events; drafts only on its editors'
//! devices), its members (administrators invite, answer requests, give roles, remove), its settings
//! (administrators, offline too), and leaving it.

use std::rc::Rc;

use chrono::{Days, NaiveDate};
use rally_core::calendar::{self as cal, View};
use rally_core::model::{
    CalendarEntry, ErrorBody, FollowerDecision, GroupDecision, GroupInput, GroupMembers, GroupOpenness, GroupOverview,
    GroupRole, MemberAction, MemberState, PendingFollower, Visibility,
};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::groups::{openness_label, openness_options, state_label, visibility_options};
use crate::api;
use crate::components::{error_for, Field, MonthView, SelectField};
use crate::format;
use crate::state::{today, Action, AppContext, Route};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub id: String,
}

#[derive(Clone, Copy, PartialEq)]
enum Pane {
    Calendar,
    Members,
    Settings,
}

#[function_component(GroupPage)]
pub fn group_page(p: &Props) -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let overview = use_state(|| None::<Result<GroupOverview, String>>);
    let avatar = use_state(|| None::<String>);
    let pane = use_state(|| Pane::Calendar);
    {
        let (overview, avatar, id) = (overview.clone(), avatar.clone(), p.id.clone());
        use_effect_with((p.id.clone(), app.sync.revision, app.edits), move |_| {
            spawn_local(async move {
                let found = api::my_groups().await.map_err(|e| e.message).and_then(|all| {
                    all.into_iter()
                        .find(|g| g.membership.group_id == id)
                        .ok_or_else(|| "This account is no longer in that group.".to_string())
                });
                if let Ok(GroupOverview { group: Some(g), .. }) = &found {
                    if g.has_avatar {
                        avatar.set(api::group_avatar(&g.id).await.ok().flatten());
                    }
                }
                overview.set(Some(found));
            });
        });
    }
    let current = match &*overview {
        None => return html! { <p class="loading">{ "Loading…" }</p> },
        Some(Err(message)) => {
            return html! { <p class="form-error" id="group-error" role="alert">{ message.clone() }</p> }
        }
        Some(Ok(current)) => current.clone(),
    };
    let role = current.membership.role();
    let admin = role == Some(GroupRole::Administrator);
    let editor = role.is_some_and(GroupRole::edits_events);
    let name = current.group.as_ref().map(|g| g.name.clone()).unwrap_or_else(|| current.membership.name.clone());
    let tab = |id: &'static str, which: Pane, label: &'static str| {
        let active = *pane == which;
        let pane = pane.clone();
        html! {
            <button {id} class={classes!(active.then_some("active"))} aria-pressed={active.to_string()}
                onclick={Callback::from(move |_: MouseEvent| pane.set(which))}>{ label }</button>
        }
    };
    let leave = {
        let (app, id) = (app.clone(), p.id.clone());
        Callback::from(move |_: MouseEvent| {
            let (app, id) = (app.clone(), id.clone());
            spawn_local(async move {
                match api::leave_group(&id).await {
                    Ok(()) => {
                        app.dispatch(Action::Notice("You left the group".into()));
                        app.dispatch(Action::Go(Route::Groups));
                    }
                    Err(err) => app.dispatch(Action::Problem(err.message)),
                }
            });
        })
    };
    let new_event = {
        let (app, id) = (app.clone(), p.id.clone());
        Callback::from(move |_: MouseEvent| app.dispatch(Action::Go(Route::NewGroupEvent(id.clone()))))
    };
    let body = match *pane {
        Pane::Calendar => html! { <GroupCalendar id={p.id.clone()} /> },
        Pane::Members => html! { <Members id={p.id.clone()} {admin} /> },
        Pane::Settings => match &current.group {
            Some(g) => html! { <Settings id={p.id.clone()} input={GroupInput::from_group(g)} /> },
            None => html! { <p>{ "The group's settings arrive with the next sync." }</p> },
        },
    };
    html! {
        <section class="group">
            <div class="page-head">
                <div class="heading">
                    if let Some(src) = &*avatar { <img class="avatar" src={src.clone()} alt="" /> }
                    <div>
                        <h1 id="group-title">{ name }</h1>
                        <p class="muted">
                            { format!("@{} · ", current.membership.username) }
                            <span class="role" id="group-role">{ state_label(current.membership.state) }</span>
                            if let Some(g) = &current.group { { format!(" · {}", openness_label(g.openness)) } }
                        </p>
                    </div>
                </div>
                <div class="buttons">
                    if editor { <button class="primary" id="group-new-event" onclick={new_event}>{ "New event" }</button> }
                    <button id="group-leave" onclick={leave}>{ "Leave" }</button>
                </div>
            </div>
            if let Some(summary) = current.group.as_ref().map(|g| g.summary.clone()).filter(|s| !s.is_empty()) {
                <p class="description" id="group-summary">{ summary }</p>
            }
            <div class="views" role="group" aria-label="Group">
                { tab("group-tab-calendar", Pane::Calendar, "Calendar") }
                { tab("group-tab-members", Pane::Members, "Members") }
                if admin { { tab("group-tab-settings", Pane::Settings, "Settings") } }
            </div>
            { body }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct IdProps {
    id: String,
}

/// The group's month: the same view as one's own calendar, over the group's events.
#[function_component(GroupCalendar)]
fn group_calendar(p: &IdProps) -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let anchor = use_state(today);
    let entries = use_state(|| None::<Result<Rc<Vec<CalendarEntry>>, String>>);
    let (first, last) = cal::shown_days(View::Month, *anchor, chrono::Weekday::Mon);
    {
        let (entries, id) = (entries.clone(), p.id.clone());
        use_effect_with((first, last, app.sync.revision, app.edits), move |(first, last, _, _)| {
            let zone = format::viewer_zone();
            let (from, to) = (
                rally_core::when::start_of_day(*first, zone),
                rally_core::when::start_of_day(*last + Days::new(1), zone),
            );
            spawn_local(async move {
                entries.set(Some(
                    api::group_calendar(&id, Some(from), Some(to)).await.map(Rc::new).map_err(|e| e.message),
                ));
            });
        });
    }
    let set_anchor = {
        let anchor = anchor.clone();
        Callback::from(move |day: NaiveDate| anchor.set(day))
    };
    let step = |n: i32| {
        let anchor = anchor.clone();
        Callback::from(move |_: MouseEvent| anchor.set(cal::step(View::Month, *anchor, n)))
    };
    let on_open = {
        let app = app.clone();
        Callback::from(move |id: String| app.dispatch(Action::Go(Route::Event(id))))
    };
    html! {
        <div class="calendar-pane">
            <div class="toolbar cal-nav">
                <button id="group-cal-today" onclick={ let anchor = anchor.clone(); Callback::from(move |_: MouseEvent| anchor.set(today())) }>{ "Today" }</button>
                <button id="group-cal-previous" aria-label="Previous" onclick={step(-1)}>{ "‹" }</button>
                <button id="group-cal-next" aria-label="Next" onclick={step(1)}>{ "›" }</button>
                <h2 id="group-cal-heading" aria-live="polite">{ anchor.format("%B %Y").to_string() }</h2>
            </div>
            { match &*entries {
                None => html! { <p class="loading">{ "Loading…" }</p> },
                Some(Err(message)) => html! { <p class="form-error" role="alert">{ message.clone() }</p> },
                Some(Ok(list)) => html! { <MonthView entries={list.clone()} anchor={*anchor} on_anchor={set_anchor} {on_open} /> },
            } }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct MembersProps {
    id: String,
    admin: bool,
}

/// Members, and for administrators: invitations, requests, roles, removal.
#[function_component(Members)]
fn members(p: &MembersProps) -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let members = use_state(|| None::<Result<GroupMembers, String>>);
    let invitee = use_state(String::new);
    let invite_error = use_state(|| None::<String>);
    {
        let (members, id) = (members.clone(), p.id.clone());
        use_effect_with((p.id.clone(), app.sync.revision), move |_| {
            spawn_local(async move {
                members.set(Some(api::group_members(&id).await.map_err(|e| e.message)));
            });
        });
    }
    // Every decision goes through the device: sent at once when the relay answers, else kept.
    let decide = {
        let (app, members, id, invite_error) = (app.clone(), members.clone(), p.id.clone(), invite_error.clone());
        Callback::from(move |(decision, done): (GroupDecision, String)| {
            let (app, members, id, invite_error) = (app.clone(), members.clone(), id.clone(), invite_error.clone());
            spawn_local(async move {
                match api::decide_on_member(&id, &decision).await {
                    Ok(after) => {
                        let kept = after.pending.iter().any(|p| p.decision == decision);
                        members.set(Some(Ok(after)));
                        invite_error.set(None);
                        app.dispatch(Action::Notice(if kept {
                            format!("{done} (sent with the next sync)")
                        } else {
                            done
                        }));
                    }
                    Err(err) if matches!(decision, GroupDecision::Invite { .. }) => invite_error.set(Some(err.message)),
                    Err(err) => app.dispatch(Action::Problem(err.message)),
                }
            });
        })
    };
    let act = |identity: String, action: MemberAction, done: &'static str| {
        let decide = decide.clone();
        Callback::from(move |_: MouseEvent| {
            decide.emit((GroupDecision::Act { identity_id: identity.clone(), action }, done.to_string()))
        })
    };
    let set_role = |identity: String| {
        let decide = decide.clone();
        Callback::from(move |role: String| {
            let Some(role) = GroupRole::parse(&role) else { return };
            decide.emit((
                GroupDecision::Act { identity_id: identity.clone(), action: MemberAction::Role(role) },
                "Role changed".into(),
            ))
        })
    };
    let invite = {
        let (invitee, decide) = (invitee.clone(), decide.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let username = invitee.trim().trim_start_matches('@').to_string();
            invitee.set(String::new());
            decide.emit((GroupDecision::Invite { username: username.clone() }, format!("@{username} is invited")));
        })
    };
    let roles: Vec<(AttrValue, AttrValue)> = [GroupRole::Administrator, GroupRole::Moderator, GroupRole::Member]
        .iter()
        .map(|r| (AttrValue::Static(r.as_str()), AttrValue::Static(state_label(MemberState::Member(*r)))))
        .collect();
    let list = match &*members {
        None => html! { <p class="loading">{ "Loading…" }</p> },
        Some(Err(message)) => html! { <p class="form-error" role="alert">{ message.clone() }</p> },
        Some(Ok(view)) => html! {
            <>
            if let Some(why) = &view.offline { <p class="hint" id="members-offline">{ why.clone() }</p> }
            for note in view.notes.iter() { <p class="form-error" role="alert">{ note.clone() }</p> }
            if !view.pending.is_empty() {
                <p class="hint" id="members-pending">{ format!("{} decision(s) waiting to be sent with the next sync", view.pending.len()) }</p>
            }
            <ul class="member-list" id="group-members">
                { for view.members.iter().map(|m| {
                    let who = format!("{} @{}", m.display_name, m.username);
                    let controls = match (p.admin, m.state) {
                        (true, MemberState::Requested) => html! {
                            <>
                                if !m.message.is_empty() { <q class="message">{ m.message.clone() }</q> }
                                <button class="primary" id={format!("approve-{}", m.username)} onclick={act(m.identity_id.clone(), MemberAction::Approve, "Request approved")}>{ "Approve" }</button>
                                <button id={format!("refuse-{}", m.username)} onclick={act(m.identity_id.clone(), MemberAction::Refuse, "Request refused")}>{ "Refuse" }</button>
                            </>
                        },
                        (true, MemberState::Member(role)) => html! {
                            <>
                                <SelectField id={format!("role-{}", m.username)} label={format!("Role of @{}", m.username)} value={role.as_str()}
                                    options={roles.clone()} on_change={set_role(m.identity_id.clone())} />
                                <button id={format!("remove-{}", m.username)} onclick={act(m.identity_id.clone(), MemberAction::Remove, "Removed from the group")}>{ "Remove" }</button>
                            </>
                        },
                        (true, MemberState::Invited) => html! {
                            <button id={format!("remove-{}", m.username)} onclick={act(m.identity_id.clone(), MemberAction::Remove, "Invitation taken back")}>{ "Take back" }</button>
                        },
                        _ => html! {},
                    };
                    html! {
                        <li class="card member-row" key={m.identity_id.clone()} id={format!("member-{}", m.username)}>
                            <span class="name">{ who }</span>
                            <span class="role" id={format!("member-{}-state", m.username)}>{ state_label(m.state) }</span>
                            { controls }
                        </li>
                    }
                }) }
            </ul>
            </>
        },
    };
    html! {
        <div class="members">
            if p.admin {
                <form class="toolbar" id="invite-form" onsubmit={invite}>
                    <Field id="invite-username" label="Invite by @name" value={(*invitee).clone()}
                        on_input={ let invitee = invitee.clone(); Callback::from(move |v| invitee.set(v)) }
                        error={(*invite_error).clone()} />
                    <button type="submit" id="invite-send">{ "Invite" }</button>
                </form>
            }
            { list }
            if p.admin { <RemoteFollowers id={p.id.clone()} /> }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct RemoteFollowersProps {
    id: String,
}

/// People of other servers who asked to follow the group (it approves its followers when it is not
/// open): an administrator lets each follow, or refuses. Asked of the relay, which decides at once.
#[function_component(RemoteFollowers)]
fn remote_followers(p: &RemoteFollowersProps) -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let waiting = use_state(|| None::<Result<Vec<PendingFollower>, String>>);
    {
        let (waiting, id) = (waiting.clone(), p.id.clone());
        use_effect_with((p.id.clone(), app.sync.revision), move |_| {
            spawn_local(async move { waiting.set(Some(api::group_followers(&id).await.map_err(|e| e.message))) });
        });
    }
    let decide = |actor: String, accept: bool| {
        let (app, waiting, id) = (app.clone(), waiting.clone(), p.id.clone());
        Callback::from(move |_: MouseEvent| {
            let (app, waiting, id) = (app.clone(), waiting.clone(), id.clone());
            let decision = FollowerDecision { actor: actor.clone(), accept };
            spawn_local(async move {
                match api::decide_follower(&id, &decision).await {
                    Ok(left) => {
                        waiting.set(Some(Ok(left)));
                        app.dispatch(Action::Notice(
                            if accept { "They follow the group now" } else { "Refused" }.into(),
                        ));
                    }
                    Err(err) => app.dispatch(Action::Problem(err.message)),
                }
            });
        })
    };
    match &*waiting {
        Some(Ok(list)) if !list.is_empty() => html! {
            <section class="remote-followers">
                <h3>{ "Asking to follow from other servers" }</h3>
                <ul class="member-list" id="group-followers">
                    { for list.iter().map(|f| html! {
                        <li class="card member-row" key={f.actor.clone()} data-actor={f.actor.clone()}>
                            <span class="name">{ format!("{} {}", f.name, f.handle) }</span>
                            <button class="primary accept" onclick={decide(f.actor.clone(), true)}>{ "Let follow" }</button>
                            <button class="refuse" onclick={decide(f.actor.clone(), false)}>{ "Refuse" }</button>
                        </li>
                    }) }
                </ul>
            </section>
        },
        Some(Err(message)) => {
            html! { <p class="hint" id="group-followers-unavailable">{ format!("Followers on other servers: {message}") }</p> }
        }
        _ => html! {},
    }
}

#[derive(Properties, PartialEq)]
struct SettingsProps {
    id: String,
    input: GroupInput,
}

/// The group's settings, written into its document here (offline too) and synced to its members.
#[function_component(Settings)]
fn settings(p: &SettingsProps) -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let input = use_state(|| p.input.clone());
    let error = use_state(|| None::<ErrorBody>);
    let set = |apply: fn(&mut GroupInput, String)| {
        let input = input.clone();
        Callback::from(move |v: String| {
            let mut next = (*input).clone();
            apply(&mut next, v);
            input.set(next);
        })
    };
    let save = {
        let (input, error, app, id) = (input.clone(), error.clone(), app.clone(), p.id.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (input, error, app, id) = ((*input).clone(), error.clone(), app.clone(), id.clone());
            spawn_local(async move {
                match api::update_group(&id, &input).await {
                    Ok(_) => {
                        error.set(None);
                        app.dispatch(Action::Edited);
                        app.dispatch(Action::Notice("Settings saved".into()));
                    }
                    Err(err) => error.set(Some(err)),
                }
            });
        })
    };
    let (visibility, openness) = (visibility_options(), openness_options());
    let general = (*error).as_ref().filter(|e| e.field.is_none()).map(|e| e.message.clone());
    html! {
        <form class="card form" id="group-settings" onsubmit={save} novalidate=true>
            if let Some(message) = general { <p class="form-error" role="alert">{ message }</p> }
            <Field id="settings-name" label="Name" value={input.name.clone()} on_input={set(|i, v| i.name = v)} error={error_for(&error, "name")} />
            <Field id="settings-summary" label="About the group" value={input.summary.clone()} multiline=true
                on_input={set(|i, v| i.summary = v)} error={error_for(&error, "summary")} />
            <SelectField id="settings-visibility" label="Who sees it" value={input.visibility.as_str()} options={visibility}
                on_change={set(|i, v| i.visibility = Visibility::parse(&v).unwrap_or_default())} />
            <SelectField id="settings-openness" label="Who joins" value={input.openness.as_str()} options={openness}
                on_change={set(|i, v| i.openness = GroupOpenness::parse(&v).unwrap_or_default())} />
            <Field id="settings-place" label="Where it meets" value={input.place_name.clone()}
                on_input={set(|i, v| i.place_name = v)} error={error_for(&error, "place_name")} />
            <div class="buttons"><button type="submit" class="primary" id="settings-save">{ "Save" }</button></div>
        </form>
    }
}
