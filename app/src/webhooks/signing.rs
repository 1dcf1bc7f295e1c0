//! Standard Webhooks signatures: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed with the
//! bytes of a `whsec_<base64>` secret; and an endpoint's sealed credentials (its signing secrets
//! and custom header values), each bound to its company and endpoint.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use std::collections::BTreeMap;

use uuid::Uuid;

use crate::error::AppError;
use crate::runtime::crypto::Cipher;

pub const SECRET_PREFIX: &str = "whsec_";

/// A new signing secret: `whsec_` and 32 random bytes in base64.
pub fn generate_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

/// The HMAC key a secret stands for.
pub fn secret_key(secret: &str) -> Result<Vec<u8>, AppError> {
    let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    STANDARD.decode(encoded).map_err(|_| {
        tracing::error!("a stored webhook secret is not base64");
        AppError::Internal
    })
}

/// One `v1,...` signature.
pub fn sign(key: &[u8], msg_id: &str, timestamp: i64, body: &[u8]) -> Result<String, AppError> {
    // HMAC takes keys of any length; the error case does not occur.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).map_err(|_| AppError::Internal)?;
    mac.update(msg_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// The `webhook-signature` header: one signature per active secret, space-separated.
pub fn signature_header(
    keys: &[Vec<u8>],
    msg_id: &str,
    timestamp: i64,
    body: &[u8],
) -> Result<String, AppError> {
    let signatures = keys
        .iter()
        .map(|key| sign(key, msg_id, timestamp, body))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(signatures.join(" "))
}

/// The associated data that binds a sealed secret to its endpoint.
pub fn secret_aad(company_id: Uuid, endpoint_id: Uuid) -> Vec<u8> {
    format!("webhook-secret:{company_id}:{endpoint_id}").into_bytes()
}

pub fn seal_secret(
    cipher: &Cipher,
    company_id: Uuid,
    id: Uuid,
    secret: &str,
) -> Result<Vec<u8>, AppError> {
    cipher.encrypt(secret.as_bytes(), &secret_aad(company_id, id))
}

pub fn open_secret(
    cipher: &Cipher,
    company_id: Uuid,
    id: Uuid,
    sealed: &[u8],
) -> Result<String, AppError> {
    let bytes = cipher.decrypt(sealed, &secret_aad(company_id, id))?;
    String::from_utf8(bytes).map_err(|_| AppError::Internal)
}

/// The associated data that binds an endpoint's sealed custom headers to it.
fn headers_aad(company_id: Uuid, endpoint_id: Uuid) -> Vec<u8> {
    format!("webhook-headers:{company_id}:{endpoint_id}").into_bytes()
}

/// Custom headers as one sealed blob (None when there are none).
pub fn seal_headers(
    cipher: &Cipher,
    company_id: Uuid,
    id: Uuid,
    headers: &BTreeMap<String, String>,
) -> Result<Option<Vec<u8>>, AppError> {
    if headers.is_empty() {
        return Ok(None);
    }
    let json = serde_json::to_vec(headers).map_err(|_| AppError::Internal)?;
    cipher
        .encrypt(&json, &headers_aad(company_id, id))
        .map(Some)
}

pub fn open_headers(
    cipher: &Cipher,
    company_id: Uuid,
    id: Uuid,
    sealed: Option<&[u8]>,
) -> Result<BTreeMap<String, String>, AppError> {
    let Some(sealed) = sealed else {
        return Ok(BTreeMap::new());
    };
    let json = cipher.decrypt(sealed, &headers_aad(company_id, id))?;
    serde_json::from_slice(&json).map_err(|_| AppError::Internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The known answer from the Standard Webhooks specification's test vectors.
    #[test]
    fn matches_the_standard_webhooks_known_answer() {
        let key = secret_key("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap();
        let signature = sign(
            &key,
            "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
            1649367553,
            br#"{"email":"test@example.com","username":"test_user"}"#,
        )
        .unwrap();
        assert_eq!(signature, "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=");
    }

    #[test]
    fn two_secrets_give_two_signatures_and_secrets_are_32_random_bytes() {
        let a = generate_secret();
        let b = generate_secret();
        assert_ne!(a, b);
        assert_eq!(secret_key(&a).unwrap().len(), 32);
        let header = signature_header(
            &[secret_key(&a).unwrap(), secret_key(&b).unwrap()],
            "m",
            1,
            b"{}",
        )
        .unwrap();
        assert_eq!(header.split(' ').count(), 2);
        assert!(header.split(' ').all(|s| s.starts_with("v1,")));
    }
}
