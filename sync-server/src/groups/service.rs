//! The group calls: each checks who acts with [`super::rules`], changes `group_members` and queues
//! its mail in one transaction, then records the group's roles where access reads them, so that a
//! change applies to open sync connections at once.

use std::sync::{Arc, Mutex, MutexGuard};

use chrono::Utc;
use rally_core::model::{CreateGroup, GroupJoin, GroupSummary, Member, MemberAction, MemberState, MyGroup, Visibility};
use rusqlite::{Connection, Transaction};

use super::store::{self, GroupRow};
use super::{letters, rules};
use crate::notify::Notifications;
use crate::sync::access::Roles;
use crate::sync::store::stored_document;
use crate::sync::view::{document_view, DocumentChanged, Projection};
use crate::{Error, Result};

/// The longest message a request to join carries.
pub const MAX_MESSAGE: usize = 2_000;

pub struct GroupService {
    db: Arc<Mutex<Connection>>,
    notify: Arc<Notifications>,
    roles: Arc<Roles>,
    projection: Arc<dyn Projection>,
}

fn unknown_group(id: &str) -> Error {
    Error::Unknown { code: "unknown_group", message: format!("no group {id} on this relay") }
}

fn not_your_identity(id: &str) -> Error {
    Error::Forbidden {
        code: "not_your_identity",
        message: format!("{id} is no identity of this account here (sync it first)"),
    }
}

impl GroupService {
    /// Starts the service and reads every group's roles into `roles`.
    pub fn new(
        db: Arc<Mutex<Connection>>,
        notify: Arc<Notifications>,
        roles: Arc<Roles>,
        projection: Arc<dyn Projection>,
    ) -> Result<Self> {
        {
            let conn = crate::lock(&db);
            for group in store::group_ids(&conn)? {
                roles.set_group(&group, store::roles(&conn, &group)?);
            }
        }
        Ok(GroupService { db, notify, roles, projection })
    }

    fn db(&self) -> MutexGuard<'_, Connection> {
        crate::lock(&self.db)
    }

    /// Runs `f` in a transaction; then records the roles of `group` for access and wakes the mail worker.
    fn write<T>(&self, group: &str, f: impl FnOnce(&Transaction) -> Result<T>) -> Result<T> {
        let mut db = self.db();
        let tx = db.transaction()?;
        let out = f(&tx)?;
        let roles = store::roles(&tx, group)?;
        tx.commit()?;
        self.roles.set_group(group, roles);
        drop(db);
        self.notify.wake();
        Ok(out)
    }

    fn group(conn: &Connection, id: &str) -> Result<GroupRow> {
        store::group(conn, id)?.ok_or_else(|| unknown_group(id))
    }

    fn acting(conn: &Connection, group: &str, account: &str) -> Result<Option<MemberState>> {
        Ok(store::account_state(conn, group, account)?.map(|(_, state)| state))
    }

    fn mine(conn: &Connection, account: &str, group: &str) -> Result<MyGroup> {
        store::of_account(conn, account)?.into_iter().find(|g| g.group_id == group).ok_or_else(|| unknown_group(group))
    }

    /// Registers a group whose document a device made: claims its `@username` (unique across
    /// identities and groups), makes the founding identity its administrator, and makes its document
    /// the group's. The caller then tells the sync hub ([`crate::sync::SyncHub::tie_to_group`]).
    pub fn create(&self, account: &str, request: &CreateGroup) -> Result<MyGroup> {
        let username = rally_core::validate::username(&request.username)
            .map_err(|e| Error::bad_request("invalid_username", e.to_string()))?;
        if !rally_core::document::is_id(&request.group_id) {
            return Err(Error::bad_request("invalid_group", format!("\"{}\" is not a document id", request.group_id)));
        }
        let id = request.group_id.clone();
        self.write(&id, |tx| {
            if !store::is_identity_of(tx, &request.identity_id, account)? {
                return Err(not_your_identity(&request.identity_id));
            }
            if store::username_claim(tx, &username)?.is_some() {
                return Err(Error::Conflict {
                    code: "username_taken",
                    message: format!("@{username} is already taken on this relay: choose another"),
                });
            }
            if store::group(tx, &id)?.is_some() {
                return Err(Error::Conflict {
                    code: "group_exists",
                    message: "that group is already registered".into(),
                });
            }
            if let Some(Some(owner)) = store::document_owner(tx, &id)? {
                if owner != account {
                    return Err(Error::Forbidden {
                        code: "not_your_document",
                        message: "that document is another account's".into(),
                    });
                }
            }
            store::register(tx, &id, &username, account, &request.identity_id, Utc::now())?;
            // Its document may have arrived first: shown now that it is registered.
            if let Ok(Some((doc, _))) = stored_document(tx, &id) {
                let view = document_view(&doc, &id);
                let change = DocumentChanged { id: id.clone(), before: view.clone(), after: view };
                self.projection.document_changed(tx, &change)?;
            }
            Self::mine(tx, account, &id)
        })
    }

    /// The account's groups, invitations and requests.
    pub fn of_account(&self, account: &str) -> Result<Vec<MyGroup>> {
        store::of_account(&self.db(), account)
    }

    /// A group by `@username`, for anyone who has its name: public and unlisted groups only.
    pub fn find(&self, username: &str) -> Result<GroupSummary> {
        let username = username.trim().trim_start_matches('@');
        let conn = self.db();
        match store::group_by_username(&conn, username)? {
            Some(g) if g.visibility != Visibility::Private && !g.name.is_empty() => {
                Ok(GroupSummary { group_id: g.id, username: g.username, name: g.name, openness: g.openness })
            }
            _ => Err(Error::Unknown { code: "unknown_group", message: format!("no group @{username} on this relay") }),
        }
    }

    /// Joins an open group, asks to join a moderated one, or accepts an invitation.
    pub fn join(&self, account: &str, group: &str, request: &GroupJoin) -> Result<MyGroup> {
        let message = request.message.trim();
        if message.chars().count() > MAX_MESSAGE {
            return Err(Error::bad_request("invalid_message", format!("message: at most {MAX_MESSAGE} characters")));
        }
        self.write(group, |tx| {
            let g = Self::group(tx, group)?;
            if !store::is_identity_of(tx, &request.identity_id, account)? {
                return Err(not_your_identity(&request.identity_id));
            }
            let now = store::state(tx, group, &request.identity_id)?;
            let next = rules::join(g.openness, now)?;
            let at = Utc::now();
            store::put_member(tx, group, &request.identity_id, account, next, message, at)?;
            if next == MemberState::Requested {
                letters::requests(tx, self.notify.links(), &g, self.notify.timing().digest_delay, at)?;
            }
            Self::mine(tx, account, group)
        })
    }

    /// Leaves a group, declines an invitation or takes back a request.
    pub fn leave(&self, account: &str, group: &str, identity: &str) -> Result<()> {
        self.write(group, |tx| {
            Self::group(tx, group)?;
            if !store::is_identity_of(tx, identity, account)? {
                return Err(not_your_identity(identity));
            }
            let now = store::state(tx, group, identity)?;
            rules::leave(now, store::administrators(tx, group)?)?;
            store::remove_member(tx, group, identity)
        })
    }

    /// An administrator invites someone by username.
    pub fn invite(&self, account: &str, group: &str, username: &str) -> Result<Member> {
        let username = username.trim().trim_start_matches('@').to_string();
        self.write(group, |tx| {
            let g = Self::group(tx, group)?;
            let acting = store::account_state(tx, group, account)?;
            rules::may_manage(acting.as_ref().map(|(_, s)| *s))?;
            let Some((identity, invited_account)) = store::identity_by_username(tx, &username)? else {
                return Err(Error::Unknown {
                    code: "unknown_username",
                    message: format!("nobody is @{username} on this relay"),
                });
            };
            let state = rules::invite(acting.as_ref().map(|(_, s)| *s), store::state(tx, group, &identity)?)?;
            store::put_member(tx, group, &identity, &invited_account, state, "", Utc::now())?;
            if state == MemberState::Invited {
                let by = acting.map(|(by, _)| by).unwrap_or_default();
                letters::invitation(tx, self.notify.links(), &g, &by, &identity, &invited_account)?;
            }
            store::members(tx, group)?
                .into_iter()
                .find(|m| m.identity_id == identity)
                .ok_or_else(|| Error::Config("an invitation that vanished".into()))
        })
    }

    /// A group's members: everyone in it sees the members; administrators also see invitations and
    /// requests with their messages.
    pub fn members(&self, account: &str, group: &str) -> Result<Vec<Member>> {
        let conn = self.db();
        Self::group(&conn, group)?;
        let acting = Self::acting(&conn, group, account)?;
        let Some(role) = acting.and_then(MemberState::role) else {
            return Err(Error::Forbidden {
                code: "not_a_member",
                message: "only the group's members see its members".into(),
            });
        };
        let all = store::members(&conn, group)?;
        Ok(if role.manages_members() { all } else { all.into_iter().filter(|m| m.state.role().is_some()).collect() })
    }

    /// An administrator approves or refuses a request, changes a role, or removes someone.
    pub fn act(&self, account: &str, group: &str, identity: &str, action: MemberAction) -> Result<Vec<Member>> {
        self.write(group, |tx| {
            let g = Self::group(tx, group)?;
            let acting = Self::acting(tx, group, account)?;
            let target = store::state(tx, group, identity)?;
            let administrators = store::administrators(tx, group)?;
            let target_account = store::member_account(tx, group, identity)?;
            let now = Utc::now();
            match action {
                MemberAction::Approve | MemberAction::Refuse => {
                    let approve = action == MemberAction::Approve;
                    match rules::answer_request(acting, target, approve)? {
                        Some(state) => store::put_member(
                            tx,
                            group,
                            identity,
                            target_account.as_deref().unwrap_or(""),
                            state,
                            "",
                            now,
                        )?,
                        None => store::remove_member(tx, group, identity)?,
                    }
                    if let Some(account) = &target_account {
                        letters::answer(tx, self.notify.links(), &g, identity, account, approve)?;
                    }
                }
                MemberAction::Role(role) => {
                    let state = rules::change_role(acting, target, role, administrators)?;
                    store::put_member(tx, group, identity, target_account.as_deref().unwrap_or(""), state, "", now)?;
                }
                MemberAction::Remove => {
                    rules::remove(acting, target, administrators)?;
                    store::remove_member(tx, group, identity)?;
                }
            }
            store::members(tx, group)
        })
    }

    /// An administrator deletes the group: nobody is in it any more, its page goes; its username
    /// stays claimed.
    pub fn delete(&self, account: &str, group: &str) -> Result<()> {
        self.write(group, |tx| {
            Self::group(tx, group)?;
            rules::may_manage(Self::acting(tx, group, account)?)?;
            store::unregister(tx, group)
        })
    }

    /// Before an account is deleted: it leaves its groups (their roles recorded again).
    pub fn withdraw_account(&self, account: &str) -> Result<()> {
        let groups: Vec<String> = store::of_account(&self.db(), account)?.into_iter().map(|g| g.group_id).collect();
        for group in groups {
            self.write(&group, |tx| {
                tx.execute("DELETE FROM group_members WHERE group_id = ?1 AND account_id = ?2", [&group, account])?;
                Ok(())
            })?;
        }
        Ok(())
    }
}
