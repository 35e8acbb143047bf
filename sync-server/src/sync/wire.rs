//! The automerge-repo WebSocket messages: one CBOR map per binary frame (automerge-repo's
//! `automerge-repo-network-websocket` README). Only what a relay reads or writes is modelled; other
//! types decode as [`Message::Other`] and are ignored.

use ciborium::Value;

/// The protocol version this relay speaks.
pub const PROTOCOL_VERSION: &str = "1";

#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// A client's first message.
    Join {
        sender: String,
        versions: Vec<String>,
    },
    /// The relay's answer to `join`.
    Peer {
        sender: String,
        target: String,
    },
    Error {
        message: String,
    },
    Leave,
    /// The first sync message of a document the client does not have yet.
    Request {
        document: String,
        data: Vec<u8>,
    },
    /// `data` is an encoded `automerge::sync::Message`.
    Sync {
        document: String,
        data: Vec<u8>,
    },
    DocUnavailable {
        document: String,
    },
    /// Presence and the like, passed on to the document's other readers unchanged but for `targetId`.
    Ephemeral {
        document: String,
        frame: Vec<(Value, Value)>,
    },
    Other {
        kind: String,
    },
}

fn field<'a>(map: &'a [(Value, Value)], key: &str) -> Option<&'a Value> {
    map.iter().find(|(k, _)| k.as_text() == Some(key)).map(|(_, v)| v)
}

fn text(map: &[(Value, Value)], key: &str) -> Result<String, String> {
    match field(map, key) {
        Some(Value::Text(t)) => Ok(t.clone()),
        Some(_) => Err(format!("{key} must be text")),
        None => Err(format!("a message without {key}")),
    }
}

fn bytes(map: &[(Value, Value)], key: &str) -> Result<Vec<u8>, String> {
    match field(map, key) {
        Some(Value::Bytes(b)) => Ok(b.clone()),
        Some(_) => Err(format!("{key} must be bytes")),
        None => Err(format!("a message without {key}")),
    }
}

/// Reads one frame; anything but a CBOR map with a `type` is an error.
pub fn decode(frame: &[u8]) -> Result<Message, String> {
    let value: Value = ciborium::de::from_reader(frame).map_err(|e| format!("not a CBOR message: {e}"))?;
    let Value::Map(map) = value else { return Err("a message must be a CBOR map".into()) };
    let kind = text(&map, "type")?;
    Ok(match kind.as_str() {
        "join" => Message::Join {
            sender: text(&map, "senderId")?,
            versions: match field(&map, "supportedProtocolVersions") {
                Some(Value::Array(items)) => items.iter().filter_map(|v| v.as_text().map(str::to_string)).collect(),
                _ => Vec::new(),
            },
        },
        "leave" => Message::Leave,
        "request" => Message::Request { document: text(&map, "documentId")?, data: bytes(&map, "data")? },
        "sync" => Message::Sync { document: text(&map, "documentId")?, data: bytes(&map, "data")? },
        "doc-unavailable" => Message::DocUnavailable { document: text(&map, "documentId")? },
        "ephemeral" => Message::Ephemeral { document: text(&map, "documentId")?, frame: map },
        "error" => Message::Error { message: text(&map, "message").unwrap_or_default() },
        "peer" => Message::Peer { sender: text(&map, "senderId")?, target: text(&map, "targetId")? },
        _ => Message::Other { kind },
    })
}

fn entry(key: &str, value: Value) -> (Value, Value) {
    (Value::Text(key.into()), value)
}

fn t(s: &str) -> Value {
    Value::Text(s.into())
}

/// Writes a message from `sender` to `target` (both ignored by messages that carry neither).
pub fn encode(message: &Message, sender: &str, target: &str) -> Vec<u8> {
    let map = match message {
        Message::Join { sender, versions } => vec![
            entry("type", t("join")),
            entry("senderId", t(sender)),
            entry("supportedProtocolVersions", Value::Array(versions.iter().map(|v| t(v)).collect())),
        ],
        Message::Peer { sender, target } => vec![
            entry("type", t("peer")),
            entry("senderId", t(sender)),
            entry("targetId", t(target)),
            entry("selectedProtocolVersion", t(PROTOCOL_VERSION)),
            entry("peerMetadata", Value::Map(vec![entry("isEphemeral", Value::Bool(false))])),
        ],
        Message::Error { message } => vec![entry("type", t("error")), entry("message", t(message))],
        Message::Leave => vec![entry("type", t("leave")), entry("senderId", t(sender))],
        Message::Request { document, data } | Message::Sync { document, data } => vec![
            entry("type", t(if matches!(message, Message::Request { .. }) { "request" } else { "sync" })),
            entry("senderId", t(sender)),
            entry("targetId", t(target)),
            entry("documentId", t(document)),
            entry("data", Value::Bytes(data.clone())),
        ],
        Message::DocUnavailable { document } => vec![
            entry("type", t("doc-unavailable")),
            entry("senderId", t(sender)),
            entry("targetId", t(target)),
            entry("documentId", t(document)),
        ],
        Message::Ephemeral { frame, .. } => frame
            .iter()
            .map(|(k, v)| if k.as_text() == Some("targetId") { (k.clone(), t(target)) } else { (k.clone(), v.clone()) })
            .collect(),
        Message::Other { kind } => vec![entry("type", t(kind))],
    };
    let mut out = Vec::new();
    ciborium::ser::into_writer(&Value::Map(map), &mut out).expect("writing CBOR to memory cannot fail");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cbor(value: &Value) -> Vec<u8> {
        let mut out = Vec::new();
        ciborium::ser::into_writer(value, &mut out).expect("encode");
        out
    }

    fn map(pairs: &[(&str, Value)]) -> Value {
        Value::Map(pairs.iter().map(|(k, v)| (Value::Text((*k).into()), v.clone())).collect())
    }

    #[test]
    fn messages_round_trip() {
        for message in [
            Message::Join { sender: "peer-1".into(), versions: vec!["1".into()] },
            Message::Peer { sender: "relay".into(), target: "peer-1".into() },
            Message::Error { message: "no".into() },
            Message::Request { document: "doc".into(), data: vec![1, 2] },
            Message::Sync { document: "doc".into(), data: vec![1, 2, 3] },
            Message::DocUnavailable { document: "doc".into() },
        ] {
            assert_eq!(decode(&encode(&message, "relay", "peer-1")), Ok(message));
        }
    }

    #[test]
    fn a_join_from_javascript_is_read() {
        let join = map(&[
            ("type", t("join")),
            ("senderId", t("peer-1")),
            ("supportedProtocolVersions", Value::Array(vec![t("1")])),
            ("peerMetadata", Value::Map(vec![])),
        ]);
        assert_eq!(decode(&cbor(&join)), Ok(Message::Join { sender: "peer-1".into(), versions: vec!["1".into()] }));
    }

    #[test]
    fn ephemeral_messages_are_passed_on_with_a_new_target() {
        let frame = map(&[
            ("type", t("ephemeral")),
            ("senderId", t("a")),
            ("targetId", t("relay")),
            ("documentId", t("doc")),
            ("data", Value::Bytes(vec![9])),
        ]);
        let message = decode(&cbor(&frame)).expect("decodes");
        let Value::Map(out) = ciborium::de::from_reader::<Value, _>(&encode(&message, "relay", "b")[..]).expect("cbor")
        else {
            panic!("not a map")
        };
        assert_eq!(field(&out, "targetId"), Some(&t("b")));
        assert_eq!(field(&out, "senderId"), Some(&t("a")));
        assert_eq!(field(&out, "data"), Some(&Value::Bytes(vec![9])));
    }

    #[test]
    fn garbage_and_incomplete_messages_are_errors() {
        assert!(decode(&[0xff, 0x00, 0x13]).is_err());
        assert!(decode(&cbor(&Value::Integer(3.into()))).is_err());
        assert!(decode(&cbor(&map(&[("type", t("join"))]))).is_err());
        assert!(decode(&cbor(&map(&[("type", t("sync")), ("documentId", t("doc"))]))).is_err());
        assert!(decode(&cbor(&map(&[("type", t("sync")), ("documentId", Value::Integer(1.into()))]))).is_err());
    }
}
