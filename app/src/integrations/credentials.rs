//! What a connection's encrypted `credentials` blob holds, and how it is sealed: the associated
//! data binds it to its company and connection row.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::runtime::crypto::Cipher;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Credentials {
    OAuth {
        access_token: String,
        refresh_token: Option<String>,
        /// Token-response fields the catalogue keeps sealed (`sealed_token_fields`), such as
        /// the incoming webhook, with its token, that Discord's grant creates. Kept across
        /// refreshes.
        #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
        grant: serde_json::Map<String, serde_json::Value>,
    },
    ApiKey {
        values: BTreeMap<String, String>,
    },
    Webhook {
        url: String,
    },
}

fn aad(company_id: Uuid, connection_id: Uuid) -> Vec<u8> {
    let mut aad = Vec::with_capacity(32);
    aad.extend_from_slice(company_id.as_bytes());
    aad.extend_from_slice(connection_id.as_bytes());
    aad
}

impl Credentials {
    pub fn seal(
        &self,
        cipher: &Cipher,
        company_id: Uuid,
        connection_id: Uuid,
    ) -> Result<Vec<u8>, AppError> {
        cipher.encrypt_json(self, &aad(company_id, connection_id))
    }

    pub fn open(
        blob: &[u8],
        cipher: &Cipher,
        company_id: Uuid,
        connection_id: Uuid,
    ) -> Result<Self, AppError> {
        cipher.decrypt_json(blob, &aad(company_id, connection_id))
    }
}
