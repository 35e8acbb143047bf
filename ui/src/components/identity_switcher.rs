//! Always in the header: which identity is acting now.

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::state::{Action, AppContext, Route};

#[function_component(IdentitySwitcher)]
pub fn identity_switcher() -> Html {
    let app = use_context::<AppContext>().expect("app context");
    if app.identities.is_empty() {
        let go = {
            let app = app.clone();
            Callback::from(move |_| app.dispatch(Action::Go(Route::Identities)))
        };
        return html! { <button id="identity-switcher-empty" class="switcher" onclick={go}>{ "Create an identity" }</button> };
    }
    let onchange = {
        let app = app.clone();
        Callback::from(move |e: Event| {
            app.dispatch(Action::Select(e.target_unchecked_into::<HtmlSelectElement>().value()))
        })
    };
    html! {
        <label class="switcher">
            <span>{ "Acting as" }</span>
            <select id="identity-switcher" {onchange} aria-label="Acting as">
                { for app.identities.iter().map(|i| html! {
                    <option value={i.id.clone()} selected={app.current.as_deref() == Some(i.id.as_str())}>
                        { format!("{} (@{})", i.display_name, i.username) }
                    </option>
                }) }
            </select>
        </label>
    }
}
