//! Recording a batch of attempts: the deliveries' new states and the attempt log in one
//! statement, then each destination kind's health (failure runs, auto-disable).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::attempt::SentAttempt;
use super::outcome::Outcome;
use super::queue::{Claimed, Destination};
use crate::actions::health::{self as connection_health, Gone, Suspended};
use crate::runtime::config::WebhookConfig;
use crate::webhooks::health::{self as endpoint_health, Disabled};

/// A destination the recorded attempts switched off, for the admins' notification.
pub enum SwitchedOff {
    /// Too many failures, or 410 Gone.
    Endpoint(Disabled),
    /// The provider refused the credentials.
    Connection(Suspended),
    /// A REST Hooks target answered 410 Gone: the subscription is to be removed.
    HookGone(Gone),
}

/// One attempt, sent or not, and what it means.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub claimed: Claimed,
    /// None when nothing was sent: the destination was off by the time its turn came.
    pub sent: Option<SentAttempt>,
    pub outcome: Outcome,
}

impl Recorded {
    /// The delivery's new status; `unsent` is parked and gives its claim back.
    fn status(&self) -> &'static str {
        match (self.sent.is_none(), self.outcome) {
            (true, _) => "unsent",
            (false, Outcome::Succeeded) => "succeeded",
            (false, Outcome::RetryAt(_)) => "pending",
            (false, Outcome::Failed { .. }) => "failed",
            (false, Outcome::Suspended) => "parked",
        }
    }
}

/// Records attempts whose claims still hold (a claim that outlived its lease and was taken over
/// records nothing), then updates the destinations' health; returns destinations it disabled.
///
/// A batch is one statement. If it fails, each attempt is recorded on its own, so one row the
/// database refuses cannot lose the others' outcomes (and send them again after the lease); a
/// row refused even alone is recorded without the receiver's answer, with the reason.
#[tracing::instrument(level = "debug", name = "record", skip_all, fields(attempts = results.len()))]
pub async fn record(
    conn: &mut PgConnection,
    config: &WebhookConfig,
    results: &[Recorded],
) -> Result<Vec<SwitchedOff>, sqlx::Error> {
    let batch_error = match record_together(conn, config, results).await {
        Ok(disabled) => return Ok(disabled),
        Err(e) => e,
    };
    tracing::warn!(
        "recording {} delivery attempts together failed ({batch_error}); recording them one by one",
        results.len()
    );
    let mut disabled = Vec::new();
    let mut last_error = None;
    for result in results {
        let recorded = match record_together(conn, config, std::slice::from_ref(result)).await {
            Ok(done) => Ok(done),
            Err(e) => {
                tracing::warn!(delivery = %result.claimed.delivery_id, "recording an attempt failed ({e}); recording it without the answer");
                let stripped = Recorded {
                    sent: result.sent.as_ref().map(|s| s.without_answer(&e)),
                    ..result.clone()
                };
                record_together(conn, config, std::slice::from_ref(&stripped)).await
            }
        };
        match recorded {
            Ok(done) => disabled.extend(done),
            Err(e) => {
                tracing::error!(delivery = %result.claimed.delivery_id, "recording an attempt: {e}");
                last_error = Some(e);
            }
        }
    }
    match last_error {
        Some(e) => Err(e),
        None => Ok(disabled),
    }
}

async fn record_together(
    conn: &mut PgConnection,
    config: &WebhookConfig,
    results: &[Recorded],
) -> Result<Vec<SwitchedOff>, sqlx::Error> {
    if results.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = results.iter().map(|r| r.claimed.delivery_id).collect();
    let claims: Vec<Uuid> = results.iter().map(|r| r.claimed.claim_id).collect();
    let statuses: Vec<&str> = results.iter().map(Recorded::status).collect();
    let next_at: Vec<Option<DateTime<Utc>>> = results
        .iter()
        .map(|r| match r.outcome {
            Outcome::RetryAt(at) => Some(at),
            _ => None,
        })
        .collect();
    let codes: Vec<Option<i32>> = results
        .iter()
        .map(|r| {
            r.sent
                .as_ref()
                .and_then(|s| s.response_status)
                .map(i32::from)
        })
        .collect();
    let errors: Vec<Option<&str>> = results
        .iter()
        .map(|r| r.sent.as_ref().and_then(|s| s.error.as_deref()))
        .collect();
    // One statement, so no transaction round trips: the deliveries' new states and, for those
    // whose claims still held, their attempts in the log. A retry of a destination switched off
    // meanwhile is parked; a delivery that was never sent gives its claim back (it was not an
    // attempt). The destination's row is read with a share lock: a switch-off being committed
    // right now is waited for and seen (its own parking skips deliveries that are claimed,
    // like these). In a batch that finishes at least [`MOVED_AT_ONCE`] deliveries, they move
    // from the live partition into the day they finished; the destinations are key-share
    // locked first, before any delivery's row (as the filer does): the days have no keys to
    // them, so a destination being deleted waits for the move and then finds the moved rows.
    // Fewer finish in place, for the filer.
    let moved = Moved::of(results);
    let log = AttemptLog::of(results);
    let held: Vec<Uuid> = sqlx::query_scalar(
        "WITH endpoints_held AS (SELECT e.id FROM webhook_endpoints e
                                  WHERE e.id = ANY($7::uuid[]) ORDER BY e.id FOR KEY SHARE),
              connections_held AS (SELECT c.id FROM connections c
                                    WHERE c.id = ANY($8::uuid[]) ORDER BY c.id FOR KEY SHARE),
              held AS (
                UPDATE deliveries d
                   SET status = CASE WHEN r.status = 'unsent' THEN 'parked'
                                     WHEN r.status = 'pending' AND NOT (CASE d.destination_kind
                                         WHEN 'webhook' THEN (SELECT e.enabled FROM webhook_endpoints e
                                                               WHERE e.id = d.endpoint_id FOR SHARE)
                                         ELSE (SELECT c.status = 'active' FROM connections c
                                                WHERE c.id = d.connection_id FOR SHARE) END)
                                     THEN 'parked' ELSE r.status END,
                       attempts = CASE WHEN r.status = 'unsent' THEN d.attempts - 1 ELSE d.attempts END,
                       next_attempt_at = COALESCE(r.next_at, now()), claim_id = NULL,
                       last_status_code = CASE WHEN r.status = 'unsent' THEN d.last_status_code ELSE r.code END,
                       last_error = CASE WHEN r.status = 'unsent' THEN d.last_error ELSE r.error END,
                       completed_at = CASE WHEN r.status IN ('succeeded', 'failed') THEN now() END,
                       finished_on = CASE WHEN $9 AND r.status IN ('succeeded', 'failed')
                                          THEN (now() AT TIME ZONE 'UTC')::date ELSE d.finished_on END
                  FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[], $5::int[], $6::text[])
                       AS r(id, claim, status, next_at, code, error)
                 WHERE d.finished_on = 'infinity' AND d.id = r.id AND d.claim_id = r.claim
                   AND (SELECT count(*) FROM endpoints_held) + (SELECT count(*) FROM connections_held) >= 0
                RETURNING d.id),
              logged AS (
                INSERT INTO delivery_attempts (delivery_id, attempt, started_at, duration_ms, request_headers,
                                               request_body, response_status, response_headers, response_body, error)
                SELECT a.delivery_id, a.attempt, a.started_at, a.duration_ms, a.request_headers, a.request_body,
                       a.response_status, a.response_headers, a.response_body, a.error
                  FROM unnest($10::uuid[], $11::int[], $12::timestamptz[], $13::int[], $14::jsonb[], $15::text[],
                              $16::int[], $17::jsonb[], $18::text[], $19::text[])
                       AS a(delivery_id, attempt, started_at, duration_ms, request_headers, request_body,
                            response_status, response_headers, response_body, error)
                 WHERE a.delivery_id IN (SELECT id FROM held))
         SELECT id FROM held",
    )
    .bind(&ids)
    .bind(&claims)
    .bind(&statuses)
    .bind(&next_at)
    .bind(&codes)
    .bind(&errors)
    .bind(&moved.endpoints)
    .bind(&moved.connections)
    .bind(moved.now)
    .bind(&log.delivery)
    .bind(&log.number)
    .bind(&log.started)
    .bind(&log.duration)
    .bind(&log.request_headers)
    .bind(&log.request_body)
    .bind(&log.status)
    .bind(&log.response_headers)
    .bind(&log.response_body)
    .bind(&log.error)
    .fetch_all(&mut *conn)
    .await?;
    let kept: Vec<&Recorded> = results
        .iter()
        .filter(|r| r.sent.is_some() && held.contains(&r.claimed.delivery_id))
        .collect();
    // Then the destinations' health, each kind in one statement committed on its own (see
    // `update`): a batch of one destination's attempts costs one round trip, not a transaction
    // of three.
    let mut switched_off: Vec<SwitchedOff> = endpoint_health::update(&mut *conn, config, &kept)
        .await?
        .into_iter()
        .map(SwitchedOff::Endpoint)
        .collect();
    switched_off.extend(connection_health::update(&mut *conn, &kept).await?);
    Ok(switched_off)
}

/// Finished deliveries a batch moves into their days as it records them, at least. A move
/// between partitions costs each statement a set-up (the day's partition and its indexes
/// opened, the destinations locked) that a batch of one or two pays per delivery: at low
/// rates, finishing in place and filing a quarter-second's deliveries together costs less
/// (the README's benchmark, "Finished deliveries moved as they are recorded").
pub const MOVED_AT_ONCE: usize = 16;

/// Whether a batch moves its finished deliveries, and the destinations it then locks.
struct Moved {
    now: bool,
    endpoints: Vec<Uuid>,
    connections: Vec<Uuid>,
}

impl Moved {
    fn of(results: &[Recorded]) -> Self {
        let finishing: Vec<Destination> = results
            .iter()
            .filter(|r| matches!(r.status(), "succeeded" | "failed"))
            .map(|r| r.claimed.destination)
            .collect();
        let mut moved = Moved {
            now: finishing.len() >= MOVED_AT_ONCE,
            endpoints: Vec::new(),
            connections: Vec::new(),
        };
        if moved.now {
            moved.endpoints = finishing.iter().filter_map(|d| d.endpoint_id()).collect();
            moved.connections = finishing.iter().filter_map(|d| d.connection_id()).collect();
            for ids in [&mut moved.endpoints, &mut moved.connections] {
                ids.sort_unstable();
                ids.dedup();
            }
        }
        moved
    }
}

/// The attempt log's rows of a batch's sent attempts, as the statement's column arrays
/// (written as JSON straight into the statement's arguments, not built as values first).
struct AttemptLog<'a> {
    delivery: Vec<Uuid>,
    number: Vec<i32>,
    started: Vec<DateTime<Utc>>,
    duration: Vec<i32>,
    request_headers: Vec<Json<&'a BTreeMap<String, String>>>,
    request_body: Vec<&'a str>,
    status: Vec<Option<i32>>,
    response_headers: Vec<Option<Json<&'a BTreeMap<String, String>>>>,
    response_body: Vec<Option<&'a str>>,
    error: Vec<Option<&'a str>>,
}

impl<'a> AttemptLog<'a> {
    fn of(results: &'a [Recorded]) -> Self {
        let sent: Vec<(&Claimed, &SentAttempt)> = results
            .iter()
            .filter_map(|r| r.sent.as_ref().map(|s| (&r.claimed, s)))
            .collect();
        AttemptLog {
            delivery: sent.iter().map(|(c, _)| c.delivery_id).collect(),
            number: sent.iter().map(|(c, _)| c.attempt).collect(),
            started: sent.iter().map(|(_, a)| a.started_at).collect(),
            duration: sent.iter().map(|(_, a)| a.duration_ms).collect(),
            request_headers: sent.iter().map(|(_, a)| Json(&a.request_headers)).collect(),
            request_body: sent.iter().map(|(_, a)| a.request_body.as_str()).collect(),
            status: sent
                .iter()
                .map(|(_, a)| a.response_status.map(i32::from))
                .collect(),
            response_headers: sent
                .iter()
                .map(|(_, a)| a.response_headers.as_ref().map(Json))
                .collect(),
            response_body: sent
                .iter()
                .map(|(_, a)| a.response_body.as_deref())
                .collect(),
            error: sent.iter().map(|(_, a)| a.error.as_deref()).collect(),
        }
    }
}
