//! "Last used" for API keys, without a write per request: uses are noted in memory and written
//! in one statement every few seconds (and at shutdown).

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

#[derive(Default)]
pub struct KeyUsage {
    pending: Mutex<HashMap<Uuid, DateTime<Utc>>>,
}

impl KeyUsage {
    pub fn touch(&self, key_id: Uuid) {
        if let Ok(mut pending) = self.pending.lock() {
            pending.insert(key_id, Utc::now());
        }
    }

    /// Writes the uses noted since the last flush; returns how many keys were updated. On a
    /// database error the uses are put back for the next flush.
    pub async fn flush(&self, pool: &PgPool) -> Result<u64, sqlx::Error> {
        let batch: HashMap<Uuid, DateTime<Utc>> = match self.pending.lock() {
            Ok(mut pending) => std::mem::take(&mut *pending),
            Err(_) => return Ok(0),
        };
        if batch.is_empty() {
            return Ok(0);
        }
        let (ids, times): (Vec<Uuid>, Vec<DateTime<Utc>>) =
            batch.iter().map(|(k, v)| (*k, *v)).unzip();
        let result = sqlx::query(
            "UPDATE api_keys k SET last_used_at = u.used_at
               FROM unnest($1::uuid[], $2::timestamptz[]) AS u(id, used_at)
              WHERE k.id = u.id AND (k.last_used_at IS NULL OR k.last_used_at < u.used_at)",
        )
        .bind(&ids)
        .bind(&times)
        .execute(pool)
        .await;
        match result {
            Ok(done) => Ok(done.rows_affected()),
            Err(e) => {
                if let Ok(mut pending) = self.pending.lock() {
                    for (id, at) in batch {
                        let slot = pending.entry(id).or_insert(at);
                        *slot = (*slot).max(at);
                    }
                }
                Err(e)
            }
        }
    }
}
