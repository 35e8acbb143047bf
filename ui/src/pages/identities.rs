//! Identities: the list, and a form to create or edit one (avatar picked from disk).

use rally_core::model::{ErrorBody, Identity, IdentityInput, ImageChange};
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::read_picked_file;
use crate::api;
use crate::app::reload_identities;
use crate::components::{error_for, Field};
use crate::state::{Action, AppContext};

#[derive(Clone, PartialEq)]
enum Editing {
    Nothing,
    New,
    Existing(String),
}

#[function_component(IdentitiesPage)]
pub fn identities_page() -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let editing = use_state(|| Editing::Nothing);
    let first_time = app.identities.is_empty();
    let start_new = {
        let editing = editing.clone();
        Callback::from(move |_| editing.set(Editing::New))
    };
    let done = {
        let editing = editing.clone();
        Callback::from(move |_| editing.set(Editing::Nothing))
    };
    let form = match &*editing {
        Editing::Nothing if first_time => html! { <IdentityForm existing={None::<Identity>} on_done={done.clone()} /> },
        Editing::Nothing => html! {},
        Editing::New => html! { <IdentityForm existing={None::<Identity>} on_done={done.clone()} /> },
        Editing::Existing(id) => {
            let existing = app.identities.iter().find(|i| &i.id == id).cloned();
            html! { <IdentityForm key={id.clone()} {existing} on_done={done.clone()} /> }
        }
    };
    html! {
        <section class="identities">
            <div class="page-head">
                <h1>{ "Identities" }</h1>
                if !first_time { <button id="new-identity" onclick={start_new}>{ "New identity" }</button> }
            </div>
            if first_time {
                <p class="welcome">{ "Welcome to Rally. Everything stays on this computer until you choose to sync. Start with an identity: the name people will see on your events." }</p>
            }
            { form }
            <ul class="identity-list">
                { for app.identities.iter().map(|i| {
                    let edit = { let editing = editing.clone(); let id = i.id.clone(); Callback::from(move |_| editing.set(Editing::Existing(id.clone()))) };
                    html! { <IdentityCard key={i.id.clone()} identity={i.clone()} on_edit={edit} /> }
                }) }
            </ul>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct CardProps {
    identity: Identity,
    on_edit: Callback<MouseEvent>,
}

#[function_component(IdentityCard)]
fn identity_card(p: &CardProps) -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let avatar = use_state(|| None::<String>);
    let confirming = use_state(|| false);
    {
        let avatar = avatar.clone();
        let id = p.identity.id.clone();
        use_effect_with(p.identity.updated_at, move |_| {
            spawn_local(async move { avatar.set(api::identity_avatar(&id).await.ok().flatten()) });
        });
    }
    let i = &p.identity;
    let ask = {
        let confirming = confirming.clone();
        Callback::from(move |_| confirming.set(true))
    };
    let cancel = {
        let confirming = confirming.clone();
        Callback::from(move |_| confirming.set(false))
    };
    let delete = {
        let app = app.clone();
        let id = i.id.clone();
        Callback::from(move |_| {
            let app = app.clone();
            let id = id.clone();
            spawn_local(async move {
                match api::delete_identity(&id).await {
                    Ok(()) => app.dispatch(Action::Notice("Identity deleted".into())),
                    Err(err) => app.dispatch(Action::Problem(format!("Could not delete: {err}"))),
                }
                reload_identities(&app);
            });
        })
    };
    html! {
        <li class="identity-card" id={format!("identity-{}", i.username)}>
            if let Some(src) = &*avatar {
                <img class="avatar" src={src.clone()} alt={format!("Avatar of {}", i.display_name)} />
            } else {
                <span class="avatar placeholder">{ i.display_name.chars().next().unwrap_or('?').to_string() }</span>
            }
            <div class="who">
                <strong>{ i.display_name.clone() }</strong>
                <span class="username">{ format!("@{}", i.username) }</span>
                if !i.bio.is_empty() { <p class="bio">{ i.bio.clone() }</p> }
            </div>
            <div class="actions">
                <button class="edit" onclick={p.on_edit.clone()}>{ "Edit" }</button>
                if *confirming {
                    <span class="confirm">{ "Delete this identity and all its events?" }</span>
                    <button class="danger delete-confirm" onclick={delete}>{ "Delete" }</button>
                    <button onclick={cancel}>{ "Cancel" }</button>
                } else {
                    <button class="delete" onclick={ask}>{ "Delete…" }</button>
                }
            </div>
        </li>
    }
}

#[derive(Properties, PartialEq)]
struct FormProps {
    existing: Option<Identity>,
    on_done: Callback<()>,
}

#[function_component(IdentityForm)]
fn identity_form(p: &FormProps) -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let input = use_state(|| p.existing.as_ref().map(IdentityInput::from_identity).unwrap_or_default());
    let error = use_state(|| None::<ErrorBody>);
    let file_ref = use_node_ref();
    let set = |apply: fn(&mut IdentityInput, String)| {
        let input = input.clone();
        Callback::from(move |v: String| {
            let mut next = (*input).clone();
            apply(&mut next, v);
            input.set(next);
        })
    };
    // A new identity's username follows its display name ("Jérôme Dupont": jerome_dupont) until
    // the person types one of their own.
    let username_typed = use_state(|| p.existing.is_some());
    let on_display_name = {
        let (input, username_typed) = (input.clone(), username_typed.clone());
        Callback::from(move |v: String| {
            let mut next = (*input).clone();
            if !*username_typed {
                next.username = rally_core::validate::suggest_username(&v);
            }
            next.display_name = v;
            input.set(next);
        })
    };
    let on_username = {
        let (input, username_typed) = (input.clone(), username_typed.clone());
        Callback::from(move |v: String| {
            username_typed.set(!v.is_empty());
            input.set(IdentityInput { username: v, ..(*input).clone() });
        })
    };
    let remove_avatar = {
        let input = input.clone();
        Callback::from(move |_| input.set(IdentityInput { avatar: ImageChange::Remove, ..(*input).clone() }))
    };
    let save = {
        let (input, error, app, file_ref, on_done) =
            (input.clone(), error.clone(), app.clone(), file_ref.clone(), p.on_done.clone());
        let existing = p.existing.as_ref().map(|i| i.id.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (input, error, app, file_ref, on_done, existing) =
                (input.clone(), error.clone(), app.clone(), file_ref.clone(), on_done.clone(), existing.clone());
            spawn_local(async move {
                let mut payload = (*input).clone();
                if let Some(picked) = file_ref.cast::<HtmlInputElement>() {
                    match read_picked_file(&picked).await {
                        Some(Ok(bytes)) => payload.avatar = ImageChange::Set(bytes),
                        Some(Err(message)) => {
                            error.set(Some(ErrorBody {
                                code: rally_core::model::ErrorCode::Invalid,
                                message,
                                field: Some("avatar".into()),
                            }));
                            return;
                        }
                        None => {}
                    }
                }
                let saved = match &existing {
                    Some(id) => api::update_identity(id, &payload).await,
                    None => api::create_identity(&payload).await,
                };
                match saved {
                    Ok(identity) => {
                        error.set(None);
                        if existing.is_none() {
                            app.dispatch(Action::Select(identity.id.clone()));
                        }
                        app.dispatch(Action::Notice(format!("Saved @{}", identity.username)));
                        reload_identities(&app);
                        on_done.emit(());
                    }
                    Err(err) => error.set(Some(err)),
                }
            });
        })
    };
    let cancel = {
        let on_done = p.on_done.clone();
        Callback::from(move |_| on_done.emit(()))
    };
    let general = (*error)
        .clone()
        .filter(|e| !matches!(e.field.as_deref(), Some("username" | "display_name" | "bio" | "avatar")));
    html! {
        <form class="card form" id="identity-form" onsubmit={save}>
            <h2>{ if p.existing.is_some() { "Edit identity" } else { "New identity" } }</h2>
            if let Some(err) = general { <p class="form-error" role="alert">{ err.to_string() }</p> }
            <Field id="identity-display-name" label="Display name" value={input.display_name.clone()} on_input={on_display_name}
                error={error_for(&error, "display_name")} placeholder="Ana B." hint={AttrValue::Static("The name people see.")} />
            <Field id="identity-username" label="Username" value={input.username.clone()} on_input={on_username}
                error={error_for(&error, "username")} placeholder="ana_b" hint={AttrValue::Static("Your @name: lowercase letters, digits and _ (at most 30). Proposed from the display name.")} />
            <Field id="identity-bio" label="Bio" value={input.bio.clone()} on_input={set(|i, v| i.bio = v)} error={error_for(&error, "bio")} multiline=true />
            <div class={classes!("field", error_for(&error, "avatar").map(|_| "invalid"))}>
                <label for="identity-avatar">{ "Avatar" }</label>
                <input id="identity-avatar" type="file" accept="image/png,image/jpeg,image/webp,image/gif" ref={file_ref} />
                if p.existing.as_ref().is_some_and(|i| i.has_avatar) && input.avatar != ImageChange::Remove {
                    <button type="button" id="identity-remove-avatar" onclick={remove_avatar}>{ "Remove avatar" }</button>
                }
                if let Some(message) = error_for(&error, "avatar") { <p class="field-error" id="error-identity-avatar" role="alert">{ message }</p> }
            </div>
            <div class="buttons">
                <button type="submit" id="identity-save" class="primary">{ "Save identity" }</button>
                if !app.identities.is_empty() { <button type="button" onclick={cancel}>{ "Cancel" }</button> }
            </div>
        </form>
    }
}
