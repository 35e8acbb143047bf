//! `/api/v1/sessions` and `/api/v1/password-resets`: log in, log out, reset a forgotten password.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

use super::accounts::{Email, Password};
use super::extract::{Body, ClientIp, CurrentSession};
use crate::{AppState, Result};
use rally_core::model::{Credentials, NewSession, SessionInfo};

pub async fn log_in(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Body(c): Body<Credentials>,
) -> Result<(StatusCode, Json<NewSession>)> {
    Ok((StatusCode::CREATED, Json(state.accounts.log_in(&c.email, &c.password, ip).await?)))
}

/// The session's account, the peer id it must use to sync, and the account's root document.
pub async fn current(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
) -> Result<Json<SessionInfo>> {
    let root_document = state.sync.root_document(&session.account_id).await?;
    Ok(Json(SessionInfo { peer_id: session.peer_id(), account_id: session.account_id, root_document }))
}

pub async fn log_out(State(state): State<AppState>, CurrentSession(session): CurrentSession) -> Result<StatusCode> {
    state.accounts.log_out(&session)?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn request_reset(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Body(e): Body<Email>,
) -> Result<StatusCode> {
    state.accounts.request_password_reset(&e.email, ip).await?;
    Ok(StatusCode::ACCEPTED)
}

pub async fn reset(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Body(p): Body<Password>,
) -> Result<StatusCode> {
    state.accounts.reset_password(&token, &p.password).await?;
    Ok(StatusCode::NO_CONTENT)
}
