//! Our actors as other servers read them (`Person`, `Group`, the relay's `Application`), WebFinger
//! and NodeInfo; and remote actors, fetched, checked and cached.

use std::sync::Arc;

use chrono::Utc;
use rusqlite::{Connection, OptionalExtension, Transaction};
use serde_json::{json, Value};

use super::store::{self, RemoteActor};
use super::wire::{self, Actor, Endpoints, Image, PublicKey, WebFinger, WebFingerLink};
use super::{host_of, keys, Federation, Urls};
use crate::{Error, Result};

/// One of ours, by username (or the instance).
#[derive(Debug, Clone, PartialEq)]
pub enum LocalActor {
    Identity { id: String, username: String, name: String },
    Group { id: String, username: String, name: String, summary: String, openness: String },
    Instance,
}

impl LocalActor {
    /// The key name in `actor_keys` and in `followers.local_actor`.
    pub fn key(&self) -> &str {
        match self {
            LocalActor::Identity { id, .. } | LocalActor::Group { id, .. } => id,
            LocalActor::Instance => keys::INSTANCE,
        }
    }

    pub fn url(&self, urls: &Urls) -> String {
        match self {
            LocalActor::Identity { username, .. } | LocalActor::Group { username, .. } => urls.actor(username),
            LocalActor::Instance => urls.instance(),
        }
    }
}

/// The username the instance actor answers WebFinger to (`relay@host`, as Mobilizon and Gancio).
pub const INSTANCE_USERNAME: &str = "relay";

/// An identity shown on pages, or a group that is not private, by its username.
pub fn local_by_username(conn: &Connection, username: &str) -> Result<Option<LocalActor>> {
    if username == INSTANCE_USERNAME {
        return Ok(Some(LocalActor::Instance));
    }
    let identity = conn
        .query_row(
            "SELECT i.id, i.username, i.display_name FROM username_claims c JOIN identities i ON i.id = c.identity_id
             WHERE c.username = ?1",
            [username],
            |r| Ok(LocalActor::Identity { id: r.get(0)?, username: r.get(1)?, name: r.get(2)? }),
        )
        .optional()?;
    if identity.is_some() {
        return Ok(identity);
    }
    Ok(conn
        .query_row(
            "SELECT id, username, name, summary, openness FROM groups
             WHERE username = ?1 AND name != '' AND visibility != 'private'",
            [username],
            |r| {
                Ok(LocalActor::Group {
                    id: r.get(0)?,
                    username: r.get(1)?,
                    name: r.get(2)?,
                    summary: r.get(3)?,
                    openness: r.get(4)?,
                })
            },
        )
        .optional()?)
}

/// An identity's actor, by its document id.
pub fn local_identity(conn: &Connection, id: &str) -> Result<Option<LocalActor>> {
    Ok(conn
        .query_row("SELECT id, username, display_name FROM identities WHERE id = ?1", [id], |r| {
            Ok(LocalActor::Identity { id: r.get(0)?, username: r.get(1)?, name: r.get(2)? })
        })
        .optional()?)
}

/// A group's actor, by its id, unless private.
pub fn local_group(conn: &Connection, id: &str) -> Result<Option<LocalActor>> {
    let username: Option<String> =
        conn.query_row("SELECT username FROM groups WHERE id = ?1", [id], |r| r.get(0)).optional()?;
    match username {
        Some(username) => local_by_username(conn, &username),
        None => Ok(None),
    }
}

/// A group that is not open (moderated or invite-only) approves its followers: their `Follow` waits
/// for an administrator, as its members' requests do.
pub fn approves_followers(actor: &LocalActor) -> bool {
    matches!(actor, LocalActor::Group { openness, .. } if openness != "open")
}

/// The actor's JSON (its key made now if it has none).
pub fn actor_json(tx: &Transaction, urls: &Urls, actor: &LocalActor) -> Result<Actor> {
    let id = actor.url(urls);
    let keys = keys::of(tx, actor.key())?;
    let (kind, username, name, summary, openness) = match actor {
        LocalActor::Identity { username, name, .. } => ("Person", username.clone(), name.clone(), None, None),
        LocalActor::Group { username, name, summary, openness, .. } => {
            let openness = match openness.as_str() {
                "open" => "open",
                "moderated" => "moderated",
                _ => "invite_only",
            };
            ("Group", username.clone(), name.clone(), Some(summary.clone()), Some(openness.to_string()))
        }
        LocalActor::Instance => ("Application", INSTANCE_USERNAME.to_string(), urls.host(), None, None),
    };
    let has_avatar = !matches!(actor, LocalActor::Instance)
        && tx
            .query_row("SELECT 1 FROM public_images WHERE owner = ?1", [actor.key()], |_| Ok(()))
            .optional()?
            .is_some();
    Ok(Actor {
        context: Some(wire::context()),
        id: id.clone(),
        kind: kind.into(),
        preferred_username: username,
        name: Some(name),
        summary,
        url: Some(Value::String(id.clone())),
        inbox: format!("{id}/inbox"),
        outbox: Some(format!("{id}/outbox")),
        followers: Some(format!("{id}/followers")),
        following: Some(format!("{id}/following")),
        endpoints: Some(Endpoints { shared_inbox: Some(urls.shared_inbox()) }),
        public_key: PublicKey { id: Urls::key_id(&id), owner: id.clone(), public_key_pem: keys.public_pem },
        icon: has_avatar.then(|| Image { kind: "Image".into(), media_type: None, url: format!("{id}/avatar") }),
        manually_approves_followers: approves_followers(actor),
        discoverable: Some(true),
        members: matches!(actor, LocalActor::Group { .. }).then(|| format!("{id}/members")),
        openness,
    })
}

/// `/.well-known/webfinger?resource=acct:name@host` (or the actor's URL).
pub fn webfinger(conn: &Connection, urls: &Urls, resource: &str) -> Result<Option<WebFinger>> {
    let host = urls.host();
    let username = if let Some(acct) = resource.strip_prefix("acct:") {
        match acct.trim_start_matches('@').rsplit_once('@') {
            Some((name, h)) if h.eq_ignore_ascii_case(&host) => name.to_string(),
            _ => return Ok(None),
        }
    } else if resource == urls.instance() {
        INSTANCE_USERNAME.to_string()
    } else if let Some(name) = resource.strip_prefix(&format!("{}/@", urls.base)) {
        name.to_string()
    } else {
        return Ok(None);
    };
    let Some(actor) = local_by_username(conn, &username)? else { return Ok(None) };
    let id = actor.url(urls);
    Ok(Some(WebFinger {
        subject: format!("acct:{username}@{host}"),
        aliases: vec![id.clone()],
        links: vec![
            WebFingerLink { rel: "self".into(), kind: Some(wire::ACTIVITY_JSON.into()), href: Some(id.clone()) },
            WebFingerLink {
                rel: "http://webfinger.net/rel/profile-page".into(),
                kind: Some("text/html".into()),
                href: Some(id),
            },
        ],
    }))
}

/// NodeInfo 2.0 / 2.1, with the instance actor's link (FEP-2677).
pub fn nodeinfo(conn: &Connection, urls: &Urls, version: &str, name: &str, open: bool) -> Result<Value> {
    let users: i64 =
        conn.query_row("SELECT count(*) FROM accounts WHERE confirmed_at IS NOT NULL", [], |r| r.get(0))?;
    let events: i64 = conn.query_row("SELECT count(*) FROM public_events", [], |r| r.get(0))?;
    let mut software = json!({"name": "rally", "version": env!("CARGO_PKG_VERSION")});
    if version == "2.1" {
        software["repository"] = json!("https://github.com/rally-events/rally");
    }
    Ok(json!({
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": {"inbound": ["atom1.0"], "outbound": ["atom1.0"]},
        "openRegistrations": open,
        "usage": {"users": {"total": users}, "localPosts": events},
        "metadata": {"nodeName": name, "staffAccounts": [urls.instance()]}
    }))
}

/// `/.well-known/nodeinfo`: where the documents are, and the instance actor.
pub fn nodeinfo_links(urls: &Urls) -> Value {
    json!({"links": [
        {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": format!("{}/nodeinfo/2.0", urls.base)},
        {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": format!("{}/nodeinfo/2.1", urls.base)},
        {"rel": "https://www.w3.org/ns/activitystreams#Application", "href": urls.instance()}
    ]})
}

/// Reads a fetched actor: its id must be the URL it was fetched from (or on its host), with a key.
pub fn remote_actor_from(value: &Value, fetched_from: &str) -> Result<RemoteActor> {
    let invalid = |why: String| Error::Remote { code: "remote_invalid", message: format!("{fetched_from}: {why}") };
    let actor: Actor = serde_json::from_value(value.clone()).map_err(|e| invalid(format!("not an actor: {e}")))?;
    let host = host_of(&actor.id).ok_or_else(|| invalid("its id is not a URL".into()))?;
    if host_of(fetched_from).as_deref() != Some(host.as_str()) {
        return Err(invalid(format!("it claims to be {}, on another host", actor.id)));
    }
    if actor.public_key.owner != actor.id || host_of(&actor.public_key.id).as_deref() != Some(host.as_str()) {
        return Err(invalid("its key belongs to another actor".into()));
    }
    keys::read_public(&actor.public_key.public_key_pem).map_err(invalid)?;
    for url in
        [Some(&actor.inbox), actor.endpoints.as_ref().and_then(|e| e.shared_inbox.as_ref())].into_iter().flatten()
    {
        if host_of(url).is_none() {
            return Err(invalid(format!("its inbox \"{url}\" is not a URL")));
        }
    }
    let bounded = |s: &str, n: usize| s.chars().take(n).collect::<String>();
    Ok(RemoteActor {
        username: bounded(&actor.preferred_username, 100),
        name: bounded(actor.name.as_deref().unwrap_or(&actor.preferred_username), 200),
        kind: bounded(&actor.kind, 40),
        inbox: actor.inbox.clone(),
        shared_inbox: actor.endpoints.and_then(|e| e.shared_inbox),
        key_id: actor.public_key.id,
        public_pem: actor.public_key.public_key_pem,
        host,
        id: actor.id,
    })
}

impl Federation {
    /// A remote actor: from the cache, else fetched (and cached). `refresh` fetches anyway (a key
    /// that did not verify may have been rotated).
    pub async fn remote_actor(self: &Arc<Self>, id: &str, refresh: bool) -> Result<RemoteActor> {
        if !refresh {
            if let Some(actor) = store::actor(&self.db(), id)? {
                return Ok(actor);
            }
        }
        let actor = self.fetch_actor(id).await?;
        store::put_actor(&self.db(), &actor, Utc::now())?;
        Ok(actor)
    }

    /// Fetches and checks a remote actor, without keeping it.
    pub async fn fetch_actor(self: &Arc<Self>, id: &str) -> Result<RemoteActor> {
        let value = self.fetch(id).await?;
        remote_actor_from(&value, id)
    }

    /// Finds an actor by `@name@host` (WebFinger) or by its URL.
    pub async fn resolve(self: &Arc<Self>, handle: &str) -> Result<RemoteActor> {
        let handle = handle.trim();
        if handle.starts_with("http://") || handle.starts_with("https://") {
            return self.remote_actor(handle, true).await;
        }
        let (name, host) = handle
            .trim_start_matches('@')
            .rsplit_once('@')
            .filter(|(name, host)| !name.is_empty() && !host.is_empty())
            .ok_or_else(|| {
                Error::bad_request("invalid_handle", format!("\"{handle}\" is neither @name@host nor a URL"))
            })?;
        // https, unless the host is this machine (or the development switch is on).
        let https = format!("https://{host}/.well-known/webfinger?resource=acct:{name}@{host}");
        let http = format!("http://{host}/.well-known/webfinger?resource=acct:{name}@{host}");
        let url = if self.check_url(&http).is_ok() { http } else { https };
        let value = self.fetch(&url).await?;
        let finger: WebFinger = serde_json::from_value(value)
            .map_err(|e| Error::Remote { code: "remote_invalid", message: format!("{url}: not WebFinger: {e}") })?;
        let actor_url = finger.actor().ok_or_else(|| Error::Unknown {
            code: "unknown_actor",
            message: format!("@{name}@{host} has no ActivityPub actor"),
        })?;
        if host_of(actor_url).as_deref() != Some(host) {
            // Mastodon's rule: the actor's own host must answer for it (WebFinger round trip).
            let actor = self.remote_actor(actor_url, true).await?;
            let back = format!("acct:{}@{}", actor.username, actor.host);
            let again = self
                .fetch(&format!(
                    "{}://{}/.well-known/webfinger?resource={back}",
                    if url.starts_with("http:") { "http" } else { "https" },
                    actor.host
                ))
                .await?;
            let again: WebFinger = serde_json::from_value(again)
                .map_err(|e| Error::Remote { code: "remote_invalid", message: format!("not WebFinger: {e}") })?;
            if again.actor() != Some(actor.id.as_str()) {
                return Err(Error::Remote {
                    code: "remote_invalid",
                    message: format!("{back} does not point back to {}", actor.id),
                });
            }
            return Ok(actor);
        }
        self.remote_actor(actor_url, true).await
    }

    /// How many remote actors follow one of ours.
    pub fn followers_of(&self, local: &str) -> Result<i64> {
        store::follower_count(&self.db(), local)
    }
}
