//! The frame every page of the relay shares: one stylesheet (`/style.css`, no script), the
//! instance's name leading to its home page, the page, and a footer saying what runs it.

use crate::mail::escape_html;

/// Served at `/style.css`.
pub const STYLESHEET: &str = include_str!("../assets/pages.css");

/// A whole page. `head` is added to `<head>` as it is (meta tags, JSON-LD: the caller escapes);
/// `body` goes into `<main>`, narrow for forms.
pub fn layout(instance_name: &str, title: &str, head: &str, body: &str, narrow: bool) -> String {
    let site = escape_html(instance_name);
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · {site}</title><link rel=\"stylesheet\" href=\"/style.css\">{head}</head>\
         <body><header class=\"site\"><a class=\"home\" href=\"/\">{site}</a>\
         <a class=\"feed\" href=\"/feed.ics\">Calendar feed (.ics)</a></header>\
         <main{class}>{body}</main>\
         <footer>{site} runs Rally, free software for community events that works offline.</footer></body></html>",
        title = escape_html(title),
        class = if narrow { " class=\"narrow\"" } else { "" },
    )
}

/// The date block of a card or a page: weekday, day, month, in the event's zone.
pub fn date_block(day: chrono::NaiveDate) -> String {
    format!(
        "<span class=\"date-block\" aria-hidden=\"true\"><span class=\"dow\">{}</span><span class=\"dnum\">{}</span>\
         <span class=\"mon\">{}</span></span>",
        day.format("%a"),
        day.format("%-d"),
        day.format("%b")
    )
}
