//! Groups: the account's groups with its role, invitations waiting for an answer, requests sent,
//! creating a group, and finding one by its `@name` or link to join it.

use rally_core::model::{ErrorBody, GroupInput, GroupOpenness, GroupOverview, GroupSummary, MemberState, Visibility};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::components::{error_for, Field, SelectField};
use crate::state::{Action, AppContext, Route};

/// How a member state reads.
pub fn state_label(state: MemberState) -> &'static str {
    match state {
        MemberState::Invited => "Invited",
        MemberState::Requested => "Asked to join",
        MemberState::Member(role) => match role {
            rally_core::model::GroupRole::Administrator => "Administrator",
            rally_core::model::GroupRole::Moderator => "Moderator",
            rally_core::model::GroupRole::Member => "Member",
        },
    }
}

pub fn openness_label(openness: GroupOpenness) -> &'static str {
    match openness {
        GroupOpenness::Open => "Open: anyone joins at once",
        GroupOpenness::Moderated => "Moderated: administrators approve each request",
        GroupOpenness::InviteOnly => "Invitation only",
    }
}

/// The choices of a group's visibility, as the create and settings forms offer them.
pub fn visibility_options() -> Vec<(AttrValue, AttrValue)> {
    vec![
        (AttrValue::Static("public"), AttrValue::Static("Public: listed, its page and public events shown")),
        (AttrValue::Static("unlisted"), AttrValue::Static("Unlisted: its page only for those with the link")),
        (AttrValue::Static("private"), AttrValue::Static("Private: no page")),
    ]
}

/// The choices of who may join.
pub fn openness_options() -> Vec<(AttrValue, AttrValue)> {
    [GroupOpenness::Open, GroupOpenness::Moderated, GroupOpenness::InviteOnly]
        .iter()
        .map(|o| (AttrValue::Static(o.as_str()), AttrValue::Static(openness_label(*o))))
        .collect()
}

fn name_of(g: &GroupOverview) -> String {
    g.group.as_ref().map(|d| d.name.clone()).filter(|n| !n.is_empty()).unwrap_or_else(|| g.membership.name.clone())
}

#[function_component(GroupsPage)]
pub fn groups_page() -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let groups = use_state(|| None::<Result<Vec<GroupOverview>, String>>);
    let creating = use_state(|| false);
    let reload = use_state(|| 0u32);
    // Why the list is what this device last heard (the relay could not be asked).
    let offline = use_state(|| None::<String>);
    {
        // What this device knew shows at once; the relay's answer replaces it when it comes.
        let (groups, offline) = (groups.clone(), offline.clone());
        use_effect_with((*reload, app.sync.revision), move |_| {
            spawn_local(async move {
                groups.set(Some(api::my_groups().await.map_err(|e| e.message)));
                match api::refresh_groups().await {
                    Ok(fresh) => {
                        groups.set(Some(Ok(fresh)));
                        offline.set(None);
                    }
                    Err(err) => offline.set(Some(err.message)),
                }
            });
        });
    }
    let answer = |group: String, accept: bool| {
        let (app, reload) = (app.clone(), reload.clone());
        let identity = (*groups)
            .as_ref()
            .and_then(|g| g.as_ref().ok())
            .and_then(|all| all.iter().find(|g| g.membership.group_id == group))
            .map(|g| g.membership.identity_id.clone())
            .unwrap_or_default();
        Callback::from(move |_: MouseEvent| {
            let (app, reload, group, identity) = (app.clone(), reload.clone(), group.clone(), identity.clone());
            spawn_local(async move {
                let done = if accept {
                    api::join_group(&group, &identity, "").await.map(|_| "You joined the group")
                } else {
                    api::leave_group(&group).await.map(|_| "Invitation declined")
                };
                match done {
                    Ok(text) => app.dispatch(Action::Notice(text.into())),
                    Err(err) => app.dispatch(Action::Problem(err.message)),
                }
                reload.set(*reload + 1);
            });
        })
    };
    let open = |id: String| {
        let app = app.clone();
        Callback::from(move |_: MouseEvent| app.dispatch(Action::Go(Route::Group(id.clone()))))
    };
    let list = match &*groups {
        None => html! { <p class="loading">{ "Loading…" }</p> },
        Some(Err(message)) => html! { <p class="form-error" role="alert">{ message.clone() }</p> },
        Some(Ok(all)) => {
            let members: Vec<&GroupOverview> = all.iter().filter(|g| g.membership.role().is_some()).collect();
            let invited: Vec<&GroupOverview> =
                all.iter().filter(|g| g.membership.state == MemberState::Invited).collect();
            let asked: Vec<&GroupOverview> =
                all.iter().filter(|g| g.membership.state == MemberState::Requested).collect();
            html! {
                <>
                    if !invited.is_empty() {
                        <h2>{ "Invitations" }</h2>
                        <ul class="group-list" id="group-invitations">
                            { for invited.iter().map(|g| html! {
                                <li class="card group-row" key={g.membership.group_id.clone()}>
                                    <span class="name">{ name_of(g) }<small>{ format!(" @{}", g.membership.username) }</small></span>
                                    <button class="primary" id={format!("accept-{}", g.membership.username)}
                                        onclick={answer(g.membership.group_id.clone(), true)}>{ "Accept" }</button>
                                    <button id={format!("decline-{}", g.membership.username)}
                                        onclick={answer(g.membership.group_id.clone(), false)}>{ "Decline" }</button>
                                </li>
                            }) }
                        </ul>
                    }
                    <h2>{ "My groups" }</h2>
                    if members.is_empty() {
                        <p class="empty" id="groups-empty">{ "No group yet: create one, or find one by its @name." }</p>
                    } else {
                        <ul class="group-list" id="my-groups">
                            { for members.iter().map(|g| html! {
                                <li key={g.membership.group_id.clone()}>
                                    <button class="card group-row" id={format!("group-{}", g.membership.username)}
                                        onclick={open(g.membership.group_id.clone())}>
                                        <span class="name">{ name_of(g) }<small>{ format!(" @{}", g.membership.username) }</small></span>
                                        <span class="role">{ state_label(g.membership.state) }</span>
                                    </button>
                                </li>
                            }) }
                        </ul>
                    }
                    if !asked.is_empty() {
                        <h2>{ "Requests sent" }</h2>
                        <ul class="group-list">
                            { for asked.iter().map(|g| html! {
                                <li class="card group-row" key={g.membership.group_id.clone()}>
                                    <span class="name">{ name_of(g) }<small>{ format!(" @{}", g.membership.username) }</small></span>
                                    <span class="role">{ "Waiting for an administrator" }</span>
                                    <button onclick={answer(g.membership.group_id.clone(), false)}>{ "Take back" }</button>
                                </li>
                            }) }
                        </ul>
                    }
                </>
            }
        }
    };
    let toggle = {
        let creating = creating.clone();
        Callback::from(move |_: MouseEvent| creating.set(!*creating))
    };
    let created = {
        let (creating, reload) = (creating.clone(), reload.clone());
        Callback::from(move |()| {
            creating.set(false);
            reload.set(*reload + 1);
        })
    };
    html! {
        <section class="groups">
            <div class="page-head">
                <h1>{ "Groups" }</h1>
                <button id="new-group" class="primary" onclick={toggle}>{ if *creating { "Close" } else { "New group" } }</button>
            </div>
            if let Some(why) = &*offline {
                <p class="hint" id="groups-offline">{ format!("Showing what this device last heard: {why}") }</p>
            }
            if *creating { <GroupForm on_done={created} /> }
            <FindGroup on_joined={ let reload = reload.clone(); Callback::from(move |()| reload.set(*reload + 1)) } />
            { list }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct FormProps {
    on_done: Callback<()>,
}

/// Creating a group: founded by the chosen identity, its `@name` proposed from its name.
#[function_component(GroupForm)]
fn group_form(p: &FormProps) -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let input = use_state(|| GroupInput { visibility: Visibility::Public, ..GroupInput::default() });
    let username_touched = use_state(|| false);
    let error = use_state(|| None::<ErrorBody>);
    let saving = use_state(|| false);
    let set = |apply: fn(&mut GroupInput, String)| {
        let input = input.clone();
        Callback::from(move |v: String| {
            let mut next = (*input).clone();
            apply(&mut next, v);
            input.set(next);
        })
    };
    let on_name = {
        let (input, touched) = (input.clone(), username_touched.clone());
        Callback::from(move |v: String| {
            let mut next = (*input).clone();
            if !*touched {
                next.username = rally_core::validate::suggest_username(&v);
            }
            next.name = v;
            input.set(next);
        })
    };
    let on_username = {
        let (input, touched) = (input.clone(), username_touched.clone());
        Callback::from(move |v: String| {
            touched.set(true);
            input.set(GroupInput { username: v, ..(*input).clone() });
        })
    };
    let submit = {
        let (input, error, saving, app, on_done) =
            (input.clone(), error.clone(), saving.clone(), app.clone(), p.on_done.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(founder) = app.current.clone() else {
                return error.set(Some(ErrorBody {
                    code: rally_core::model::ErrorCode::Invalid,
                    message: "make an identity first: it founds the group".into(),
                    field: None,
                }));
            };
            let (input, error, saving, app, on_done) =
                ((*input).clone(), error.clone(), saving.clone(), app.clone(), on_done.clone());
            saving.set(true);
            spawn_local(async move {
                match api::create_group(&founder, &input).await {
                    Ok(group) => {
                        app.dispatch(Action::Notice(format!("Group @{} created", group.username)));
                        on_done.emit(());
                        app.dispatch(Action::Go(Route::Group(group.id)));
                    }
                    Err(err) => error.set(Some(err)),
                }
                saving.set(false);
            });
        })
    };
    let (visibility, openness) = (visibility_options(), openness_options());
    let general = (*error).as_ref().filter(|e| e.field.is_none()).map(|e| e.message.clone());
    html! {
        <form class="card form" id="group-form" onsubmit={submit} novalidate=true>
            <h2>{ "New group" }</h2>
            if let Some(message) = general { <p class="form-error" id="group-form-error" role="alert">{ message }</p> }
            <Field id="group-name" label="Name" value={input.name.clone()} on_input={on_name} error={error_for(&error, "name")} />
            <Field id="group-username" label="@name (unique on the relay, fixed once created)" value={input.username.clone()}
                on_input={on_username} error={error_for(&error, "username")} />
            <Field id="group-summary" label="About the group" value={input.summary.clone()} multiline=true
                on_input={set(|i, v| i.summary = v)} error={error_for(&error, "summary")} />
            <SelectField id="group-visibility" label="Who sees it" value={input.visibility.as_str()} options={visibility}
                on_change={set(|i, v| i.visibility = Visibility::parse(&v).unwrap_or_default())} />
            <SelectField id="group-openness" label="Who joins" value={input.openness.as_str()} options={openness}
                on_change={set(|i, v| i.openness = GroupOpenness::parse(&v).unwrap_or_default())} />
            <Field id="group-place" label="Where it meets (optional)" value={input.place_name.clone()}
                on_input={set(|i, v| i.place_name = v)} error={error_for(&error, "place_name")} />
            <div class="buttons">
                <button type="submit" class="primary" id="group-create" disabled={*saving}>
                    { if *saving { "Creating…" } else { "Create group" } }
                </button>
            </div>
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct FindProps {
    on_joined: Callback<()>,
}

/// Finding a group by its `@name` (or its page's address) and joining it, or asking to.
#[function_component(FindGroup)]
fn find_group(p: &FindProps) -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let query = use_state(String::new);
    let message = use_state(String::new);
    let found = use_state(|| None::<Result<GroupSummary, String>>);
    let on_query = {
        let query = query.clone();
        Callback::from(move |v: String| query.set(v))
    };
    let search = {
        let (query, found) = (query.clone(), found.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (text, found) = ((*query).clone(), found.clone());
            spawn_local(async move {
                found.set(Some(api::find_group(&text).await.map_err(|e| e.message)));
            });
        })
    };
    let join = {
        let (found, message, app, on_joined) = (found.clone(), message.clone(), app.clone(), p.on_joined.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(Ok(group)) = (*found).clone() else { return };
            let identity = app.current.clone().unwrap_or_default();
            let (app, on_joined, text, found) = (app.clone(), on_joined.clone(), (*message).clone(), found.clone());
            spawn_local(async move {
                match api::join_group(&group.group_id, &identity, &text).await {
                    Ok(joined) => {
                        app.dispatch(Action::Notice(match joined.state {
                            MemberState::Requested => {
                                format!("Asked to join @{}: an administrator will answer", group.username)
                            }
                            _ => format!("You joined @{}", group.username),
                        }));
                        found.set(None);
                        on_joined.emit(());
                    }
                    Err(err) => app.dispatch(Action::Problem(err.message)),
                }
            });
        })
    };
    let result = match &*found {
        None => html! {},
        Some(Err(text)) => html! { <p class="form-error" id="find-group-error" role="alert">{ text.clone() }</p> },
        Some(Ok(g)) => {
            let asks = g.openness == GroupOpenness::Moderated;
            html! {
                <div class="card found-group" id="found-group">
                    <p><strong>{ g.name.clone() }</strong>{ format!(" @{} · {}", g.username, openness_label(g.openness)) }</p>
                    if asks {
                        <Field id="join-group-message" label="A message to its administrators (optional)" value={(*message).clone()}
                            on_input={ let message = message.clone(); Callback::from(move |v| message.set(v)) } />
                    }
                    if g.openness != GroupOpenness::InviteOnly {
                        <button class="primary" id="join-group" onclick={join}>{ if asks { "Ask to join" } else { "Join" } }</button>
                    }
                </div>
            }
        }
    };
    html! {
        <div class="find-group">
            <form class="toolbar" onsubmit={search}>
                <label class="jump">
                    <span class="sr-only">{ "Find a group" }</span>
                    <input id="find-group" type="search" placeholder="Find a group by its @name or link" value={(*query).clone()}
                        oninput={ let on_query = on_query.clone(); Callback::from(move |e: InputEvent| on_query.emit(e.target_unchecked_into::<web_sys::HtmlInputElement>().value())) } />
                </label>
                <button type="submit" id="find-group-go">{ "Find" }</button>
            </form>
            { result }
        </div>
    }
}
