//! Deliveries handed straight to this process's worker. A publish that finds the worker with
//! free slots claims its new deliveries in its own transaction, and the worker sends them as
//! soon as it commits: no claim statement, no second write of each delivery row, no wait for
//! the worker to wake and claim. The claim's rules hold: the same advisory lock (tried, never
//! waited for: a publish that cannot take it queues its deliveries for the claim, as before),
//! each destination's in-flight limit, and its queue's order (a destination with deliveries
//! already due, or with a rate limit, gets none handed; the claim serves it).
//!
//! A handed delivery is claimed like any other (claim id, attempt 1, due again when its lease
//! runs out), so a process that dies before sending it leaves it to be claimed after the lease.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use uuid::Uuid;

use super::claimed::{ClaimRow, Claimed};
use super::queue::{subscribed_destinations, Published};
use crate::runtime::config::WebhookConfig;

/// Deliveries claimed by a publish, with the worker slots reserved for them.
pub struct Handed {
    pub claimed: Vec<Claimed>,
    /// One slot per delivery.
    pub slots: OwnedSemaphorePermit,
}

/// A process's worker slots, and the way into its worker for handed deliveries.
pub struct HandOff {
    slots: Arc<Semaphore>,
    capacity: usize,
    /// Slots one publish may reserve: a worker's claim at most.
    per_publish: usize,
    lease: Duration,
    max_in_flight: usize,
    sender: mpsc::UnboundedSender<Handed>,
    receiver: Mutex<Option<mpsc::UnboundedReceiver<Handed>>>,
    /// Set while a worker takes handed deliveries.
    open: AtomicBool,
    handed: AtomicU64,
}

impl HandOff {
    /// `workers` x `batch_size` slots; none (and no hand-off) in a process without a worker.
    pub fn new(config: &WebhookConfig) -> Self {
        let capacity = config.workers * config.batch_size;
        let (sender, receiver) = mpsc::unbounded_channel();
        Self {
            slots: Arc::new(Semaphore::new(capacity)),
            capacity,
            per_publish: config.batch_size,
            lease: config.lease,
            max_in_flight: config.max_in_flight,
            sender,
            receiver: Mutex::new(Some(receiver)),
            open: AtomicBool::new(false),
            handed: AtomicU64::new(0),
        }
    }

    /// Deliveries this process may have in flight at once, claimed or handed.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The slots every delivery in flight holds one of.
    pub fn slots(&self) -> Arc<Semaphore> {
        self.slots.clone()
    }

    /// For the worker: publishes hand it deliveries from now on, through what this returns
    /// (None when a worker has it already).
    pub fn open(&self) -> Option<mpsc::UnboundedReceiver<Handed>> {
        let receiver = self.receiver.lock().ok()?.take()?;
        self.open.store(true, Ordering::Release);
        Some(receiver)
    }

    /// For the worker, stopping: publishes queue their deliveries for the claim again.
    pub fn close(&self) {
        self.open.store(false, Ordering::Release);
    }

    /// Deliveries handed to the worker since the process started.
    pub fn handed(&self) -> u64 {
        self.handed.load(Ordering::Relaxed)
    }

    /// Worker slots for a publish about to store its events (up to a claim's worth), while the
    /// worker is idle; None when it is busy or there is no open worker. Handing off costs the
    /// publish a round trip and holds the claim's lock through its commit: it pays where a
    /// publish would otherwise wait for an idle worker to wake and claim, and measured as a
    /// loss at 500 events a second and up, where claims take many publishes' deliveries at once
    /// (README, "Deliveries handed to the worker").
    pub fn reserve(&self) -> Option<Reservation<'_>> {
        if !self.open.load(Ordering::Acquire) || self.slots.available_permits() < self.capacity {
            return None;
        }
        let wanted = self.capacity.min(self.per_publish);
        if wanted == 0 {
            return None;
        }
        let slots = self
            .slots
            .clone()
            .try_acquire_many_owned(u32::try_from(wanted).ok()?)
            .ok()?;
        Some(Reservation {
            hand_off: self,
            slots,
            terms: Terms {
                claim_id: Uuid::new_v4(),
                limit: wanted,
                lease: self.lease,
                max_in_flight: self.max_in_flight,
            },
        })
    }
}

/// What a publish may claim for the worker.
#[derive(Debug, Clone, Copy)]
pub struct Terms {
    pub claim_id: Uuid,
    /// Deliveries at most: the slots reserved.
    pub limit: usize,
    pub lease: Duration,
    /// Deliveries of one destination in flight at once, unless its endpoint sets its own.
    pub max_in_flight: usize,
}

/// Worker slots held for one publishing transaction; released when dropped, unless handed on.
pub struct Reservation<'a> {
    hand_off: &'a HandOff,
    slots: OwnedSemaphorePermit,
    pub terms: Terms,
}

impl Reservation<'_> {
    /// Hands the committed transaction's claimed deliveries to the worker with a slot each;
    /// the other slots are freed.
    pub fn hand(mut self, claimed: Vec<Claimed>) {
        if claimed.is_empty() {
            return;
        }
        let slots = self.slots.split(claimed.len()).unwrap_or(self.slots);
        let handed = claimed.len() as u64;
        match self.hand_off.sender.send(Handed { claimed, slots }) {
            Ok(()) => {
                self.hand_off.handed.fetch_add(handed, Ordering::Relaxed);
            }
            // The worker stopped meanwhile: the claims run out and are claimed again.
            Err(_) => tracing::debug!("the worker stopped before taking {handed} deliveries"),
        }
    }
}

/// Takes the claim's advisory lock for the rest of `tx`, if no claim holds or waits for it.
pub async fn try_lock(tx: &mut PgConnection) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
        .bind(super::claim::CLAIM_LOCK)
        .fetch_one(tx)
        .await
}

/// A queued delivery's count, and the columns of one claimed for the worker (all None when
/// nothing was).
#[derive(sqlx::FromRow)]
struct QueuedRow {
    queued: i64,
    delivery_id: Option<Uuid>,
    company_id: Option<Uuid>,
    destination_kind: Option<String>,
    endpoint_id: Option<Uuid>,
    connection_id: Option<Uuid>,
    event_id: Option<Uuid>,
    event_type: Option<String>,
    data: Option<serde_json::Value>,
    event_created_at: Option<DateTime<Utc>>,
}

impl QueuedRow {
    fn claimed(self, claim_id: Uuid) -> Option<Claimed> {
        ClaimRow {
            delivery_id: self.delivery_id?,
            company_id: self.company_id?,
            destination_kind: self.destination_kind?,
            endpoint_id: self.endpoint_id,
            connection_id: self.connection_id,
            attempts: 1,
            event_id: self.event_id?,
            event_type: self.event_type?,
            data: self.data?,
            event_created_at: self.event_created_at?,
        }
        .claimed(claim_id)
    }
}

/// Queues `events`' deliveries as [`super::queue::enqueue`] does, and claims for the worker, in
/// publish order, up to `terms.limit` of those whose destination has room: no rate limit, no
/// delivery due already, and fewer in flight than its limit. Call in the publishing
/// transaction once [`try_lock`] has taken the lock. Returns how many were queued (claimed
/// ones included) and the claimed ones, with their events as stored.
pub async fn enqueue(
    tx: &mut PgConnection,
    events: &Published<'_>,
    terms: &Terms,
) -> Result<(u64, Vec<Claimed>), sqlx::Error> {
    let rows: Vec<QueuedRow> = sqlx::query_as(concat!(
        "WITH routed AS (
            SELECT ev.id AS event_id, ev.company, ev.n, dest.kind, dest.endpoint_id, dest.connection_id,
                   coalesce(dest.endpoint_id, dest.connection_id) AS dest,
                   row_number() OVER (PARTITION BY coalesce(dest.endpoint_id, dest.connection_id) ORDER BY ev.n) AS nth
              FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::uuid[])
                   WITH ORDINALITY AS ev(id, company, type, channel, origin, n)
              JOIN LATERAL (",
        subscribed_destinations!(),
        ") AS dest ON true),
         room AS (
            SELECT r.dest,
                   coalesce(e.max_in_flight, $7)
                     - (SELECT count(*) FROM deliveries f
                         WHERE f.status = 'pending' AND f.claim_id IS NOT NULL AND f.next_attempt_at > now()
                           AND coalesce(f.endpoint_id, f.connection_id) = r.dest) AS free
              FROM (SELECT DISTINCT dest FROM routed) r
              LEFT JOIN webhook_endpoints e ON e.id = r.dest
             WHERE e.rate_limit_per_second IS NULL
               AND NOT EXISTS (SELECT 1 FROM deliveries x
                                WHERE x.status = 'pending' AND x.next_attempt_at <= now()
                                  AND coalesce(x.endpoint_id, x.connection_id) = r.dest)),
         handed AS (
            SELECT d.event_id, d.dest FROM routed d JOIN room r ON r.dest = d.dest
             WHERE d.nth <= r.free
             ORDER BY d.n, d.dest LIMIT $6),
         queued AS (
            INSERT INTO deliveries (id, company_id, destination_kind, endpoint_id, connection_id, event_id, status,
                                    attempts, claim_id, next_attempt_at, created_at)
            SELECT uuid_v7(), d.company, d.kind, d.endpoint_id, d.connection_id, d.event_id, 'pending',
                   CASE WHEN h.event_id IS NULL THEN 0 ELSE 1 END,
                   CASE WHEN h.event_id IS NULL THEN NULL ELSE $8::uuid END,
                   CASE WHEN h.event_id IS NULL THEN now() ELSE now() + make_interval(secs => $9) END,
                   clock_timestamp()
              FROM routed d LEFT JOIN handed h ON h.event_id = d.event_id AND h.dest = d.dest
            RETURNING id, company_id, destination_kind, endpoint_id, connection_id, event_id, claim_id)
         SELECT n.queued, c.* FROM (SELECT count(*) AS queued FROM queued) n
           LEFT JOIN (SELECT q.id AS delivery_id, q.company_id, q.destination_kind, q.endpoint_id,
                             q.connection_id, ev.id AS event_id, ev.event_type, ev.data,
                             ev.created_at AS event_created_at
                        FROM queued q JOIN events ev ON ev.id = q.event_id
                       WHERE q.claim_id IS NOT NULL) c ON true"
    ))
    .bind(events.ids)
    .bind(events.companies)
    .bind(events.types)
    .bind(events.channels)
    .bind(events.origins)
    .bind(i64::try_from(terms.limit).unwrap_or(i64::MAX))
    .bind(i64::try_from(terms.max_in_flight).unwrap_or(i64::MAX))
    .bind(terms.claim_id)
    .bind(terms.lease.as_secs_f64())
    .fetch_all(&mut *tx)
    .await?;
    let queued = rows
        .first()
        .map_or(0, |row| u64::try_from(row.queued).unwrap_or(0));
    let claimed = rows
        .into_iter()
        .filter_map(|row| row.claimed(terms.claim_id))
        .collect();
    Ok((queued, claimed))
}
