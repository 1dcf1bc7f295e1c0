//! The delivery worker: a few tasks per process, each claiming a batch of due deliveries
//! (`FOR UPDATE SKIP LOCKED`, under a lease), handing them to their destinations' adapters
//! concurrently and recording the outcomes. Idle tasks wake on this process's publishes and,
//! through LISTEN/NOTIFY, on other processes'; a one-second poll picks up retries as they fall
//! due and the claims of crashed processes once their lease has run out. The queue's SQL lives
//! in `app::delivery::queue`.

use std::time::Duration;

use app::delivery::queue::{self, CHANNEL};
use app::delivery::record::SwitchedOff;
use app::delivery::{dispatch, record};
use app::runtime::AppState;
use sqlx::postgres::PgListener;
use tokio::sync::watch;

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
        let config = &state.config.webhooks;
        let claimed = queue::claim(
            &state.pool,
            batch_size,
            config.lease,
            // Any destination's policy may allow more attempts than the default schedule.
            config
                .retry_schedule
                .len()
                .max(app::delivery::RetryPolicy::MAX_ATTEMPTS),
        )
        .await;
        let jobs = match claimed {
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
        let results = match dispatch::deliver(&state, jobs, false).await {
            Ok(results) => results,
            // The claims run out and the deliveries are attempted again.
            Err(e) => {
                tracing::warn!("loading destinations: {e}");
                continue;
            }
        };
        let state = state.clone();
        recordings.spawn(async move {
            match record::record(&state.pool, &state.config.webhooks, &results).await {
                Ok(switched_off) => notify_switched_off(&state, switched_off).await,
                // The claims run out and the deliveries are attempted again: at least once.
                Err(e) => tracing::error!("recording {} delivery attempts: {e}", results.len()),
            }
        });
    }
    // What was sent is recorded before the process stops.
    while recordings.join_next().await.is_some() {}
}

async fn notify_switched_off(state: &AppState, switched_off: Vec<SwitchedOff>) {
    for destination in switched_off {
        let (company_id, kind, title, body, link) = match destination {
            SwitchedOff::Endpoint(endpoint) => {
                tracing::warn!(endpoint = %endpoint.endpoint_id, reason = %endpoint.reason, "webhook endpoint disabled");
                let body = format!(
                    "{} was disabled: {} Fix the endpoint, then enable it again on the API & Webhooks tab.",
                    endpoint.url, endpoint.reason
                );
                (
                    endpoint.company_id,
                    "webhook_disabled",
                    "Webhook endpoint disabled".to_string(),
                    body,
                    "/integrations/api",
                )
            }
            SwitchedOff::HookGone(gone) => {
                let removed = app::rest_hooks::service::remove_gone(
                    state,
                    gone.company_id,
                    gone.connection_id,
                )
                .await;
                if let Err(e) = removed {
                    tracing::warn!(connection = %gone.connection_id, "removing a gone REST hook: {e}");
                }
                continue;
            }
            SwitchedOff::Connection(connection) => {
                tracing::warn!(connection = %connection.connection_id, reason = %connection.reason, "connection suspended");
                let name = state
                    .catalogue
                    .get(&connection.provider)
                    .map(|p| p.def.name.clone())
                    .unwrap_or(connection.provider);
                let body = format!(
                    "{name} stopped accepting our requests: {} Its notifications wait until you reconnect it on the Connected tab.",
                    connection.reason
                );
                (
                    connection.company_id,
                    "integration.error",
                    format!("{name} needs to be reconnected"),
                    body,
                    "/integrations/connected",
                )
            }
        };
        let posted = app::notifications::service::post(
            &state.pool,
            company_id,
            kind,
            &title,
            &body,
            Some(link),
        )
        .await;
        if let Err(e) = posted {
            tracing::warn!("notifying admins of a destination switched off: {e}");
        }
    }
}
