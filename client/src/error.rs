use rally_core::model::{ErrorBody, ErrorCode};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The relay answered with a refusal; `code` is its stable error code.
    #[error("{message}")]
    Relay { status: u16, code: String, message: String },
    #[error("the relay at {server} cannot be reached: {reason}")]
    Unreachable { server: String, reason: String },
    #[error("the relay answered something unexpected: {0}")]
    Protocol(String),
    #[error("the system keyring: {0}")]
    Keyring(String),
    #[error("this profile is not logged in (rally account login)")]
    NotLoggedIn,
    #[error("{0}")]
    Core(#[from] rally_core::Error),
}

impl Error {
    /// True when the person, not the machine, should change something (wrong password, bad address…).
    pub fn is_bad_input(&self) -> bool {
        match self {
            Error::Relay { status, .. } => (400..500).contains(status),
            Error::NotLoggedIn => true,
            Error::Core(e) => e.is_bad_input(),
            _ => false,
        }
    }
}

impl From<&Error> for ErrorBody {
    fn from(err: &Error) -> Self {
        match err {
            Error::Core(e) => ErrorBody::from(e),
            Error::Relay { code, message, .. } => {
                let field = match code.as_str() {
                    "invalid_email" | "email_not_confirmed" => Some("email".to_string()),
                    "weak_password" | "invalid_credentials" => Some("password".to_string()),
                    _ => None,
                };
                ErrorBody { code: ErrorCode::Invalid, message: message.clone(), field }
            }
            other => ErrorBody { code: ErrorCode::Internal, message: other.to_string(), field: None },
        }
    }
}
