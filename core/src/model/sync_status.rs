use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What the sync indicator shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// Not logged in: everything stays on this device.
    LoggedOut,
    /// Logged in, relay out of reach: working offline, will sync when it can.
    Offline,
    Syncing,
    UpToDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncStatus {
    pub state: SyncState,
    pub last_synced_at: Option<DateTime<Utc>>,
    /// Why it is offline, when it is.
    pub message: Option<String>,
    /// Goes up each time sync changed something here: views reload when it moves.
    pub revision: u64,
}

impl Default for SyncStatus {
    fn default() -> Self {
        SyncStatus { state: SyncState::LoggedOut, last_synced_at: None, message: None, revision: 0 }
    }
}
