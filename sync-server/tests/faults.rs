//! The relay under faults: a malformed frame, a sync message that does not decode or an oversized
//! message closes only the offending connection; a restart mid-sync loses nothing and clients
//! reconnect on their own; a SIGKILL during a burst of writes keeps every change the relay had
//! acknowledged.

mod common;

use std::time::Duration;

use automerge::{transaction::Transactable, AutoCommit, Automerge, ReadDoc, ROOT};
use futures::SinkExt;
use samod::DocHandle;
use tokio_tungstenite::tungstenite::Message;

use common::{closed_by_server, find_eventually, free_port, peer, raw_socket, Relay, WAIT};

fn counter_doc() -> Automerge {
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "count", 0_i64).expect("put");
    Automerge::load(&doc.save()).expect("load")
}

fn count(handle: &DocHandle) -> i64 {
    handle.with_document(|doc| match doc.get(ROOT, "count") {
        Ok(Some((automerge::Value::Scalar(v), _))) => v.as_i64().unwrap_or(-1),
        _ => -1,
    })
}

fn bump(handle: &DocHandle, to: i64) {
    handle.with_document(|doc| {
        let mut tx = doc.transaction();
        tx.put(ROOT, "count", to).expect("put");
        tx.commit();
    });
}

async fn wait_for_count(handle: &DocHandle, want: i64, what: &str) {
    let deadline = tokio::time::Instant::now() + WAIT * 2;
    while count(handle) != want {
        assert!(tokio::time::Instant::now() < deadline, "{what}: count stayed {} (want {want})", count(handle));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Two devices of one account: one writes a counter, the other has found it.
struct Devices {
    _writer: samod::Repo,
    _reader: samod::Repo,
    handle: DocHandle,
    seen: DocHandle,
}

async fn two_devices(relay: &Relay) -> Devices {
    let ana = relay.account("ana@example.org").await;
    let ana2 = relay.account_session_again("ana@example.org").await;
    let writer = peer(relay, &ana).await;
    let reader = peer(relay, &ana2).await;
    let handle = writer.create(counter_doc()).await.expect("create");
    let seen = find_eventually(&reader, handle.document_id()).await;
    Devices { _writer: writer, _reader: reader, handle, seen }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_frames_close_only_their_own_connection() {
    let dir = tempfile::tempdir().expect("tempdir");
    let relay = Relay::start(dir.path(), None);
    let Devices { _writer, _reader, handle, seen } = two_devices(&relay).await;

    // A frame that is not CBOR at all.
    let mut garbage = raw_socket(&relay, &relay.account_session_again("ana@example.org").await.token).await;
    garbage.send(Message::Binary(vec![0xff, 0x00, 0x13, 0x37].into())).await.expect("send");
    assert!(closed_by_server(&mut garbage).await, "a malformed frame should close its connection");

    // A well-formed protocol frame whose sync message is garbage.
    let mut forged = raw_socket(&relay, &relay.account_session_again("ana@example.org").await.token).await;
    let frame = ciborium::Value::Map(vec![
        (ciborium::Value::Text("type".into()), ciborium::Value::Text("sync".into())),
        (ciborium::Value::Text("documentId".into()), ciborium::Value::Text(handle.document_id().to_string())),
        (ciborium::Value::Text("senderId".into()), ciborium::Value::Text("forger".into())),
        (ciborium::Value::Text("targetId".into()), ciborium::Value::Text("rally-relay".into())),
        (ciborium::Value::Text("data".into()), ciborium::Value::Bytes(vec![0x42, 0x01, 0x02])),
    ]);
    let mut bytes = Vec::new();
    ciborium::ser::into_writer(&frame, &mut bytes).expect("encode");
    forged.send(Message::Binary(bytes.into())).await.expect("send");
    assert!(closed_by_server(&mut forged).await, "an undecodable sync message should close its connection");

    // A message over the 16 MiB limit.
    let mut huge = raw_socket(&relay, &relay.account_session_again("ana@example.org").await.token).await;
    let _ = huge.send(Message::Binary(vec![0u8; 17 * 1024 * 1024].into())).await;
    assert!(closed_by_server(&mut huge).await, "an oversized message should close its connection");

    // Meanwhile the others are served as before.
    bump(&handle, 7);
    wait_for_count(&seen, 7, "the reader after bad frames elsewhere").await;
    let health = reqwest::get(format!("{}/api/v1/health", relay.base)).await.expect("health");
    assert_eq!(health.status(), reqwest::StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_mid_sync_loses_nothing_and_clients_reconnect() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let relay = Relay::start_on(dir.path(), None, port);
    let Devices { _writer, _reader, handle, seen } = two_devices(&relay).await;
    bump(&handle, 1);
    wait_for_count(&seen, 1, "before the restart").await;

    // The relay goes away (SIGKILL) while the writer keeps writing offline, then comes back.
    drop(relay);
    for n in 2..=20 {
        bump(&handle, n);
    }
    let _relay = Relay::start_on(dir.path(), None, port);
    wait_for_count(&seen, 20, "after the restart").await;
}

/// Each round writes a burst to one document and a new one, waits until the relay acknowledges the
/// burst (its sync state holds our heads), kills it with SIGKILL at once, and restarts it on the same
/// data: everything acknowledged must be there. samod may queue its reply before storing a change;
/// the relay stores received changes before samod sees them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_a_burst_keeps_every_acknowledged_change() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let mut relay = Relay::start_on(dir.path(), None, port);
    let ana = relay.account("ana@example.org").await;
    let mut writer = peer(&relay, &ana).await;
    let handle = writer.create(counter_doc()).await.expect("create");
    let mut written = Vec::new();
    for round in 1..=5_i64 {
        let relay_peer = samod::PeerId::from_string("rally-relay".into());
        let connection = writer.when_connected(relay_peer).await.expect("connected").id();
        let handle = writer.find(handle.document_id().clone()).await.expect("running").expect("local");
        let fresh = writer.create(counter_doc()).await.expect("create");
        for n in 1..=40 {
            bump(&handle, round * 100 + n);
            bump(&fresh, n);
        }
        for doc in [&handle, &fresh] {
            tokio::time::timeout(WAIT, doc.they_have_our_changes(connection)).await.expect("acknowledged");
        }
        drop(relay); // SIGKILL, the instant the acknowledgement arrived
                     // The writer goes too, so that it cannot send again what the relay might have lost.
        writer.stop().await;
        written.push((fresh.document_id().clone(), 40));
        written.push((handle.document_id().clone(), round * 100 + 40));
        relay = Relay::start_on(dir.path(), None, port);
        writer = peer(&relay, &relay.account_session_again("ana@example.org").await).await;
        // A fresh device reads what the relay kept, not what the writer would send it again.
        let reader = peer(&relay, &relay.account_session_again("ana@example.org").await).await;
        for (id, want) in &written {
            let kept = find_eventually(&reader, id).await;
            assert!(count(&kept) >= *want, "round {round}: acknowledged {want}, the relay kept {}", count(&kept));
        }
        reader.stop().await;
    }
}

/// The relay acknowledges nothing it has not stored: with its database's write lock held by someone
/// else, a change's commit fails, and the device that sent it gets no acknowledgement but an error
/// (its connection ends); once the lock is gone the device, reconnecting, sends the change again and
/// the relay keeps it. (Releasing acknowledgements before the commit fails this test every time.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_the_relay_cannot_store_is_never_acknowledged_and_arrives_after_reconnecting() {
    let dir = tempfile::tempdir().expect("tempdir");
    let relay = Relay::start(dir.path(), None);
    let ana = relay.account("ana@example.org").await;
    let writer = peer(&relay, &ana).await;
    let relay_peer = samod::PeerId::from_string("rally-relay".into());
    let connection = writer.when_connected(relay_peer.clone()).await.expect("connected").id();
    let handle = writer.create(counter_doc()).await.expect("create");
    tokio::time::timeout(WAIT, handle.they_have_our_changes(connection)).await.expect("the new document acknowledged");

    let lock = rusqlite::Connection::open(relay.data.join("relay.sqlite3")).expect("the relay's database");
    lock.execute_batch("BEGIN EXCLUSIVE").expect("hold the write lock");
    bump(&handle, 1);
    let acknowledged = tokio::time::timeout(Duration::from_secs(2), handle.they_have_our_changes(connection)).await;
    assert!(acknowledged.is_err(), "a change the relay could not store was acknowledged");
    lock.execute_batch("ROLLBACK").expect("let go");

    let reader = peer(&relay, &relay.account_session_again("ana@example.org").await).await;
    let kept = find_eventually(&reader, handle.document_id()).await;
    wait_for_count(&kept, 1, "the change sent again after reconnecting").await;
}
