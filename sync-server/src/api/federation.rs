//! ActivityPub's HTTP side: WebFinger, NodeInfo, actors and objects (the same URLs as the pages, by
//! content negotiation), inboxes, collections; and `/api/v1/follows` for the app. Thin: the logic is
//! in [`crate::federation`].

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rally_core::model::{
    Follow, FollowRequest, FollowerDecision, PendingFollower, RemoteEvent, RemoteJoinRequest, RemoteParticipation,
};
use serde::Deserialize;
use serde_json::{json, Value};

use super::extract::{Body, CurrentSession};
use crate::federation::actors::{self, LocalActor};
use crate::federation::{inbox, objects};
use crate::{AppState, Error, Result};

/// Whether the client asked for ActivityPub JSON rather than a page.
pub fn wants_activity(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("application/activity+json") || accept.contains("application/ld+json"))
}

fn activity_json(value: impl serde::Serialize) -> Response {
    let mut response = Json(value).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/activity+json; charset=utf-8"));
    response
}

async fn blocking<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&crate::federation::Federation) -> Result<T> + Send + 'static,
) -> Result<T> {
    let federation = state.federation.clone();
    tokio::task::spawn_blocking(move || f(&federation))
        .await
        .map_err(|e| Error::Config(format!("federation task: {e}")))?
}

fn off(state: &AppState) -> Result<()> {
    match state.federation.settings.enabled {
        true => Ok(()),
        false => Err(Error::NotFound),
    }
}

#[derive(Deserialize)]
pub struct Resource {
    resource: String,
}

pub async fn webfinger(State(state): State<AppState>, Query(q): Query<Resource>) -> Result<Response> {
    off(&state)?;
    let finger = blocking(&state, move |f| actors::webfinger(&f.db(), &f.urls, &q.resource)).await?;
    let mut response = Json(finger.ok_or(Error::NotFound)?).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/jrd+json"));
    response.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    Ok(response)
}

pub async fn nodeinfo_links(State(state): State<AppState>) -> Result<Json<Value>> {
    off(&state)?;
    Ok(Json(actors::nodeinfo_links(&state.federation.urls)))
}

pub async fn nodeinfo(State(state): State<AppState>, Path(version): Path<String>) -> Result<Json<Value>> {
    off(&state)?;
    if version != "2.0" && version != "2.1" {
        return Err(Error::NotFound);
    }
    let name = state.instance_name.to_string();
    Ok(Json(blocking(&state, move |f| actors::nodeinfo(&f.db(), &f.urls, &version, &name, true)).await?))
}

/// `GET /relay`: the instance actor (always JSON: it has no page).
pub async fn instance_actor(State(state): State<AppState>) -> Result<Response> {
    off(&state)?;
    actor_response(&state, LocalActor::Instance).await
}

async fn actor_response(state: &AppState, actor: LocalActor) -> Result<Response> {
    let federation = state.federation.clone();
    let json = tokio::task::spawn_blocking(move || {
        let mut conn = federation.db();
        let tx = conn.transaction()?;
        let json = actors::actor_json(&tx, &federation.urls, &actor)?;
        tx.commit()?;
        Ok::<_, Error>(json)
    })
    .await
    .map_err(|e| Error::Config(format!("federation task: {e}")))??;
    Ok(activity_json(json))
}

/// `GET /@{username}`: the actor's JSON to a server, the page to a browser.
pub async fn actor_or_page(state: State<AppState>, handle: Path<String>, headers: HeaderMap) -> Result<Response> {
    if !(wants_activity(&headers) && state.federation.settings.enabled) {
        return super::public::handle_page(state, handle).await;
    }
    let username = handle.0.strip_prefix('@').ok_or(Error::NotFound)?.to_string();
    let actor = blocking(&state, move |f| actors::local_by_username(&f.db(), &username)).await?;
    actor_response(&state, actor.ok_or(Error::NotFound)?).await
}

/// `GET /events/{id}`: the `Event` to a server; the page, or the `.ics`, otherwise.
pub async fn event_or_page(state: State<AppState>, file: Path<String>, headers: HeaderMap) -> Result<Response> {
    if !(wants_activity(&headers) && state.federation.settings.enabled) || file.0.ends_with(".ics") {
        return super::public::event(state, file, headers).await;
    }
    let id = file.0.clone();
    let object = blocking(&state, move |f| objects::event(&f.db(), &f.urls, &id)).await?;
    Ok(activity_json(object.ok_or(Error::NotFound)?))
}

/// `POST /inbox`, `/relay/inbox`, `/@{username}/inbox`: a delivery, checked before anything.
pub async fn inbox(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode> {
    let headers: BTreeMap<String, String> = headers
        .iter()
        .filter_map(|(name, value)| Some((name.as_str().to_string(), value.to_str().ok()?.to_string())))
        .collect();
    let path_and_query = uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| uri.path().to_string());
    let incoming =
        inbox::Incoming { method: method.as_str().to_string(), path_and_query, headers, body: body.to_vec() };
    inbox::receive(&state.federation, incoming).await?;
    Ok(StatusCode::ACCEPTED)
}

/// `GET /@{username}/followers` (and `/relay/followers`): how many, not who.
pub async fn followers(State(state): State<AppState>, Path(handle): Path<String>) -> Result<Response> {
    off(&state)?;
    let username = username_of(&handle)?;
    let (id, count) = blocking(&state, move |f| {
        let actor = actors::local_by_username(&f.db(), &username)?.ok_or(Error::NotFound)?;
        Ok((format!("{}/followers", actor.url(&f.urls)), f.followers_of(actor.key())?))
    })
    .await?;
    Ok(activity_json(json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": id, "type": "OrderedCollection", "totalItems": count
    })))
}

/// `GET /@{username}/outbox`: empty; servers learn of events by delivery, people from the page.
pub async fn outbox(State(state): State<AppState>, Path(handle): Path<String>) -> Result<Response> {
    off(&state)?;
    let username = username_of(&handle)?;
    let id = blocking(&state, move |f| {
        let actor = actors::local_by_username(&f.db(), &username)?.ok_or(Error::NotFound)?;
        Ok(format!("{}/outbox", actor.url(&f.urls)))
    })
    .await?;
    Ok(activity_json(json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": id, "type": "OrderedCollection", "totalItems": 0, "orderedItems": []
    })))
}

/// `@name` of an identity or group, or `relay` (the instance actor).
fn username_of(handle: &str) -> Result<String> {
    match handle.strip_prefix('@') {
        Some(name) => Ok(name.to_string()),
        None if handle == actors::INSTANCE_USERNAME => Ok(handle.to_string()),
        None => Err(Error::NotFound),
    }
}

/// `POST /api/v1/follows`: one of the account's identities follows a remote actor.
pub async fn follow(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    Body(request): Body<FollowRequest>,
) -> Result<(StatusCode, Json<Follow>)> {
    let follow = state.federation.follow(&session.account_id, &request.identity_id, &request.handle).await?;
    Ok((StatusCode::ACCEPTED, Json(follow)))
}

pub async fn follows(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
) -> Result<Json<Vec<Follow>>> {
    Ok(Json(blocking(&state, move |f| f.follows(&session.account_id)).await?))
}

/// `GET /api/v1/remote-events`: events of the actors the account follows.
pub async fn remote_events(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
) -> Result<Json<Vec<RemoteEvent>>> {
    Ok(Json(blocking(&state, move |f| f.remote_events(&session.account_id)).await?))
}

/// `POST /api/v1/remote-events/{id}/participations`: one of the account's identities asks to join a
/// remote event (a `Join` to its server).
pub async fn join_remote(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    Path(id): Path<String>,
    Body(request): Body<RemoteJoinRequest>,
) -> Result<(StatusCode, Json<RemoteParticipation>)> {
    let joined = state.federation.join_remote(&session.account_id, &request.identity_id, &id, &request.message).await?;
    Ok((StatusCode::ACCEPTED, Json(joined)))
}

/// `DELETE /api/v1/remote-events/{id}/participations/{identity}`: leaves (a `Leave`).
pub async fn leave_remote(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    Path((id, identity)): Path<(String, String)>,
) -> Result<StatusCode> {
    state.federation.leave_remote(&session.account_id, &identity, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/remote-participations`: the account's participations in remote events.
pub async fn remote_participations(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
) -> Result<Json<Vec<RemoteParticipation>>> {
    Ok(Json(blocking(&state, move |f| f.remote_participations(&session.account_id)).await?))
}

/// `GET /api/v1/groups/{id}/followers`: people of other servers waiting for an administrator to let
/// them follow the group (administrators only).
pub async fn group_followers(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    Path(group): Path<String>,
) -> Result<Json<Vec<PendingFollower>>> {
    Ok(Json(blocking(&state, move |f| f.pending_followers(&session.account_id, &group)).await?))
}

/// `POST /api/v1/groups/{id}/followers`: an administrator accepts or refuses one; those still waiting.
pub async fn decide_follower(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    Path(group): Path<String>,
    Body(decision): Body<FollowerDecision>,
) -> Result<Json<Vec<PendingFollower>>> {
    Ok(Json(state.federation.decide_follower(&session.account_id, &group, decision).await?))
}
