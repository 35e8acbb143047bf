//! Moderation: roles and the action log (moderators and administrators only, checked by [`AsStaff`]).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use rally_core::model::{ModerationAction, RoleGrant};

use super::extract::{AsStaff, Body};
use crate::{AppState, Result};

/// `POST /api/v1/moderation/roles`: an administrator gives a role (`user` takes one back).
pub async fn grant(
    State(state): State<AppState>,
    AsStaff(staff): AsStaff,
    Body(grant): Body<RoleGrant>,
) -> Result<StatusCode> {
    state.moderation.grant(&staff, &grant.email, grant.role)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/moderation/log`: what moderators and administrators did, newest first.
pub async fn log(State(state): State<AppState>, AsStaff(staff): AsStaff) -> Result<Json<Vec<ModerationAction>>> {
    Ok(Json(state.moderation.log(&staff)?))
}
