//! `rally account …` against a real relay (in this process, on a free port, through the same `run` the
//! binary calls), with the token in the real OS keyring. Run inside scripts/with-keyring.sh (which
//! scripts/test.sh does): it gives the test a private D-Bus session and an unlocked keyring.

mod common;

use std::path::Path;

use common::{rally, relay};
use rally_client::token_store::TokenStore;
use rally_core::profile::Profile;

fn status(data: &Path) -> serde_json::Value {
    let out = rally(data, &["account", "status", "--json"], "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("json")
}

#[test]
fn sign_up_log_in_with_the_token_in_the_keyring_and_log_out() {
    let relay = relay();
    let profile = tempfile::tempdir().expect("tempdir");
    let p = profile.path();
    assert_eq!(status(p)["logged_in"], false);

    let out =
        rally(p, &["account", "signup", "--server", &relay.url, "--email", "ana@example.org"], "a long passphrase\n");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out =
        rally(p, &["account", "login", "--server", &relay.url, "--email", "ana@example.org"], "a long passphrase\n");
    assert_eq!(out.status.code(), Some(2), "not confirmed yet");
    assert!(String::from_utf8_lossy(&out.stderr).contains("confirm your address first"));
    relay.confirm();

    let out =
        rally(p, &["account", "login", "--server", &relay.url, "--email", "ana@example.org"], "not the passphrase\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("wrong email address or password"));
    let out =
        rally(p, &["account", "login", "--server", &relay.url, "--email", "ana@example.org"], "a long passphrase\n");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let now = status(p);
    assert_eq!(now["logged_in"], true);
    assert_eq!(now["session"], "valid");
    assert_eq!(now["account"]["email"], "ana@example.org");

    // The token is in the keyring and in no file of the profile.
    let profile_id = Profile::open(p).expect("open").profile_id().expect("id");
    let token = TokenStore::for_profile(&profile_id).expect("store").get().expect("keyring").expect("a token");
    relay.state.accounts.authenticate(&token).expect("the relay accepts it");
    for entry in std::fs::read_dir(p).expect("profile").flatten() {
        let bytes = std::fs::read(entry.path()).expect("read");
        assert!(
            !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
            "token found in {}",
            entry.path().display()
        );
    }

    let out = rally(p, &["account", "logout"], "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(status(p)["logged_in"], false);
    assert!(relay.state.accounts.authenticate(&token).is_err(), "logging out revokes the session on the relay");
    assert_eq!(TokenStore::for_profile(&profile_id).expect("store").get().expect("keyring"), None);
}

#[test]
fn an_unreachable_relay_is_named_and_a_bad_server_url_is_refused() {
    let profile = tempfile::tempdir().expect("tempdir");
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
    let out = rally(
        profile.path(),
        &["account", "login", "--server", &format!("http://127.0.0.1:{port}"), "--email", "a@b.org"],
        "x\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot be reached"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out =
        rally(profile.path(), &["account", "signup", "--server", "ftp://example.org", "--email", "a@b.org"], "x\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--server"), "{}", String::from_utf8_lossy(&out.stderr));
}
