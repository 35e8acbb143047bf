pub mod calendar;
mod date_time_field;
mod event_card;
mod field;
mod identity_switcher;
mod occurrences;
mod participants;
mod share_panel;
mod sync_indicator;

pub use calendar::{MonthView, WeekView};
pub use date_time_field::DateTimeField;
pub use event_card::{category_label, EventCard};
pub use field::{error_for, problem_for, CheckField, Field, SelectField};
pub use identity_switcher::IdentitySwitcher;
pub use occurrences::Occurrences;
pub use participants::Participants;
pub use share_panel::SharePanel;
pub use sync_indicator::SyncIndicator;
