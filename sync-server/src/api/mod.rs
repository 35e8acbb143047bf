//! The HTTP API, under `/api/v1/`. Handlers translate; logic lives in services.

mod health;

use axum::routing::get;
use axum::Router;

use crate::AppState;

pub fn router(state: AppState) -> Router {
    Router::new().route("/api/v1/health", get(health::health)).with_state(state)
}
