//! `/api/v1/documents/withheld` and `/api/v1/usernames/{name}`: what the relay keeps off its pages of
//! an account's documents and why, and whether a username is free for the account.

use axum::extract::{Path, State};
use axum::Json;

use super::extract::CurrentSession;
use crate::{AppState, Result};
use rally_core::model::{UsernameAvailability, WithheldDocument};

pub async fn withheld(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
) -> Result<Json<Vec<WithheldDocument>>> {
    Ok(Json(state.projections.withheld(&session.account_id)?))
}

pub async fn username(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    Path(name): Path<String>,
) -> Result<Json<UsernameAvailability>> {
    Ok(Json(state.projections.username_availability(&session.account_id, &name)?))
}
