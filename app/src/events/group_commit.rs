//! Group commit. Each publish used to be its own transaction, so publishes a second were bounded
//! by how many commits the disk could flush. Now publishes wait in one queue, and a few
//! committer tasks each take everything waiting (up to a limit) into one transaction. Requests
//! that arrive while a commit is in flight join the next one; a lone publish is taken at once,
//! so nothing waits for company. Each request is answered only after the commit that holds its
//! events, so an acknowledged event is never lost.

use std::sync::{Arc, Mutex};

use sqlx::PgPool;
use tokio::sync::{mpsc, oneshot, Notify};
use uuid::Uuid;

use super::store::{self, Publish};
use crate::error::AppError;
use crate::runtime::config::PublishConfig;

/// Events one transaction takes at most: a group stops growing here (a request is never
/// split, so a group of batches may hold a little more).
const GROUP_EVENTS: usize = 2_000;

/// A publish waiting for its commit.
struct Waiting {
    publish: Publish,
    answer: oneshot::Sender<Result<Vec<Uuid>, AppError>>,
}

/// What the committers need, kept until the first publish starts them on its runtime.
struct Idle {
    receiver: mpsc::Receiver<Waiting>,
    pool: PgPool,
    committers: usize,
    wake: Vec<Arc<Notify>>,
}

/// The queue publishes wait in, and its committers.
pub struct GroupCommit {
    queue: mpsc::Sender<Waiting>,
    idle: Mutex<Option<Idle>>,
}

impl GroupCommit {
    /// `wake` is notified after each commit that queued deliveries.
    pub fn new(pool: PgPool, config: PublishConfig, wake: Vec<Arc<Notify>>) -> Self {
        let (queue, receiver) = mpsc::channel(config.queue_limit.max(1));
        let idle = Idle {
            receiver,
            pool,
            committers: config.committers.max(1),
            wake,
        };
        Self {
            queue,
            idle: Mutex::new(Some(idle)),
        }
    }

    /// Stores `publish` in the next group; answers its event ids once that group is committed.
    pub async fn publish(&self, publish: Publish) -> Result<Vec<Uuid>, AppError> {
        self.start();
        let (answer, answered) = oneshot::channel();
        self.queue
            .try_send(Waiting { publish, answer })
            .map_err(|e| match e {
                mpsc::error::TrySendError::Full(_) => AppError::Overloaded {
                    retry_after_secs: 1,
                },
                mpsc::error::TrySendError::Closed(_) => AppError::Internal,
            })?;
        answered.await.map_err(|_| AppError::Internal)?
    }

    /// Publish requests waiting for a committer.
    pub fn waiting(&self) -> usize {
        self.queue.max_capacity() - self.queue.capacity()
    }

    fn start(&self) {
        let Some(idle) = self.idle.lock().ok().and_then(|mut idle| idle.take()) else {
            return;
        };
        let receiver = Arc::new(tokio::sync::Mutex::new(idle.receiver));
        for _ in 0..idle.committers {
            let (receiver, pool, wake) = (receiver.clone(), idle.pool.clone(), idle.wake.clone());
            tokio::spawn(async move {
                loop {
                    // The lock is held only while collecting, so one committer gathers the
                    // next group while another commits.
                    let group = {
                        let mut receiver = receiver.lock().await;
                        match next_group(&mut receiver).await {
                            Some(group) => group,
                            None => return,
                        }
                    };
                    if commit(&pool, group).await > 0 {
                        wake.iter().for_each(|w| w.notify_one());
                    }
                }
            });
        }
    }
}

/// Waits for a publish, then takes whatever else is waiting, up to [`GROUP_EVENTS`] events.
async fn next_group(receiver: &mut mpsc::Receiver<Waiting>) -> Option<Vec<Waiting>> {
    let first = receiver.recv().await?;
    let mut events = first.publish.events.len();
    let mut group = vec![first];
    while events < GROUP_EVENTS {
        let Ok(next) = receiver.try_recv() else { break };
        events += next.publish.events.len();
        group.push(next);
    }
    Some(group)
}

/// Commits the group and answers each request; returns how many deliveries were queued. If the
/// group's transaction fails, each request is tried again alone, so one request's failure
/// (a company deleted meanwhile) is its own.
async fn commit(pool: &PgPool, group: Vec<Waiting>) -> u64 {
    let (publishes, answers): (Vec<Publish>, Vec<_>) =
        group.into_iter().map(|w| (w.publish, w.answer)).unzip();
    match store_in_transaction(pool, &publishes).await {
        Ok(stored) => {
            for (answer, ids) in answers.into_iter().zip(stored.ids) {
                let _ = answer.send(Ok(ids));
            }
            stored.queued
        }
        Err(error) if publishes.len() == 1 => {
            tracing::error!("publishing failed: {error}");
            if let Some(answer) = answers.into_iter().next() {
                let _ = answer.send(Err(AppError::from(error)));
            }
            0
        }
        Err(error) => {
            tracing::warn!(
                "a group of {} publishes failed ({error}); storing each alone",
                publishes.len()
            );
            let mut queued = 0;
            for (publish, answer) in publishes.into_iter().zip(answers) {
                let alone = [publish];
                let result = store_in_transaction(pool, &alone).await;
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

async fn store_in_transaction(
    pool: &PgPool,
    group: &[Publish],
) -> Result<store::Stored, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let stored = store::store(&mut tx, group).await?;
    tx.commit().await?;
    Ok(stored)
}
