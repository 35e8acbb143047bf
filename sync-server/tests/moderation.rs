//! Moderation on a real relay: roles made on its machine and given by administrators, every call
//! refused to those without the role, with its code, and the append-only action log.

mod common;

use common::groups::post;
use common::*;
use serde_json::{json, Value};

/// `rally-server admin ARGS` on the relay's machine: what it printed, or why it failed.
fn admin(relay: &Relay, args: &[&str]) -> Result<String, String> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rally-server"))
        .arg("--data")
        .arg(&relay.data)
        .arg("admin")
        .args(args)
        .output()
        .expect("rally-server admin");
    match out.status.success() {
        true => Ok(String::from_utf8_lossy(&out.stdout).to_string()),
        false => Err(String::from_utf8_lossy(&out.stderr).to_string()),
    }
}

fn roles(relay: &Relay) -> Vec<(String, String)> {
    let db = rusqlite::Connection::open(relay.data.join("relay.sqlite3")).expect("db");
    let mut stmt = db.prepare("SELECT email, role FROM accounts ORDER BY email").expect("prepare");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).expect("query").collect::<Result<_, _>>().expect("rows")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_are_given_by_administrators_and_every_call_checks_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let relay = Relay::start(dir.path(), None);
    let ana = relay.account("ana@example.org").await;
    let mo = relay.account("mo@example.org").await;
    let cy = relay.account("cy@example.org").await;

    // Nobody moderates yet: a user's calls are refused, with their code, and change nothing.
    let (status, body) = get(&relay, "/api/v1/moderation/log", Some(&cy.token)).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("not_moderator"), "{body}");
    let before = roles(&relay);
    let (status, body) = post(
        &relay,
        "/api/v1/moderation/roles",
        &cy.token,
        json!({"email": "cy@example.org", "role": "administrator"}),
    )
    .await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("not_moderator")), "{body}");
    assert_eq!(roles(&relay), before, "nothing changed");

    // The first administrator is made on the relay's machine (the relay runs meanwhile).
    let err = admin(&relay, &["grant", "ana@example.org", "--role", "owner"]).expect_err("no such role");
    assert!(err.contains("a role is user, moderator or administrator"), "{err}");
    let err = admin(&relay, &["grant", "nobody@example.org", "--role", "administrator"]).expect_err("no account");
    assert!(err.contains("no account has the address nobody@example.org"), "{err}");
    assert_eq!(
        admin(&relay, &["grant", "Ana@Example.org", "--role", "administrator"]).expect("grant"),
        "Ana@Example.org: administrator\n"
    );

    // Ana makes Mo a moderator; Mo may read the log but not give roles.
    let (status, body) =
        post(&relay, "/api/v1/moderation/roles", &ana.token, json!({"email": "mo@example.org", "role": "moderator"}))
            .await;
    assert_eq!(status, 204, "{body}");
    let before = roles(&relay);
    let (status, body) =
        post(&relay, "/api/v1/moderation/roles", &mo.token, json!({"email": "cy@example.org", "role": "moderator"}))
            .await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("not_administrator")), "{body}");
    assert_eq!(roles(&relay), before, "nothing changed");

    // The last administrator stays one.
    let (status, body) =
        post(&relay, "/api/v1/moderation/roles", &ana.token, json!({"email": "ana@example.org", "role": "user"})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("last_administrator")), "{body}");

    // The log: each step, who did it, newest first.
    let (status, body) = get(&relay, "/api/v1/moderation/log", Some(&mo.token)).await;
    assert_eq!(status, 200, "{body}");
    let log: Value = serde_json::from_str(&body).expect("json");
    let lines: Vec<(String, String, String)> = log
        .as_array()
        .expect("list")
        .iter()
        .map(|a| {
            (
                a["by"].as_str().unwrap_or("").into(),
                a["action"].as_str().unwrap_or("").into(),
                a["target"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        vec![
            ("ana@example.org".into(), "grant_role".into(), "mo@example.org: moderator".into()),
            ("the relay's machine".into(), "grant_role".into(), "ana@example.org: administrator".into()),
        ]
    );
    // Append-only: even the relay's own database refuses to change or delete a line.
    let db = rusqlite::Connection::open(relay.data.join("relay.sqlite3")).expect("db");
    let err = db.execute("DELETE FROM moderation_log", []).expect_err("append-only");
    assert!(err.to_string().contains("append-only"), "{err}");
}
