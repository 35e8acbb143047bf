//! The relay's HTTP API (docs/API.md), one method per call.

use rally_core::model::{
    Account, CreateGroup, Credentials, DecisionRequest, DecisionResult, Follow, FollowRequest, FollowerDecision,
    GroupInvite, GroupJoin, GroupSummary, JoinRequest, Member, MemberAction, MyGroup, NewSession, Participation,
    Participations, PendingFollower, PrivateFeed, PublicEvent, RelayError, RemoteEvent, RemoteJoinRequest,
    RemoteParticipation, Report, ReportInput, SessionInfo, UsernameAvailability, WithheldDocument,
};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::{Error, Result};

pub struct RelayApi {
    http: reqwest::Client,
    server: String,
}

impl RelayApi {
    /// `server` is the relay's base URL, such as `http://127.0.0.1:8787`.
    pub fn new(server: &str) -> Result<RelayApi> {
        let server = server.trim().trim_end_matches('/').to_string();
        if !(server.starts_with("http://") || server.starts_with("https://")) {
            return Err(Error::Core(rally_core::Error::invalid(
                "server",
                format!("\"{server}\" is not an http:// or https:// URL"),
            )));
        }
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(20))
            .build()
            .map_err(|e| Error::Protocol(e.to_string()))?;
        Ok(RelayApi { http, server })
    }

    pub fn server(&self) -> &str {
        &self.server
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> Result<T> {
        let mut request = self.http.request(method, format!("{}{path}", self.server));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let unreachable = |e: reqwest::Error| Error::Unreachable { server: self.server.clone(), reason: in_words(&e) };
        let response = request.send().await.map_err(unreachable)?;
        let status = response.status();
        let text = response.text().await.map_err(unreachable)?;
        if !status.is_success() {
            return Err(match serde_json::from_str::<RelayError>(&text) {
                Ok(e) => Error::Relay { status: status.as_u16(), code: e.error.code, message: e.error.message },
                Err(_) => Error::Protocol(format!("{status}: {}", text.chars().take(200).collect::<String>())),
            });
        }
        let text = if status == StatusCode::NO_CONTENT || text.is_empty() { "null".to_string() } else { text };
        serde_json::from_str(&text).map_err(|e| Error::Protocol(format!("{path}: {e}")))
    }

    pub async fn sign_up(&self, credentials: &Credentials) -> Result<Account> {
        self.call(Method::POST, "/api/v1/accounts", None, Some(json!(credentials))).await
    }

    pub async fn resend_confirmation(&self, email: &str) -> Result<()> {
        self.call(Method::POST, "/api/v1/accounts/confirmation", None, Some(json!({"email": email}))).await
    }

    pub async fn log_in(&self, credentials: &Credentials) -> Result<NewSession> {
        self.call(Method::POST, "/api/v1/sessions", None, Some(json!(credentials))).await
    }

    pub async fn session(&self, token: &str) -> Result<SessionInfo> {
        self.call(Method::GET, "/api/v1/sessions/current", Some(token), None).await
    }

    pub async fn log_out(&self, token: &str) -> Result<()> {
        self.call(Method::DELETE, "/api/v1/sessions/current", Some(token), None).await
    }

    pub async fn request_password_reset(&self, email: &str) -> Result<()> {
        self.call(Method::POST, "/api/v1/password-resets", None, Some(json!({"email": email}))).await
    }

    pub async fn public_event(&self, event_id: &str) -> Result<PublicEvent> {
        self.call(Method::GET, &format!("/api/v1/events/{}", path(event_id)), None, None).await
    }

    pub async fn join(&self, token: &str, event_id: &str, request: &JoinRequest) -> Result<Participation> {
        let url = format!("/api/v1/events/{}/participations", path(event_id));
        self.call(Method::POST, &url, Some(token), Some(json!(request))).await
    }

    pub async fn leave(&self, token: &str, event_id: &str, identity_id: &str) -> Result<Participation> {
        let url = format!("/api/v1/events/{}/participations/{}", path(event_id), path(identity_id));
        self.call(Method::DELETE, &url, Some(token), None).await
    }

    pub async fn decide(
        &self,
        token: &str,
        event_id: &str,
        decisions: &[DecisionRequest],
    ) -> Result<Vec<DecisionResult>> {
        let url = format!("/api/v1/events/{}/decisions", path(event_id));
        self.call(Method::POST, &url, Some(token), Some(json!(decisions))).await
    }

    pub async fn invite(&self, token: &str, event_id: &str, usernames: &[String]) -> Result<()> {
        let url = format!("/api/v1/events/{}/invitations", path(event_id));
        self.call::<serde_json::Value>(Method::POST, &url, Some(token), Some(json!({"usernames": usernames}))).await?;
        Ok(())
    }

    /// The account's documents the relay keeps off its pages, and why.
    pub async fn withheld(&self, token: &str) -> Result<Vec<WithheldDocument>> {
        self.call(Method::GET, "/api/v1/documents/withheld", Some(token), None).await
    }

    /// Whether a username is free on the relay for this account.
    pub async fn username_availability(&self, token: &str, username: &str) -> Result<UsernameAvailability> {
        self.call(Method::GET, &format!("/api/v1/usernames/{}", path(username)), Some(token), None).await
    }

    pub async fn participations(&self, token: &str) -> Result<Participations> {
        self.call(Method::GET, "/api/v1/participations", Some(token), None).await
    }

    pub async fn create_group(&self, token: &str, request: &CreateGroup) -> Result<MyGroup> {
        self.call(Method::POST, "/api/v1/groups", Some(token), Some(json!(request))).await
    }

    pub async fn my_groups(&self, token: &str) -> Result<Vec<MyGroup>> {
        self.call(Method::GET, "/api/v1/groups", Some(token), None).await
    }

    pub async fn find_group(&self, token: &str, username: &str) -> Result<GroupSummary> {
        let url = format!("/api/v1/groups/by-name/{}", path(username.trim().trim_start_matches('@')));
        self.call(Method::GET, &url, Some(token), None).await
    }

    pub async fn delete_group(&self, token: &str, group: &str) -> Result<()> {
        let url = format!("/api/v1/groups/{}", path(group));
        self.call::<serde_json::Value>(Method::DELETE, &url, Some(token), None).await.map(drop)
    }

    pub async fn join_group(&self, token: &str, group: &str, request: &GroupJoin) -> Result<MyGroup> {
        let url = format!("/api/v1/groups/{}/members", path(group));
        self.call(Method::POST, &url, Some(token), Some(json!(request))).await
    }

    pub async fn leave_group(&self, token: &str, group: &str, identity: &str) -> Result<()> {
        let url = format!("/api/v1/groups/{}/members/{}", path(group), path(identity));
        self.call::<serde_json::Value>(Method::DELETE, &url, Some(token), None).await.map(drop)
    }

    pub async fn invite_to_group(&self, token: &str, group: &str, username: &str) -> Result<Member> {
        let url = format!("/api/v1/groups/{}/invitations", path(group));
        self.call(Method::POST, &url, Some(token), Some(json!(GroupInvite { username: username.to_string() }))).await
    }

    /// Reports something to the relay's moderators; the report's id.
    pub async fn report(&self, token: &str, input: &ReportInput) -> Result<String> {
        let answer: serde_json::Value =
            self.call(Method::POST, "/api/v1/reports", Some(token), Some(json!(input))).await?;
        Ok(answer["id"].as_str().unwrap_or_default().to_string())
    }

    pub async fn account(&self, token: &str) -> Result<Account> {
        self.call(Method::GET, "/api/v1/accounts/current", Some(token), None).await
    }

    /// Every report (the newest 500), for moderators.
    pub async fn moderation_reports(&self, token: &str) -> Result<Vec<Report>> {
        self.call(Method::GET, "/api/v1/moderation/reports", Some(token), None).await
    }

    pub async fn moderation_log(&self, token: &str) -> Result<Vec<rally_core::model::ModerationAction>> {
        self.call(Method::GET, "/api/v1/moderation/log", Some(token), None).await
    }

    /// Sends one moderation step taken in the app.
    pub async fn moderate(&self, token: &str, step: &rally_core::model::ModerationStep) -> Result<()> {
        use rally_core::model::{ModerationStep, NoteInput};
        let (url, body) = match step {
            ModerationStep::Measure(m) => ("/api/v1/moderation/measures".to_string(), json!(m)),
            ModerationStep::Note { report, text } => {
                (format!("/api/v1/moderation/reports/{}/notes", path(report)), json!(NoteInput { text: text.clone() }))
            }
            ModerationStep::State { report, change } => {
                (format!("/api/v1/moderation/reports/{}/state", path(report)), json!(change))
            }
        };
        self.call::<serde_json::Value>(Method::POST, &url, Some(token), Some(body)).await.map(drop)
    }

    pub async fn group_followers(&self, token: &str, group: &str) -> Result<Vec<PendingFollower>> {
        let url = format!("/api/v1/groups/{}/followers", path(group));
        self.call(Method::GET, &url, Some(token), None).await
    }

    pub async fn decide_follower(
        &self,
        token: &str,
        group: &str,
        decision: &FollowerDecision,
    ) -> Result<Vec<PendingFollower>> {
        let url = format!("/api/v1/groups/{}/followers", path(group));
        self.call(Method::POST, &url, Some(token), Some(json!(decision))).await
    }

    pub async fn group_members(&self, token: &str, group: &str) -> Result<Vec<Member>> {
        let url = format!("/api/v1/groups/{}/members", path(group));
        self.call(Method::GET, &url, Some(token), None).await
    }

    pub async fn act_on_member(
        &self,
        token: &str,
        group: &str,
        identity: &str,
        action: MemberAction,
    ) -> Result<Vec<Member>> {
        let url = format!("/api/v1/groups/{}/members/{}", path(group), path(identity));
        self.call(Method::POST, &url, Some(token), Some(json!(action))).await
    }

    pub async fn follow(&self, token: &str, request: &FollowRequest) -> Result<Follow> {
        self.call(Method::POST, "/api/v1/follows", Some(token), Some(json!(request))).await
    }

    pub async fn follows(&self, token: &str) -> Result<Vec<Follow>> {
        self.call(Method::GET, "/api/v1/follows", Some(token), None).await
    }

    pub async fn remote_events(&self, token: &str) -> Result<Vec<RemoteEvent>> {
        self.call(Method::GET, "/api/v1/remote-events", Some(token), None).await
    }

    pub async fn join_remote(
        &self,
        token: &str,
        event: &str,
        request: &RemoteJoinRequest,
    ) -> Result<RemoteParticipation> {
        let url = format!("/api/v1/remote-events/{}/participations", path(event));
        self.call(Method::POST, &url, Some(token), Some(json!(request))).await
    }

    pub async fn leave_remote(&self, token: &str, event: &str, identity: &str) -> Result<()> {
        let url = format!("/api/v1/remote-events/{}/participations/{}", path(event), path(identity));
        self.call::<serde_json::Value>(Method::DELETE, &url, Some(token), None).await.map(drop)
    }

    pub async fn remote_participations(&self, token: &str) -> Result<Vec<RemoteParticipation>> {
        self.call(Method::GET, "/api/v1/remote-participations", Some(token), None).await
    }

    pub async fn private_feed(&self, token: &str, reset: bool) -> Result<PrivateFeed> {
        match reset {
            true => self.call(Method::POST, "/api/v1/feeds/private/reset", Some(token), None).await,
            false => self.call(Method::GET, "/api/v1/feeds/private", Some(token), None).await,
        }
    }
}

/// An id as one path segment.
fn path(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.trim().as_bytes()).collect()
}

/// Why a request failed, as a person can act on it (reqwest's own text is
/// "error sending request for url (…)").
fn in_words(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "it did not answer in time; try again in a moment".into()
    } else if e.is_connect() {
        "nothing answers at that address: check it, and that this computer is online".into()
    } else if e.is_body() || e.is_decode() {
        "the connection broke off during the answer; try again".into()
    } else {
        let mut cause: &dyn std::error::Error = e;
        while let Some(inner) = cause.source() {
            cause = inner;
        }
        cause.to_string()
    }
}
