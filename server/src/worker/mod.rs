//! The delivery worker: per process, one loop claiming due deliveries fairly across
//! destinations (`FOR UPDATE SKIP LOCKED`, under a lease) while it has free slots, each sent as
//! its own task through its destination's adapter, and recorders storing outcomes as they
//! arrive. Idle tasks wake on this process's publishes and,
//! through LISTEN/NOTIFY, on other processes'; a one-second poll picks up retries as they fall
//! due and the claims of crashed processes once their lease has run out. The queue's SQL lives
//! in `app::delivery::queue`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use app::delivery::dispatch::{self, Targets};
use app::delivery::queue::{self, ClaimLimits, CHANNEL};
use app::delivery::record::{self, Recorded, SwitchedOff};
use app::runtime::AppState;
use sqlx::postgres::PgListener;
use tokio::sync::{mpsc, watch, Mutex, Semaphore};
use uuid::Uuid;

const IDLE_POLL: Duration = Duration::from_secs(1);

pub async fn run(state: AppState, shutdown: watch::Receiver<bool>) {
    let listener = tokio::spawn(listen(state.clone(), shutdown.clone()));
    let announcer = tokio::spawn(announce(state.clone(), shutdown.clone()));
    let _ = tokio::spawn(work(state.clone(), shutdown.clone())).await;
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

/// Outcomes one recording transaction takes at most.
const RECORD_BATCH: usize = 500;
/// Recording transactions at once.
const RECORDERS: usize = 2;

/// Claims due deliveries while there is room, and sends each as its own task: a slow answer
/// holds its own slot only, never the others of its claim. `workers` x `batch_size` slots per
/// process; each destination's share is bounded by the claim (its in-flight and rate limits).
/// Outcomes go to the recorders, which store whatever has arrived in one transaction.
async fn work(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let config = &state.config.webhooks;
    let capacity = config.workers * config.batch_size;
    if capacity == 0 {
        return; // no worker in this process (a test that claims by hand)
    }
    let slots = Arc::new(Semaphore::new(capacity));
    let (outcomes, received) = mpsc::channel::<Recorded>(capacity);
    let received = Arc::new(Mutex::new(received));
    let answered = Answered::default();
    let recorders: Vec<_> = (0..RECORDERS)
        .map(|_| {
            let (state, received, answered) = (state.clone(), received.clone(), answered.clone());
            tokio::spawn(record_outcomes(state, received, answered))
        })
        .collect();
    // While busy, claims wait for a quarter batch of free slots: a claim per freed slot would
    // spend the database on claims of one.
    let worth_claiming = (config.batch_size / 4).clamp(1, capacity) as u32;
    loop {
        // Wait for room, then claim as many as are free (only this loop takes slots).
        let busy = slots.available_permits() < capacity;
        let wanted = if busy { worth_claiming } else { 1 };
        tokio::select! {
            free = slots.acquire_many(wanted) => drop(free),
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            break;
        }
        let room = slots.available_permits().min(config.batch_size);
        let limits = ClaimLimits::of(config, room);
        let claimed = match queue::claim(&state.pool, limits, &answered.counts()).await {
            Ok(claimed) => claimed,
            Err(e) => {
                tracing::warn!("claiming deliveries: {e}");
                tokio::select! {
                    _ = tokio::time::sleep(IDLE_POLL) => {}
                    _ = shutdown.changed() => {}
                }
                continue;
            }
        };
        if claimed.is_empty() {
            tokio::select! {
                _ = state.deliveries_ready.notified() => {}
                _ = tokio::time::sleep(IDLE_POLL) => {}
                _ = shutdown.changed() => {}
            }
            continue;
        }
        let targets = match Targets::load(&state.pool, &claimed).await {
            Ok(targets) => Arc::new(targets),
            // The claims run out and the deliveries are attempted again.
            Err(e) => {
                tracing::warn!("loading destinations: {e}");
                continue;
            }
        };
        for delivery in claimed {
            let Ok(slot) = slots.clone().try_acquire_owned() else {
                break; // cannot happen: the claim took no more than the free slots
            };
            let (state, targets, outcomes) = (state.clone(), targets.clone(), outcomes.clone());
            let answered = answered.clone();
            tokio::spawn(async move {
                if let Some(outcome) = dispatch::send(&state, &targets, delivery, false).await {
                    answered.add(outcome.claimed.destination.id, 1);
                    let _ = outcomes.send(outcome).await;
                }
                drop(slot);
            });
        }
    }
    // What is being sent is sent and recorded before the process stops.
    let _ = slots.acquire_many(capacity as u32).await;
    drop(outcomes);
    for recorder in recorders {
        let _ = recorder.await;
    }
}

/// Records outcomes as they arrive: whatever is waiting (up to [`RECORD_BATCH`]) in one
/// transaction, then the destinations' health.
async fn record_outcomes(
    state: AppState,
    received: Arc<Mutex<mpsc::Receiver<Recorded>>>,
    answered: Answered,
) {
    loop {
        let batch = {
            let mut received = received.lock().await;
            let Some(first) = received.recv().await else {
                return;
            };
            let mut batch = vec![first];
            while batch.len() < RECORD_BATCH {
                match received.try_recv() {
                    Ok(next) => batch.push(next),
                    Err(_) => break,
                }
            }
            batch
        };
        // Counted back in flight before the recording commits, never after: a claim may then
        // see a delivery as in flight a moment too long, but never miss one still open.
        for outcome in &batch {
            answered.add(outcome.claimed.destination.id, -1);
        }
        let recorded = record::record(&state.pool, &state.config.webhooks, &batch).await;
        // Recorded outcomes free their destinations' room: the claim loop may take more.
        state.deliveries_ready.notify_one();
        match recorded {
            Ok(switched_off) => notify_switched_off(&state, switched_off).await,
            // The claims run out and the deliveries are attempted again: at least once.
            Err(e) => tracing::error!("recording {} delivery attempts: {e}", batch.len()),
        }
    }
}

/// This process's deliveries answered and not yet recorded, per destination. The table shows
/// them claimed until the recorder gets to them; the claim counts them out of flight, so a
/// destination's limit bounds requests open to it, not the recorder's backlog.
#[derive(Clone, Default)]
struct Answered(Arc<std::sync::Mutex<HashMap<Uuid, i64>>>);

impl Answered {
    fn add(&self, destination: Uuid, n: i64) {
        if let Ok(mut counts) = self.0.lock() {
            let count = counts.entry(destination).or_default();
            *count += n;
            if *count <= 0 {
                counts.remove(&destination);
            }
        }
    }

    fn counts(&self) -> Vec<(Uuid, i64)> {
        self.0
            .lock()
            .map(|counts| counts.iter().map(|(d, n)| (*d, *n)).collect())
            .unwrap_or_default()
    }
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
