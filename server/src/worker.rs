//! The webhook delivery worker: a few tasks per process, each claiming a batch of due
//! deliveries (`FOR UPDATE SKIP LOCKED`, under a lease), sending them concurrently and recording
//! the outcomes in one transaction. Idle tasks wake on this process's publishes and, through
//! LISTEN/NOTIFY, on other processes'; a one-second poll picks up retries as they fall due and
//! the claims of crashed processes once their lease has run out.

use std::time::Duration;

use app::server::AppState;
use app::webhooks::attempt::{self, Job};
use app::webhooks::endpoints::policy;
use app::webhooks::fanout::CHANNEL;
use app::webhooks::outcome::{self, Disabled};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use sqlx::postgres::PgListener;
use tokio::sync::watch;
use uuid::Uuid;

const IDLE_POLL: Duration = Duration::from_secs(1);

pub async fn run(state: AppState, shutdown: watch::Receiver<bool>) {
    let listener = tokio::spawn(listen(state.clone(), shutdown.clone()));
    let announcer = tokio::spawn(announce(state.clone(), shutdown.clone()));
    let workers: Vec<_> = (0..state.config.webhooks.workers)
        .map(|_| tokio::spawn(work(state.clone(), shutdown.clone())))
        .collect();
    for worker in workers {
        let _ = worker.await;
    }
    let _ = listener.await;
    let _ = announcer.await;
}

/// NOTIFYs other processes that deliveries were queued here: one statement at a time, however
/// many publishes asked for it meanwhile.
async fn announce(state: AppState, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = state.announce_deliveries.notified() => {}
            _ = shutdown.changed() => return,
        }
        let sent = sqlx::query("SELECT pg_notify($1, '')")
            .bind(CHANNEL)
            .execute(&state.pool)
            .await;
        if let Err(e) = sent {
            tracing::warn!("NOTIFY {CHANNEL}: {e}");
        }
    }
}

/// Turns notifications from any process into a wake-up for an idle worker here.
async fn listen(state: AppState, mut shutdown: watch::Receiver<bool>) {
    loop {
        match PgListener::connect_with(&state.pool).await {
            Ok(mut listener) => match listener.listen(CHANNEL).await {
                Ok(()) => loop {
                    tokio::select! {
                        received = listener.recv() => match received {
                            Ok(_) => state.deliveries_ready.notify_one(),
                            Err(e) => {
                                tracing::warn!("delivery notifications: {e}");
                                break;
                            }
                        },
                        _ = shutdown.changed() => return,
                    }
                },
                Err(e) => tracing::warn!("LISTEN {CHANNEL}: {e}"),
            },
            Err(e) => tracing::warn!("delivery notifications: {e}"),
        }
        tokio::select! {
            _ = tokio::time::sleep(IDLE_POLL) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// Recordings a worker may have in flight while it claims and sends the next batch.
const RECORDINGS_IN_FLIGHT: usize = 2;

async fn work(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let batch_size = state.config.webhooks.batch_size;
    // Outcomes are recorded in the background so the worker is free to claim again at once.
    let mut recordings = tokio::task::JoinSet::new();
    loop {
        while recordings.try_join_next().is_some() {}
        if recordings.len() >= RECORDINGS_IN_FLIGHT {
            recordings.join_next().await;
        }
        if *shutdown.borrow() {
            break;
        }
        let jobs = match claim(&state, batch_size).await {
            Ok(jobs) => jobs,
            Err(e) => {
                tracing::warn!("claiming deliveries: {e}");
                tokio::select! {
                    _ = tokio::time::sleep(IDLE_POLL) => {}
                    _ = shutdown.changed() => break,
                }
                continue;
            }
        };
        if jobs.is_empty() {
            tokio::select! {
                _ = state.deliveries_ready.notified() => {}
                _ = tokio::time::sleep(IDLE_POLL) => {}
                _ = shutdown.changed() => break,
            }
            continue;
        }
        // A full batch suggests more is waiting: wake a peer to share it.
        if jobs.len() == batch_size {
            state.deliveries_ready.notify_one();
        }
        let results = deliver(&state, jobs).await;
        let state = state.clone();
        recordings.spawn(async move {
            match outcome::record(&state.pool, &state.config.webhooks, &results).await {
                Ok(disabled) => notify_disabled(&state, disabled).await,
                // The claims run out and the deliveries are attempted again: at least once.
                Err(e) => tracing::error!("recording {} delivery attempts: {e}", results.len()),
            }
        });
    }
    // What was sent is recorded before the process stops.
    while recordings.join_next().await.is_some() {}
}

/// Sends a batch concurrently and decides each outcome.
pub async fn deliver(
    state: &AppState,
    jobs: Vec<Job>,
) -> Vec<(Job, attempt::Attempt, outcome::Outcome)> {
    let schedule = &state.config.webhooks.retry_schedule;
    let url_policy = policy(state);
    let in_flight = jobs.len();
    futures::stream::iter(jobs)
        .map(|job| async move {
            let sent = attempt::send(&state.webhook_http, &state.cipher, url_policy, &job).await;
            let decided = outcome::decide(&sent, job.attempt, schedule, false);
            (job, sent, decided)
        })
        .buffer_unordered(in_flight)
        .collect()
        .await
}

#[derive(sqlx::FromRow)]
struct ClaimRow {
    delivery_id: Uuid,
    company_id: Uuid,
    endpoint_id: Uuid,
    event_id: Uuid,
    attempts: i32,
    url: String,
    sealed_headers: Option<Vec<u8>>,
    timeout_secs: i32,
    secret: Vec<u8>,
    previous_secret: Option<Vec<u8>>,
    event_type: String,
    data: serde_json::Value,
    event_created_at: DateTime<Utc>,
}

/// Claims a delivery may take beyond its attempts, for attempts whose outcome was never
/// recorded (a crash mid-send): enough to ride out a restart, never a retry loop.
const LOST_CLAIM_ALLOWANCE: usize = 2;

/// Claims up to `limit` due deliveries of enabled endpoints: each gets this claim's id, its
/// attempt count goes up, and its due time moves past the lease. A delivery that has been
/// claimed as often as it may be without an outcome is failed here instead, so that nothing
/// can be retried forever.
pub async fn claim(state: &AppState, limit: usize) -> Result<Vec<Job>, sqlx::Error> {
    let claim_id = Uuid::new_v4();
    let lease = state.config.webhooks.lease.as_secs_f64();
    let max_claims = state.config.webhooks.retry_schedule.len() + LOST_CLAIM_ALLOWANCE;
    let rows: Vec<ClaimRow> = sqlx::query_as(
        "WITH due AS (
            SELECT d.id FROM webhook_deliveries d
              JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.enabled
             WHERE d.status = 'pending' AND d.next_attempt_at <= now()
             ORDER BY d.next_attempt_at
             LIMIT $1
             FOR UPDATE OF d SKIP LOCKED),
         given_up AS (
            UPDATE webhook_deliveries d
               SET status = 'failed', claim_id = NULL, completed_at = now(),
                   last_error = format('Gave up after %s attempts whose outcome was never recorded.', d.attempts)
              FROM due
             WHERE d.id = due.id AND d.attempts >= $4
            RETURNING d.id)
         UPDATE webhook_deliveries d
            SET claim_id = $2, attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => $3)
           FROM due, webhook_endpoints e, events ev
          WHERE d.id = due.id AND d.attempts < $4 AND e.id = d.endpoint_id AND ev.id = d.event_id
         RETURNING d.id AS delivery_id, d.company_id, d.endpoint_id, d.event_id, d.attempts, e.url,
                   e.sealed_headers, e.timeout_secs, e.secret,
                   CASE WHEN e.previous_secret_until > now() THEN e.previous_secret END AS previous_secret,
                   ev.event_type, ev.data, ev.created_at AS event_created_at",
    )
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .bind(claim_id)
    .bind(lease)
    .bind(i32::try_from(max_claims).unwrap_or(i32::MAX))
    .fetch_all(&state.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| Job {
            delivery_id: row.delivery_id,
            claim_id,
            company_id: row.company_id,
            endpoint_id: row.endpoint_id,
            event_id: row.event_id,
            event_type: row.event_type,
            event_created_at: row.event_created_at,
            data: row.data,
            attempt: row.attempts,
            url: row.url,
            sealed_headers: row.sealed_headers,
            timeout_secs: row.timeout_secs,
            secret: row.secret,
            previous_secret: row.previous_secret,
        })
        .collect())
}

async fn notify_disabled(state: &AppState, disabled: Vec<Disabled>) {
    for endpoint in disabled {
        tracing::warn!(endpoint = %endpoint.endpoint_id, reason = %endpoint.reason, "webhook endpoint disabled");
        let body = format!(
            "{} was disabled: {} Fix the endpoint, then enable it again on the API & Webhooks tab.",
            endpoint.url, endpoint.reason
        );
        let posted = app::notifications::service::post(
            &state.pool,
            endpoint.company_id,
            "webhook_disabled",
            "Webhook endpoint disabled",
            &body,
            Some("/integrations/api"),
        )
        .await;
        if let Err(e) = posted {
            tracing::warn!("notifying admins of a disabled endpoint: {e}");
        }
    }
}
