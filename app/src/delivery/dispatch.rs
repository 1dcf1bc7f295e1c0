//! Claimed deliveries to their destination kind's adapter, sent concurrently, each outcome
//! decided on the retry schedule.

use futures::StreamExt;

use super::outcome::{self, Outcome};
use super::queue::{Claimed, DestinationKind};
use super::record::Recorded;
use crate::runtime::AppState;
use crate::webhooks::adapter;
use crate::webhooks::url_guard::UrlPolicy;

/// Sends a batch. `single_attempt` (test sends) fails instead of scheduling a retry. A delivery
/// whose destination was switched off since it was queued is parked, not sent; one whose
/// destination is gone (deleted with its deliveries) is dropped.
pub async fn deliver(
    state: &AppState,
    claimed: Vec<Claimed>,
    single_attempt: bool,
) -> Result<Vec<Recorded>, sqlx::Error> {
    let webhook_ids: Vec<uuid::Uuid> = claimed
        .iter()
        .filter(|c| c.destination.kind == DestinationKind::Webhook)
        .map(|c| c.destination.id)
        .collect();
    let targets = adapter::load(&state.pool, &webhook_ids).await?;
    let schedule = &state.config.webhooks.retry_schedule;
    let policy = UrlPolicy::of(&state.config.webhooks);
    let in_flight = claimed.len().max(1);
    let targets = &targets;
    let recorded = futures::stream::iter(claimed)
        .map(|claimed| async move {
            let target = match claimed.destination.kind {
                DestinationKind::Webhook => targets.get(&claimed.destination.id)?,
            };
            if !target.enabled {
                return Some(Recorded {
                    claimed,
                    sent: None,
                    outcome: Outcome::RetryAt(chrono::Utc::now()),
                });
            }
            let (sent, verdict) =
                adapter::send(&state.webhook_http, &state.cipher, policy, target, &claimed).await;
            let outcome = outcome::decide(verdict, claimed.attempt, schedule, single_attempt);
            Some(Recorded {
                claimed,
                sent: Some(sent),
                outcome,
            })
        })
        .buffer_unordered(in_flight)
        .filter_map(|r| async move { r })
        .collect()
        .await;
    Ok(recorded)
}
