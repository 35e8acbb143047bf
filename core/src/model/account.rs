use serde::{Deserialize, Serialize};

/// A relay account, as `GET /api/v1/accounts/current` answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub email: String,
    pub confirmed: bool,
    /// What it may do on the relay beyond its own things (moderators see a Moderation page).
    #[serde(default)]
    pub role: super::InstanceRole,
}

/// What a login answers. The token is shown once; the device keeps it in the OS keyring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSession {
    pub token: String,
    pub account_id: String,
    /// The peer id this session must announce in the sync protocol.
    pub peer_id: String,
}

/// `GET /api/v1/sessions/current`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub account_id: String,
    pub peer_id: String,
    /// The account's root document: it lists every document of the account.
    pub root_document: String,
}

/// `{email, password}`: sign up and log in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

/// The relay's error body: `{"error": {"code", "message"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayError {
    pub error: RelayErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayErrorDetail {
    pub code: String,
    pub message: String,
}

/// Which relay account a profile is logged into. Not secret: the token itself is in the OS keyring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountLink {
    pub server: String,
    pub email: String,
    pub account_id: String,
    pub peer_id: String,
}

/// What a profile can say about its account, also offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountStatus {
    pub logged_in: bool,
    pub account: Option<AccountLink>,
    /// `valid`, `revoked` (the relay refused the token), `unreachable` (offline: still logged in), or
    /// `none`.
    pub session: String,
}
