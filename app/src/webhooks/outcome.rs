//! What an attempt means for its delivery (done, retry when, or failed) and recording a batch
//! of them: delivery states, the attempt log and the endpoints' health, in one transaction.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;
use sqlx::PgPool;
use uuid::Uuid;

use super::attempt::{Attempt, Job};
use crate::server::config::WebhookConfig;

/// A `Retry-After` is honoured between these bounds.
const RETRY_AFTER_MIN: Duration = Duration::from_secs(1);
const RETRY_AFTER_MAX: Duration = Duration::from_secs(60 * 60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    RetryAt(DateTime<Utc>),
    /// Out of attempts, or `gone` (410): the endpoint asked us to stop.
    Failed {
        gone: bool,
    },
}

/// After attempt `n` (from 1) fails, the next waits `schedule[n]` (with ±10% jitter), or the
/// endpoint's `Retry-After` on 429/503; past the schedule's end the delivery has failed.
pub fn decide(
    attempt: &Attempt,
    number: i32,
    schedule: &[Duration],
    single_attempt: bool,
) -> Outcome {
    if attempt.succeeded() {
        return Outcome::Succeeded;
    }
    if attempt.response_status == Some(410) {
        return Outcome::Failed { gone: true };
    }
    let next = usize::try_from(number).unwrap_or(usize::MAX);
    if single_attempt || next >= schedule.len() {
        return Outcome::Failed { gone: false };
    }
    let delay = match attempt.retry_after {
        Some(asked) => asked.clamp(RETRY_AFTER_MIN, RETRY_AFTER_MAX),
        None => jitter(schedule[next]),
    };
    let delay = chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::zero());
    Outcome::RetryAt(Utc::now() + delay)
}

fn jitter(delay: Duration) -> Duration {
    if delay.is_zero() {
        return delay;
    }
    delay.mul_f64(rand::thread_rng().gen_range(0.9..1.1))
}

/// An endpoint's newly disabled state, for the notification.
pub struct Disabled {
    pub company_id: Uuid,
    pub endpoint_id: Uuid,
    pub url: String,
    pub reason: String,
}

/// Records attempts whose claims still hold (a claim that outlived its lease and was taken over
/// records nothing), then updates the endpoints' health; returns endpoints it disabled.
///
/// A batch is one transaction. If it fails, each attempt is recorded on its own, so one row the
/// database refuses cannot lose the others' outcomes (and send them again after the lease); a
/// row refused even alone is recorded without the receiver's answer, with the reason.
pub async fn record(
    pool: &PgPool,
    config: &WebhookConfig,
    results: &[(Job, Attempt, Outcome)],
) -> Result<Vec<Disabled>, sqlx::Error> {
    let batch_error = match record_together(pool, config, results).await {
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
        let one = std::slice::from_ref(result);
        let recorded = match record_together(pool, config, one).await {
            Ok(done) => Ok(done),
            Err(e) => {
                tracing::warn!(delivery = %result.0.delivery_id, "recording an attempt failed ({e}); recording it without the answer");
                let stripped = (result.0.clone(), result.1.without_answer(&e), result.2);
                record_together(pool, config, std::slice::from_ref(&stripped)).await
            }
        };
        match recorded {
            Ok(done) => disabled.extend(done),
            Err(e) => {
                tracing::error!(delivery = %result.0.delivery_id, "recording an attempt: {e}");
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
    pool: &PgPool,
    config: &WebhookConfig,
    results: &[(Job, Attempt, Outcome)],
) -> Result<Vec<Disabled>, sqlx::Error> {
    if results.is_empty() {
        return Ok(Vec::new());
    }
    let mut ids = Vec::with_capacity(results.len());
    let mut claims = Vec::with_capacity(results.len());
    let mut statuses = Vec::with_capacity(results.len());
    let mut next_at: Vec<Option<DateTime<Utc>>> = Vec::with_capacity(results.len());
    let mut codes: Vec<Option<i32>> = Vec::with_capacity(results.len());
    let mut errors: Vec<Option<String>> = Vec::with_capacity(results.len());
    for (job, attempt, outcome) in results {
        ids.push(job.delivery_id);
        claims.push(job.claim_id);
        let (status, at) = match outcome {
            Outcome::Succeeded => ("succeeded", None),
            Outcome::RetryAt(at) => ("pending", Some(*at)),
            Outcome::Failed { .. } => ("failed", None),
        };
        statuses.push(status);
        next_at.push(at);
        codes.push(attempt.response_status.map(i32::from));
        errors.push(attempt.error.clone());
    }
    let mut tx = pool.begin().await?;
    let held: Vec<Uuid> = sqlx::query_scalar(
        "UPDATE webhook_deliveries d
            SET status = r.status, next_attempt_at = COALESCE(r.next_at, d.next_attempt_at), claim_id = NULL,
                last_status_code = r.code, last_error = r.error,
                completed_at = CASE WHEN r.status = 'pending' THEN NULL ELSE now() END
           FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[], $5::int[], $6::text[])
                AS r(id, claim, status, next_at, code, error)
          WHERE d.id = r.id AND d.claim_id = r.claim
          RETURNING d.id",
    )
    .bind(&ids)
    .bind(&claims)
    .bind(&statuses)
    .bind(&next_at)
    .bind(&codes)
    .bind(&errors)
    .fetch_all(&mut *tx)
    .await?;
    let kept: Vec<&(Job, Attempt, Outcome)> = results
        .iter()
        .filter(|(job, ..)| held.contains(&job.delivery_id))
        .collect();
    insert_attempts(&mut tx, &kept).await?;
    tx.commit().await?;
    // Endpoint health in a transaction of its own, taking the endpoint rows in id order:
    // workers sharing endpoints (and deletes, which lock the endpoint before its deliveries)
    // then never wait on each other in a cycle.
    let mut tx = pool.begin().await?;
    let disabled = update_endpoints(&mut tx, config, &kept).await?;
    tx.commit().await?;
    Ok(disabled)
}

async fn insert_attempts(
    tx: &mut sqlx::PgConnection,
    kept: &[&(Job, Attempt, Outcome)],
) -> Result<(), sqlx::Error> {
    let delivery: Vec<Uuid> = kept.iter().map(|(j, ..)| j.delivery_id).collect();
    let number: Vec<i32> = kept.iter().map(|(j, ..)| j.attempt).collect();
    let started: Vec<DateTime<Utc>> = kept.iter().map(|(_, a, _)| a.started_at).collect();
    let duration: Vec<i32> = kept.iter().map(|(_, a, _)| a.duration_ms).collect();
    let req_headers: Vec<serde_json::Value> = kept
        .iter()
        .map(|(_, a, _)| to_json(&a.request_headers))
        .collect();
    let req_body: Vec<&str> = kept
        .iter()
        .map(|(_, a, _)| a.request_body.as_str())
        .collect();
    let status: Vec<Option<i32>> = kept
        .iter()
        .map(|(_, a, _)| a.response_status.map(i32::from))
        .collect();
    let res_headers: Vec<Option<serde_json::Value>> = kept
        .iter()
        .map(|(_, a, _)| a.response_headers.as_ref().map(to_json))
        .collect();
    let res_body: Vec<Option<&str>> = kept
        .iter()
        .map(|(_, a, _)| a.response_body.as_deref())
        .collect();
    let error: Vec<Option<&str>> = kept.iter().map(|(_, a, _)| a.error.as_deref()).collect();
    sqlx::query(
        "INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms, request_headers, request_body,
                                       response_status, response_headers, response_body, error)
         SELECT * FROM unnest($1::uuid[], $2::int[], $3::timestamptz[], $4::int[], $5::jsonb[], $6::text[],
                              $7::int[], $8::jsonb[], $9::text[], $10::text[])",
    )
    .bind(&delivery)
    .bind(&number)
    .bind(&started)
    .bind(&duration)
    .bind(&req_headers)
    .bind(&req_body)
    .bind(&status)
    .bind(&res_headers)
    .bind(&res_body)
    .bind(&error)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Per endpoint, in attempt order: a success resets both failure runs; a failed attempt adds to
/// the attempt run, an exhausted delivery to the delivery run; a 410 disables at once.
async fn update_endpoints(
    tx: &mut sqlx::PgConnection,
    config: &WebhookConfig,
    kept: &[&(Job, Attempt, Outcome)],
) -> Result<Vec<Disabled>, sqlx::Error> {
    #[derive(Default)]
    struct Health {
        reset: bool,
        failed_attempts: i32,
        failed_deliveries: i32,
        gone: bool,
        last_at: Option<DateTime<Utc>>,
        last_code: Option<i32>,
    }
    let mut ordered: Vec<&&(Job, Attempt, Outcome)> = kept.iter().collect();
    ordered.sort_by_key(|(_, a, _)| a.started_at);
    let mut health: HashMap<Uuid, Health> = HashMap::new();
    for (job, attempt, outcome) in ordered {
        let h = health.entry(job.endpoint_id).or_default();
        h.last_at = Some(attempt.started_at);
        h.last_code = attempt.response_status.map(i32::from);
        match outcome {
            Outcome::Succeeded => {
                *h = Health {
                    reset: true,
                    last_at: h.last_at,
                    last_code: h.last_code,
                    ..Health::default()
                };
            }
            Outcome::RetryAt(_) => h.failed_attempts += 1,
            Outcome::Failed { gone } => {
                h.failed_attempts += 1;
                h.failed_deliveries += 1;
                h.gone |= *gone;
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
        let h = &health[&id];
        let row: Option<(Uuid, String, bool, Option<String>, bool)> = sqlx::query_as(
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
              RETURNING e.company_id, e.url, e.enabled, e.disabled_reason, (SELECT enabled FROM old)",
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
        if let Some((company_id, url, enabled, reason, was_enabled)) = row {
            if was_enabled && !enabled {
                disabled.push(Disabled {
                    company_id,
                    endpoint_id: id,
                    url,
                    reason: reason.unwrap_or_default(),
                });
            }
        }
    }
    Ok(disabled)
}

fn to_json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}
