//! The rules of group membership, with no database: who may join and how, who manages members, and
//! what keeps a group administered. Every refusal has a code and names the problem.

use rally_core::model::{GroupOpenness, GroupRole, MemberState};

use crate::Error;

fn forbidden(code: &'static str, message: impl Into<String>) -> Error {
    Error::Forbidden { code, message: message.into() }
}

fn conflict(code: &'static str, message: impl Into<String>) -> Error {
    Error::Conflict { code, message: message.into() }
}

/// Where an identity stands after asking to join a group where it stands at `now` (`None`: nowhere).
/// An open group takes it at once; a moderated one records the request; an invitation-only one takes
/// only those invited, and accepting an invitation is joining.
pub fn join(openness: GroupOpenness, now: Option<MemberState>) -> Result<MemberState, Error> {
    match (now, openness) {
        (Some(MemberState::Member(_)), _) => Err(conflict("already_member", "already a member of the group")),
        (Some(MemberState::Requested), _) => Err(conflict("already_requested", "the request is already sent")),
        (Some(MemberState::Invited), _) | (None, GroupOpenness::Open) => Ok(MemberState::Member(GroupRole::Member)),
        (None, GroupOpenness::Moderated) => Ok(MemberState::Requested),
        (None, GroupOpenness::InviteOnly) => {
            Err(forbidden("invitation_required", "only people an administrator invites join this group"))
        }
    }
}

/// Members, requests, roles and settings are an administrator's.
pub fn may_manage(acting: Option<MemberState>) -> Result<(), Error> {
    match acting.and_then(MemberState::role) {
        Some(role) if role.manages_members() => Ok(()),
        _ => Err(forbidden("not_group_administrator", "only the group's administrators do that")),
    }
}

/// An administrator invites someone who is not in the group yet.
pub fn invite(acting: Option<MemberState>, invited: Option<MemberState>) -> Result<MemberState, Error> {
    may_manage(acting)?;
    match invited {
        None => Ok(MemberState::Invited),
        // Someone who asked is simply let in.
        Some(MemberState::Requested) => Ok(MemberState::Member(GroupRole::Member)),
        Some(MemberState::Invited) => Err(conflict("already_invited", "already invited")),
        Some(MemberState::Member(_)) => Err(conflict("already_member", "already a member of the group")),
    }
}

/// An administrator answers a request: approved, a member; refused, nothing.
pub fn answer_request(
    acting: Option<MemberState>,
    requester: Option<MemberState>,
    approve: bool,
) -> Result<Option<MemberState>, Error> {
    may_manage(acting)?;
    match requester {
        Some(MemberState::Requested) => Ok(approve.then_some(MemberState::Member(GroupRole::Member))),
        // Another administrator answered first (or the request was taken back): the first word stands.
        Some(_) => Err(conflict("already_answered", "that request was already answered")),
        None => Err(conflict("no_request", "there is no such request (taken back, or refused already)")),
    }
}

/// A group keeps at least one administrator: the last one may not leave, be demoted or be removed.
fn keeps_an_administrator(target: Option<MemberState>, administrators: usize) -> Result<(), Error> {
    if target.and_then(MemberState::role) == Some(GroupRole::Administrator) && administrators <= 1 {
        return Err(conflict(
            "last_administrator",
            "the group's last administrator: make another member administrator first",
        ));
    }
    Ok(())
}

/// An administrator gives a member another role.
pub fn change_role(
    acting: Option<MemberState>,
    target: Option<MemberState>,
    role: GroupRole,
    administrators: usize,
) -> Result<MemberState, Error> {
    may_manage(acting)?;
    if target.and_then(MemberState::role).is_none() {
        return Err(conflict("not_a_member", "only members have a role"));
    }
    if role != GroupRole::Administrator {
        keeps_an_administrator(target, administrators)?;
    }
    Ok(MemberState::Member(role))
}

/// An administrator removes a member, an invitation or a request.
pub fn remove(acting: Option<MemberState>, target: Option<MemberState>, administrators: usize) -> Result<(), Error> {
    may_manage(acting)?;
    if target.is_none() {
        return Err(Error::NotFound);
    }
    keeps_an_administrator(target, administrators)
}

/// A member leaves (or declines an invitation, or takes back a request).
pub fn leave(now: Option<MemberState>, administrators: usize) -> Result<(), Error> {
    if now.is_none() {
        return Err(conflict("not_a_member", "not in the group"));
    }
    keeps_an_administrator(now, administrators)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADMIN: Option<MemberState> = Some(MemberState::Member(GroupRole::Administrator));
    const MODERATOR: Option<MemberState> = Some(MemberState::Member(GroupRole::Moderator));
    const MEMBER: Option<MemberState> = Some(MemberState::Member(GroupRole::Member));

    fn code(err: Error) -> &'static str {
        match err {
            Error::Forbidden { code, .. } | Error::Conflict { code, .. } => code,
            Error::NotFound => "not_found",
            other => panic!("{other}"),
        }
    }

    #[test]
    fn openness_decides_how_one_comes_in() {
        assert_eq!(join(GroupOpenness::Open, None).ok(), MEMBER);
        assert_eq!(join(GroupOpenness::Moderated, None).ok(), Some(MemberState::Requested));
        assert_eq!(code(join(GroupOpenness::InviteOnly, None).expect_err("refused")), "invitation_required");
        assert_eq!(join(GroupOpenness::InviteOnly, Some(MemberState::Invited)).ok(), MEMBER);
        assert_eq!(code(join(GroupOpenness::Open, MEMBER).expect_err("twice")), "already_member");
        assert_eq!(
            code(join(GroupOpenness::Moderated, Some(MemberState::Requested)).expect_err("twice")),
            "already_requested"
        );
    }

    #[test]
    fn only_administrators_manage() {
        for acting in [MODERATOR, MEMBER, Some(MemberState::Invited), None] {
            assert_eq!(code(invite(acting, None).expect_err("refused")), "not_group_administrator");
            assert_eq!(
                code(answer_request(acting, Some(MemberState::Requested), true).expect_err("refused")),
                "not_group_administrator"
            );
            assert_eq!(
                code(change_role(acting, MEMBER, GroupRole::Moderator, 1).expect_err("refused")),
                "not_group_administrator"
            );
            assert_eq!(code(remove(acting, MEMBER, 1).expect_err("refused")), "not_group_administrator");
        }
        assert_eq!(invite(ADMIN, None).ok(), Some(MemberState::Invited));
        assert_eq!(invite(ADMIN, Some(MemberState::Requested)).ok(), MEMBER);
        assert_eq!(answer_request(ADMIN, Some(MemberState::Requested), true).ok(), Some(MEMBER));
        assert_eq!(answer_request(ADMIN, Some(MemberState::Requested), false).ok(), Some(None));
        assert_eq!(code(answer_request(ADMIN, MEMBER, true).expect_err("answered")), "already_answered");
        assert_eq!(code(answer_request(ADMIN, None, false).expect_err("no request")), "no_request");
    }

    #[test]
    fn a_group_keeps_an_administrator() {
        assert_eq!(code(leave(ADMIN, 1).expect_err("last")), "last_administrator");
        assert_eq!(code(change_role(ADMIN, ADMIN, GroupRole::Member, 1).expect_err("last")), "last_administrator");
        assert_eq!(code(remove(ADMIN, ADMIN, 1).expect_err("last")), "last_administrator");
        assert!(leave(ADMIN, 2).is_ok() && leave(MEMBER, 1).is_ok());
        assert_eq!(change_role(ADMIN, MEMBER, GroupRole::Administrator, 1).ok(), ADMIN);
        assert_eq!(change_role(ADMIN, ADMIN, GroupRole::Moderator, 2).ok(), MODERATOR);
        assert_eq!(
            code(change_role(ADMIN, Some(MemberState::Invited), GroupRole::Moderator, 1).expect_err("no role")),
            "not_a_member"
        );
        assert_eq!(code(leave(None, 1).expect_err("nowhere")), "not_a_member");
    }
}
