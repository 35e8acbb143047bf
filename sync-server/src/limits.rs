//! The relay's limits, each with a default that needs no setting (flags in [`crate::config`],
//! documented in docs/SECURITY.md), and the counter behind the rate limits.
//!
//! Rate limits count attempts in the `attempts` table (so they hold across restarts), in a sliding
//! window, under a key that names what is counted and who: `signup-ip:127.0.0.1`,
//! `mail:reset:ana@example.org`, `login-fail:127.0.0.1:ana@example.org`.

use chrono::{Duration, Utc};
use rusqlite::{params, Connection};

use crate::{Error, Result};

#[derive(Debug, Clone)]
pub struct Limits {
    /// A session unused for this long ends.
    pub session_idle: Duration,
    /// Password hashes computed at once; further logins wait up to [`HASH_WAIT`], then get 429.
    pub concurrent_hashing: usize,
    /// One mail of a kind a stranger can trigger (confirmation, reset, anonymous participation, a
    /// sign-up with a taken address) per address per window.
    pub mail_window: Duration,
    /// Sign-ups, confirmation and reset requests, anonymous participations per IP per window.
    pub requests_per_ip: u32,
    pub ip_window: Duration,
    /// Failed logins for one address from one IP, and from one IP in all, per window.
    pub login_failures_per_address: u32,
    pub login_failures_per_ip: u32,
    pub login_window: Duration,
    /// Bytes of documents an account may keep on the relay.
    pub account_quota: u64,
}

/// How long a login waits for a free password hasher before it is answered 429.
pub const HASH_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

impl Default for Limits {
    fn default() -> Self {
        Limits {
            session_idle: Duration::days(30),
            concurrent_hashing: 2,
            mail_window: Duration::minutes(15),
            requests_per_ip: 20,
            ip_window: Duration::hours(1),
            login_failures_per_address: 5,
            login_failures_per_ip: 30,
            login_window: Duration::minutes(15),
            account_quota: 256 * 1024 * 1024,
        }
    }
}

/// Counts one attempt under `key` if fewer than `max` were counted within `window`; otherwise says
/// how long until one may be tried again.
pub fn attempt(conn: &Connection, key: &str, max: u32, window: Duration) -> Result<std::result::Result<(), u64>> {
    let now = Utc::now().timestamp_millis();
    forget_old(conn, now)?;
    let since = now - window.num_milliseconds();
    conn.execute("DELETE FROM attempts WHERE key = ?1 AND at <= ?2", params![key, since])?;
    let (count, oldest): (u32, Option<i64>) =
        conn.query_row("SELECT count(*), min(at) FROM attempts WHERE key = ?1", [key], |r| Ok((r.get(0)?, r.get(1)?)))?;
    if count >= max {
        let free_at = oldest.unwrap_or(now) + window.num_milliseconds();
        return Ok(Err(((free_at - now) / 1000).max(1) as u64));
    }
    conn.execute("INSERT INTO attempts (key, at) VALUES (?1, ?2)", params![key, now])?;
    Ok(Ok(()))
}

/// No window is longer than this (the flags are capped to it): older attempts are dropped whatever
/// their key, so that keys never seen again (an IP, an address) do not pile up.
pub const LONGEST_WINDOW: Duration = Duration::days(7);

fn forget_old(conn: &Connection, now: i64) -> Result<()> {
    conn.execute("DELETE FROM attempts WHERE at <= ?1", [now - LONGEST_WINDOW.num_milliseconds()])?;
    Ok(())
}

/// If `max` attempts were recorded under `key` within `window`, how long until the next may be made.
/// Records nothing: failures are recorded with [`record`] once they happen.
pub fn blocked(conn: &Connection, key: &str, max: u32, window: Duration) -> Result<Option<u64>> {
    let now = Utc::now().timestamp_millis();
    let since = now - window.num_milliseconds();
    let (count, oldest): (u32, Option<i64>) = conn.query_row(
        "SELECT count(*), min(at) FROM attempts WHERE key = ?1 AND at > ?2",
        params![key, since],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok((count >= max).then(|| ((oldest.unwrap_or(now) + window.num_milliseconds() - now) / 1000).max(1) as u64))
}

pub fn record(conn: &Connection, key: &str) -> Result<()> {
    let now = Utc::now().timestamp_millis();
    forget_old(conn, now)?;
    conn.execute("INSERT INTO attempts (key, at) VALUES (?1, ?2)", params![key, now])?;
    Ok(())
}

/// As [`attempt`], refusing with 429 and a message once the limit is reached.
pub fn limit(conn: &Connection, key: &str, max: u32, window: Duration, what: &str) -> Result<()> {
    attempt(conn, key, max, window)?.map_err(|retry_after_secs| Error::RateLimited {
        code: "rate_limited",
        message: format!("too many {what} from here; try again in {retry_after_secs} s"),
        retry_after_secs,
    })
}

/// Whether a mail of `kind` may go to `address` now (one per window); a mail that may not is
/// silently dropped, so that the answer says nothing either way.
pub fn may_mail(conn: &Connection, kind: &str, address: &str, window: Duration) -> Result<bool> {
    Ok(attempt(conn, &format!("mail:{kind}:{address}"), 1, window)?.is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_are_counted_per_key_within_the_window() {
        let dir = tempfile::tempdir().expect("dir");
        let conn = crate::database::open(dir.path()).expect("db");
        let window = Duration::minutes(1);
        assert_eq!(attempt(&conn, "a", 2, window).expect("db"), Ok(()));
        assert_eq!(attempt(&conn, "a", 2, window).expect("db"), Ok(()));
        let retry = attempt(&conn, "a", 2, window).expect("db").expect_err("third refused");
        assert!((1..=60).contains(&retry), "{retry}");
        assert_eq!(attempt(&conn, "b", 2, window).expect("db"), Ok(()), "another key");
        assert_eq!(attempt(&conn, "c", 1, Duration::zero()).expect("db"), Ok(()));
        assert_eq!(attempt(&conn, "c", 1, Duration::zero()).expect("db"), Ok(()), "an empty window forgets");
    }

    #[test]
    fn attempts_older_than_the_longest_window_are_dropped_whatever_their_key() {
        let dir = tempfile::tempdir().expect("dir");
        let conn = crate::database::open(dir.path()).expect("db");
        let long_ago = Utc::now().timestamp_millis() - LONGEST_WINDOW.num_milliseconds() - 1;
        conn.execute("INSERT INTO attempts (key, at) VALUES ('signup-ip:10.9.8.7', ?1)", [long_ago]).expect("old");
        record(&conn, "login-fail-ip:127.0.0.1").expect("record");
        let keys: Vec<String> = conn
            .prepare("SELECT key FROM attempts")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .expect("keys");
        assert_eq!(keys, ["login-fail-ip:127.0.0.1"]);
    }
}
