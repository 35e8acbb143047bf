//! What a notification says, as plain text and as HTML: the same paragraphs, links and footer in both,
//! with the instance's name, a link to the event and a link to the recipient's mail settings.

use crate::links::Links;
use crate::mail::escape_html;

/// A mail's content before it is written out.
#[derive(Debug, Default, Clone)]
pub struct Letter {
    pub paragraphs: Vec<String>,
    /// (label, address), shown as links in HTML and as "label: address" in text.
    pub links: Vec<(String, String)>,
}

impl Letter {
    pub fn line(mut self, text: impl Into<String>) -> Self {
        self.paragraphs.push(text.into());
        self
    }

    pub fn link(mut self, label: impl Into<String>, url: impl Into<String>) -> Self {
        self.links.push((label.into(), url.into()));
        self
    }

    /// (text, html) for `to`, whose settings link ends both. `settings` is false for mail that cannot
    /// be turned off (a confirmation someone asked for).
    pub fn render(&self, links: &Links, to: &str, settings: bool) -> (String, String) {
        let mut text = String::new();
        let mut html = String::from("<div style=\"font-family:sans-serif;line-height:1.5\">");
        for p in &self.paragraphs {
            text.push_str(p);
            text.push_str("\n\n");
            html.push_str(&format!("<p>{}</p>", escape_html(p).replace('\n', "<br>")));
        }
        for (label, url) in &self.links {
            text.push_str(&format!("{label}: {url}\n"));
            html.push_str(&format!("<p><a href=\"{}\">{}</a></p>", escape_html(url), escape_html(label)));
        }
        text.push_str(&format!("\n-- \n{}\n", links.instance_name));
        html.push_str(&format!("<hr><p><small>{}", escape_html(&links.instance_name)));
        if settings {
            let url = links.mail_settings(to);
            text.push_str(&format!("Choose which mails you get: {url}\n"));
            html.push_str(&format!(" · <a href=\"{}\">Choose which mails you get</a>", escape_html(&url)));
        }
        html.push_str("</small></p></div>");
        (text, html)
    }
}
