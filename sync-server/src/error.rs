use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("data folder {path}: {source}")]
    DataFolder { path: String, source: std::io::Error },
    #[error("database: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("the database lock was poisoned by a panic")]
    Poisoned,
    #[error("server: {0}")]
    Serve(std::io::Error),
}

/// Errors leave as `{"error": {"code", "message"}}`; internals are logged, never sent.
impl IntoResponse for Error {
    fn into_response(self) -> Response {
        eprintln!("rally-server: {self}");
        let body = serde_json::json!({"error": {"code": "internal", "message": "internal error"}});
        (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response()
    }
}
