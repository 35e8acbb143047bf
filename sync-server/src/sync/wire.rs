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
    /// Presence and the like, passed on to the document's other readers unchanged but for `targetId`
    /// and `senderId`, which the relay writes (a peer cannot speak as another).
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

/// The longest peer or document id read (automerge-repo's are under 50 characters).
const MAX_ID: usize = 256;

fn id(map: &[(Value, Value)], key: &str) -> Result<String, String> {
    let id = text(map, key)?;
    if id.len() > MAX_ID {
        return Err(format!("{key} longer than {MAX_ID} bytes"));
    }
    Ok(id)
}

fn bytes(map: &[(Value, Value)], key: &str) -> Result<Vec<u8>, String> {
    match field(map, key) {
        Some(Value::Bytes(b)) => Ok(b.clone()),
        Some(_) => Err(format!("{key} must be bytes")),
        None => Err(format!("a message without {key}")),
    }
}

/// The most CBOR items one frame may hold, and how deep they may nest. A protocol message is a map of
/// a few entries (its payload one byte string); these leave room for peer metadata and ephemeral
/// messages, and let [`decode`] refuse a frame of many tiny items before building anything of it.
pub const MAX_ITEMS: usize = 1024;
pub const MAX_DEPTH: usize = 16;

/// Walks a frame's CBOR structure without building it: at most [`MAX_ITEMS`] items nested at most
/// [`MAX_DEPTH`] deep, every length within the frame. It reads item heads only (a byte string is
/// skipped by its length), so it costs the same whatever the frame's size.
pub fn check_shape(frame: &[u8]) -> Result<(), String> {
    let mut walk = Walk { bytes: frame, at: 0, items: 0 };
    walk.item(0)?;
    if walk.at != frame.len() {
        return Err("bytes after the CBOR message".into());
    }
    Ok(())
}

struct Walk<'a> {
    bytes: &'a [u8],
    at: usize,
    items: usize,
}

impl Walk<'_> {
    fn byte(&mut self) -> Result<u8, String> {
        let b = *self.bytes.get(self.at).ok_or("a CBOR message cut short")?;
        self.at += 1;
        Ok(b)
    }

    /// What an item's head says: its major type and its argument (a length, a count, a value), `None`
    /// for an indefinite length.
    fn head(&mut self) -> Result<(u8, Option<u64>), String> {
        let first = self.byte()?;
        let (major, info) = (first >> 5, first & 0x1f);
        let argument = match info {
            0..=23 => Some(u64::from(info)),
            24..=27 => {
                let mut n = 0_u64;
                for _ in 0..(1_usize << (info - 24)) {
                    n = (n << 8) | u64::from(self.byte()?);
                }
                Some(n)
            }
            31 if matches!(major, 2..=5) => None,
            _ if major == 7 => Some(0),
            _ => return Err(format!("a CBOR item with a malformed head (0x{first:02x})")),
        };
        Ok((major, argument))
    }

    fn skip(&mut self, n: u64) -> Result<(), String> {
        let n = usize::try_from(n).map_err(|_| "a CBOR length too large")?;
        let end = self.at.checked_add(n).filter(|end| *end <= self.bytes.len()).ok_or("a CBOR length past the end")?;
        self.at = end;
        Ok(())
    }

    fn item(&mut self, depth: usize) -> Result<(), String> {
        self.items += 1;
        if self.items > MAX_ITEMS {
            return Err(format!("a message of more than {MAX_ITEMS} CBOR items"));
        }
        if depth > MAX_DEPTH {
            return Err(format!("a message nested more than {MAX_DEPTH} deep"));
        }
        let (major, argument) = self.head()?;
        match (major, argument) {
            (0 | 1 | 7, _) => Ok(()),
            (2 | 3, Some(n)) => self.skip(n),
            (2 | 3, None) => loop {
                if self.bytes.get(self.at) == Some(&0xff) {
                    self.at += 1;
                    return Ok(());
                }
                let (chunk_major, chunk) = self.head()?;
                match chunk {
                    Some(n) if chunk_major == major => self.skip(n)?,
                    _ => return Err("a malformed indefinite-length string".into()),
                }
            },
            (4 | 5, Some(n)) => {
                let entries = if major == 5 { n.saturating_mul(2) } else { n };
                if entries > MAX_ITEMS as u64 {
                    return Err(format!("a message of more than {MAX_ITEMS} CBOR items"));
                }
                (0..entries).try_for_each(|_| self.item(depth + 1))
            }
            (4 | 5, None) => loop {
                if self.bytes.get(self.at) == Some(&0xff) {
                    self.at += 1;
                    return Ok(());
                }
                self.item(depth + 1)?;
            },
            (6, _) => self.item(depth + 1),
            _ => Err("an unknown CBOR item".into()),
        }
    }
}

/// Reads one frame; anything but a CBOR map with a `type` is an error. Its shape is checked first
/// ([`check_shape`]).
pub fn decode(frame: &[u8]) -> Result<Message, String> {
    check_shape(frame)?;
    let value: Value = ciborium::de::from_reader(frame).map_err(|e| format!("not a CBOR message: {e}"))?;
    let Value::Map(map) = value else { return Err("a message must be a CBOR map".into()) };
    let kind = text(&map, "type")?;
    Ok(match kind.as_str() {
        "join" => Message::Join {
            sender: id(&map, "senderId")?,
            versions: match field(&map, "supportedProtocolVersions") {
                Some(Value::Array(items)) => items.iter().filter_map(|v| v.as_text().map(str::to_string)).collect(),
                _ => Vec::new(),
            },
        },
        "leave" => Message::Leave,
        "request" => Message::Request { document: id(&map, "documentId")?, data: bytes(&map, "data")? },
        "sync" => Message::Sync { document: id(&map, "documentId")?, data: bytes(&map, "data")? },
        "doc-unavailable" => Message::DocUnavailable { document: id(&map, "documentId")? },
        "ephemeral" => Message::Ephemeral { document: id(&map, "documentId")?, frame: map },
        "error" => Message::Error { message: text(&map, "message").unwrap_or_default() },
        "peer" => Message::Peer { sender: id(&map, "senderId")?, target: id(&map, "targetId")? },
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
            .map(|(k, v)| match k.as_text() {
                Some("targetId") => (k.clone(), t(target)),
                Some("senderId") => (k.clone(), t(sender)),
                _ => (k.clone(), v.clone()),
            })
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
    fn ephemeral_messages_are_passed_on_with_a_new_target_and_their_real_sender() {
        let frame = map(&[
            ("type", t("ephemeral")),
            ("senderId", t("someone-else")),
            ("targetId", t("relay")),
            ("documentId", t("doc")),
            ("data", Value::Bytes(vec![9])),
        ]);
        let message = decode(&cbor(&frame)).expect("decodes");
        let Value::Map(out) = ciborium::de::from_reader::<Value, _>(&encode(&message, "a", "b")[..]).expect("cbor")
        else {
            panic!("not a map")
        };
        assert_eq!(field(&out, "targetId"), Some(&t("b")));
        assert_eq!(field(&out, "senderId"), Some(&t("a")));
        assert_eq!(field(&out, "data"), Some(&Value::Bytes(vec![9])));
    }

    #[test]
    fn frames_of_too_many_or_too_deep_items_are_refused_before_decoding() {
        let many = Value::Array((0..MAX_ITEMS as i64 + 1).map(|i| Value::Integer(i.into())).collect());
        assert!(decode(&cbor(&many)).expect_err("refused").contains("CBOR items"));
        let mut deep = Value::Array(vec![]);
        for _ in 0..=MAX_DEPTH {
            deep = Value::Array(vec![deep]);
        }
        assert!(decode(&cbor(&deep)).expect_err("refused").contains("nested"));
        // A count that promises more than the frame holds.
        assert!(check_shape(&[0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).is_err());
        assert!(check_shape(&[0x5a, 0xff, 0xff, 0xff, 0xff]).is_err());
        // An indefinite array of 16 MiB of zeros never ends within its limits.
        let mut flood = vec![0x9f];
        flood.extend(std::iter::repeat_n(0, 16 * 1024 * 1024));
        assert!(check_shape(&flood).is_err());
        // A large payload is one item.
        let big = map(&[("type", t("sync")), ("documentId", t("d")), ("data", Value::Bytes(vec![7; 8 * 1024 * 1024]))]);
        assert!(matches!(decode(&cbor(&big)), Ok(Message::Sync { .. })));
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
