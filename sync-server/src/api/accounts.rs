//! `/api/v1/accounts`: sign up, confirm, resend the confirmation, read and delete one's account.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

use super::extract::{Body, ClientIp, CurrentSession};
use crate::{AppState, Result};
use rally_core::model::{Account, Credentials};

#[derive(Deserialize)]
pub struct Token {
    pub token: String,
}

#[derive(Deserialize)]
pub struct Email {
    pub email: String,
}

#[derive(Deserialize)]
pub struct Password {
    pub password: String,
}

pub async fn sign_up(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Body(c): Body<Credentials>,
) -> Result<(StatusCode, Json<Account>)> {
    Ok((StatusCode::CREATED, Json(state.accounts.sign_up(&c.email, &c.password, ip).await?)))
}

pub async fn confirm(State(state): State<AppState>, Body(t): Body<Token>) -> Result<Json<Account>> {
    Ok(Json(state.accounts.confirm(&t.token)?))
}

pub async fn resend_confirmation(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Body(e): Body<Email>,
) -> Result<StatusCode> {
    state.accounts.resend_confirmation(&e.email, ip).await?;
    Ok(StatusCode::ACCEPTED)
}

pub async fn current(State(state): State<AppState>, CurrentSession(session): CurrentSession) -> Result<Json<Account>> {
    Ok(Json(state.accounts.account(&session.account_id)?))
}

pub async fn delete(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    Body(p): Body<Password>,
) -> Result<StatusCode> {
    state.delete_account(&session, &p.password).await?;
    Ok(StatusCode::NO_CONTENT)
}
