//! Authenticating API keys. Lookups are cached for a few seconds, so a busy integration costs
//! one query per key every few seconds rather than one per request; changes made through this
//! process drop the cached entry at once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::scope::Scope;
use crate::error::AppError;
use crate::runtime::tokens;

pub const KEY_PREFIX: &str = "sk_live_";
/// Random characters after the prefix (base62: 48 of them carry 285 bits).
pub const KEY_RANDOM_LEN: usize = 48;
const MAX_ENTRIES: usize = 10_000;

/// An API key that authenticated a request.
#[derive(Debug, Clone)]
pub struct KeyPrincipal {
    pub key_id: Uuid,
    pub company_id: Uuid,
    pub name: String,
    pub scopes: Vec<Scope>,
}

/// Why a presented key was refused (all 401).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    Malformed,
    Unknown,
    Replaced,
    Disabled,
    Expired,
}

impl Rejection {
    pub fn message(self) -> &'static str {
        match self {
            Rejection::Malformed => "Send the API key as `Authorization: Bearer sk_live_...`.",
            Rejection::Unknown => "This API key is not valid.",
            Rejection::Replaced => "This API key was regenerated; use the new key.",
            Rejection::Disabled => "This API key is disabled.",
            Rejection::Expired => "This API key has expired.",
        }
    }
}

#[derive(Debug, Clone)]
struct KeyRecord {
    id: Uuid,
    company_id: Uuid,
    name: String,
    scopes: Vec<Scope>,
    enabled: bool,
    expires_at: Option<DateTime<Utc>>,
    /// False when the token matched the previous key of a regenerated one.
    current: bool,
    previous_valid_until: Option<DateTime<Utc>>,
}

impl KeyRecord {
    fn check(&self, now: DateTime<Utc>) -> Result<KeyPrincipal, Rejection> {
        if !self.current && self.previous_valid_until.is_none_or(|until| until <= now) {
            return Err(Rejection::Replaced);
        }
        if !self.enabled {
            return Err(Rejection::Disabled);
        }
        if self.expires_at.is_some_and(|at| at <= now) {
            return Err(Rejection::Expired);
        }
        Ok(KeyPrincipal {
            key_id: self.id,
            company_id: self.company_id,
            name: self.name.clone(),
            scopes: self.scopes.clone(),
        })
    }
}

/// When it was looked up, and what was found (`None`: no such key).
type CacheEntry = (Instant, Option<KeyRecord>);

pub struct KeyCache {
    ttl: Duration,
    entries: Mutex<HashMap<Vec<u8>, CacheEntry>>,
}

impl KeyCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub async fn authenticate(
        &self,
        pool: &PgPool,
        token: &str,
    ) -> Result<Result<KeyPrincipal, Rejection>, AppError> {
        if !looks_like_key(token) {
            return Ok(Err(Rejection::Malformed));
        }
        let hash = tokens::sha256(token);
        let cached = self.entries.lock().ok().and_then(|entries| {
            entries
                .get(&hash)
                .filter(|(at, _)| at.elapsed() < self.ttl)
                .map(|(_, record)| record.clone())
        });
        let record = match cached {
            Some(record) => record,
            None => {
                let record = lookup(pool, &hash).await?;
                if let Ok(mut entries) = self.entries.lock() {
                    if entries.len() >= MAX_ENTRIES {
                        entries.retain(|_, (at, _)| at.elapsed() < self.ttl);
                        if entries.len() >= MAX_ENTRIES {
                            entries.clear();
                        }
                    }
                    entries.insert(hash, (Instant::now(), record.clone()));
                }
                record
            }
        };
        Ok(match record {
            Some(record) => record.check(Utc::now()),
            None => Err(Rejection::Unknown),
        })
    }

    /// Drops what is cached for a key after it changed.
    pub fn forget(&self, key_id: Uuid) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, (_, record)| record.as_ref().is_none_or(|r| r.id != key_id));
        }
    }
}

fn looks_like_key(token: &str) -> bool {
    token.strip_prefix(KEY_PREFIX).is_some_and(|rest| {
        rest.len() == KEY_RANDOM_LEN && rest.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    id: Uuid,
    company_id: Uuid,
    name: String,
    scopes: Vec<String>,
    enabled: bool,
    expires_at: Option<DateTime<Utc>>,
    current: bool,
    previous_valid_until: Option<DateTime<Utc>>,
}

async fn lookup(pool: &PgPool, hash: &[u8]) -> Result<Option<KeyRecord>, AppError> {
    let row: Option<KeyRow> = sqlx::query_as(
        "SELECT id, company_id, name, scopes, enabled, expires_at, key_hash = $1 AS current, previous_valid_until
           FROM api_keys WHERE key_hash = $1 OR previous_key_hash = $1",
    )
    .bind(hash)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|row| KeyRecord {
        id: row.id,
        company_id: row.company_id,
        name: row.name,
        scopes: row.scopes.iter().filter_map(|s| Scope::parse(s)).collect(),
        enabled: row.enabled,
        expires_at: row.expires_at,
        current: row.current,
        previous_valid_until: row.previous_valid_until,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(current: bool) -> KeyRecord {
        KeyRecord {
            id: Uuid::new_v4(),
            company_id: Uuid::new_v4(),
            name: "ci".into(),
            scopes: vec![Scope::All],
            enabled: true,
            expires_at: None,
            current,
            previous_valid_until: None,
        }
    }

    #[test]
    fn refuses_disabled_expired_and_replaced_keys() {
        let now = Utc::now();
        assert!(record(true).check(now).is_ok());
        let disabled = KeyRecord {
            enabled: false,
            ..record(true)
        };
        assert_eq!(disabled.check(now).unwrap_err(), Rejection::Disabled);
        let expired = KeyRecord {
            expires_at: Some(now),
            ..record(true)
        };
        assert_eq!(expired.check(now).unwrap_err(), Rejection::Expired);
        assert_eq!(record(false).check(now).unwrap_err(), Rejection::Replaced);
        let in_grace = KeyRecord {
            previous_valid_until: Some(now + chrono::Duration::minutes(5)),
            ..record(false)
        };
        assert!(in_grace.check(now).is_ok());
    }

    #[test]
    fn only_well_formed_keys_reach_the_database() {
        let good = format!("{KEY_PREFIX}{}", "a".repeat(KEY_RANDOM_LEN));
        assert!(looks_like_key(&good));
        assert!(!looks_like_key("sk_live_short"));
        assert!(!looks_like_key(&good.replace("sk_live_", "sk_test_")));
        assert!(!looks_like_key(&format!(
            "{KEY_PREFIX}{}-",
            "a".repeat(KEY_RANDOM_LEN - 1)
        )));
    }
}
