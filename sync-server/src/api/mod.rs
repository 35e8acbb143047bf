//! HTTP: the JSON API under `/api/v1/` (documented in docs/API.md) and the pages mailed links open.
//! Handlers translate; the logic is in the services ([`crate::accounts`], [`crate::participation`]).

mod accounts;
mod documents;
mod extract;
mod federation;
mod groups;
mod health;
mod moderation;
mod pages;
mod participate;
mod participation;
mod public;
mod sessions;
mod sync;

use axum::http::{header, HeaderValue};
use axum::response::Response;
use axum::routing::{delete, get, post};
use axum::Router;

use crate::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/health", get(health::health))
        .route("/api/v1/accounts", post(accounts::sign_up))
        .route("/api/v1/accounts/confirm", post(accounts::confirm))
        .route("/api/v1/accounts/confirmation", post(accounts::resend_confirmation))
        .route("/api/v1/accounts/current", get(accounts::current).delete(accounts::delete))
        .route("/api/v1/sessions", post(sessions::log_in))
        .route("/api/v1/sessions/current", get(sessions::current).delete(sessions::log_out))
        .route("/sync", get(sync::connect))
        .route("/api/v1/documents/withheld", get(documents::withheld))
        .route("/api/v1/usernames/{name}", get(documents::username))
        .route("/api/v1/password-resets", post(sessions::request_reset))
        .route("/api/v1/password-resets/{token}", post(sessions::reset))
        .route("/account/confirm", get(pages::confirm_form).post(pages::confirm))
        .route("/account/reset", get(pages::reset_form).post(pages::reset))
        .route("/api/v1/events/{id}", get(participation::public_event))
        .route("/api/v1/events/{id}/participations", get(participation::for_event).post(participation::join))
        .route("/api/v1/events/{id}/participations/{identity}", delete(participation::leave))
        .route("/api/v1/events/{id}/decisions", post(participation::decide))
        .route("/api/v1/events/{id}/invitations", post(participation::invite))
        .route("/api/v1/participations", get(participation::mine))
        .route("/api/v1/groups", get(groups::mine).post(groups::create))
        .route("/api/v1/groups/by-name/{username}", get(groups::find))
        .route("/api/v1/groups/{id}", delete(groups::delete))
        .route("/api/v1/groups/{id}/members", get(groups::members).post(groups::join))
        .route("/api/v1/groups/{id}/followers", get(federation::group_followers).post(federation::decide_follower))
        .route("/api/v1/groups/{id}/members/{identity}", post(groups::act).delete(groups::leave))
        .route("/api/v1/groups/{id}/invitations", post(groups::invite))
        .route("/api/v1/feeds/private", get(participation::private_feed))
        .route("/api/v1/feeds/private/reset", post(participation::reset_private_feed))
        .route("/feeds/private/{account}/{file}", get(participation::private_feed_ics))
        .route("/events/{id}/participate", post(participate::ask))
        .route("/events/{id}/report", post(participate::report))
        .route("/reports/{id}/confirm", get(participate::confirm_report_form).post(participate::confirm_report))
        .route("/participations/{id}/confirm", get(participate::confirm_form).post(participate::confirm))
        .route("/participations/{id}/cancel", get(participate::cancel_form).post(participate::cancel))
        .route("/mail-settings/{token}", get(participate::settings_form).post(participate::save_settings))
        .route("/api/v1/moderation/roles", post(moderation::grant))
        .route("/api/v1/moderation/log", get(moderation::log))
        .route("/api/v1/moderation/measures", post(moderation::take))
        .route("/api/v1/moderation/reports", get(moderation::reports))
        .route("/api/v1/moderation/reports/{id}/notes", post(moderation::note))
        .route("/api/v1/moderation/reports/{id}/state", post(moderation::set_state))
        .route("/api/v1/reports", post(moderation::report))
        .route("/api/v1/follows", get(federation::follows).post(federation::follow))
        .route("/api/v1/remote-events", get(federation::remote_events))
        .route("/api/v1/remote-events/{id}/participations", post(federation::join_remote))
        .route("/api/v1/remote-events/{id}/participations/{identity}", delete(federation::leave_remote))
        .route("/api/v1/remote-participations", get(federation::remote_participations))
        .route("/.well-known/webfinger", get(federation::webfinger))
        .route("/.well-known/nodeinfo", get(federation::nodeinfo_links))
        .route("/nodeinfo/{version}", get(federation::nodeinfo))
        .route("/relay", get(federation::instance_actor))
        .route("/inbox", post(federation::inbox))
        .route("/relay/inbox", post(federation::inbox))
        .route("/{handle}/inbox", post(federation::inbox))
        .route("/{handle}/outbox", get(federation::outbox))
        .route("/{handle}/followers", get(federation::followers))
        .route("/", get(public::home))
        .route("/style.css", get(public::stylesheet))
        .route("/events/{id}/picture", get(public::picture))
        .route("/{handle}", get(federation::actor_or_page))
        .route("/{handle}/avatar", get(public::avatar))
        .route("/events/{file}", get(federation::event_or_page))
        .route("/feed.ics", get(public::instance_feed))
        .route("/{handle}/feed.ics", get(public::identity_feed))
        .fallback(|| async {
            let body = serde_json::json!({"error": {"code": "not_found", "message": "no such resource"}});
            (axum::http::StatusCode::NOT_FOUND, axum::Json(body))
        })
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// The relay's pages run no script and are framed by nobody; a browser guesses no types and sends no
/// page address (which may hold a capability token) to other sites.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self' https: data:; \
     form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}
