//! Connections that outlive the request that authenticated them (sync sockets), by session, so that
//! ending a session (log out, password reset, account deletion) closes them at once instead of
//! letting them write on with a token that no longer exists.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

struct Open {
    account_id: String,
    token_digest: Vec<u8>,
    end: Arc<Notify>,
}

#[derive(Default)]
pub struct LiveSessions {
    next: AtomicU64,
    open: Mutex<HashMap<u64, Open>>,
}

/// One registered connection: [`Ending::ended`] resolves when its session ends. Dropping it
/// unregisters the connection.
pub struct Ending {
    id: u64,
    end: Arc<Notify>,
    registry: Arc<LiveSessions>,
}

impl Ending {
    pub async fn ended(&self) {
        self.end.notified().await
    }
}

impl Drop for Ending {
    fn drop(&mut self) {
        crate::lock(&self.registry.open).remove(&self.id);
    }
}

impl LiveSessions {
    pub fn register(self: &Arc<Self>, account_id: &str, token_digest: &[u8]) -> Ending {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let end = Arc::new(Notify::new());
        let open = Open { account_id: account_id.into(), token_digest: token_digest.into(), end: end.clone() };
        crate::lock(&self.open).insert(id, open);
        Ending { id, end, registry: self.clone() }
    }

    /// Ends the connections of one session.
    pub fn end_session(&self, token_digest: &[u8]) {
        self.end_where(|o| o.token_digest == token_digest)
    }

    /// Ends every connection of an account.
    pub fn end_account(&self, account_id: &str) {
        self.end_where(|o| o.account_id == account_id)
    }

    /// How many connections are open (for tests and health).
    pub fn count(&self) -> usize {
        crate::lock(&self.open).len()
    }

    fn end_where(&self, matches: impl Fn(&Open) -> bool) {
        for open in crate::lock(&self.open).values().filter(|o| matches(o)) {
            // A stored permit: a connection that is not waiting right now sees it at its next wait.
            open.end.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn ending_a_session_or_an_account_wakes_only_its_connections() {
        let live = Arc::new(LiveSessions::default());
        let phone = live.register("ana", b"t1");
        let laptop = live.register("ana", b"t2");
        let bob = live.register("bob", b"t3");
        live.end_session(b"t1");
        tokio::time::timeout(std::time::Duration::from_secs(1), phone.ended()).await.expect("phone ended");
        live.end_account("ana");
        tokio::time::timeout(std::time::Duration::from_secs(1), laptop.ended()).await.expect("laptop ended");
        let still = tokio::time::timeout(std::time::Duration::from_millis(50), bob.ended()).await;
        assert!(still.is_err(), "bob's connection goes on");
        drop(phone);
        assert_eq!(live.count(), 2);
    }
}
