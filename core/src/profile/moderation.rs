//! A moderator's desk on this device: read offline as the relay last said it; steps taken here wait
//! in line until the next sync sends them (`rally_client::moderation::refresh`).

use super::Profile;
use crate::model::{ModerationDesk, ModerationStep};
use crate::store::moderation;
use crate::{Error, Result};

/// The longest note or reason a step carries (the relay says the same).
const MAX_TEXT: usize = 5_000;

impl Profile {
    /// The desk as kept, with the steps waiting to be sent.
    pub fn moderation_desk(&self) -> Result<ModerationDesk> {
        moderation::desk(self.store.conn())
    }

    /// Keeps what the relay said (the steps waiting stay).
    pub fn set_moderation_desk(&mut self, desk: &ModerationDesk) -> Result<()> {
        self.store.write(|tx| moderation::put_desk(tx, desk))
    }

    /// Queues a step taken here, checked as the relay would: something to say, not too long.
    pub fn queue_moderation(&mut self, step: &ModerationStep) -> Result<()> {
        let text = match step {
            ModerationStep::Measure(m) => &m.reason,
            ModerationStep::Note { text, .. } => text,
            ModerationStep::State { change, .. } => &change.reason,
        };
        if text.trim().is_empty() && !matches!(step, ModerationStep::State { .. }) {
            return Err(Error::invalid("reason", "say why: the author and the other moderators read it"));
        }
        if text.chars().count() > MAX_TEXT {
            return Err(Error::invalid("reason", format!("at most {MAX_TEXT} characters")));
        }
        self.store.write(|tx| moderation::push_step(tx, step))
    }

    /// The steps waiting, oldest first, each with its place in line (for [`Profile::moderation_step_done`]).
    pub fn moderation_steps(&self) -> Result<Vec<(i64, ModerationStep)>> {
        moderation::steps(self.store.conn())
    }

    /// A step the relay answered: applied, or refused with why (kept to show).
    pub fn moderation_step_done(&mut self, id: i64, refused: Option<String>) -> Result<()> {
        self.store.write(|tx| {
            moderation::remove_step(tx, id)?;
            if let Some(why) = refused {
                let mut desk = moderation::desk(tx)?;
                desk.not_applied.push(why);
                moderation::put_desk(tx, &desk)?;
            }
            Ok(())
        })
    }
}
