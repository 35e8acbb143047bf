//! Federation's throughput, each beside a floor measured in the same run:
//! - signed deliveries per second from one relay to 1,000 followers spread over 50 loopback inboxes
//!   (one delivery per shared inbox per activity, as the outbox writes them), through the durable
//!   outbox and its sender, next to the same number of unsigned POSTs of the same bodies with the
//!   same concurrency (the floor: HTTP alone);
//! - verified incoming activities per second at the relay's shared inbox (signature, digest, date,
//!   the signer's cached key, the activity id recorded once), next to bare POSTs of the same bodies to
//!   a handler that does nothing.
//!
//! `cargo bench -p rally-server --bench federation` [activities, default 20 (× 50 inboxes)]. The
//! incoming run posts activities × 50 from one host: keep it under the relay's 1,200 a minute.

use std::time::Instant;

use axum::routing::{get, post};
use futures::StreamExt;
use rally_server::config::Config;
use rally_server::federation::actors::LocalActor;
use rally_server::federation::{outbox, signature, store};
use rally_server::AppState;
use serde_json::json;

const INBOXES: usize = 50;
const FOLLOWERS: usize = 1_000;
const IN_FLIGHT: usize = 16;

async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

fn accepting() -> axum::Router {
    axum::Router::new().route("/inbox", post(|| async { axum::http::StatusCode::ACCEPTED }))
}

async fn relay(dir: &std::path::Path, serving: bool) -> (AppState, String) {
    let config = Config::with_data(dir.to_path_buf());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
    let bound = listener.local_addr().expect("addr");
    let state = AppState::open(&config, bound).await.expect("relay");
    if serving {
        tokio::spawn(rally_server::run(listener, state.clone(), std::future::pending()));
    }
    (state, format!("http://{bound}"))
}

async fn deliveries(activities: usize) {
    let dir = tempfile::tempdir().expect("dir");
    let (state, _) = relay(dir.path(), false).await;
    let mut inboxes = Vec::new();
    for _ in 0..INBOXES {
        inboxes.push(format!("{}/inbox", serve(accepting()).await));
    }
    let federation = state.federation.clone();
    {
        let mut conn = federation.db();
        let tx = conn.transaction().expect("tx");
        let now = chrono::Utc::now();
        for i in 0..FOLLOWERS {
            let inbox = &inboxes[i % INBOXES];
            let host = inbox.trim_start_matches("http://").split('/').next().expect("host").to_string();
            let actor = store::RemoteActor {
                id: format!("{}/users/{i}", inbox.trim_end_matches("/inbox")),
                kind: "Person".into(),
                username: format!("u{i}"),
                host,
                name: format!("Follower {i}"),
                inbox: format!("{inbox}/{i}"),
                shared_inbox: Some(inbox.clone()),
                key_id: format!("{inbox}/users/{i}#main-key"),
                public_pem: String::new(),
            };
            store::put_actor(&tx, &actor, now).expect("actor");
            store::add_follower(&tx, "relay", &actor.id, now, None).expect("follower");
        }
        let targets = store::follower_inboxes(&tx, &["relay"]).expect("inboxes");
        assert_eq!(targets.len(), INBOXES);
        for n in 0..activities {
            let activity = json!({"id": federation.urls.new_activity(), "type": "Create", "actor": federation.urls.instance(),
                "object": {"type": "Note", "id": format!("{}/notes/{n}", federation.urls.base), "content": "x".repeat(600)}});
            outbox::queue(&tx, &targets, &LocalActor::Instance, &federation.urls, &activity).expect("queue");
        }
        tx.commit().expect("commit");
    }
    let total = activities * INBOXES;
    // The instance key exists before timing (made once per actor, for good).
    federation.transaction(|tx| rally_server::federation::keys::of(tx, "relay")).await.expect("key");
    let started = Instant::now();
    while outbox::send_due(&federation).await.expect("send") > 0 {}
    let signed = started.elapsed();
    let left = store::undelivered(&federation.db()).expect("left");
    assert!(left.is_empty(), "{} not delivered: {:?}", left.len(), left.first());

    let client = reqwest::Client::new();
    let body = json!({"type": "Create", "object": {"type": "Note", "content": "x".repeat(600)}}).to_string();
    let started = Instant::now();
    futures::stream::iter((0..total).map(|i| {
        let (client, inbox, body) = (client.clone(), inboxes[i % INBOXES].clone(), body.clone());
        async move {
            let response =
                client.post(inbox).header("content-type", "application/activity+json").body(body).send().await;
            assert!(response.expect("post").status().is_success());
        }
    }))
    .buffer_unordered(IN_FLIGHT)
    .collect::<Vec<()>>()
    .await;
    let bare = started.elapsed();
    let rate = |d: std::time::Duration| total as f64 / d.as_secs_f64();
    println!(
        "deliveries: {total} signed through the outbox in {:.2} s = {:.0}/s; unsigned POSTs (floor) {:.0}/s; ratio {:.2}",
        signed.as_secs_f64(),
        rate(signed),
        rate(bare),
        rate(bare) / rate(signed)
    );
}

/// A request ready to send: its signed headers and body.
type SignedPost = (Vec<(String, String)>, Vec<u8>);

async fn incoming(count: usize) {
    use rsa::pkcs8::{EncodePublicKey, LineEnding};
    let dir = tempfile::tempdir().expect("dir");
    let (_state, base) = relay(dir.path(), true).await;
    // A remote actor whose key the relay fetches once and caches.
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("key");
    let pem = rsa::RsaPublicKey::from(&key).to_public_key_pem(LineEnding::LF).expect("pem");
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
    let remote = format!("http://{}", listener.local_addr().expect("addr"));
    let actor_url = format!("{remote}/actor");
    let actor = json!({"id": actor_url, "type": "Person", "preferredUsername": "bench", "inbox": format!("{remote}/inbox"),
        "publicKey": {"id": format!("{actor_url}#main-key"), "owner": actor_url, "publicKeyPem": pem}});
    let app = accepting().route("/actor", get(move || async move { axum::Json(actor) }));
    tokio::spawn(async move { axum::serve(listener, app).await });

    let inbox = url::Url::parse(&format!("{base}/inbox")).expect("url");
    let key_id = format!("{actor_url}#main-key");
    let signed: Vec<SignedPost> = (0..=count)
        .map(|i| {
            let body = json!({"id": format!("{remote}/activities/{i}"), "type": "Create", "actor": actor_url,
                "object": {"type": "Note", "id": format!("{remote}/notes/{i}"), "content": "x".repeat(600)}})
            .to_string()
            .into_bytes();
            (signature::sign("POST", &inbox, Some(&body), &key_id, &key).expect("sign"), body)
        })
        .collect();
    let client = reqwest::Client::new();
    let post = |headers: Vec<(String, String)>, body: Vec<u8>, to: String| {
        let client = client.clone();
        async move {
            let mut request = client.post(to).header("content-type", "application/activity+json").body(body);
            for (name, value) in headers.into_iter().filter(|(n, _)| n != "host") {
                request = request.header(name, value);
            }
            let response = request.send().await.expect("post");
            assert!(response.status().is_success(), "{}", response.text().await.unwrap_or_default());
        }
    };
    let mut signed = signed.into_iter();
    // The first fetches and caches the key: not timed.
    let (headers, body) = signed.next().expect("first");
    post(headers, body, inbox.to_string()).await;
    let started = Instant::now();
    futures::stream::iter(signed.map(|(headers, body)| post(headers, body, inbox.to_string())))
        .buffer_unordered(IN_FLIGHT)
        .collect::<Vec<()>>()
        .await;
    let verified = started.elapsed();

    let floor = format!("{}/inbox", serve(accepting()).await);
    let body =
        json!({"type": "Create", "object": {"type": "Note", "content": "x".repeat(600)}}).to_string().into_bytes();
    let started = Instant::now();
    futures::stream::iter((0..count).map(|_| post(Vec::new(), body.clone(), floor.clone())))
        .buffer_unordered(IN_FLIGHT)
        .collect::<Vec<()>>()
        .await;
    let bare = started.elapsed();
    let rate = |d: std::time::Duration| count as f64 / d.as_secs_f64();
    println!(
        "incoming: {count} signed activities verified at the inbox in {:.2} s = {:.0}/s; bare POSTs (floor) {:.0}/s; ratio {:.2}",
        verified.as_secs_f64(),
        rate(verified),
        rate(bare),
        rate(bare) / rate(verified)
    );
}

fn main() {
    let activities: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(20);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    runtime.block_on(async move {
        deliveries(activities).await;
        incoming(activities * INBOXES).await;
    });
}
