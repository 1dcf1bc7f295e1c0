//! A connection's health after its attempts: the last action (when, ok or not), the run of
//! failed attempts, and suspension when the provider refused the credentials: the connection
//! goes to Error with the provider's reason and its pending deliveries are parked until it is
//! reconnected.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::delivery::outcome::Outcome;
use crate::delivery::queue::{self, DestinationKind};
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

/// A connection the statement wrote whose state the admins hear about.
#[derive(sqlx::FromRow)]
struct Updated {
    connection_id: Uuid,
    company_id: Uuid,
    provider: String,
    gone: bool,
    switched_off: bool,
    reason: Option<String>,
}

/// Per connection, in attempt order; returns the connections it switched off. A healthy
/// connection whose state would not change is not written at all, so a busy connection does not
/// serialise every batch.
pub async fn update(
    conn: &mut sqlx::PgConnection,
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
    // One statement, committed on its own, as an endpoint's (`crate::webhooks::health`): the
    // rows whose state changes locked in id order and written, and only when a connection is
    // suspended, its waiting deliveries parked with them.
    let statement = match health.values().any(|h| h.suspended.is_some()) {
        true => UPDATE_HEALTH_AND_PARK,
        false => UPDATE_HEALTH,
    };
    let updated: Vec<Updated> = sqlx::query_as(statement)
        .bind(&columns.ids)
        .bind(&columns.reset)
        .bind(&columns.failed_attempts)
        .bind(&columns.last_at)
        .bind(&columns.last_ok)
        .bind(&columns.suspended)
        .bind(&columns.gone)
        .fetch_all(conn)
        .await?;
    let mut switched_off = Vec::new();
    for row in updated {
        if row.gone {
            switched_off.push(SwitchedOff::HookGone(Gone {
                company_id: row.company_id,
                connection_id: row.connection_id,
            }));
        }
        if row.switched_off {
            switched_off.push(SwitchedOff::Connection(Suspended {
                company_id: row.company_id,
                connection_id: row.connection_id,
                provider: row.provider,
                reason: row.reason.unwrap_or_default(),
            }));
        }
    }
    Ok(switched_off)
}

/// The health statement, whose steps `$then` follow: `h` the connections' health from the
/// batch, `locked` the rows it changes, in id order, `updated` what they became.
macro_rules! update_health_sql {
    ($($then:tt)*) => {
        concat!(
            "WITH h AS (SELECT * FROM unnest($1::uuid[], $2::bool[], $3::int[], $4::timestamptz[], $5::bool[],
                                             $6::text[], $7::bool[])
                               AS h(id, reset, failed_attempts, last_at, last_ok, suspended, gone)),
                  locked AS (
                    SELECT c.id, c.status = 'active' AS was_active FROM connections c JOIN h ON h.id = c.id
                     WHERE NOT h.reset OR h.gone OR h.suspended IS NOT NULL OR c.failed_attempts_in_row <> h.failed_attempts
                           OR c.last_attempt_ok IS DISTINCT FROM h.last_ok OR c.last_attempt_at IS NULL
                           OR c.last_attempt_at < h.last_at - interval '1 second'
                     ORDER BY c.id FOR NO KEY UPDATE OF c),
                  updated AS (
                    UPDATE connections c SET
                        failed_attempts_in_row = CASE WHEN h.reset THEN h.failed_attempts
                                                      ELSE c.failed_attempts_in_row + h.failed_attempts END,
                        last_attempt_at = GREATEST(c.last_attempt_at, h.last_at),
                        last_attempt_ok = CASE WHEN c.last_attempt_at IS NULL OR h.last_at >= c.last_attempt_at
                                               THEN h.last_ok ELSE c.last_attempt_ok END,
                        status = CASE WHEN h.suspended IS NOT NULL AND c.status = 'active' THEN 'error'
                                      ELSE c.status END,
                        error_message = CASE WHEN h.suspended IS NOT NULL AND c.status = 'active' THEN h.suspended
                                             ELSE c.error_message END
                      FROM h, locked l
                     WHERE c.id = h.id AND l.id = h.id
                    RETURNING c.id AS connection_id, c.company_id, c.provider, h.gone, h.suspended AS reason,
                              l.was_active AND c.status <> 'active' AS switched_off)",
            $($then)*
        )
    };
}

const UPDATE_HEALTH: &str = update_health_sql!(
    " SELECT connection_id, company_id, provider, gone, switched_off, reason
        FROM updated WHERE gone OR switched_off"
);

/// [`UPDATE_HEALTH`], parking the waiting deliveries of the connections it suspends.
const UPDATE_HEALTH_AND_PARK: &str = update_health_sql!(
    ", parked AS (",
    queue::park_sql!(
        "connection_id",
        "(SELECT connection_id FROM updated WHERE switched_off)"
    ),
    ") SELECT connection_id, company_id, provider, gone, switched_off, reason
         FROM updated WHERE gone OR switched_off"
);

/// The connections' new health, as the statement's column arrays.
#[derive(Default)]
struct HealthColumns<'a> {
    ids: Vec<Uuid>,
    reset: Vec<bool>,
    failed_attempts: Vec<i32>,
    last_at: Vec<Option<DateTime<Utc>>>,
    last_ok: Vec<bool>,
    suspended: Vec<Option<&'a str>>,
    gone: Vec<bool>,
}

impl<'a> HealthColumns<'a> {
    fn push(&mut self, id: Uuid, h: &'a Health) {
        self.ids.push(id);
        self.reset.push(h.reset);
        self.failed_attempts.push(h.failed_attempts);
        self.last_at.push(h.last_at);
        self.last_ok.push(h.last_ok);
        self.suspended.push(h.suspended.as_deref());
        self.gone.push(h.gone);
    }
}
