//! Moderation: roles and the action log (moderators and administrators only, checked by [`AsStaff`]).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use rally_core::model::{
    MeasureRequest, ModerationAction, NoteInput, Report, ReportInput, ReportState, RoleGrant, StateChange,
};
use serde::Deserialize;

use super::extract::{AsStaff, Body, CurrentSession};
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

/// `POST /api/v1/moderation/measures`: hide or restore an event, suspend or restore an identity or
/// an account, with a reason.
pub async fn take(
    State(state): State<AppState>,
    AsStaff(staff): AsStaff,
    Body(request): Body<MeasureRequest>,
) -> Result<StatusCode> {
    state.moderation.take(&staff, request).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/reports`: one of the account's identities reports something.
pub async fn report(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    Body(input): Body<ReportInput>,
) -> Result<(StatusCode, Json<serde_json::Value>)> {
    let id = state.moderation.report(&session.account_id, &input)?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))))
}

#[derive(Deserialize)]
pub struct ReportsQuery {
    state: Option<String>,
}

/// `GET /api/v1/moderation/reports?state=open|resolved|closed`: newest first.
pub async fn reports(
    State(state): State<AppState>,
    AsStaff(staff): AsStaff,
    Query(q): Query<ReportsQuery>,
) -> Result<Json<Vec<Report>>> {
    let wanted = match q.state.as_deref() {
        None | Some("") => None,
        Some(s) => Some(ReportState::parse(s).ok_or_else(|| {
            crate::Error::bad_request("invalid_state", format!("\"{s}\": a report is open, resolved or closed"))
        })?),
    };
    Ok(Json(state.moderation.reports(&staff, wanted)?))
}

/// `POST /api/v1/moderation/reports/{id}/notes`.
pub async fn note(
    State(state): State<AppState>,
    AsStaff(staff): AsStaff,
    Path(id): Path<String>,
    Body(input): Body<NoteInput>,
) -> Result<Json<Report>> {
    Ok(Json(state.moderation.add_note(&staff, &id, &input.text)?))
}

/// `POST /api/v1/moderation/reports/{id}/state`.
pub async fn set_state(
    State(state): State<AppState>,
    AsStaff(staff): AsStaff,
    Path(id): Path<String>,
    Body(change): Body<StateChange>,
) -> Result<Json<Report>> {
    Ok(Json(state.moderation.set_state(&staff, &id, &change)?))
}
