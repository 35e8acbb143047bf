mod field;
mod identity_switcher;

pub use field::{error_for, CheckField, Field, SelectField};
pub use identity_switcher::IdentitySwitcher;
