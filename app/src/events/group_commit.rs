//! Group commit. Each publish used to be its own transaction, so publishes a second were bounded
//! by how many commits the disk could flush. Now publishes wait in one queue, and a few
//! committer tasks each take everything waiting (up to a limit) into one transaction. Requests
//! that arrive while a commit is in flight join the next one; a lone publish is taken at once,
//! so nothing waits for company. Each request is answered only after the commit that holds its
//! events, so an acknowledged event is never lost.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::PgPool;
use tokio::sync::{oneshot, Notify};
use uuid::Uuid;

use super::store::{self, Publish};
use crate::delivery::statistics::QueueGrowth;
use crate::error::AppError;
use crate::runtime::config::PublishConfig;
use crate::runtime::db::OwnConnection;

/// Events one transaction takes at most: a group stops growing here (a request is never
/// split, so a group of batches may hold a little more).
const GROUP_EVENTS: usize = 2_000;

/// A publish waiting for its commit.
struct Waiting {
    publish: Publish,
    queued_at: Instant,
    answer: oneshot::Sender<Result<Vec<Uuid>, AppError>>,
}

/// Publishes waiting for a committer, oldest first.
struct Queue {
    waiting: Mutex<VecDeque<Waiting>>,
    arrived: Notify,
    /// Requests that may wait at most.
    limit: usize,
    /// How long the oldest waiting request may have waited before new ones are refused.
    max_wait: Duration,
    /// Set when the [`GroupCommit`] is dropped: committers stop once the queue is empty.
    closed: AtomicBool,
}

impl Queue {
    fn is_behind(&self, waiting: &VecDeque<Waiting>) -> bool {
        waiting
            .front()
            .is_some_and(|oldest| oldest.queued_at.elapsed() > self.max_wait)
    }

    /// Everything waiting, up to [`GROUP_EVENTS`] events; None when nothing waits.
    fn take_group(&self) -> Option<Vec<Waiting>> {
        let mut waiting = self.waiting.lock().ok()?;
        let first = waiting.pop_front()?;
        let mut events = first.publish.events.len();
        let mut group = vec![first];
        while events < GROUP_EVENTS {
            let Some(next) = waiting.pop_front() else {
                break;
            };
            events += next.publish.events.len();
            group.push(next);
        }
        Some(group)
    }

    /// Waits for a group; None once the queue is closed and empty.
    async fn next_group(&self) -> Option<Vec<Waiting>> {
        loop {
            // Registered before the checks, so neither a publish (`notify_one`) nor the close
            // (`notify_waiters`) between them and the wait goes unnoticed.
            let arrived = self.arrived.notified();
            tokio::pin!(arrived);
            arrived.as_mut().enable();
            if let Some(group) = self.take_group() {
                return Some(group);
            }
            if self.closed.load(Ordering::Acquire) {
                return None;
            }
            arrived.await;
        }
    }
}

/// What the committers need, kept until the first publish starts them on its runtime.
struct Idle {
    pool: PgPool,
    committers: usize,
    wake: Vec<Arc<Notify>>,
    growth: Arc<QueueGrowth>,
}

/// The queue publishes wait in, and its committers.
pub struct GroupCommit {
    queue: Arc<Queue>,
    idle: Mutex<Option<Idle>>,
}

impl GroupCommit {
    /// `wake` is notified after each commit that queued deliveries, and `growth` counts them.
    pub fn new(
        pool: PgPool,
        config: PublishConfig,
        wake: Vec<Arc<Notify>>,
        growth: Arc<QueueGrowth>,
    ) -> Self {
        let queue = Queue {
            waiting: Mutex::new(VecDeque::new()),
            arrived: Notify::new(),
            limit: config.queue_limit.max(1),
            max_wait: config.max_wait,
            closed: AtomicBool::new(false),
        };
        let idle = Idle {
            pool,
            committers: config.committers.max(1),
            wake,
            growth,
        };
        Self {
            queue: Arc::new(queue),
            idle: Mutex::new(Some(idle)),
        }
    }

    /// Stores `publish` in the next group; answers its event ids once that group is committed.
    /// Refused at once (503 with `Retry-After`) while the queue is full or its oldest request
    /// has waited longer than the configured maximum: past capacity, a caller learns it in
    /// microseconds instead of queueing for seconds.
    pub async fn publish(&self, publish: Publish) -> Result<Vec<Uuid>, AppError> {
        self.start();
        let (answer, answered) = oneshot::channel();
        {
            let mut waiting = self.queue.waiting.lock().map_err(|_| AppError::Internal)?;
            if waiting.len() >= self.queue.limit || self.queue.is_behind(&waiting) {
                return Err(AppError::Overloaded {
                    retry_after_secs: 1,
                });
            }
            waiting.push_back(Waiting {
                publish,
                queued_at: Instant::now(),
                answer,
            });
        }
        self.queue.arrived.notify_one();
        answered.await.map_err(|_| AppError::Internal)?
    }

    /// Whether the oldest waiting publish has waited longer than the configured maximum: the
    /// database is not keeping up, and new publishes are refused until the queue catches up.
    pub fn is_behind(&self) -> bool {
        self.queue
            .waiting
            .lock()
            .is_ok_and(|waiting| self.queue.is_behind(&waiting))
    }

    /// Publish requests waiting for a committer.
    pub fn waiting(&self) -> usize {
        self.queue.waiting.lock().map(|w| w.len()).unwrap_or(0)
    }

    fn start(&self) {
        let Some(idle) = self.idle.lock().ok().and_then(|mut idle| idle.take()) else {
            return;
        };
        for _ in 0..idle.committers {
            let (queue, wake) = (self.queue.clone(), idle.wake.clone());
            let growth = idle.growth.clone();
            // Each committer stores on a connection of its own, whose statements run on their
            // generic plans (see `begin_on_generic_plans_with`): a group without idempotency keys
            // is then one statement, sent without `BEGIN` and `COMMIT` around it.
            let mut conn = OwnConnection::new(
                &idle.pool,
                "SET plan_cache_mode = force_generic_plan".to_string(),
            );
            tokio::spawn(async move {
                // One committer gathers the next group while another commits.
                while let Some(group) = queue.next_group().await {
                    let queued = commit(&mut conn, group).await;
                    if queued > 0 {
                        wake.iter().for_each(|w| w.notify_one());
                        growth.add(queued);
                    }
                }
            });
        }
    }
}

impl Drop for GroupCommit {
    fn drop(&mut self) {
        self.queue.closed.store(true, Ordering::Release);
        self.queue.arrived.notify_waiters();
    }
}

/// Commits the group and answers each request; returns how many deliveries were queued. If storing
/// the group fails, each request is tried again alone, on a new connection if that one failed:
/// one request's failure (a company deleted meanwhile) is its own, and a connection the
/// database closed under the committer costs no publish. (A retry stores the same event ids,
/// so an event whose commit went through unacknowledged is refused, never stored twice.)
#[tracing::instrument(level = "debug", name = "publish_group", skip_all, fields(publishes = group.len()))]
async fn commit(conn: &mut OwnConnection, group: Vec<Waiting>) -> u64 {
    let (publishes, answers): (Vec<Publish>, Vec<_>) =
        group.into_iter().map(|w| (w.publish, w.answer)).unzip();
    match store(conn, &publishes).await {
        Ok(stored) => {
            for (answer, ids) in answers.into_iter().zip(stored.ids) {
                let _ = answer.send(Ok(ids));
            }
            stored.queued
        }
        Err(error) => {
            tracing::warn!(
                "storing {} publishes failed ({error}); trying each alone",
                publishes.len()
            );
            let mut queued = 0;
            for (publish, answer) in publishes.into_iter().zip(answers) {
                let alone = [publish];
                let result = store(conn, &alone).await;
                let answer_with = match result {
                    Ok(stored) => {
                        queued += stored.queued;
                        stored.ids.into_iter().next().ok_or(AppError::Internal)
                    }
                    Err(error) => {
                        tracing::error!("publishing failed: {error}");
                        Err(AppError::from(error))
                    }
                };
                let _ = answer.send(answer_with);
            }
            queued
        }
    }
}

async fn store(conn: &mut OwnConnection, group: &[Publish]) -> Result<store::Stored, sqlx::Error> {
    conn.run(async |conn| store::store(conn, group).await).await
}
