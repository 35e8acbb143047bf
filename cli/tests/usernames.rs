//! A username belongs to the account that first used it on the relay (issue 10): the CLI refuses
//! another account's username when the relay answers, and an identity made offline with one is
//! reported after sync as not shown, with why. Run inside scripts/with-keyring.sh, like account.rs.

mod common;

use common::{logged_in, ok, refused, relay};

#[test]
fn another_accounts_username_is_refused_online_and_reported_after_an_offline_clash() {
    let relay = relay();
    let (carol, mallory) = (tempfile::tempdir().expect("tempdir"), tempfile::tempdir().expect("tempdir"));
    logged_in(&relay, carol.path(), "carol@example.org");
    ok(carol.path(), &["identity", "create", "--username", "carol", "--name", "Carol"]);
    ok(carol.path(), &["sync", "--once"]);

    // Online, the relay's word decides before anything is stored.
    logged_in(&relay, mallory.path(), "mallory@example.org");
    refused(
        mallory.path(),
        &["identity", "create", "--username", "carol", "--name", "Carol"],
        "@carol belongs to another account",
    );
    assert!(!ok(mallory.path(), &["identity", "list"]).contains("carol"), "nothing was stored");

    // Offline (the relay stopped), the profile cannot ask: the identity is made, and the relay says
    // after the next sync that it shows it nowhere.
    let mut relay = relay;
    relay.stop();
    ok(mallory.path(), &["identity", "create", "--username", "carol", "--name", "Carol"]);
    relay.restart();
    let said = ok(mallory.path(), &["sync", "--once"]);
    assert!(said.contains("Not shown by the relay") && said.contains("username_taken"), "{said}");
    assert!(said.contains("@carol belongs to another account"), "{said}");
}
