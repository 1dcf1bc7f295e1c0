//! Whether an inbound-mail request really comes from the provider, as each documents it:
//! Postmark sends the Basic auth of the webhook URL (it does not sign); Mailgun signs
//! `timestamp + token` with the webhook signing key (HMAC-SHA256, hex); SendGrid signs
//! `timestamp + body` with ECDSA P-256 under a security policy
//! (`X-Twilio-Email-Event-Webhook-Signature`), or is sent the Basic auth of its URL.

use base64::Engine;
use hmac::{Hmac, Mac};
use http::HeaderMap;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{DerSignature, VerifyingKey};
use p256::pkcs8::DecodePublicKey;
use sha2::Sha256;

/// Mailgun's and SendGrid's timestamps may be this far from our clock (delays happen upstream).
pub const MAX_SKEW_SECS: i64 = 15 * 60;

pub const SIGNATURE_HEADER: &str = "x-twilio-email-event-webhook-signature";
pub const TIMESTAMP_HEADER: &str = "x-twilio-email-event-webhook-timestamp";

/// Why a request was refused (401).
#[derive(Debug, PartialEq, Eq)]
pub struct Refused(pub String);

fn refused(why: impl Into<String>) -> Refused {
    Refused(why.into())
}

/// The request's Basic credentials are `user` and `password` (compared in constant time).
pub fn basic_auth(headers: &HeaderMap, user: &str, password: &str) -> Result<(), Refused> {
    let given = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .ok_or_else(|| refused("no Basic credentials (put them in the webhook URL)"))?;
    // HMACs of both compare in constant time whatever the lengths of the inputs.
    let expected = mac(
        b"plugboard-basic-auth",
        format!("{user}:{password}").as_bytes(),
    )?;
    mac(b"plugboard-basic-auth", &given)?
        .verify_slice(&expected.finalize().into_bytes())
        .map_err(|_| refused("the Basic credentials are wrong"))
}

fn mac(key: &[u8], message: &[u8]) -> Result<Hmac<Sha256>, Refused> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(key).map_err(|_| refused("the key cannot be used"))?;
    mac.update(message);
    Ok(mac)
}

/// Mailgun: `signature` is the hex HMAC-SHA256 of `timestamp` followed by `token`, keyed with
/// the webhook signing key, and `timestamp` is recent.
pub fn mailgun(
    key: &str,
    timestamp: &str,
    token: &str,
    signature: &str,
    now: i64,
) -> Result<(), Refused> {
    let signed_at: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| refused("`timestamp` is not a number"))?;
    if (now - signed_at).abs() > MAX_SKEW_SECS {
        return Err(refused("`timestamp` is more than 15 minutes off"));
    }
    let signature = hex::decode(signature.trim()).map_err(|_| refused("`signature` is not hex"))?;
    mac(key.as_bytes(), format!("{timestamp}{token}").as_bytes())?
        .verify_slice(&signature)
        .map_err(|_| refused("the signature does not match"))
}

/// SendGrid: the signature header is a base64 DER ECDSA signature of the timestamp header's
/// value followed by the raw body, under `public_key` (base64 DER SubjectPublicKeyInfo, as
/// SendGrid shows it).
pub fn sendgrid(
    public_key: &str,
    headers: &HeaderMap,
    body: &[u8],
    now: i64,
) -> Result<(), Refused> {
    let key_der = base64::engine::general_purpose::STANDARD
        .decode(public_key.trim())
        .map_err(|_| refused("the configured verification key is not base64"))?;
    let key = VerifyingKey::from_public_key_der(&key_der)
        .map_err(|_| refused("the configured verification key is not a P-256 public key"))?;
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let timestamp = header(TIMESTAMP_HEADER).ok_or_else(|| refused("no signature timestamp"))?;
    let signed_at: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| refused("the signature timestamp is not a number"))?;
    if (now - signed_at).abs() > MAX_SKEW_SECS {
        return Err(refused(
            "the signature timestamp is more than 15 minutes off",
        ));
    }
    let signature = header(SIGNATURE_HEADER)
        .and_then(|s| {
            base64::engine::general_purpose::STANDARD
                .decode(s.trim())
                .ok()
        })
        .and_then(|der| DerSignature::try_from(der.as_slice()).ok())
        .ok_or_else(|| refused("no ECDSA signature"))?;
    let mut signed = Vec::with_capacity(timestamp.len() + body.len());
    signed.extend_from_slice(timestamp.as_bytes());
    signed.extend_from_slice(body);
    key.verify(&signed, &signature)
        .map_err(|_| refused("the signature does not match"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailguns_signature_is_checked_with_the_signing_key_and_a_fresh_timestamp() {
        let (key, ts, token) = (
            "test-webhook-signing-key",
            "1700000000",
            "a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0",
        );
        let signature = "f1ead6a385623d00f3dc29cf7f7666b577e0cb0969d614cf32026799105ea3eb";
        assert_eq!(mailgun(key, ts, token, signature, 1_700_000_100), Ok(()));
        assert!(mailgun("another key", ts, token, signature, 1_700_000_100).is_err());
        assert!(mailgun(key, ts, "other-token", signature, 1_700_000_100).is_err());
        assert_eq!(
            mailgun(key, ts, token, signature, 1_700_000_000 + 16 * 60),
            Err(Refused("`timestamp` is more than 15 minutes off".into()))
        );
    }

    #[test]
    fn basic_auth_needs_both_parts_right() {
        let mut headers = HeaderMap::new();
        assert!(basic_auth(&headers, "postmark", "s3cret").is_err());
        let encoded = base64::engine::general_purpose::STANDARD.encode("postmark:s3cret");
        headers.insert("authorization", format!("Basic {encoded}").parse().unwrap());
        assert_eq!(basic_auth(&headers, "postmark", "s3cret"), Ok(()));
        assert!(basic_auth(&headers, "postmark", "s3cre").is_err());
        assert!(basic_auth(&headers, "postmar", "s3cret").is_err());
    }
}
