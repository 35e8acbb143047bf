//! `/api/v1/events/{id}/participations|decisions|invitations`, `/api/v1/participations` and the
//! private feed: joining, leaving, an organizer's requests and decisions. Thin: the rules are in
//! [`crate::participation`].

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rally_core::model::{
    DecisionRequest, DecisionResult, JoinRequest, Participation, Participations, PrivateFeed, PublicEvent,
};
use serde::{Deserialize, Serialize};

use super::extract::{Body, CurrentSession};
use crate::participation::ParticipationService;
use crate::{AppState, Error, Result};

/// Runs a participation call off the async threads (it writes, and SQLite syncs to disk).
pub async fn blocking<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&ParticipationService) -> Result<T> + Send + 'static,
) -> Result<T> {
    let service = state.participation.clone();
    tokio::task::spawn_blocking(move || f(&service))
        .await
        .map_err(|e| Error::Config(format!("participation task: {e}")))?
}

/// `GET /api/v1/events/{id}`: a published event, with how many go; no token needed.
pub async fn public_event(State(state): State<AppState>, Path(event): Path<String>) -> Result<Json<PublicEvent>> {
    Ok(Json(blocking(&state, move |p| p.public_event(&event)).await?))
}

pub async fn join(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    Path(event): Path<String>,
    Body(request): Body<JoinRequest>,
) -> Result<(StatusCode, Json<Participation>)> {
    let joined = blocking(&state, move |p| p.join(&session.account_id, &event, &request)).await?;
    Ok((StatusCode::CREATED, Json(joined)))
}

pub async fn leave(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    Path((event, identity)): Path<(String, String)>,
) -> Result<Json<Participation>> {
    Ok(Json(blocking(&state, move |p| p.leave(&session.account_id, &event, &identity)).await?))
}

pub async fn for_event(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    Path(event): Path<String>,
) -> Result<Json<Vec<Participation>>> {
    Ok(Json(blocking(&state, move |p| p.for_event(&session.account_id, &event)).await?))
}

pub async fn decide(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    Path(event): Path<String>,
    Body(decisions): Body<Vec<DecisionRequest>>,
) -> Result<Json<Vec<DecisionResult>>> {
    Ok(Json(blocking(&state, move |p| p.decide(&session.account_id, &event, &decisions)).await?))
}

#[derive(Deserialize, Serialize)]
pub struct Usernames {
    pub usernames: Vec<String>,
}

pub async fn invite(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    Path(event): Path<String>,
    Body(u): Body<Usernames>,
) -> Result<Json<Usernames>> {
    let usernames = blocking(&state, move |p| p.invite(&session.account_id, &event, &u.usernames)).await?;
    Ok(Json(Usernames { usernames }))
}

pub async fn mine(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
) -> Result<Json<Participations>> {
    Ok(Json(blocking(&state, move |p| p.of_account(&session.account_id)).await?))
}

pub async fn private_feed(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
) -> Result<Json<PrivateFeed>> {
    Ok(Json(blocking(&state, move |p| p.private_feed(&session.account_id, false)).await?))
}

pub async fn reset_private_feed(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
) -> Result<Json<PrivateFeed>> {
    Ok(Json(blocking(&state, move |p| p.private_feed(&session.account_id, true)).await?))
}

/// `GET /feeds/private/{account}/{token}.ics`: the secret address is the only key; a wrong or old one
/// answers 404 like any missing calendar.
pub async fn private_feed_ics(
    State(state): State<AppState>,
    Path((account, file)): Path<(String, String)>,
) -> Result<Response> {
    let token = file.strip_suffix(".ics").ok_or(Error::NotFound)?.to_string();
    let body = blocking(&state, move |p| p.private_feed_ics(&account, &token)).await?.ok_or(Error::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/calendar; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=300")),
        ],
        body,
    )
        .into_response())
}
