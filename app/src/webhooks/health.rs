//! A webhook endpoint's health after its attempts: failure runs (Failing while any), and the
//! automatic switch-off (410 Gone at once, or after too many failed deliveries in a row), which
//! parks the endpoint's pending deliveries until an admin switches it on again.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::delivery::outcome::Outcome;
use crate::delivery::queue::{self, Destination, DestinationKind};
use crate::delivery::record::Recorded;
use crate::runtime::config::WebhookConfig;

/// An endpoint's newly disabled state, for the notification.
pub struct Disabled {
    pub company_id: Uuid,
    pub endpoint_id: Uuid,
    pub url: String,
    pub reason: String,
}

#[derive(Default)]
struct Health {
    reset: bool,
    failed_attempts: i32,
    failed_deliveries: i32,
    gone: bool,
    last_at: Option<DateTime<Utc>>,
    last_code: Option<i32>,
}

#[derive(sqlx::FromRow)]
struct Updated {
    company_id: Uuid,
    url: String,
    enabled: bool,
    disabled_reason: Option<String>,
    was_enabled: bool,
}

/// Per endpoint, in attempt order: a success resets both failure runs; a failed attempt adds to
/// the attempt run, an exhausted delivery to the delivery run; a 410 disables at once.
pub async fn update(
    tx: &mut sqlx::PgConnection,
    config: &WebhookConfig,
    recorded: &[&Recorded],
) -> Result<Vec<Disabled>, sqlx::Error> {
    let mut ordered: Vec<(&Recorded, DateTime<Utc>, Option<i32>)> = recorded
        .iter()
        .filter(|r| r.claimed.destination.kind == DestinationKind::Webhook)
        .filter_map(|r| {
            let sent = r.sent.as_ref()?;
            Some((*r, sent.started_at, sent.response_status.map(i32::from)))
        })
        .collect();
    ordered.sort_by_key(|(_, at, _)| *at);
    let mut health: HashMap<Uuid, Health> = HashMap::new();
    for (r, at, code) in ordered {
        let h = health.entry(r.claimed.destination.id).or_default();
        h.last_at = Some(at);
        h.last_code = code;
        match r.outcome {
            Outcome::Succeeded => {
                *h = Health {
                    reset: true,
                    last_at: h.last_at,
                    last_code: h.last_code,
                    ..Health::default()
                };
            }
            Outcome::RetryAt(_) | Outcome::Suspended => h.failed_attempts += 1,
            Outcome::Failed { disable } => {
                h.failed_attempts += 1;
                h.failed_deliveries += 1;
                h.gone |= disable;
            }
        }
    }
    // One row at a time in id order, so concurrent recorders never wait on each other in a
    // cycle. A healthy endpoint whose state would not change (last attempt under a second ago,
    // same status) is not written at all: busy endpoints do not serialise every batch.
    let mut ids: Vec<Uuid> = health.keys().copied().collect();
    ids.sort();
    let threshold = i32::try_from(config.auto_disable_after).unwrap_or(i32::MAX);
    let mut disabled = Vec::new();
    for id in ids {
        let Some(h) = health.get(&id) else { continue };
        let row: Option<Updated> = sqlx::query_as(
            "WITH old AS (SELECT enabled FROM webhook_endpoints WHERE id = $1)
             UPDATE webhook_endpoints e SET
                 failed_attempts_in_row = CASE WHEN $2 THEN $3 ELSE e.failed_attempts_in_row + $3 END,
                 failed_deliveries_in_row = CASE WHEN $2 THEN $4 ELSE e.failed_deliveries_in_row + $4 END,
                 last_attempt_at = GREATEST(e.last_attempt_at, $6),
                 last_status_code = CASE WHEN e.last_attempt_at IS NULL OR $6 >= e.last_attempt_at
                                         THEN $7 ELSE e.last_status_code END,
                 enabled = e.enabled AND NOT $5
                           AND (CASE WHEN $2 THEN $4 ELSE e.failed_deliveries_in_row + $4 END) < $8,
                 disabled_reason = CASE
                     WHEN NOT e.enabled THEN e.disabled_reason
                     WHEN $5 THEN 'The endpoint answered 410 Gone.'
                     WHEN (CASE WHEN $2 THEN $4 ELSE e.failed_deliveries_in_row + $4 END) >= $8
                         THEN format('%s deliveries in a row failed.', $8)
                     ELSE NULL END
              WHERE e.id = $1
                AND (NOT $2 OR $5 OR e.failed_attempts_in_row <> $3 OR e.failed_deliveries_in_row <> $4
                     OR e.last_status_code IS DISTINCT FROM $7 OR e.last_attempt_at IS NULL
                     OR e.last_attempt_at < $6 - interval '1 second')
              RETURNING e.company_id, e.url, e.enabled, e.disabled_reason, (SELECT enabled FROM old) AS was_enabled",
        )
        .bind(id)
        .bind(h.reset)
        .bind(h.failed_attempts)
        .bind(h.failed_deliveries)
        .bind(h.gone)
        .bind(h.last_at)
        .bind(h.last_code)
        .bind(threshold)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = row {
            if row.was_enabled && !row.enabled {
                queue::park(&mut *tx, Destination::webhook(id)).await?;
                disabled.push(Disabled {
                    company_id: row.company_id,
                    endpoint_id: id,
                    url: row.url,
                    reason: row.disabled_reason.unwrap_or_default(),
                });
            }
        }
    }
    Ok(disabled)
}
