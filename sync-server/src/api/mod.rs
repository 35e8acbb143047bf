//! HTTP: the JSON API under `/api/v1/` (documented in docs/API.md) and the pages mailed links open.
//! Handlers translate; the logic is in the services ([`crate::accounts`], [`crate::participation`]).

mod accounts;
mod extract;
mod health;
mod pages;
mod participate;
mod participation;
mod public;
mod sessions;
mod sync;

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
        .route("/api/v1/feeds/private", get(participation::private_feed))
        .route("/api/v1/feeds/private/reset", post(participation::reset_private_feed))
        .route("/feeds/private/{account}/{file}", get(participation::private_feed_ics))
        .route("/events/{id}/participate", post(participate::ask))
        .route("/participations/{id}/confirm", get(participate::confirm_form).post(participate::confirm))
        .route("/participations/{id}/cancel", get(participate::cancel_form).post(participate::cancel))
        .route("/mail-settings/{token}", get(participate::settings_form).post(participate::save_settings))
        .route("/events/{file}", get(public::event))
        .route("/feed.ics", get(public::instance_feed))
        .route("/{handle}/feed.ics", get(public::identity_feed))
        .fallback(|| async {
            let body = serde_json::json!({"error": {"code": "not_found", "message": "no such resource"}});
            (axum::http::StatusCode::NOT_FOUND, axum::Json(body))
        })
        .with_state(state)
}
