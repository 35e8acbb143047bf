//! `/api/v1/groups`: creating a group, membership, roles. Thin: the rules are in [`crate::groups`].

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use rally_core::model::{CreateGroup, GroupInvite, GroupJoin, GroupSummary, Member, MemberAction, MyGroup};

use super::extract::{Body, CurrentSession};
use crate::groups::GroupService;
use crate::{AppState, Error, Result};

/// Runs a group call off the async threads (it writes, and SQLite syncs to disk).
async fn blocking<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&GroupService) -> Result<T> + Send + 'static,
) -> Result<T> {
    let service = state.groups.clone();
    tokio::task::spawn_blocking(move || f(&service)).await.map_err(|e| Error::Config(format!("group task: {e}")))?
}

pub async fn create(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    Body(request): Body<CreateGroup>,
) -> Result<(StatusCode, Json<MyGroup>)> {
    let account = session.account_id.clone();
    let created = blocking(&state, move |g| g.create(&session.account_id, &request)).await?;
    state.sync.tie_to_group(&created.group_id, &account, &created.group_id).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

pub async fn mine(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
) -> Result<Json<Vec<MyGroup>>> {
    Ok(Json(blocking(&state, move |g| g.of_account(&session.account_id)).await?))
}

pub async fn find(
    State(state): State<AppState>,
    CurrentSession(_session): CurrentSession,
    Path(username): Path<String>,
) -> Result<Json<GroupSummary>> {
    Ok(Json(blocking(&state, move |g| g.find(&username)).await?))
}

pub async fn delete(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    Path(group): Path<String>,
) -> Result<StatusCode> {
    blocking(&state, move |g| g.delete(&session.account_id, &group)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn join(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    Path(group): Path<String>,
    Body(request): Body<GroupJoin>,
) -> Result<Json<MyGroup>> {
    Ok(Json(blocking(&state, move |g| g.join(&session.account_id, &group, &request)).await?))
}

pub async fn leave(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    Path((group, identity)): Path<(String, String)>,
) -> Result<StatusCode> {
    blocking(&state, move |g| g.leave(&session.account_id, &group, &identity)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn invite(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    Path(group): Path<String>,
    Body(request): Body<GroupInvite>,
) -> Result<(StatusCode, Json<Member>)> {
    let invited = blocking(&state, move |g| g.invite(&session.account_id, &group, &request.username)).await?;
    Ok((StatusCode::CREATED, Json(invited)))
}

pub async fn members(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    Path(group): Path<String>,
) -> Result<Json<Vec<Member>>> {
    Ok(Json(blocking(&state, move |g| g.members(&session.account_id, &group)).await?))
}

pub async fn act(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    Path((group, identity)): Path<(String, String)>,
    Body(action): Body<MemberAction>,
) -> Result<Json<Vec<Member>>> {
    Ok(Json(blocking(&state, move |g| g.act(&session.account_id, &group, &identity, action)).await?))
}
