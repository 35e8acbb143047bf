//! Extractors: input is refused here, in our error format, before a handler runs.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;

use crate::accounts::Session;
use crate::{AppState, Error};

/// A JSON body; a malformed or mistyped one is answered `400 invalid_body` with serde's reason.
pub struct Body<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Body(value)),
            Err(rejection) => Err(Error::bad_request("invalid_body", rejection.body_text())),
        }
    }
}

/// The session of the bearer token (`Authorization: Bearer …`, or `?access_token=…` as RFC 6750 allows
/// for clients that cannot set headers).
pub struct CurrentSession(pub Session);

impl FromRequestParts<AppState> for CurrentSession {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let from_header = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::to_string);
        let from_query = parts.uri.query().and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "access_token").map(|(_, v)| v.into_owned())
        });
        let token = from_header
            .or(from_query)
            .ok_or_else(|| Error::unauthorized("missing_token", "log in first: this needs a session token"))?;
        state.accounts.authenticate(&token).map(CurrentSession)
    }
}

/// The address the request came from, for limits per IP. (Behind a reverse proxy every request comes
/// from the proxy: run the relay where it sees its clients, or give the proxy its own limits.)
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Error> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip());
        Ok(ClientIp(peer.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))))
    }
}

/// A session whose account moderates this relay (a moderator or an administrator): every moderation
/// call takes one, so a user's call is refused (`403 not_moderator`) before anything is read.
pub struct AsStaff(pub crate::moderation::Staff);

impl FromRequestParts<AppState> for AsStaff {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let CurrentSession(session) = CurrentSession::from_request_parts(parts, state).await?;
        state.moderation.staff(&session.account_id).map(AsStaff)
    }
}
