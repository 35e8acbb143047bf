//! All of the groups' SQL: the `groups` rows (registered at creation, their page's fields projected
//! from the group's document), `group_members`, and the `@username` claims groups share with
//! identities. One mapping of member states, here.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rally_core::model::{GroupOpenness, GroupRole, Member, MemberState, MyGroup, Visibility};
use rusqlite::{params, Connection, OptionalExtension};

use crate::Result;

/// A registered group as the relay knows it.
#[derive(Debug, Clone)]
pub struct GroupRow {
    pub id: String,
    pub username: String,
    /// "" until its document reached the relay.
    pub name: String,
    pub summary: String,
    pub visibility: Visibility,
    pub openness: GroupOpenness,
    pub place: String,
}

fn state_columns(state: MemberState) -> (&'static str, Option<&'static str>) {
    match state {
        MemberState::Invited => ("invited", None),
        MemberState::Requested => ("requested", None),
        MemberState::Member(role) => ("member", Some(role.as_str())),
    }
}

fn state_of_columns(state: &str, role: Option<&str>) -> Option<MemberState> {
    match (state, role.and_then(GroupRole::parse)) {
        ("invited", _) => Some(MemberState::Invited),
        ("requested", _) => Some(MemberState::Requested),
        ("member", Some(role)) => Some(MemberState::Member(role)),
        _ => None,
    }
}

/// Better first: an administrator, a moderator, a member, then invited, then requested.
fn rank(state: MemberState) -> u8 {
    match state {
        MemberState::Member(GroupRole::Administrator) => 0,
        MemberState::Member(GroupRole::Moderator) => 1,
        MemberState::Member(GroupRole::Member) => 2,
        MemberState::Invited => 3,
        MemberState::Requested => 4,
    }
}

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

const GROUP_COLUMNS: &str = "id, username, name, summary, visibility, openness, place";

fn group_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<GroupRow> {
    Ok(GroupRow {
        id: r.get(0)?,
        username: r.get(1)?,
        name: r.get(2)?,
        summary: r.get(3)?,
        visibility: Visibility::parse(&r.get::<_, String>(4)?).unwrap_or(Visibility::Private),
        openness: GroupOpenness::parse(&r.get::<_, String>(5)?).unwrap_or(GroupOpenness::InviteOnly),
        place: r.get(6)?,
    })
}

pub fn group(conn: &Connection, id: &str) -> Result<Option<GroupRow>> {
    Ok(conn.query_row(&format!("SELECT {GROUP_COLUMNS} FROM groups WHERE id = ?1"), [id], group_row).optional()?)
}

pub fn group_by_username(conn: &Connection, username: &str) -> Result<Option<GroupRow>> {
    Ok(conn
        .query_row(&format!("SELECT {GROUP_COLUMNS} FROM groups WHERE username = ?1"), [username], group_row)
        .optional()?)
}

/// Registers a group: its row, its username's claim, its founder as administrator.
pub fn register(
    conn: &Connection,
    id: &str,
    username: &str,
    account: &str,
    founder: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    conn.execute(
        "INSERT INTO groups (id, username, founded_by, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![id, username, account, now.timestamp_millis()],
    )?;
    conn.execute(
        "INSERT INTO username_claims (username, account_id, identity_id, group_id) VALUES (?1, ?2, NULL, ?3)",
        params![username, account, id],
    )?;
    put_member(conn, id, founder, account, MemberState::Member(GroupRole::Administrator), "", now)?;
    // Its document is the group's from now on (owned by the founder's account for its quota).
    conn.execute(
        "INSERT INTO sync_documents (id, owner, group_id) VALUES (?1, ?2, ?1)
         ON CONFLICT (id) DO UPDATE SET owner = coalesce(sync_documents.owner, excluded.owner), group_id = ?1",
        params![id, account],
    )?;
    Ok(())
}

/// Who first claimed a username, and whether it is a group's.
pub fn username_claim(conn: &Connection, username: &str) -> Result<Option<(String, Option<String>)>> {
    Ok(conn
        .query_row("SELECT account_id, group_id FROM username_claims WHERE username = ?1", [username], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?)
}

/// The account that owns a stored document, if any.
pub fn document_owner(conn: &Connection, id: &str) -> Result<Option<Option<String>>> {
    Ok(conn.query_row("SELECT owner FROM sync_documents WHERE id = ?1", [id], |r| r.get(0)).optional()?)
}

/// An identity of `account`, as the relay has it (synced and shown).
pub fn is_identity_of(conn: &Connection, identity: &str, account: &str) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM identities i JOIN sync_documents d ON d.id = i.id WHERE i.id = ?1 AND d.owner = ?2",
            params![identity, account],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// The identity that uses a username now, with its account.
pub fn identity_by_username(conn: &Connection, username: &str) -> Result<Option<(String, String)>> {
    Ok(conn
        .query_row(
            "SELECT identity_id, account_id FROM username_claims
             WHERE username = ?1 AND identity_id IS NOT NULL AND group_id IS NULL",
            [username],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

pub fn state(conn: &Connection, group: &str, identity: &str) -> Result<Option<MemberState>> {
    let row: Option<(String, Option<String>)> = conn
        .query_row(
            "SELECT state, role FROM group_members WHERE group_id = ?1 AND identity_id = ?2",
            params![group, identity],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(row.and_then(|(state, role)| state_of_columns(&state, role.as_deref())))
}

/// Where an account stands in a group: its best-placed identity, and that identity's state.
pub fn account_state(conn: &Connection, group: &str, account: &str) -> Result<Option<(String, MemberState)>> {
    let mut stmt = conn
        .prepare_cached("SELECT identity_id, state, role FROM group_members WHERE group_id = ?1 AND account_id = ?2")?;
    let rows = stmt
        .query_map(params![group, account], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<Vec<(String, String, Option<String>)>>>()?;
    Ok(rows
        .into_iter()
        .filter_map(|(identity, state, role)| state_of_columns(&state, role.as_deref()).map(|s| (identity, s)))
        .min_by_key(|(_, state)| rank(*state)))
}

pub fn administrators(conn: &Connection, group: &str) -> Result<usize> {
    let count: i64 = conn.query_row(
        "SELECT count(*) FROM group_members WHERE group_id = ?1 AND state = 'member' AND role = 'administrator'",
        [group],
        |r| r.get(0),
    )?;
    Ok(usize::try_from(count).unwrap_or(0))
}

pub fn put_member(
    conn: &Connection,
    group: &str,
    identity: &str,
    account: &str,
    state: MemberState,
    message: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let (state, role) = state_columns(state);
    conn.execute(
        "INSERT INTO group_members (group_id, identity_id, account_id, state, role, message, since)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (group_id, identity_id) DO UPDATE SET state = excluded.state, role = excluded.role,
             message = CASE WHEN excluded.message = '' THEN message ELSE excluded.message END,
             since = excluded.since",
        params![group, identity, account, state, role, message, now.timestamp_millis()],
    )?;
    Ok(())
}

pub fn remove_member(conn: &Connection, group: &str, identity: &str) -> Result<()> {
    conn.execute("DELETE FROM group_members WHERE group_id = ?1 AND identity_id = ?2", params![group, identity])?;
    Ok(())
}

/// The account of an identity in a group.
pub fn member_account(conn: &Connection, group: &str, identity: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT account_id FROM group_members WHERE group_id = ?1 AND identity_id = ?2",
            params![group, identity],
            |r| r.get(0),
        )
        .optional()?)
}

/// Each member account's best role in a group: what access reads.
pub fn roles(conn: &Connection, group: &str) -> Result<HashMap<String, GroupRole>> {
    let mut stmt =
        conn.prepare_cached("SELECT account_id, role FROM group_members WHERE group_id = ?1 AND state = 'member'")?;
    let rows = stmt.query_map([group], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?)))?;
    let mut best: HashMap<String, GroupRole> = HashMap::new();
    for row in rows {
        let (account, role) = row?;
        if let Some(role) = role.as_deref().and_then(GroupRole::parse) {
            let entry = best.entry(account).or_insert(role);
            *entry = (*entry).min(role);
        }
    }
    Ok(best)
}

pub fn group_ids(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT id FROM groups")?;
    let ids = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

/// The groups an account's identities are in (or invited to, or asked to join), one row per group.
pub fn of_account(conn: &Connection, account: &str) -> Result<Vec<MyGroup>> {
    let ids: Vec<String> = conn
        .prepare_cached("SELECT DISTINCT group_id FROM group_members WHERE account_id = ?1 ORDER BY group_id")?
        .query_map([account], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for id in ids {
        let (Some(group), Some((identity_id, state))) = (group(conn, &id)?, account_state(conn, &id, account)?) else {
            continue;
        };
        let documents = match state.role() {
            Some(role) => documents(conn, &id, role.edits_events())?,
            None => Vec::new(),
        };
        out.push(MyGroup { group_id: id, username: group.username, name: group.name, identity_id, state, documents });
    }
    Ok(out)
}

/// A group's documents a member syncs: its own, and its events (drafts only for its editors).
fn documents(conn: &Connection, group: &str, drafts: bool) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM sync_documents WHERE group_id = ?1 AND (draft IS NOT 1 OR ?2) ORDER BY id = ?1 DESC, id",
    )?;
    let ids = stmt.query_map(params![group, drafts], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

/// A group's members, invitations and requests, with their identities' names.
pub fn members(conn: &Connection, group: &str) -> Result<Vec<Member>> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.identity_id, coalesce(i.username, ''), coalesce(i.display_name, ''), m.state, m.role, m.message,
             m.since
         FROM group_members m LEFT JOIN identities i ON i.id = m.identity_id
         WHERE m.group_id = ?1 ORDER BY m.state, m.role, i.username",
    )?;
    let rows = stmt.query_map([group], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, i64>(6)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (identity_id, username, display_name, state, role, message, since) = row?;
        if let Some(state) = state_of_columns(&state, role.as_deref()) {
            out.push(Member { identity_id, username, display_name, state, message, since: at(since) });
        }
    }
    Ok(out)
}

/// The mail addresses of a group's administrators' accounts.
pub fn administrator_emails(conn: &Connection, group: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT a.email FROM group_members m JOIN accounts a ON a.id = m.account_id
         WHERE m.group_id = ?1 AND m.state = 'member' AND m.role = 'administrator'",
    )?;
    let emails = stmt.query_map([group], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    Ok(emails)
}

pub fn account_email(conn: &Connection, account: &str) -> Result<Option<String>> {
    Ok(conn.query_row("SELECT email FROM accounts WHERE id = ?1", [account], |r| r.get(0)).optional()?)
}

/// The identities' names, for letters: "Ana (@ana)".
pub fn identity_name(conn: &Connection, identity: &str) -> Result<String> {
    let found: Option<(String, String)> = conn
        .query_row("SELECT username, display_name FROM identities WHERE id = ?1", [identity], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    Ok(match found {
        Some((username, name)) if !name.is_empty() && name != username => format!("{name} (@{username})"),
        Some((username, _)) => format!("@{username}"),
        None => "someone".to_string(),
    })
}

/// Unregisters a group: its members and its row go; its username stays claimed (nobody may pose as
/// it later); its documents stay stored, read by nobody but what was published for all.
pub fn unregister(conn: &Connection, group: &str) -> Result<()> {
    conn.execute("DELETE FROM group_members WHERE group_id = ?1", [group])?;
    conn.execute("DELETE FROM groups WHERE id = ?1", [group])?;
    Ok(())
}
