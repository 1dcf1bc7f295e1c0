//! A webhook endpoint's health after its attempts: failure runs (Failing while any), and the
//! automatic switch-off (410 Gone at once, or after too many failed deliveries in a row), which
//! parks the endpoint's pending deliveries until an admin switches it on again.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::delivery::outcome::Outcome;
use crate::delivery::queue::{self, DestinationKind};
use crate::delivery::record::Recorded;
use crate::runtime::config::WebhookConfig;

/// An endpoint's newly disabled state, for the notification.
#[derive(sqlx::FromRow)]
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

/// Per endpoint, in attempt order: a success resets both failure runs; a failed attempt adds to
/// the attempt run, an exhausted delivery to the delivery run; a 410 disables at once.
pub async fn update(
    conn: &mut sqlx::PgConnection,
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
    // One statement, committed on its own: the rows whose state changes are locked in id
    // order (concurrent recorders never wait on each other in a cycle) and written, and an
    // endpoint this switches off has its waiting deliveries parked in the same statement. A
    // healthy endpoint whose state would not change (last attempt under a second ago, same
    // status) is neither locked nor written: busy endpoints do not serialise every batch.
    if health.is_empty() {
        return Ok(Vec::new());
    }
    let mut columns = HealthColumns::default();
    let mut ids: Vec<&Uuid> = health.keys().collect();
    ids.sort();
    for id in ids {
        if let Some(h) = health.get(id) {
            columns.push(*id, h);
        }
    }
    let threshold = i32::try_from(config.auto_disable_after).unwrap_or(i32::MAX);
    // Only a batch with no success after an endpoint's failures, a 410 or as many failed
    // deliveries as switch an endpoint off can switch one off; the others' statement leaves the
    // parking out (setting it up opens the live partition and each of its indexes).
    let may_switch_off = health
        .values()
        .any(|h| h.gone || !h.reset || h.failed_deliveries >= threshold);
    let statement = match may_switch_off {
        true => UPDATE_HEALTH_AND_PARK,
        false => UPDATE_HEALTH,
    };
    sqlx::query_as(statement)
        .bind(&columns.ids)
        .bind(&columns.reset)
        .bind(&columns.failed_attempts)
        .bind(&columns.failed_deliveries)
        .bind(&columns.gone)
        .bind(&columns.last_at)
        .bind(&columns.last_code)
        .bind(threshold)
        .fetch_all(conn)
        .await
}

/// The health statement, whose steps `$then` follow: `h` the endpoints' health from the batch
/// ($8 the failed deliveries in a row that switch one off), `locked` the rows it changes, in id
/// order, `updated` what they became.
macro_rules! update_health_sql {
    ($($then:tt)*) => {
        concat!(
            "WITH h AS (SELECT * FROM unnest($1::uuid[], $2::bool[], $3::int[], $4::int[], $5::bool[],
                                             $6::timestamptz[], $7::int[])
                               AS h(id, reset, failed_attempts, failed_deliveries, gone, last_at, last_code)),
                  locked AS (
                    SELECT e.id, e.enabled AS was_enabled FROM webhook_endpoints e JOIN h ON h.id = e.id
                     WHERE NOT h.reset OR h.gone OR e.failed_attempts_in_row <> h.failed_attempts
                           OR e.failed_deliveries_in_row <> h.failed_deliveries
                           OR e.last_status_code IS DISTINCT FROM h.last_code OR e.last_attempt_at IS NULL
                           OR e.last_attempt_at < h.last_at - interval '1 second'
                     ORDER BY e.id FOR NO KEY UPDATE OF e),
                  updated AS (
                    UPDATE webhook_endpoints e SET
                        failed_attempts_in_row = CASE WHEN h.reset THEN h.failed_attempts
                                                      ELSE e.failed_attempts_in_row + h.failed_attempts END,
                        failed_deliveries_in_row = CASE WHEN h.reset THEN h.failed_deliveries
                                                        ELSE e.failed_deliveries_in_row + h.failed_deliveries END,
                        last_attempt_at = GREATEST(e.last_attempt_at, h.last_at),
                        last_status_code = CASE WHEN e.last_attempt_at IS NULL OR h.last_at >= e.last_attempt_at
                                                THEN h.last_code ELSE e.last_status_code END,
                        enabled = e.enabled AND NOT h.gone
                                  AND (CASE WHEN h.reset THEN h.failed_deliveries
                                            ELSE e.failed_deliveries_in_row + h.failed_deliveries END) < $8,
                        disabled_reason = CASE
                            WHEN NOT e.enabled THEN e.disabled_reason
                            WHEN h.gone THEN 'The endpoint answered 410 Gone.'
                            WHEN (CASE WHEN h.reset THEN h.failed_deliveries
                                       ELSE e.failed_deliveries_in_row + h.failed_deliveries END) >= $8
                                THEN format('%s deliveries in a row failed.', $8)
                            ELSE NULL END
                      FROM h, locked l
                     WHERE e.id = h.id AND l.id = h.id
                    RETURNING e.id AS endpoint_id, e.company_id, e.url, coalesce(e.disabled_reason, '') AS reason,
                              l.was_enabled AND NOT e.enabled AS switched_off)",
            $($then)*
        )
    };
}

const UPDATE_HEALTH: &str = update_health_sql!(
    " SELECT endpoint_id, company_id, url, reason FROM updated WHERE switched_off"
);

/// [`UPDATE_HEALTH`], parking the waiting deliveries of the endpoints it switches off.
const UPDATE_HEALTH_AND_PARK: &str = update_health_sql!(
    ", parked AS (",
    queue::park_sql!(
        "endpoint_id",
        "(SELECT endpoint_id FROM updated WHERE switched_off)"
    ),
    ") SELECT endpoint_id, company_id, url, reason FROM updated WHERE switched_off"
);

/// The endpoints' new health, as the statement's column arrays.
#[derive(Default)]
struct HealthColumns {
    ids: Vec<Uuid>,
    reset: Vec<bool>,
    failed_attempts: Vec<i32>,
    failed_deliveries: Vec<i32>,
    gone: Vec<bool>,
    last_at: Vec<Option<DateTime<Utc>>>,
    last_code: Vec<Option<i32>>,
}

impl HealthColumns {
    fn push(&mut self, id: Uuid, h: &Health) {
        self.ids.push(id);
        self.reset.push(h.reset);
        self.failed_attempts.push(h.failed_attempts);
        self.failed_deliveries.push(h.failed_deliveries);
        self.gone.push(h.gone);
        self.last_at.push(h.last_at);
        self.last_code.push(h.last_code);
    }
}
