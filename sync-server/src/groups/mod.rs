//! Groups (issue 12, in progress): the relay is the authority on membership, as it is on
//! participation. So far only the rules, with no database ([`rules`]); the service, the access by role
//! and the HTTP calls come next.

pub mod rules;
