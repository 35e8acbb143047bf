//! The crate's one error type. Each variant maps to a stable [`ErrorCode`] that the UI and the CLI
//! show or translate; internals (SQLite, Automerge) keep their source for logs.

use crate::model::{ErrorBody, ErrorCode};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that breaks a rule; `field` names the form field or CLI flag at fault.
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: String },
    #[error("no {kind} {key}")]
    NotFound { kind: &'static str, key: String },
    #[error("a document in the store is damaged ({id}): {message}")]
    Document { id: String, message: String },
    #[cfg(feature = "store")]
    #[error("storage error: {0}")]
    Storage(#[from] rusqlite::Error),
    #[cfg(feature = "store")]
    #[error("automerge error: {0}")]
    Automerge(#[from] automerge::AutomergeError),
    #[error("data folder {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// A file the person named (an export's destination, a file to import).
    #[error("{path}: {source}")]
    File {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Error::Invalid { field, message: message.into() }
    }

    pub fn not_found(kind: &'static str, key: impl Into<String>) -> Self {
        Error::NotFound { kind, key: key.into() }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Invalid { .. } => ErrorCode::Invalid,
            Error::NotFound { .. } => ErrorCode::NotFound,
            _ => ErrorCode::Internal,
        }
    }

    /// True when the caller, not the machine, is at fault (the CLI exits with 2 for these).
    pub fn is_bad_input(&self) -> bool {
        matches!(self.code(), ErrorCode::Invalid | ErrorCode::NotFound)
    }
}

impl From<&Error> for ErrorBody {
    fn from(err: &Error) -> Self {
        let (field, message) = match err {
            Error::Invalid { field, message } => (Some(field.to_string()), message.clone()),
            other => (None, other.to_string()),
        };
        ErrorBody { code: err.code(), message, field }
    }
}
