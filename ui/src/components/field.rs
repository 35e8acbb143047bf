//! A labelled form field with its error shown right under it.

use rally_core::model::ErrorBody;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

/// The message for `field` if the last error was about it.
pub fn error_for(error: &Option<ErrorBody>, field: &str) -> Option<String> {
    error.as_ref().filter(|e| e.field.as_deref() == Some(field)).map(|e| e.message.clone())
}

/// The message for `field` among all the problems of a form.
pub fn problem_for(problems: &[ErrorBody], field: &str) -> Option<String> {
    problems.iter().find(|e| e.field.as_deref() == Some(field)).map(|e| e.message.clone())
}

#[derive(Properties, PartialEq)]
pub struct FieldProps {
    pub id: AttrValue,
    pub label: AttrValue,
    pub value: AttrValue,
    pub on_input: Callback<String>,
    #[prop_or_default]
    pub error: Option<String>,
    #[prop_or(AttrValue::Static("text"))]
    pub kind: AttrValue,
    #[prop_or_default]
    pub placeholder: AttrValue,
    #[prop_or_default]
    pub hint: Option<AttrValue>,
    #[prop_or_default]
    pub list: Option<AttrValue>,
    #[prop_or_default]
    pub multiline: bool,
}

#[function_component(Field)]
pub fn field(p: &FieldProps) -> Html {
    let on_input = p.on_input.clone();
    let control = if p.multiline {
        let oninput = Callback::from(move |e: InputEvent| {
            on_input.emit(e.target_unchecked_into::<HtmlTextAreaElement>().value())
        });
        html! { <textarea id={p.id.clone()} rows="6" value={p.value.clone()} placeholder={p.placeholder.clone()} {oninput} aria-invalid={p.error.is_some().to_string()} /> }
    } else {
        let oninput =
            Callback::from(move |e: InputEvent| on_input.emit(e.target_unchecked_into::<HtmlInputElement>().value()));
        html! {
            <input id={p.id.clone()} type={p.kind.clone()} value={p.value.clone()} placeholder={p.placeholder.clone()}
                list={p.list.clone()} {oninput} aria-invalid={p.error.is_some().to_string()}
                aria-describedby={p.error.as_ref().map(|_| format!("error-{}", p.id))} />
        }
    };
    html! {
        <div class={classes!("field", p.error.as_ref().map(|_| "invalid"))}>
            <label for={p.id.clone()}>{ p.label.clone() }</label>
            { control }
            if let Some(hint) = &p.hint { <small class="hint" id={format!("{}-hint", p.id)}>{ hint.clone() }</small> }
            if let Some(error) = &p.error {
                <p class="field-error" id={format!("error-{}", p.id)} role="alert">{ error.clone() }</p>
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct SelectProps {
    pub id: AttrValue,
    pub label: AttrValue,
    pub value: AttrValue,
    /// (value, label) pairs.
    pub options: Vec<(AttrValue, AttrValue)>,
    pub on_change: Callback<String>,
    #[prop_or_default]
    pub error: Option<String>,
}

#[function_component(SelectField)]
pub fn select_field(p: &SelectProps) -> Html {
    let on_change = p.on_change.clone();
    let onchange =
        Callback::from(move |e: Event| on_change.emit(e.target_unchecked_into::<HtmlSelectElement>().value()));
    html! {
        <div class={classes!("field", p.error.as_ref().map(|_| "invalid"))}>
            <label for={p.id.clone()}>{ p.label.clone() }</label>
            <select id={p.id.clone()} {onchange}>
                { for p.options.iter().map(|(value, label)| html! {
                    <option value={value.clone()} selected={*value == p.value}>{ label.clone() }</option>
                }) }
            </select>
            if let Some(error) = &p.error {
                <p class="field-error" id={format!("error-{}", p.id)} role="alert">{ error.clone() }</p>
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct CheckProps {
    pub id: AttrValue,
    pub label: AttrValue,
    pub checked: bool,
    pub on_change: Callback<bool>,
}

#[function_component(CheckField)]
pub fn check_field(p: &CheckProps) -> Html {
    let on_change = p.on_change.clone();
    let onchange =
        Callback::from(move |e: Event| on_change.emit(e.target_unchecked_into::<HtmlInputElement>().checked()));
    html! {
        <div class="field check">
            <input id={p.id.clone()} type="checkbox" checked={p.checked} {onchange} />
            <label for={p.id.clone()}>{ p.label.clone() }</label>
        </div>
    }
}
