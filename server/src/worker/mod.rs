//! The delivery worker: per process, one loop claiming due deliveries fairly across
//! destinations (`FOR UPDATE SKIP LOCKED`, under a lease) while it has free slots, each sent as
//! its own task through its destination's adapter, and recorders storing outcomes as they
//! arrive. Idle tasks wake on this process's publishes and, through LISTEN/NOTIFY
//! (`notifications`), on other processes'; a one-second poll picks up retries as they fall
//! due and the claims of crashed processes once their lease has run out. The queue's SQL lives
//! in `app::delivery::queue`.

mod notifications;
mod shared;
mod switched_off;
mod upkeep;

use std::sync::Arc;
use std::time::Duration;

use app::delivery::dispatch;
use app::delivery::outcome::Outcome;
use app::delivery::queue::{ClaimLimits, Claimed, Claimer};
use app::delivery::record::{self, Recorded};
use app::delivery::targets::{TargetCache, Targets};
use app::runtime::db::OwnConnection;
use app::runtime::AppState;
use shared::{Answered, HeldBack};
use tokio::sync::{mpsc, watch, Mutex, Semaphore};

pub(crate) const IDLE_POLL: Duration = Duration::from_secs(1);

pub async fn run(state: AppState, shutdown: watch::Receiver<bool>) {
    let announcer_pid = notifications::AnnouncerPid::default();
    let listener = tokio::spawn(notifications::listen(
        state.clone(),
        announcer_pid.clone(),
        shutdown.clone(),
    ));
    let announcer = tokio::spawn(notifications::announce(
        state.clone(),
        announcer_pid,
        shutdown.clone(),
    ));
    // A process without a worker (a test claiming by hand) runs none of the statements whose
    // plans the statistics are kept for.
    let working = slots_of(&state.config.webhooks) > 0;
    let statistics =
        working.then(|| tokio::spawn(upkeep::keep_statistics(state.clone(), shutdown.clone())));
    let filer =
        working.then(|| tokio::spawn(upkeep::file_finished(state.clone(), shutdown.clone())));
    let vacuum =
        working.then(|| tokio::spawn(upkeep::vacuum_queue(state.clone(), shutdown.clone())));
    let _ = tokio::spawn(work(state.clone(), shutdown.clone())).await;
    let _ = listener.await;
    let _ = announcer.await;
    if let Some(statistics) = statistics {
        let _ = statistics.await;
    }
    for upkeep in [filer, vacuum].into_iter().flatten() {
        let _ = upkeep.await;
    }
}

/// Deliveries this process may have in flight at once: `workers` x `batch_size`.
fn slots_of(config: &app::runtime::config::WebhookConfig) -> usize {
    config.workers * config.batch_size
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
    let capacity = slots_of(config);
    if capacity == 0 {
        return; // no worker in this process (a test that claims by hand)
    }
    let slots = Arc::new(Semaphore::new(capacity));
    let (outcomes, received) = mpsc::channel::<Recorded>(capacity);
    let received = Arc::new(Mutex::new(received));
    let answered = Answered::default();
    let held_back = HeldBack::default();
    let recorders: Vec<_> = (0..RECORDERS)
        .map(|_| {
            let (state, received) = (state.clone(), received.clone());
            let (answered, held_back) = (answered.clone(), held_back.clone());
            tokio::spawn(record_outcomes(state, received, answered, held_back))
        })
        .collect();
    // While busy, claims wait for a quarter batch of free slots: a claim per freed slot would
    // spend the database on claims of one.
    let worth_claiming = (config.batch_size / 4).clamp(1, capacity) as u32;
    let mut destinations = TargetCache::default();
    // Claims run on a connection of their own (see `Claimer`).
    let mut claimer = Claimer::new(&state.pool);
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
        let claimed = match claimer.claim(limits, &answered.counts()).await {
            Ok(claim) => {
                held_back.note(&claim.rooms);
                claim.deliveries
            }
            Err(e) => {
                tracing::warn!("claiming deliveries: {e}");
                tokio::select! {
                    _ = tokio::time::sleep(IDLE_POLL) => {}
                    _ = shutdown.changed() => {}
                }
                continue;
            }
        };
        // A claim that took less than its room took everything due (or all its destinations'
        // limits allow): claiming again before there is news (a publish, a recorded outcome,
        // another process's notification) would find nothing.
        let took_all_due = claimed.len() < room;
        if !claimed.is_empty() {
            match destinations.targets(&state.pool, &claimed).await {
                Ok(targets) => send_each(
                    &state,
                    Arc::new(targets),
                    claimed,
                    &slots,
                    &outcomes,
                    &answered,
                ),
                // The claims run out and the deliveries are attempted again.
                Err(e) => tracing::warn!("loading destinations: {e}"),
            }
        }
        if took_all_due {
            tokio::select! {
                _ = state.deliveries_ready.notified() => {}
                _ = tokio::time::sleep(IDLE_POLL) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
    // What is being sent is sent and recorded before the process stops.
    let _ = slots.acquire_many(capacity as u32).await;
    drop(outcomes);
    for recorder in recorders {
        let _ = recorder.await;
    }
}

/// A recorder's own connection, on which statements run on their generic plans: the
/// recording statement takes arrays (`unnest`), and PostgreSQL's default plans such a statement
/// again on every execution. Set once for the session, it needs no transaction around the
/// statement to carry it, so recording a batch's outcomes is one round trip.
fn recorder_connection(state: &AppState) -> OwnConnection {
    OwnConnection::new(
        &state.pool,
        "SET plan_cache_mode = force_generic_plan".to_string(),
    )
}

/// Sends each claimed delivery as its own task, holding one of the worker's slots.
fn send_each(
    state: &AppState,
    targets: Arc<Targets>,
    claimed: Vec<Claimed>,
    slots: &Arc<Semaphore>,
    outcomes: &mpsc::Sender<Recorded>,
    answered: &Answered,
) {
    for delivery in claimed {
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            return; // cannot happen: the claim took no more than the free slots
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

/// Records outcomes as they arrive: whatever is waiting (up to [`RECORD_BATCH`]) in one
/// statement, then the destinations' health.
async fn record_outcomes(
    state: AppState,
    received: Arc<Mutex<mpsc::Receiver<Recorded>>>,
    answered: Answered,
    held_back: HeldBack,
) {
    let mut conn = recorder_connection(&state);
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
        let config = &state.config.webhooks;
        let recorded = conn
            .run(async |conn| record::record(conn, config, &batch).await)
            .await;
        // Recorded outcomes free their destinations' room: the claim loop may take more of a
        // destination the last claims held back, and a retry already due. Otherwise the claims
        // took every due delivery, so claiming again would find nothing (at low rates, that was
        // one empty claim per delivery).
        let now = chrono::Utc::now();
        let retry_due = |o: &Recorded| matches!(o.outcome, Outcome::RetryAt(at) if at <= now);
        if batch.iter().any(retry_due)
            || held_back.any(batch.iter().map(|o| o.claimed.destination.id))
        {
            state.deliveries_ready.notify_one();
        }
        match recorded {
            Ok(switched_off) => {
                // They leave the live partition: a flow passing through is not growth.
                let finished = batch.iter().filter(|o| o.outcome.finishes()).count();
                state.queue_growth.finished(finished as u64);
                switched_off::notify(&state, switched_off).await
            }
            // The claims run out and the deliveries are attempted again: at least once.
            Err(e) => tracing::error!("recording {} delivery attempts: {e}", batch.len()),
        }
    }
}
