//! A connection's health after its attempts: the last action (when, ok or not), the run of
//! failed attempts, and suspension when the provider refused the credentials: the connection
//! goes to Error with the provider's reason and its pending deliveries are parked until it is
//! reconnected.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::delivery::outcome::Outcome;
use crate::delivery::queue::{self, Destination, DestinationKind};
use crate::delivery::record::{Recorded, SwitchedOff};

/// A REST Hooks subscription whose target answered 410 Gone: the Zap is off, so it goes.
pub struct Gone {
    pub company_id: Uuid,
    pub connection_id: Uuid,
}

/// A connection newly in Error, for the admins' notification.
pub struct Suspended {
    pub company_id: Uuid,
    pub connection_id: Uuid,
    pub provider: String,
    pub reason: String,
}

#[derive(Default)]
struct Health {
    reset: bool,
    failed_attempts: i32,
    last_at: Option<DateTime<Utc>>,
    last_ok: bool,
    suspended: Option<String>,
    gone: bool,
}

#[derive(sqlx::FromRow)]
struct Updated {
    company_id: Uuid,
    provider: String,
    was_active: bool,
    active: bool,
}

/// Per connection, in attempt order; returns the connections it switched off. Rows are written one at a time in id order (no cycles
/// between concurrent recorders), and a healthy connection whose state would not change is not
/// written at all, so a busy connection does not serialise every batch.
pub async fn update(
    tx: &mut sqlx::PgConnection,
    recorded: &[&Recorded],
) -> Result<Vec<SwitchedOff>, sqlx::Error> {
    let mut ordered: Vec<(&Recorded, DateTime<Utc>)> = recorded
        .iter()
        .filter(|r| r.claimed.destination.kind == DestinationKind::Connection)
        .filter_map(|r| Some((*r, r.sent.as_ref()?.started_at)))
        .collect();
    ordered.sort_by_key(|(_, at)| *at);
    let mut health: HashMap<Uuid, Health> = HashMap::new();
    for (r, at) in ordered {
        let h = health.entry(r.claimed.destination.id).or_default();
        h.last_at = Some(at);
        h.last_ok = r.outcome == Outcome::Succeeded;
        match r.outcome {
            Outcome::Succeeded => {
                h.reset = true;
                h.failed_attempts = 0;
            }
            Outcome::Failed { disable: true } => {
                h.failed_attempts += 1;
                h.gone = true;
            }
            Outcome::RetryAt(_) | Outcome::Failed { .. } => h.failed_attempts += 1,
            Outcome::Suspended => {
                h.failed_attempts += 1;
                let reason = r.sent.as_ref().and_then(|s| s.error.clone());
                h.suspended = Some(reason.unwrap_or_else(|| "The provider refused access.".into()));
            }
        }
    }
    let mut ids: Vec<Uuid> = health.keys().copied().collect();
    ids.sort();
    let mut switched_off = Vec::new();
    for id in ids {
        let Some(h) = health.get(&id) else { continue };
        let row: Option<Updated> = sqlx::query_as(
            "WITH old AS (SELECT status FROM connections WHERE id = $1)
             UPDATE connections c SET
                 failed_attempts_in_row = CASE WHEN $2 THEN $3 ELSE c.failed_attempts_in_row + $3 END,
                 last_attempt_at = GREATEST(c.last_attempt_at, $4),
                 last_attempt_ok = CASE WHEN c.last_attempt_at IS NULL OR $4 >= c.last_attempt_at
                                        THEN $5 ELSE c.last_attempt_ok END,
                 status = CASE WHEN $6::text IS NOT NULL AND c.status = 'active' THEN 'error' ELSE c.status END,
                 error_message = CASE WHEN $6::text IS NOT NULL AND c.status = 'active' THEN $6
                                      ELSE c.error_message END
              WHERE c.id = $1
                AND (NOT $2 OR $6::text IS NOT NULL OR c.failed_attempts_in_row <> $3
                     OR c.last_attempt_ok IS DISTINCT FROM $5 OR c.last_attempt_at IS NULL
                     OR c.last_attempt_at < $4 - interval '1 second')
              RETURNING c.company_id, c.provider, (SELECT status FROM old) = 'active' AS was_active,
                        c.status = 'active' AS active",
        )
        .bind(id)
        .bind(h.reset)
        .bind(h.failed_attempts)
        .bind(h.last_at)
        .bind(h.last_ok)
        .bind(h.suspended.as_deref())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else { continue };
        if h.gone {
            switched_off.push(SwitchedOff::HookGone(Gone {
                company_id: row.company_id,
                connection_id: id,
            }));
        }
        if row.was_active && !row.active {
            queue::park(&mut *tx, Destination::connection(id)).await?;
            switched_off.push(SwitchedOff::Connection(Suspended {
                company_id: row.company_id,
                connection_id: id,
                provider: row.provider,
                reason: h.suspended.clone().unwrap_or_default(),
            }));
        }
    }
    Ok(switched_off)
}
