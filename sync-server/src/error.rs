//! The relay's one error type. Client errors carry a stable `code` and a message for people; internal
//! errors are logged and answered with a bare "internal error", never their details.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    #[error("{message}")]
    Unauthorized { code: &'static str, message: String },
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// Also what a draft or a private event answers: indistinguishable from a missing one.
    #[error("no such resource")]
    NotFound,
    /// Something the request names that is not here, said in words (`404`).
    #[error("{message}")]
    Unknown { code: &'static str, message: String },
    /// Too many attempts, or the relay is busy: try again after `retry_after_secs` (`429`).
    #[error("{message}")]
    RateLimited { code: &'static str, message: String, retry_after_secs: u64 },
    /// Another server (a federated instance) answered wrongly or not at all (`502`).
    #[error("{message}")]
    Remote { code: &'static str, message: String },
    /// A body larger than the relay takes (`413`).
    #[error("{message}")]
    TooLarge { code: &'static str, message: String },
    #[error("data folder {path}: {source}")]
    DataFolder { path: String, source: std::io::Error },
    #[error("database: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("mail: {0}")]
    Mail(String),
    #[error("password hashing: {0}")]
    Hashing(String),
    #[error("configuration: {0}")]
    Config(String),
    #[error("server: {0}")]
    Serve(std::io::Error),
    /// A sync peer broke the protocol (said only to that peer, over its socket).
    #[error("{0}")]
    Protocol(String),
}

impl Error {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Error::BadRequest { code, message: message.into() }
    }

    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Error::Unauthorized { code, message: message.into() }
    }

    /// Status, stable code and the message a client may see.
    pub fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            Error::BadRequest { code, message } => (StatusCode::BAD_REQUEST, code, message.clone()),
            Error::Unauthorized { code, message } => (StatusCode::UNAUTHORIZED, code, message.clone()),
            Error::Forbidden { code, message } => (StatusCode::FORBIDDEN, code, message.clone()),
            Error::Conflict { code, message } => (StatusCode::CONFLICT, code, message.clone()),
            Error::NotFound => (StatusCode::NOT_FOUND, "not_found", self.to_string()),
            Error::Unknown { code, message } => (StatusCode::NOT_FOUND, code, message.clone()),
            Error::RateLimited { code, message, .. } => (StatusCode::TOO_MANY_REQUESTS, code, message.clone()),
            Error::Remote { code, message } => (StatusCode::BAD_GATEWAY, code, message.clone()),
            Error::TooLarge { code, message } => (StatusCode::PAYLOAD_TOO_LARGE, code, message.clone()),
            _ => (StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error".to_string()),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let (status, code, message) = self.parts();
        if status.is_server_error() {
            eprintln!("rally-server: {self}");
        }
        let body = Json(serde_json::json!({"error": {"code": code, "message": message}}));
        match self {
            Error::RateLimited { retry_after_secs, .. } => {
                (status, [(header::RETRY_AFTER, retry_after_secs.to_string())], body).into_response()
            }
            _ => (status, body).into_response(),
        }
    }
}
