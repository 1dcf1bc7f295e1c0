//! Encryption at rest for credentials (OAuth tokens, API keys, signing secrets): AES-256-GCM
//! under the master key, with a random nonce per value and the owning row's ids as associated
//! data, so a ciphertext copied into another row or company fails to decrypt.
//!
//! Blob layout: `1` (format version) | key id (8 bytes) | nonce (12 bytes) | ciphertext+tag.
//! Older keys stay configured for decryption while new values use the current key.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use rand::rngs::OsRng;
use rand::RngCore;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::AppError;

const VERSION: u8 = 1;
const KEY_ID_LEN: usize = 8;
const NONCE_LEN: usize = 12;
const HEADER_LEN: usize = 1 + KEY_ID_LEN + NONCE_LEN;

pub type MasterKey = [u8; 32];

struct Key {
    id: [u8; KEY_ID_LEN],
    aead: Aes256Gcm,
}

impl Key {
    fn new(bytes: &MasterKey) -> Self {
        let digest = Sha256::digest(bytes);
        let mut id = [0u8; KEY_ID_LEN];
        id.copy_from_slice(&digest[..KEY_ID_LEN]);
        Self {
            id,
            aead: Aes256Gcm::new(bytes.into()),
        }
    }
}

pub struct Cipher {
    current: Key,
    previous: Vec<Key>,
}

impl Cipher {
    pub fn new(current: &MasterKey, previous: &[MasterKey]) -> Self {
        Self {
            current: Key::new(current),
            previous: previous.iter().map(Key::new).collect(),
        }
    }

    pub fn random_key() -> MasterKey {
        let mut key = [0u8; 32];
        OsRng.fill_bytes(&mut key);
        key
    }

    pub fn encrypt(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, AppError> {
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .current
            .aead
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .map_err(|_| crypto_failure("encryption failed"))?;
        let mut blob = Vec::with_capacity(HEADER_LEN + sealed.len());
        blob.push(VERSION);
        blob.extend_from_slice(&self.current.id);
        blob.extend_from_slice(&nonce);
        blob.extend_from_slice(&sealed);
        Ok(blob)
    }

    pub fn decrypt(&self, blob: &[u8], aad: &[u8]) -> Result<Vec<u8>, AppError> {
        if blob.len() < HEADER_LEN || blob[0] != VERSION {
            return Err(crypto_failure("unknown ciphertext format"));
        }
        let key_id = &blob[1..1 + KEY_ID_LEN];
        let key = std::iter::once(&self.current)
            .chain(self.previous.iter())
            .find(|k| k.id == key_id)
            .ok_or_else(|| crypto_failure("value encrypted under a key that is not configured"))?;
        let nonce = Nonce::from_slice(&blob[1 + KEY_ID_LEN..HEADER_LEN]);
        key.aead
            .decrypt(
                nonce,
                Payload {
                    msg: &blob[HEADER_LEN..],
                    aad,
                },
            )
            .map_err(|_| crypto_failure("decryption failed (wrong key or tampered value)"))
    }

    /// True when `blob` was sealed with an older key and should be re-encrypted on next write.
    pub fn is_stale(&self, blob: &[u8]) -> bool {
        blob.get(1..1 + KEY_ID_LEN) != Some(&self.current.id[..])
    }

    pub fn encrypt_json<T: Serialize>(&self, value: &T, aad: &[u8]) -> Result<Vec<u8>, AppError> {
        let json =
            serde_json::to_vec(value).map_err(|_| crypto_failure("serialising a secret failed"))?;
        self.encrypt(&json, aad)
    }

    pub fn decrypt_json<T: DeserializeOwned>(
        &self,
        blob: &[u8],
        aad: &[u8],
    ) -> Result<T, AppError> {
        let json = self.decrypt(blob, aad)?;
        serde_json::from_slice(&json)
            .map_err(|_| crypto_failure("decrypted secret is not valid JSON"))
    }
}

fn crypto_failure(what: &str) -> AppError {
    tracing::error!("credential encryption: {what}");
    AppError::Internal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_binds_associated_data() {
        let cipher = Cipher::new(&Cipher::random_key(), &[]);
        let blob = cipher.encrypt(b"xoxb-secret-token", b"row-1").unwrap();
        assert!(
            !blob.windows(6).any(|w| w == b"secret"),
            "plaintext must not appear"
        );
        assert_eq!(
            cipher.decrypt(&blob, b"row-1").unwrap(),
            b"xoxb-secret-token"
        );
        assert!(
            cipher.decrypt(&blob, b"row-2").is_err(),
            "moved to another row"
        );
        let mut tampered = blob.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(cipher.decrypt(&tampered, b"row-1").is_err());
    }

    #[test]
    fn nonces_differ_per_value() {
        let cipher = Cipher::new(&Cipher::random_key(), &[]);
        assert_ne!(
            cipher.encrypt(b"same", b"").unwrap(),
            cipher.encrypt(b"same", b"").unwrap()
        );
    }

    #[test]
    fn rotation_decrypts_old_values_and_encrypts_new_ones_with_the_new_key() {
        let old_key = Cipher::random_key();
        let new_key = Cipher::random_key();
        let old = Cipher::new(&old_key, &[]);
        let blob = old.encrypt(b"token", b"row").unwrap();

        let rotated = Cipher::new(&new_key, &[old_key]);
        assert_eq!(rotated.decrypt(&blob, b"row").unwrap(), b"token");
        assert!(rotated.is_stale(&blob));
        let fresh = rotated.encrypt(b"token", b"row").unwrap();
        assert!(!rotated.is_stale(&fresh));
        assert!(
            old.decrypt(&fresh, b"row").is_err(),
            "new values need the new key"
        );

        let forgot_old = Cipher::new(&new_key, &[]);
        assert!(forgot_old.decrypt(&blob, b"row").is_err());
    }
}
