//! draft-cavage HTTP Signatures as Mastodon and Mobilizon sign and verify them: `rsa-sha256` over
//! `(request-target) host date` (and `digest` on a POST), with `Digest: SHA-256=…` of the body. The
//! framing is http-signature-normalization's; the cryptography is the `rsa` crate's.

use std::collections::BTreeMap;

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use http_signature_normalization::Config;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::sha2::{Digest, Sha256};
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use rsa::{RsaPrivateKey, RsaPublicKey};

use crate::Error;

/// How old a signed request's `Date` may be (Mastodon's window), and how far ahead of our clock.
pub const MAX_AGE: Duration = Duration::hours(12);
pub const MAX_AHEAD: Duration = Duration::hours(1);

fn config() -> Config {
    // `(created)`/`(expires)` fail in Mobilizon and Fedify: the Date header is signed instead. The
    // date window is checked here, both ways (the crate checks only the past).
    Config::new().mastodon_compat().set_expiration(std::time::Duration::from_secs(MAX_AGE.num_seconds() as u64))
}

pub fn digest(body: &[u8]) -> String {
    format!("SHA-256={}", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body)))
}

/// The headers a request to `url` carries, signed by `key_id` (`…#main-key`): `Host`, `Date`,
/// `Digest` with a body, and `Signature`.
pub fn sign(
    method: &str,
    url: &url::Url,
    body: Option<&[u8]>,
    key_id: &str,
    key: &RsaPrivateKey,
) -> crate::Result<Vec<(String, String)>> {
    let host = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_string(),
    };
    let mut headers = BTreeMap::new();
    headers.insert("host".to_string(), host);
    headers.insert("date".to_string(), httpdate(Utc::now()));
    if let Some(body) = body {
        headers.insert("digest".to_string(), digest(body));
    }
    let target = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    let signer = SigningKey::<Sha256>::new(key.clone());
    let signature = config()
        .begin_sign(method, &target, headers.clone())
        .map_err(|e| Error::Config(format!("signing a request: {e}")))?
        .sign(key_id.to_string(), |signing_string| {
            let signature = signer.sign(signing_string.as_bytes());
            Ok::<_, Error>(base64::engine::general_purpose::STANDARD.encode(signature.to_bytes()))
        })?
        .signature_header()
        // The algorithm Mastodon and Mobilizon name; hs2019 means the same to those that know it.
        .replace("algorithm=\"hs2019\"", "algorithm=\"rsa-sha256\"");
    let mut out: Vec<(String, String)> = headers.into_iter().collect();
    out.push(("signature".to_string(), signature));
    Ok(out)
}

fn httpdate(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// A request's signature, parsed and its framing checked, waiting for the signer's key.
#[derive(Debug)]
pub struct Signed {
    pub key_id: String,
    signing_string: String,
    signature: Vec<u8>,
}

/// Why a request's signature is refused (said to the sender with `401`).
fn refused(message: impl Into<String>) -> Error {
    Error::unauthorized("bad_signature", message)
}

/// Checks what can be checked without the key: a `Signature` that covers `(request-target)`, `host`,
/// `date` (within the window) and, with a body, `digest`, which must match the body.
pub fn prepare(
    method: &str,
    path_and_query: &str,
    headers: &BTreeMap<String, String>,
    body: Option<&[u8]>,
    now: DateTime<Utc>,
) -> crate::Result<Signed> {
    if !headers.contains_key("signature") && !headers.contains_key("authorization") {
        return Err(refused("the request is not signed (no Signature header)"));
    }
    let date = headers.get("date").ok_or_else(|| refused("the request has no Date header"))?;
    let date = DateTime::parse_from_rfc2822(date.trim_end_matches(" GMT").trim())
        .or_else(|_| DateTime::parse_from_rfc2822(date))
        .map_err(|_| refused(format!("the Date header \"{date}\" is no HTTP date")))?
        .with_timezone(&Utc);
    if date < now - MAX_AGE || date > now + MAX_AHEAD {
        return Err(refused(format!(
            "the request is dated {date}, outside the window ({} hours back, {} ahead)",
            MAX_AGE.num_hours(),
            MAX_AHEAD.num_hours()
        )));
    }
    let mut config = config();
    if let Some(body) = body {
        config = config.require_digest();
        let sent = headers.get("digest").ok_or_else(|| refused("a body without a Digest header"))?;
        let ours = digest(body);
        let matches = sent.split(',').any(|d| d.trim() == ours);
        if !matches {
            return Err(Error::bad_request("digest_mismatch", "the body does not match its Digest header"));
        }
    }
    let unverified = config
        .begin_verify(method, path_and_query, headers.clone())
        .map_err(|e| refused(format!("the signature does not cover what it must: {e}")))?;
    let signature = base64::engine::general_purpose::STANDARD
        .decode(unverified.signature())
        .map_err(|_| refused("the signature is not base64"))?;
    Ok(Signed {
        key_id: unverified.key_id().to_string(),
        signing_string: unverified.signing_string().to_string(),
        signature,
    })
}

impl Signed {
    /// Whether `key` made this signature.
    pub fn verify(&self, key: &RsaPublicKey) -> bool {
        let Ok(signature) = Signature::try_from(self.signature.as_slice()) else { return false };
        VerifyingKey::<Sha256>::new(key.clone()).verify(self.signing_string.as_bytes(), &signature).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> RsaPrivateKey {
        RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 1024).expect("key")
    }

    fn as_received(headers: Vec<(String, String)>) -> BTreeMap<String, String> {
        headers.into_iter().collect()
    }

    #[test]
    fn a_signed_post_verifies_with_its_key_and_no_other() {
        let (ours, theirs) = (key(), key());
        let url = url::Url::parse("http://127.0.0.1:4000/inbox").expect("url");
        let body = br#"{"type":"Follow"}"#;
        let headers = as_received(sign("POST", &url, Some(body), "http://a/@ana#main-key", &ours).expect("sign"));
        assert!(headers["signature"].contains("headers=\"(request-target) date digest host\""));
        let signed = prepare("POST", "/inbox", &headers, Some(body), Utc::now()).expect("framing");
        assert_eq!(signed.key_id, "http://a/@ana#main-key");
        assert!(signed.verify(&RsaPublicKey::from(&ours)));
        assert!(!signed.verify(&RsaPublicKey::from(&theirs)));
        // Another path, another body, an old date: each refused.
        let elsewhere = prepare("POST", "/other", &headers, Some(body), Utc::now()).expect("framing");
        assert!(!elsewhere.verify(&RsaPublicKey::from(&ours)));
        let err = prepare("POST", "/inbox", &headers, Some(b"{}"), Utc::now()).expect_err("digest");
        assert_eq!(err.parts().1, "digest_mismatch");
        let err = prepare("POST", "/inbox", &headers, Some(body), Utc::now() + Duration::days(2)).expect_err("date");
        assert!(err.to_string().contains("outside the window"), "{err}");
    }
}
