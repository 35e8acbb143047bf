//! iCalendar (RFC 5545): events out as .ics files and feeds.
//!
//! - [`lines`]: content lines: text escaping and folding at 75 octets, never inside a UTF-8 character.
//! - [`zones`]: VTIMEZONE blocks built from the IANA database for the years an export spans, so that
//!   times are written in the event's own zone and stay right across daylight-saving changes.
//! - [`export`]: VEVENTs and the VCALENDAR around them.
//! - [`read`]: a lenient reader for files from other software.
//! - [`import`]: which of their VEVENTs become events, at which instants, and what is skipped and why.
//!
//! Written by hand rather than through the `icalendar` crate: its writer escapes no raw `\r`, writes
//! an all-day DTEND equal to DTSTART, emits no VTIMEZONE and stamps DTSTAMP with the current time (so
//! a feed would change on every fetch); see ../shared/design/INTEROP.md.

pub mod export;
pub mod import;
pub mod lines;
pub mod read;
pub mod zones;

pub use export::{assemble, calendar, uid, vevent, zone_span, CalendarMeta, IcsEvent};
