//! Who may do what in moderation, with no database. Every refusal has a code and names the problem.

use rally_core::model::InstanceRole;

use crate::Error;

fn forbidden(code: &'static str, message: &str) -> Error {
    Error::Forbidden { code, message: message.into() }
}

/// Reports, content and accounts are moderators' (and administrators').
pub fn may_moderate(acting: InstanceRole) -> Result<(), Error> {
    match acting {
        InstanceRole::Moderator | InstanceRole::Administrator => Ok(()),
        InstanceRole::User => Err(forbidden("not_moderator", "only the relay's moderators do that")),
    }
}

/// Roles are administrators' to give; the relay keeps at least one administrator (its machine can
/// always make one: `rally-server admin grant`).
pub fn may_grant(
    acting: InstanceRole,
    target_now: InstanceRole,
    role: InstanceRole,
    administrators: usize,
) -> Result<(), Error> {
    if acting != InstanceRole::Administrator {
        return Err(forbidden("not_administrator", "only the relay's administrators give and take back roles"));
    }
    if target_now == InstanceRole::Administrator && role != InstanceRole::Administrator && administrators <= 1 {
        return Err(Error::Conflict {
            code: "last_administrator",
            message: "the relay's last administrator stays one: make another first".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use InstanceRole::*;

    fn code(r: Result<(), Error>) -> Option<&'static str> {
        match r {
            Ok(()) => None,
            Err(Error::Forbidden { code, .. } | Error::Conflict { code, .. }) => Some(code),
            Err(other) => panic!("{other}"),
        }
    }

    #[test]
    fn moderators_moderate_and_only_administrators_give_roles() {
        assert_eq!(code(may_moderate(User)), Some("not_moderator"));
        assert_eq!(code(may_moderate(Moderator)), None);
        assert_eq!(code(may_moderate(Administrator)), None);
        for acting in [User, Moderator] {
            assert_eq!(code(may_grant(acting, User, Moderator, 1)), Some("not_administrator"), "{acting:?}");
        }
        assert_eq!(code(may_grant(Administrator, User, Administrator, 1)), None);
        assert_eq!(code(may_grant(Administrator, Administrator, Moderator, 1)), Some("last_administrator"));
        assert_eq!(code(may_grant(Administrator, Administrator, User, 2)), None);
    }
}
