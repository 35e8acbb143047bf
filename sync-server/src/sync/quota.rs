//! How many bytes of documents each account keeps on the relay, against its quota. Counted from the
//! disk the first time an account writes after a start, then kept up as changes arrive; a compaction
//! (which shrinks a document) makes the next write count from the disk again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;

use crate::{Error, Result};

pub struct Quota {
    db: Arc<Mutex<Connection>>,
    limit: u64,
    used: Mutex<HashMap<String, u64>>,
}

impl Quota {
    pub fn new(db: Arc<Mutex<Connection>>, limit: u64) -> Quota {
        Quota { db, limit, used: Mutex::default() }
    }

    /// Counts `bytes` more for `account`, or refuses them, naming the quota, if they do not fit.
    pub fn take(&self, account: &str, bytes: u64) -> Result<()> {
        let known = crate::lock(&self.used).get(account).copied();
        let used = match known {
            Some(used) => used,
            None => stored_bytes(&crate::lock(&self.db), account)?,
        };
        if used.saturating_add(bytes) > self.limit {
            return Err(Error::Protocol(format!(
                "this account's storage on the relay is full ({} of {} MiB): remove pictures or old events",
                used / (1024 * 1024),
                self.limit / (1024 * 1024)
            )));
        }
        crate::lock(&self.used).insert(account.to_string(), used + bytes);
        Ok(())
    }

    /// The account's count is stale (a document was compacted): count from the disk next time.
    pub fn recount(&self, account: &str) {
        crate::lock(&self.used).remove(account);
    }
}

fn stored_bytes(conn: &Connection, account: &str) -> Result<u64> {
    let bytes: i64 = conn.query_row(
        "SELECT coalesce(sum(length(s.data)), 0) FROM sync_documents d
         JOIN sync_storage s ON s.key >= d.id || '/' AND s.key < d.id || '0' WHERE d.owner = ?1",
        [account],
        |r| r.get(0),
    )?;
    Ok(u64::try_from(bytes).unwrap_or(0))
}
