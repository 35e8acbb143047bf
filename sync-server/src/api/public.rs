//! What anyone may fetch: `GET /` (the instance's upcoming public events), `GET /events/{id}` (the
//! event's page) and its picture, `GET /events/{id}.ics`, `GET /@{username}` (a group's page),
//! `GET /@{username}/feed.ics` and the identity's or group's avatar, `GET /feed.ics` (calendars and images with ETag and `304 Not Modified` on
//! `If-None-Match`), `GET /style.css`. A draft, a private event and a missing id all answer the same 404.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use crate::calendar::{Calendar, ImageOf};
use crate::{AppState, Error, Result};

pub async fn event(State(state): State<AppState>, Path(file): Path<String>, headers: HeaderMap) -> Result<Response> {
    match file.strip_suffix(".ics") {
        Some(id) => serve(state, Calendar::Event(id.to_string()), headers).await,
        None => {
            let calendars = state.calendars.clone();
            let html = tokio::task::spawn_blocking(move || calendars.event_page(&file))
                .await
                .map_err(|e| Error::Config(format!("page task: {e}")))??;
            Ok(Html(html.ok_or(Error::NotFound)?).into_response())
        }
    }
}

/// `GET /@{username}`: a group's page (public and unlisted groups).
pub async fn handle_page(State(state): State<AppState>, Path(handle): Path<String>) -> Result<Response> {
    let username = handle.strip_prefix('@').ok_or(Error::NotFound)?.to_string();
    let calendars = state.calendars.clone();
    let html = tokio::task::spawn_blocking(move || calendars.group_page(&username))
        .await
        .map_err(|e| Error::Config(format!("page task: {e}")))??;
    Ok(Html(html.ok_or(Error::NotFound)?).into_response())
}

pub async fn home(State(state): State<AppState>) -> Result<Response> {
    let calendars = state.calendars.clone();
    let html = tokio::task::spawn_blocking(move || calendars.home_page())
        .await
        .map_err(|e| Error::Config(format!("page task: {e}")))??;
    Ok(Html(html).into_response())
}

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
        ],
        crate::page_layout::STYLESHEET,
    )
        .into_response()
}

pub async fn picture(State(state): State<AppState>, Path(id): Path<String>, headers: HeaderMap) -> Result<Response> {
    image(state, ImageOf::Event(id), headers).await
}

pub async fn avatar(State(state): State<AppState>, Path(handle): Path<String>, headers: HeaderMap) -> Result<Response> {
    let username = handle.strip_prefix('@').ok_or(Error::NotFound)?;
    image(state, ImageOf::Handle(username.to_string()), headers).await
}

async fn image(state: AppState, of: ImageOf, headers: HeaderMap) -> Result<Response> {
    let calendars = state.calendars.clone();
    let found = tokio::task::spawn_blocking(move || calendars.image(of))
        .await
        .map_err(|e| Error::Config(format!("image task: {e}")))??;
    let (media_type, bytes, etag) = found.ok_or(Error::NotFound)?;
    let cache = [
        (header::ETAG, header_value(&etag)),
        (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
    ];
    let if_none_match = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if if_none_match.split(',').any(|t| t.trim() == etag) {
        return Ok((StatusCode::NOT_MODIFIED, cache).into_response());
    }
    Ok((cache, [(header::CONTENT_TYPE, header_value(&media_type))], bytes).into_response())
}

pub async fn identity_feed(
    State(state): State<AppState>,
    Path(handle): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    let username = handle.strip_prefix('@').ok_or(Error::NotFound)?;
    serve(state, Calendar::Handle(username.to_string()), headers).await
}

pub async fn instance_feed(State(state): State<AppState>, headers: HeaderMap) -> Result<Response> {
    serve(state, Calendar::Instance, headers).await
}

async fn serve(state: AppState, which: Calendar, headers: HeaderMap) -> Result<Response> {
    let if_none_match = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).map(str::to_string);
    let calendars = state.calendars.clone();
    tokio::task::spawn_blocking(move || {
        let version = calendars.version(&which)?.ok_or(Error::NotFound)?;
        let matches = |tags: &str| tags.split(',').any(|t| t.trim() == version.etag || t.trim() == "*");
        if if_none_match.as_deref().is_some_and(matches) {
            return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, header_value(&version.etag))]).into_response());
        }
        let (version, body) = calendars.render(&which)?.ok_or(Error::NotFound)?;
        let mut response = (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("text/calendar; charset=utf-8")),
                (header::ETAG, header_value(&version.etag)),
                (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300")),
            ],
            body,
        )
            .into_response();
        if let Some(at) = version.last_modified {
            let http_date = at.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
            response.headers_mut().insert(header::LAST_MODIFIED, header_value(&http_date));
        }
        Ok(response)
    })
    .await
    .map_err(|e| Error::Config(format!("calendar task: {e}")))?
}

fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}
