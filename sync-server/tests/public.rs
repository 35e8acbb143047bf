//! Public calendars and pages on the relay: an event's page and .ics, and the feeds of an identity and
//! of the instance, built from documents synced by a real automerge-repo peer. Drafts and private events answer 404
//! exactly like a missing id; unlisted events have an .ics but stay out of feeds; cancelled ones stay
//! in with STATUS:CANCELLED; ETag and 304; every file passes the five parsers of
//! ../shared/tools/ical-validators; headless Chromium finds the page's JSON-LD and .ics link.

mod common;

use std::time::Duration;

use chrono::Utc;
use rally_core::document;
use rally_core::model::{EventStatus, ImageChange, Visibility};
use reqwest::StatusCode;

use common::{chromium_dom, create_event, create_identity, edit, peer, Relay, WAIT};

async fn get(url: &str, etag: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(url);
    if let Some(etag) = etag {
        request = request.header("If-None-Match", etag);
    }
    request.send().await.expect("GET")
}

/// Waits until the relay's instance feed holds `count` events.
async fn feed_with(relay: &Relay, count: usize) -> String {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let text = get(&format!("{}/feed.ics", relay.base), None).await.text().await.expect("body");
        if text.matches("BEGIN:VEVENT").count() == count {
            return text;
        }
        assert!(tokio::time::Instant::now() < deadline, "the feed never held {count} events:\n{text}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn published_events_have_calendars_and_nothing_else_does() {
    let dir = tempfile::tempdir().expect("tempdir");
    let relay = Relay::start(dir.path(), None);
    let ana = relay.account("ana@example.org").await;
    let device = peer(&relay, &ana).await;

    let identity = create_identity(&device, "ana", "Ana Bérénice").await;
    let organizer = identity.document_id().to_string();

    let public = create_event(&device, &organizer, "Assemblée, générale; annuelle", |d| {
        d.description = "Ordre du jour:\n1. budget\n2. élections <b>importantes</b>".into();
        d.place = Some(rally_core::model::Place {
            name: "Salle des fêtes".into(),
            address: "1 place de la Mairie, Lyon".into(),
            latitude: Some(45.764),
            longitude: Some(4.8357),
        });
    })
    .await;
    let cancelled = create_event(&device, &organizer, "Picnic", |d| d.status = EventStatus::Cancelled).await;
    let unlisted = create_event(&device, &organizer, "Unlisted", |d| d.visibility = Visibility::Unlisted).await;
    let draft = create_event(&device, &organizer, "Draft", |d| d.draft = true).await;
    let private = create_event(&device, &organizer, "Private", |d| d.visibility = Visibility::Private).await;
    let all_day = create_event(&device, &organizer, "Fête", |d| {
        d.all_day = true;
        d.timezone = "America/New_York".into();
        d.starts_at = chrono::DateTime::parse_from_rfc3339("2031-07-04T04:00:00Z").expect("t").into();
        d.ends_at = chrono::DateTime::parse_from_rfc3339("2031-07-06T04:00:00Z").expect("t").into();
    })
    .await;

    let feed = feed_with(&relay, 3).await;
    assert!(feed.contains("SUMMARY:Assemblée\\, générale\\; annuelle\r\n"), "{feed}");
    assert!(feed.contains("STATUS:CANCELLED\r\n"), "a cancelled event stays in the feed: {feed}");
    assert!(feed.contains("DTSTART;VALUE=DATE:20310704\r\nDTEND;VALUE=DATE:20310706\r\n"), "{feed}");
    assert!(!feed.contains("Unlisted") && !feed.contains("Draft") && !feed.contains("Private"), "{feed}");
    assert!(feed.contains(&format!("URL:{}/events/{}", relay.base, public.document_id())), "{feed}");
    assert!(feed.contains("REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n") && feed.contains("X-PUBLISHED-TTL:PT1H\r\n"));
    common::validate_ics(&feed);

    // An event's own file: also for unlisted events; drafts and private events are missing ids.
    for (handle, title) in [(&public, "Assemblée"), (&unlisted, "Unlisted"), (&cancelled, "Picnic"), (&all_day, "Fête")]
    {
        let response = get(&format!("{}/events/{}.ics", relay.base, handle.document_id()), None).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "text/calendar; charset=utf-8");
        let text = response.text().await.expect("body");
        assert!(text.contains(&format!("SUMMARY:{title}")), "{text}");
        common::validate_ics(&text);
    }
    let missing = get(&format!("{}/events/2kJbCdFAKEFAKEFAKExYz.ics", relay.base), None).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let missing_body = missing.text().await.expect("body");
    for hidden in [&draft, &private] {
        let response = get(&format!("{}/events/{}.ics", relay.base, hidden.document_id()), None).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(response.text().await.expect("body"), missing_body, "a hidden event differs from a missing one");
    }

    // The public page: readable without JavaScript, with OpenGraph, JSON-LD, the map and the calendar
    // links; hidden events answer exactly like a missing id.
    let page = get(&format!("{}/events/{}", relay.base, public.document_id()), None).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers()["content-type"].to_str().expect("type").starts_with("text/html"));
    let html = page.text().await.expect("body");
    assert!(html.contains("<meta property=\"og:title\" content=\"Assemblée, générale; annuelle\">"), "{html}");
    assert!(html.contains("&lt;b&gt;importantes&lt;/b&gt;"), "the description is escaped: {html}");
    assert!(html.contains("Sat 1 Mar 2031, 19:00–21:00 (Europe/Paris)"), "the time in the event's zone: {html}");
    assert!(html.contains("https://www.openstreetmap.org/?mlat=45.764000&amp;mlon=4.835700"), "{html}");
    assert!(html.contains("© OpenStreetMap contributors"), "{html}");
    assert!(html.contains(&format!("href=\"{}/events/{}.ics\"", relay.base, public.document_id())), "{html}");
    assert!(html.contains(&format!("href=\"{}/@ana/feed.ics\"", relay.base)), "{html}");
    assert!(
        html.contains(&format!("href=\"{}/@ana/feed.ics\"", relay.base.replacen("http://", "webcal://", 1))),
        "{html}"
    );
    let ld = html
        .split("<script type=\"application/ld+json\">")
        .nth(1)
        .and_then(|s| s.split("</script>").next())
        .expect("JSON-LD");
    let ld: serde_json::Value = serde_json::from_str(ld).expect("JSON-LD parses");
    assert_eq!(ld["@type"], "Event");
    assert_eq!(ld["startDate"], "2031-03-01T19:00:00+01:00");
    assert_eq!(ld["location"]["address"], "1 place de la Mairie, Lyon");
    assert_eq!(ld["organizer"]["name"], "Ana Bérénice");
    let missing_page = get(&format!("{}/events/2kJbCdFAKEFAKEFAKExYz", relay.base), None).await;
    assert_eq!(missing_page.status(), StatusCode::NOT_FOUND);
    let missing_page = missing_page.text().await.expect("body");
    for hidden in [&draft, &private] {
        let response = get(&format!("{}/events/{}", relay.base, hidden.document_id()), None).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(response.text().await.expect("body"), missing_page);
    }

    // A real browser (headless Chromium) finds the JSON-LD and the .ics link in the page it loads.
    let dom = chromium_dom(&format!("{}/events/{}", relay.base, public.document_id()));
    assert!(dom.contains("<script type=\"application/ld+json\">"), "{dom}");
    assert!(dom.contains("\"@type\":\"Event\""), "{dom}");
    assert!(
        dom.contains(&format!("id=\"event-ics\" href=\"{}/events/{}.ics\"", relay.base, public.document_id())),
        "{dom}"
    );

    // The identity's feed, by username; an unknown one is missing.
    let mine = get(&format!("{}/@ana/feed.ics", relay.base), None).await.text().await.expect("body");
    assert_eq!(mine.matches("BEGIN:VEVENT").count(), 3, "{mine}");
    assert!(mine.contains("X-WR-CALNAME:Ana Bérénice (@ana) · "), "{mine}");
    common::validate_ics(&mine);
    assert_eq!(get(&format!("{}/@nobody/feed.ics", relay.base), None).await.status(), StatusCode::NOT_FOUND);

    // The same feed twice is the same bytes; its ETag answers 304 until an event changes.
    let first = get(&format!("{}/feed.ics", relay.base), None).await;
    let etag = first.headers()["etag"].to_str().expect("etag").to_string();
    assert!(first.headers().contains_key("last-modified"));
    assert_eq!(first.text().await.expect("body"), feed);
    let again = get(&format!("{}/feed.ics", relay.base), Some(&etag)).await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(again.text().await.expect("body").is_empty());

    edit(&public, |doc| {
        let mut d = document::read_event(doc, "x").expect("event").details;
        d.title = "Assemblée générale 2031".into();
        document::write_event(doc, &d, &ImageChange::Keep, Utc::now()).expect("write");
    });
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let response = get(&format!("{}/feed.ics", relay.base), Some(&etag)).await;
        if response.status() == StatusCode::OK {
            assert_ne!(response.headers()["etag"].to_str().expect("etag"), etag);
            let text = response.text().await.expect("body");
            assert!(text.contains("SUMMARY:Assemblée générale 2031\r\n") && text.contains("SEQUENCE:1\r\n"), "{text}");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the feed never changed after an edit");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Back to draft: gone from the feed and from its own address.
    edit(&public, |doc| {
        let mut d = document::read_event(doc, "x").expect("event").details;
        d.draft = true;
        document::write_event(doc, &d, &ImageChange::Keep, Utc::now()).expect("write");
    });
    feed_with(&relay, 2).await;
    let gone = get(&format!("{}/events/{}.ics", relay.base, public.document_id()), None).await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeating_event_has_its_rule_and_coming_dates_on_its_page_and_in_its_calendars() {
    use rally_core::model::{Change, Frequency, MonthlyBy, OccurrenceChange, OccurrenceText, RepeatRule};
    let dir = tempfile::tempdir().expect("tempdir");
    let relay = Relay::start(dir.path(), None);
    let ana = relay.account("ana@example.org").await;
    let device = peer(&relay, &ana).await;
    let organizer = create_identity(&device, "ana", "Ana").await.document_id().to_string();
    // Every Monday from next week on, with no end; the second date cancelled, the third a concert.
    let choir = create_event(&device, &organizer, "Chorale du lundi", |d| {
        let monday = Utc::now().date_naive() + chrono::Duration::days(7);
        let monday =
            monday - chrono::Duration::days(i64::from(chrono::Datelike::weekday(&monday).num_days_from_monday()));
        let (starts_at, ends_at) = rally_core::when::parse_range(
            &format!("{monday} 19:00"),
            &format!("{monday} 21:00"),
            chrono_tz::Europe::Paris,
            false,
        )
        .expect("times");
        (d.starts_at, d.ends_at) = (starts_at, ends_at);
        d.repeat = Some(RepeatRule {
            frequency: Frequency::Weekly,
            interval: 1,
            weekdays: vec![chrono::Weekday::Mon],
            monthly: MonthlyBy::Date,
            until: None,
            count: None,
        });
        let second = rally_core::recurrence::starts(d).nth(1).expect("a second date");
        d.occurrence_changes = vec![OccurrenceChange { original_start: second, change: Change::Cancelled }];
        let third = rally_core::recurrence::starts(d).nth(2).expect("a third date");
        d.occurrence_texts = vec![OccurrenceText {
            original_start: third,
            title: Some("Concert <de> Noël".into()),
            description: None,
            place: None,
        }];
    })
    .await;
    let id = choir.document_id().to_string();
    let ics = {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let response = get(&format!("{}/events/{id}.ics", relay.base), None).await;
            if response.status() == StatusCode::OK {
                break response.text().await.expect("body");
            }
            assert!(tokio::time::Instant::now() < deadline, "the event's .ics never appeared");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    assert!(ics.contains("RRULE:FREQ=WEEKLY;BYDAY=MO\r\n") && ics.contains("EXDATE;TZID=Europe/Paris:"), "{ics}");
    // With no end, the zone's later changes are yearly rules, not a list to the year 2200.
    assert!(ics.contains("RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"), "{ics}");
    assert!(ics.len() < 8_000, "{} bytes", ics.len());
    common::validate_ics(&ics);
    // The series and the concert's own VEVENT (RECURRENCE-ID, with its title).
    common::validate_ics(&feed_with(&relay, 2).await);
    assert!(ics.contains("SUMMARY:Concert <de> Noël\r\n"), "{ics}");

    let page = get(&format!("{}/events/{id}", relay.base), None).await.text().await.expect("page");
    assert!(page.contains("<dt>Repeats</dt><dd id=\"event-repeats\">Every week on Monday"), "{page}");
    let dates = page.split("<ul id=\"event-dates\">").nth(1).and_then(|l| l.split("</ul>").next()).expect("dates");
    assert_eq!(dates.matches("<li").count(), 8, "{dates}");
    assert!(dates.contains("<li class=\"cancelled\"><del>") && dates.contains("19:00–21:00"), "{dates}");
    assert!(dates.contains("19:00–21:00: Concert &lt;de&gt; Noël</li>"), "the third date's own title: {dates}");
    let dom = chromium_dom(&format!("{}/events/{id}", relay.base));
    assert!(dom.contains("\"eventSchedule\":{\"@type\":\"Schedule\""), "{dom}");
    assert!(dom.contains("\"byDay\":[\"https://schema.org/Monday\"]"), "{dom}");
}

/// A picture as the app writes one: a PNG.
fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 170]));
    let mut bytes = std::io::Cursor::new(Vec::new());
    img.write_to(&mut bytes, image::ImageFormat::Png).expect("encode");
    bytes.into_inner()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_show_pictures_and_avatars_and_the_home_lists_public_events() {
    use common::browser::Browser;
    let dir = tempfile::tempdir().expect("tempdir");
    let relay = Relay::start(dir.path(), None);
    let ana = relay.account("ana@example.org").await;
    let device = peer(&relay, &ana).await;
    let identity = create_identity(&device, "ana", "Ana Bérénice").await;
    let avatar = png(120, 120);
    edit(&identity, |doc| {
        automerge::transaction::Transactable::put(doc, automerge::ROOT, "avatar", avatar.clone()).expect("avatar");
    });
    let organizer = identity.document_id().to_string();
    let picture = png(900, 400);
    let repair = create_event(&device, &organizer, "Atelier vélo", |d| {
        d.tags = vec!["vélo".into(), "réparation".into()];
        d.place = Some(rally_core::model::Place {
            name: "Maison du vélo".into(),
            address: "3 rue des Roues, Lyon".into(),
            latitude: Some(45.76),
            longitude: Some(4.83),
        });
    })
    .await;
    edit(&repair, |doc| {
        automerge::transaction::Transactable::put(doc, automerge::ROOT, "picture", picture.clone()).expect("picture");
    });
    create_event(&device, &organizer, "Unlisted supper", |d| d.visibility = Visibility::Unlisted).await;
    create_event(&device, &organizer, "Draft idea", |d| d.draft = true).await;
    // An attack: a "picture" that is a page with a script, served as an image it would run as HTML.
    let hostile = create_event(&device, &organizer, "Not a picture", |_| {}).await;
    edit(&hostile, |doc| {
        let html = b"<html><script>alert(document.cookie)</script></html>".to_vec();
        automerge::transaction::Transactable::put(doc, automerge::ROOT, "picture", html).expect("put");
    });
    feed_with(&relay, 2).await;
    let picture_url = format!("{}/events/{}/picture", relay.base, repair.document_id());
    let deadline = tokio::time::Instant::now() + WAIT;
    while get(&picture_url, None).await.status() != StatusCode::OK {
        assert!(tokio::time::Instant::now() < deadline, "the picture never came");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // The picture as it was written, with an ETag; a repeat asks and gets 304.
    let response = get(&picture_url, None).await;
    assert_eq!(response.headers()["content-type"], "image/png");
    let etag = response.headers()["etag"].to_str().expect("etag").to_string();
    assert_eq!(response.bytes().await.expect("bytes").as_ref(), picture.as_slice());
    assert_eq!(get(&picture_url, Some(&etag)).await.status(), StatusCode::NOT_MODIFIED);
    let avatar_response = get(&format!("{}/@ana/avatar", relay.base), None).await;
    assert_eq!(avatar_response.headers()["content-type"], "image/png");
    assert_eq!(avatar_response.bytes().await.expect("bytes").as_ref(), avatar.as_slice());
    // What is not an image is never served as one, and the page does not point at it.
    let not_image = get(&format!("{}/events/{}/picture", relay.base, hostile.document_id()), None).await;
    assert_eq!(not_image.status(), StatusCode::NOT_FOUND);
    let hostile_page =
        get(&format!("{}/events/{}", relay.base, hostile.document_id()), None).await.text().await.expect("body");
    assert!(!hostile_page.contains("og:image") && !hostile_page.contains("/picture"), "{hostile_page}");

    // The page: og:image, the avatar, the tags, the one stylesheet (no inline style is allowed).
    let page = get(&format!("{}/events/{}", relay.base, repair.document_id()), None).await;
    let csp = page.headers()["content-security-policy"].to_str().expect("csp").to_string();
    assert!(csp.contains("style-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    let html = page.text().await.expect("body");
    assert!(html.contains(&format!("<meta property=\"og:image\" content=\"{picture_url}\">")), "{html}");
    assert!(html.contains("<img class=\"avatar\" src=\"/@ana/avatar\""), "{html}");
    assert!(html.contains("<li class=\"tag\">#vélo</li>"), "{html}");
    let page_url = format!("{}/events/{}", relay.base, repair.document_id());
    let open = format!("rally://join?event={}", page_url.replace(':', "%3A").replace('/', "%2F"));
    assert!(html.contains(&format!("id=\"open-in-rally\" href=\"{open}\"")), "{html}");
    assert!(html.contains("<link rel=\"stylesheet\" href=\"/style.css\">") && !html.contains("<style"), "{html}");
    let css = get(&format!("{}/style.css", relay.base), None).await;
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");

    // The home page lists the public events by their next date, and nothing unlisted or unpublished.
    let home = get(&format!("{}/", relay.base), None).await.text().await.expect("body");
    assert!(home.contains("Upcoming events on Rally Test"), "{home}");
    assert!(home.contains("Atelier vélo") && home.contains("Not a picture"), "{home}");
    assert!(!home.contains("Unlisted supper") && !home.contains("Draft idea"), "{home}");
    // The home page is kept between requests, and drawn again as soon as a public event comes.
    create_event(&device, &organizer, "Soirée jeux", |_| {}).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while !get(&format!("{}/", relay.base), None).await.text().await.expect("body").contains("Soirée jeux") {
        assert!(tokio::time::Instant::now() < deadline, "the home page never showed the new event");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // In a real browser: kept as screenshots, and checked by axe-core.
    let browser = Browser::start().await;
    browser.client.goto(&format!("{}/", relay.base)).await.expect("home");
    browser.text("#home-events").await;
    browser.check_page("53-relay-home").await;
    browser.client.goto(&format!("{}/events/{}", relay.base, repair.document_id())).await.expect("page");
    browser.text("#event-title").await;
    let loaded = browser
        .client
        .execute("return document.querySelector('#event-picture').naturalWidth", vec![])
        .await
        .expect("picture");
    assert_eq!(loaded, serde_json::json!(900), "the browser shows the picture");
    browser.check_page("54-relay-event-picture").await;
}
