//! A group's public page, `/@{username}`: its name, avatar, summary and place, how to join it with
//! Rally, its upcoming public events as the home page shows them, and its feed. No script; OpenGraph
//! and a JSON-LD Organization for other sites. Private groups have no page.

use rally_core::model::GroupOpenness;

use crate::groups::store::GroupRow;
use crate::home_page::Card;
use crate::mail::escape_html;

pub struct PageInput<'a> {
    pub group: &'a GroupRow,
    pub has_avatar: bool,
    pub cards: Vec<Card>,
    pub public_url: &'a str,
    pub instance_name: &'a str,
}

pub fn json_ld(input: &PageInput) -> serde_json::Value {
    let g = input.group;
    let url = format!("{}/@{}", input.public_url, g.username);
    let mut ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": g.name,
        "alternateName": format!("@{}", g.username),
        "url": url,
        "description": g.summary.chars().take(500).collect::<String>(),
    });
    if input.has_avatar {
        ld["logo"] = serde_json::Value::String(format!("{url}/avatar"));
    }
    if !g.place.is_empty() {
        ld["location"] = serde_json::json!({"@type": "Place", "name": g.place});
    }
    ld
}

pub fn render(input: PageInput) -> String {
    let (g, h) = (input.group, escape_html);
    let page = format!("{}/@{}", input.public_url, g.username);
    let feed = format!("{page}/feed.ics");
    let webcal = feed.replacen("https://", "webcal://", 1).replacen("http://", "webcal://", 1);
    // Inside a script element `</script` would end it: JSON says `<`, `>` and `&` as escapes instead.
    let ld = json_ld(&input).to_string().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026");
    let avatar = if input.has_avatar {
        format!("<img class=\"avatar\" id=\"group-avatar\" src=\"/@{}/avatar\" alt=\"\">", h(&g.username))
    } else {
        String::new()
    };
    let how = match g.openness {
        GroupOpenness::Open => "Anyone may join: open Rally, then Groups, and find",
        GroupOpenness::Moderated => "Ask to join, and its administrators answer: open Rally, then Groups, and find",
        GroupOpenness::InviteOnly => "Its administrators invite its members; Rally users find it as",
    };
    let list = crate::home_page::items(input.cards);
    let events = if list.is_empty() {
        "<p class=\"empty\" id=\"group-empty\">No public event is coming up yet.</p>".to_string()
    } else {
        format!("<ul class=\"events\" id=\"group-events\">{list}</ul>")
    };
    let mut body = format!(
        "<div class=\"heading\">{avatar}<div><h1 id=\"group-name\">{name}</h1>\
         <p class=\"organizer\" id=\"group-username\">@{username}</p></div></div>",
        name = h(&g.name),
        username = h(&g.username),
    );
    if !g.place.is_empty() {
        body.push_str(&format!("<p class=\"where\" id=\"group-place\">{}</p>", h(&g.place)));
    }
    if !g.summary.is_empty() {
        let paragraphs: String =
            g.summary.split("\n\n").map(|p| format!("<p>{}</p>", h(p).replace('\n', "<br>"))).collect();
        body.push_str(&format!("<div class=\"description\" id=\"group-summary\">{paragraphs}</div>"));
    }
    body.push_str(&format!(
        "<p id=\"group-join\">{how} <strong>@{username}</strong>.</p>\
         <h2>Upcoming events</h2>\
         <p>Subscribe in your calendar: <a id=\"group-webcal\" href=\"{webcal}\">subscribe (webcal)</a> · \
         <a href=\"{feed}\">feed address (https)</a></p>{events}",
        username = h(&g.username),
        webcal = h(&webcal),
        feed = h(&feed),
    ));
    let description: String = g.summary.chars().take(200).collect();
    let mut head = format!(
        "<meta property=\"og:title\" content=\"{name}\"><meta property=\"og:type\" content=\"profile\">\
         <meta property=\"og:url\" content=\"{page}\"><meta property=\"og:description\" content=\"{description}\">\
         <meta name=\"description\" content=\"{description}\">\
         <link rel=\"alternate\" type=\"text/calendar\" href=\"{feed}\">\
         <script type=\"application/ld+json\">{ld}</script>",
        name = h(&g.name),
        page = h(&page),
        description = h(&description),
        feed = h(&feed),
    );
    if input.has_avatar {
        head.push_str(&format!("<meta property=\"og:image\" content=\"{}/avatar\">", h(&page)));
    }
    crate::page_layout::layout(input.instance_name, &g.name, &head, &body, false)
}
