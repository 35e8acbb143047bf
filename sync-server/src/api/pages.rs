//! The pages mailed links open: plain HTML forms, no JavaScript, so they work in any mail client's
//! browser. Each form posts back here, and the page says what happened.

use axum::extract::{Query, State};
use axum::response::Html;
use axum::Form;
use serde::Deserialize;

use crate::mail::escape_html;
use crate::{AppState, Error};

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    pub token: String,
}

#[derive(Deserialize)]
pub struct ResetForm {
    pub token: String,
    pub password: String,
}

pub(super) fn page(state: &AppState, title: &str, body: &str) -> Html<String> {
    let body = format!("<div class=\"card\"><h1>{}</h1>{body}</div>", escape_html(title));
    Html(crate::page_layout::layout(&state.instance_name, title, "", &body, true))
}

pub(super) fn failure(state: &AppState, title: &str, err: &Error) -> Html<String> {
    page(state, title, &format!("<p class=\"error\">{}</p>", escape_html(&err.parts().2)))
}

pub async fn confirm_form(State(state): State<AppState>, Query(q): Query<TokenQuery>) -> Html<String> {
    page(
        &state,
        "Confirm your address",
        &format!(
            "<form method=\"post\" action=\"/account/confirm\"><input type=\"hidden\" name=\"token\" value=\"{}\">\
             <button type=\"submit\">Confirm my address</button></form>",
            escape_html(&q.token)
        ),
    )
}

pub async fn confirm(State(state): State<AppState>, Form(q): Form<TokenQuery>) -> Html<String> {
    match state.accounts.confirm(&q.token) {
        Ok(account) => page(
            &state,
            "Address confirmed",
            &format!("<p>{} is confirmed. You can now log in from Rally.</p>", escape_html(&account.email)),
        ),
        Err(err) => failure(&state, "Could not confirm", &err),
    }
}

pub async fn reset_form(State(state): State<AppState>, Query(q): Query<TokenQuery>) -> Html<String> {
    page(
        &state,
        "Choose a new password",
        &format!(
            "<form method=\"post\" action=\"/account/reset\"><input type=\"hidden\" name=\"token\" value=\"{}\">\
             <p><label>New password (at least 10 characters)<br><input type=\"password\" name=\"password\" minlength=\"10\" required autocomplete=\"new-password\"></label></p>\
             <button type=\"submit\">Set the password</button></form>",
            escape_html(&q.token)
        ),
    )
}

pub async fn reset(State(state): State<AppState>, Form(f): Form<ResetForm>) -> Html<String> {
    match state.accounts.reset_password(&f.token, &f.password).await {
        Ok(()) => page(
            &state,
            "Password changed",
            "<p>Your password is changed, and every device was logged out. Log in again from Rally.</p>",
        ),
        Err(err) => failure(&state, "Could not change the password", &err),
    }
}
