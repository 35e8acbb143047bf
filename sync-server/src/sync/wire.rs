//! Just enough of the automerge-repo wire format (one CBOR map per binary frame) for the relay to know
//! who speaks and who writes, before samod handles the frame: the `join` message names the peer, and a
//! `sync` message carries a document's changes (an encoded `automerge::sync::Message` in `data`).

use ciborium::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    Join { sender: String },
    Sync { document: String, data: Vec<u8> },
    Other,
}

fn text<'a>(map: &'a [(Value, Value)], key: &str) -> Option<&'a str> {
    map.iter().find(|(k, _)| k.as_text() == Some(key)).and_then(|(_, v)| v.as_text())
}

fn bytes<'a>(map: &'a [(Value, Value)], key: &str) -> Option<&'a [u8]> {
    map.iter().find(|(k, _)| k.as_text() == Some(key)).and_then(|(_, v)| v.as_bytes()).map(Vec::as_slice)
}

/// Reads a frame's type and the field the relay needs; a frame that is not a CBOR map is an error.
pub fn inspect(frame: &[u8]) -> Result<Frame, String> {
    let value: Value = ciborium::de::from_reader(frame).map_err(|e| format!("not a CBOR message: {e}"))?;
    let map = value.as_map().ok_or("a message must be a CBOR map")?;
    Ok(match text(map, "type") {
        Some("join") => {
            Frame::Join { sender: text(map, "senderId").ok_or("a join message without senderId")?.to_string() }
        }
        Some("sync") => Frame::Sync {
            document: text(map, "documentId").ok_or("a sync message without documentId")?.to_string(),
            data: bytes(map, "data").ok_or("a sync message without data")?.to_vec(),
        },
        _ => Frame::Other,
    })
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
    fn join_and_sync_are_read() {
        let join = map(&[("type", Value::Text("join".into())), ("senderId", Value::Text("peer-1".into()))]);
        assert_eq!(inspect(&cbor(&join)), Ok(Frame::Join { sender: "peer-1".into() }));
        let sync = map(&[
            ("type", Value::Text("sync".into())),
            ("documentId", Value::Text("doc".into())),
            ("data", Value::Bytes(vec![1, 2, 3])),
        ]);
        assert_eq!(inspect(&cbor(&sync)), Ok(Frame::Sync { document: "doc".into(), data: vec![1, 2, 3] }));
        assert_eq!(inspect(&cbor(&map(&[("type", Value::Text("ephemeral".into()))]))), Ok(Frame::Other));
    }

    #[test]
    fn garbage_and_incomplete_messages_are_errors() {
        assert!(inspect(&[0xff, 0x00, 0x13]).is_err());
        assert!(inspect(&cbor(&Value::Integer(3.into()))).is_err());
        assert!(inspect(&cbor(&map(&[("type", Value::Text("join".into()))]))).is_err());
        let no_data = map(&[("type", Value::Text("sync".into())), ("documentId", Value::Text("doc".into()))]);
        assert!(inspect(&cbor(&no_data)).is_err());
    }
}
