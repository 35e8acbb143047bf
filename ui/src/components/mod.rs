mod field;
mod identity_switcher;
mod occurrences;
mod participants;
mod share_panel;
mod sync_indicator;

pub use field::{error_for, CheckField, Field, SelectField};
pub use identity_switcher::IdentitySwitcher;
pub use occurrences::Occurrences;
pub use participants::Participants;
pub use share_panel::SharePanel;
pub use sync_indicator::SyncIndicator;
