//! The pages of anonymous participation, anonymous reports and mail settings, for people who may have
//! no account and no app: plain HTML forms, no JavaScript. A link from a mail opens a page with one button, and only
//! the button acts (a mail scanner that follows links changes nothing).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Html;
use axum::Form;
use serde::Deserialize;

use super::extract::ClientIp;
use super::pages::{failure, page};
use super::participation::blocking;
use crate::mail::escape_html;
use crate::notify::{settings::MailSettings, Kind};
use crate::AppState;

#[derive(Deserialize)]
pub struct Ask {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub message: String,
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    pub token: String,
}

/// `POST /events/{id}/participate`, from the form on the event's page.
pub async fn ask(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(event): Path<String>,
    Form(form): Form<Ask>,
) -> Html<String> {
    let asked = blocking(&state, move |p| p.join_anonymously(&event, &form.name, &form.email, &form.message, ip)).await;
    match asked {
        Ok(email) => page(
            &state,
            "Check your mail",
            &format!(
                "<p id=\"asked\">We sent a link to {}. Open it within 48 hours to confirm your participation.</p>",
                escape_html(&email)
            ),
        ),
        Err(err) => failure(&state, "Could not take part", &err),
    }
}

fn one_button(state: &AppState, title: &str, text: &str, action: &str, token: &str, label: &str) -> Html<String> {
    page(
        state,
        title,
        &format!(
            "<p>{}</p><form method=\"post\" action=\"{}\"><input type=\"hidden\" name=\"token\" value=\"{}\">\
             <button type=\"submit\" id=\"confirm\">{}</button></form>",
            escape_html(text),
            escape_html(action),
            escape_html(token),
            escape_html(label)
        ),
    )
}

pub async fn confirm_form(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<TokenQuery>,
) -> Html<String> {
    let action = format!("/participations/{id}/confirm");
    one_button(
        &state,
        "Confirm your participation",
        "Confirm that you take part.",
        &action,
        &q.token,
        "Confirm my participation",
    )
}

pub async fn confirm(State(state): State<AppState>, Path(id): Path<String>, Form(q): Form<TokenQuery>) -> Html<String> {
    match blocking(&state, move |p| p.confirm_anonymous(&id, &q.token)).await {
        Ok(p) => {
            page(&state, "Participation confirmed", &format!("<p id=\"outcome\">{}</p>", escape_html(&p.outcome())))
        }
        Err(err) => failure(&state, "Could not confirm", &err),
    }
}

pub async fn cancel_form(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<TokenQuery>,
) -> Html<String> {
    let action = format!("/participations/{id}/cancel");
    one_button(
        &state,
        "Cancel your participation",
        "You will not take part any more.",
        &action,
        &q.token,
        "Cancel my participation",
    )
}

pub async fn cancel(State(state): State<AppState>, Path(id): Path<String>, Form(q): Form<TokenQuery>) -> Html<String> {
    match blocking(&state, move |p| p.cancel_anonymous(&id, &q.token)).await {
        Ok(_) => page(
            &state,
            "Participation cancelled",
            "<p id=\"outcome\">Your participation is cancelled. Thank you for saying so.</p>",
        ),
        Err(err) => failure(&state, "Could not cancel", &err),
    }
}

#[derive(Deserialize)]
pub struct EmailQuery {
    #[serde(default)]
    pub email: String,
}

/// The settings form: one box per kind of mail, and how early reminders come.
pub async fn settings_form(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<EmailQuery>,
) -> Html<String> {
    match state.notifications.settings(&q.email, &token) {
        Ok(s) => page(&state, "Which mails you get", &settings_body(&token, &q.email, &s, None)),
        Err(err) => failure(&state, "Mail settings", &err),
    }
}

fn settings_body(token: &str, email: &str, s: &MailSettings, saved: Option<&str>) -> String {
    let mut body = format!("<p>For {}.</p>", escape_html(email));
    if let Some(saved) = saved {
        body.push_str(&format!("<p id=\"saved\"><strong>{}</strong></p>", escape_html(saved)));
    }
    body.push_str(&format!(
        "<form method=\"post\" action=\"/mail-settings/{}\"><input type=\"hidden\" name=\"email\" value=\"{}\">",
        escape_html(token),
        escape_html(email)
    ));
    for kind in Kind::CHOOSABLE {
        let checked = if s.off.contains(&kind) { "" } else { " checked" };
        body.push_str(&format!(
            "<p><label><input type=\"checkbox\" name=\"{0}\" value=\"on\"{checked}> {1}</label></p>",
            kind.as_str(),
            escape_html(kind.label())
        ));
    }
    body.push_str(&format!(
        "<p><label>Reminders, how many hours before an event<br><input type=\"number\" name=\"reminder_hours\" min=\"1\" max=\"168\" value=\"{}\"></label></p>\
         <button type=\"submit\" id=\"save\">Save</button></form>",
        s.reminder_hours
    ));
    body
}

/// The checked boxes come as `kind=on`; an unchecked one does not come at all.
pub async fn save_settings(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Html<String> {
    let value = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let email = value("email").unwrap_or_default();
    let reminder_hours = value("reminder_hours").and_then(|h| h.trim().parse().ok()).unwrap_or(0);
    let chosen = MailSettings {
        off: Kind::CHOOSABLE.into_iter().filter(|k| value(k.as_str()).is_none()).collect(),
        reminder_hours,
    };
    match state.notifications.save_settings(&email, &token, &chosen) {
        Ok(()) => page(&state, "Which mails you get", &settings_body(&token, &email, &chosen, Some("Saved."))),
        Err(err) => failure(&state, "Mail settings", &err),
    }
}

#[derive(Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub comment: String,
}

/// `POST /events/{id}/report`, from the form on the event's page (refusals with their HTTP status).
pub async fn report(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(event): Path<String>,
    Form(form): Form<ReportForm>,
) -> (StatusCode, Html<String>) {
    let input = rally_core::model::AnonymousReport { email: form.email, comment: form.comment };
    match state.moderation.report_anonymously(&event, &input, ip) {
        Err(err) => (err.parts().0, failure(&state, "Could not send the report", &err)),
        Ok(email) => (StatusCode::OK, page(
            &state,
            "Check your mail",
            &format!(
                "<p id=\"reported\">We sent a link to {}. Open it within 48 hours to send your report to the moderators.</p>",
                escape_html(&email)
            ),
        )),
    }
}

pub async fn confirm_report_form(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<TokenQuery>,
) -> Html<String> {
    let action = format!("/reports/{id}/confirm");
    one_button(
        &state,
        "Confirm your report",
        "Send your report to the moderators.",
        &action,
        &q.token,
        "Confirm my report",
    )
}

pub async fn confirm_report(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(q): Form<TokenQuery>,
) -> Html<String> {
    match state.moderation.confirm_report(&id, &q.token) {
        Ok(content) => page(
            &state,
            "Report sent",
            &format!(
                "<p id=\"outcome\">The moderators have your report of \"{}\". You will hear from them when it is resolved.</p>",
                escape_html(&content.title)
            ),
        ),
        Err(err) => failure(&state, "Could not confirm the report", &err),
    }
}
