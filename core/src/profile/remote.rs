//! Other servers, as the relay last told this profile's account: whom its identities follow, the
//! followed people's events (in the calendar, marked remote) and where its identities stand with them.

use std::collections::HashMap;

use super::Profile;
use crate::model::{FederationSnapshot, Follow, ParticipationStatus, RemoteParticipation, RemoteParticipationStatus};
use crate::store::remote;
use crate::Result;

impl Profile {
    /// Keeps what the relay says this account has of other servers.
    pub fn set_federation(&mut self, all: &FederationSnapshot) -> Result<()> {
        self.store.write(|tx| remote::replace(tx, all))
    }

    /// Everything kept of other servers, as the relay last said (shown offline).
    pub fn federation_kept(&self) -> Result<FederationSnapshot> {
        remote::kept(self.store.conn())
    }

    /// Keeps a follow the relay just answered with, until the next refresh.
    pub fn put_follow(&mut self, follow: &Follow) -> Result<()> {
        self.store.write(|tx| remote::put_follow(tx, follow))
    }

    /// Keeps a join or leave of another server's event the relay just answered with.
    pub fn put_remote_participation(&mut self, p: &RemoteParticipation) -> Result<()> {
        self.store.write(|tx| remote::put_participation(tx, p))
    }

    /// Where this profile's identities stand with other servers' events, by event: the best standing
    /// of any of them (going before asked).
    pub(super) fn remote_standing(&self) -> Result<HashMap<String, ParticipationStatus>> {
        let mut standing = HashMap::new();
        for p in remote::kept(self.store.conn())?.participations {
            let status = match p.status {
                RemoteParticipationStatus::Going => ParticipationStatus::Going,
                RemoteParticipationStatus::Requested => ParticipationStatus::Pending,
                RemoteParticipationStatus::Refused | RemoteParticipationStatus::Left => continue,
            };
            let best = standing.entry(p.event_id).or_insert(status);
            if status == ParticipationStatus::Going {
                *best = status;
            }
        }
        Ok(standing)
    }
}
