//! What follows from a document's change, inside the transaction sync commits it in: sync hands over
//! one [`DocumentChanged`] and knows nothing of what is derived from it.
//!
//! - [`public_tables`]: what pages, feeds and invitations show, checked and vetted, and what is withheld.
//! - [`news`]: changes participants of an event are mailed about.
//! - the federation outbox ([`crate::federation::outbox::record`]): activities for other servers.

pub mod news;
pub mod public_tables;

use std::sync::{Arc, Mutex};

use rally_core::model::{UsernameAvailability, WithheldDocument};
use rusqlite::{Connection, OptionalExtension, Transaction};

use crate::federation::Urls;
use crate::sync::store::stored_document;
use crate::sync::view::{document_view, DocumentChanged, DocumentView, Projection};
use crate::{Error, Result};

pub struct Projections {
    db: Arc<Mutex<Connection>>,
    /// Where the relay's pages are, for the links in feeds.
    public_url: Arc<str>,
    /// Where our actors are, when federation is on.
    federation: Option<Urls>,
}

impl Projection for Projections {
    fn document_changed(&self, tx: &Transaction, change: &DocumentChanged) -> Result<()> {
        let (recorded, identity_of) = public_tables::record(tx, &self.public_url, &change.id, &change.after)?;
        news::record(tx, change)?;
        if let Some(urls) = &self.federation {
            crate::federation::outbox::record(tx, urls, change, recorded)?;
            crate::federation::outbox::record_actor(tx, urls, change)?;
        }
        // Events that waited for their organizer's identity are shown now if it is theirs.
        if let Some(account) = identity_of {
            for id in public_tables::waiting_for_organizer(tx, &account)? {
                // A stored document that no longer loads stays withheld, as it was.
                if let Ok(Some((doc, _))) = stored_document(tx, &id) {
                    let view = document_view(&doc, &id);
                    if matches!(view, DocumentView::Event(..)) {
                        self.document_changed(tx, &DocumentChanged { id, before: view.clone(), after: view })?;
                    }
                }
            }
        }
        Ok(())
    }
}

impl Projections {
    /// `federation`: where our actors are, if changes are federated.
    pub fn new(db: Arc<Mutex<Connection>>, public_url: &str, federation: Option<Urls>) -> Projections {
        Projections { db, public_url: public_url.into(), federation }
    }

    /// Derives the public tables from every stored document, once per
    /// [`public_tables::PUBLIC_INDEX_VERSION`] and public URL (a relay upgraded with documents already
    /// on disk, or moved). Nothing is news here: nobody is mailed, nothing is federated.
    pub async fn ensure_built(&self) -> Result<()> {
        let (db, public_url) = (self.db.clone(), self.public_url.clone());
        tokio::task::spawn_blocking(move || {
            let mut conn = crate::lock(&db);
            let stamp = public_tables::public_index_stamp(&public_url);
            let built: Option<String> =
                conn.query_row("SELECT value FROM meta WHERE key = 'public_index'", [], |r| r.get(0)).optional()?;
            if built.as_deref() == Some(stamp.as_str()) {
                return Ok(());
            }
            let tx = conn.transaction()?;
            tx.execute("DELETE FROM public_events", [])?;
            tx.execute("DELETE FROM public_images", [])?;
            let ids: Vec<String> = tx
                .prepare(
                    "SELECT DISTINCT substr(key, 1, instr(key, '/') - 1) FROM sync_storage WHERE instr(key, '/') > 0",
                )?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            // Identities first, so that events find their organizers.
            for identities in [true, false] {
                for id in &ids {
                    // A document that does not load is skipped here, as it is everywhere else.
                    if let Ok(Some((doc, _))) = stored_document(&tx, id) {
                        let view = document_view(&doc, id);
                        if matches!(view, DocumentView::Identity(..)) == identities {
                            public_tables::record(&tx, &public_url, id, &view)?;
                        }
                    }
                }
            }
            public_tables::bump(&tx, "instance")?;
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('public_index', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [&stamp],
            )?;
            Ok(tx.commit()?)
        })
        .await
        .map_err(|e| Error::Protocol(format!("building the public tables: {e}")))?
    }

    /// The account's documents that pages do not show, and why.
    pub fn withheld(&self, account_id: &str) -> Result<Vec<WithheldDocument>> {
        public_tables::withheld(&crate::lock(&self.db), account_id)
    }

    /// Whether `account_id` may use a username here: free, or already its own.
    pub fn username_availability(&self, account_id: &str, name: &str) -> Result<UsernameAvailability> {
        let username =
            rally_core::validate::username(name).map_err(|e| Error::bad_request("invalid_username", e.to_string()))?;
        let claimed_by = public_tables::username_claim(&crate::lock(&self.db), &username)?;
        let available = claimed_by.is_none_or(|account| account == account_id);
        Ok(UsernameAvailability { username, available })
    }
}
