//! This relay following other instances (another Rally relay's or a Mobilizon instance's `relay`
//! actor): asked by the administrator on the relay's machine (`rally-server federation follow`,
//! `unfollow`, `list`), carried out by the running relay, which resolves the handle and sends the
//! `Follow` (or its `Undo`) from its own instance actor. Once accepted, the public events of that
//! instance's people come to this relay's feed and home page.

use std::sync::Arc;

use serde_json::json;

use super::actors::LocalActor;
use super::wire::{self, PUBLIC};
use super::{outbox, store, Federation};
use crate::{Error, Result};

/// What the administrator may name: `@relay@host` (or any actor's `@name@host`), an actor's URL, or
/// a bare host, which means its `relay` actor (Rally's and Mobilizon's instance actor).
pub fn instance_handle(given: &str) -> Result<String> {
    let given = given.trim();
    let invalid =
        || Error::bad_request("invalid_handle", format!("\"{given}\" is neither @name@host, a URL nor a host"));
    if given.starts_with("http://") || given.starts_with("https://") {
        return url::Url::parse(given).map(|_| given.to_string()).map_err(|_| invalid());
    }
    let handle = if given.contains('@') { given.to_string() } else { format!("@relay@{given}") };
    let ok = handle.len() <= 255
        && handle.strip_prefix('@').is_some_and(|rest| {
            rest.split_once('@').is_some_and(|(name, host)| {
                !name.is_empty()
                    && !host.is_empty()
                    && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
            })
        });
    ok.then(|| handle.to_ascii_lowercase()).ok_or_else(invalid)
}

impl Federation {
    /// Sends the follows and unfollows of instances the administrator asked for since the last pass;
    /// a handle that does not resolve is marked failed, with the reason, for `federation list`.
    pub async fn follow_instances(self: &Arc<Self>) -> Result<()> {
        let asked = store::instance_follows(&self.db(), &["asked", "unfollowing"])?;
        for f in asked {
            let urls = self.urls.clone();
            if f.state == "unfollowing" {
                self.transaction(move |tx| {
                    let actor = match &f.remote_actor {
                        Some(id) => store::actor(tx, id)?,
                        None => None,
                    };
                    if let (Some(actor), Some(follow)) = (actor, &f.activity_id) {
                        let undo = json!({
                            "@context": wire::context(),
                            "id": urls.new_activity(),
                            "type": "Undo",
                            "actor": urls.instance(),
                            "object": {"id": follow, "type": "Follow", "actor": urls.instance(), "object": actor.id},
                            "to": [actor.id],
                        });
                        outbox::queue(tx, std::slice::from_ref(&actor.inbox), &LocalActor::Instance, &urls, &undo)?;
                    }
                    store::forget_instance_follow(tx, &f.handle)
                })
                .await?;
                continue;
            }
            match self.resolve(&f.handle).await {
                Ok(remote) => {
                    self.transaction(move |tx| {
                        let activity_id = urls.new_activity();
                        store::set_instance_follow(tx, &f.handle, "sent", Some(&remote.id), Some(&activity_id), None)?;
                        let follow = json!({
                            "@context": wire::context(),
                            "id": activity_id,
                            "type": "Follow",
                            "actor": urls.instance(),
                            "object": remote.id,
                            "to": [remote.id, PUBLIC],
                        });
                        outbox::queue(tx, std::slice::from_ref(&remote.inbox), &LocalActor::Instance, &urls, &follow)
                    })
                    .await?
                }
                Err(e) => {
                    let reason = e.to_string();
                    let conn = self.db();
                    store::set_instance_follow(&conn, &f.handle, "failed", None, None, Some(&reason))?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_means_its_relay_actor_and_anything_else_is_refused() {
        assert_eq!(instance_handle("Mobilizon.Example").expect("host"), "@relay@mobilizon.example");
        assert_eq!(instance_handle("@relay@127.0.0.1:8080").expect("handle"), "@relay@127.0.0.1:8080");
        assert_eq!(instance_handle("https://a.example/relay").expect("url"), "https://a.example/relay");
        for bad in ["", "@", "@relay@", "a b", "@x@evil/path", "javascript:alert(1)"] {
            assert!(instance_handle(bad).is_err(), "{bad}");
        }
    }
}
