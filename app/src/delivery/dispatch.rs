//! Claimed deliveries to their destination kind's adapter, sent concurrently, each outcome
//! decided on the retry schedule.

use futures::StreamExt;
use uuid::Uuid;

use super::outcome::{self, Outcome};
use super::queue::{Claimed, DestinationKind};
use super::record::Recorded;
use crate::actions::adapter as connection_adapter;
use crate::runtime::AppState;
use crate::webhooks::adapter as endpoint_adapter;
use crate::webhooks::url_guard::UrlPolicy;

/// Sends a batch. `single_attempt` (test sends) fails instead of scheduling a retry. A delivery
/// whose destination was switched off since it was queued is parked, not sent; one whose
/// destination is gone (deleted with its deliveries) is dropped.
pub async fn deliver(
    state: &AppState,
    claimed: Vec<Claimed>,
    single_attempt: bool,
) -> Result<Vec<Recorded>, sqlx::Error> {
    let ids_of = |kind: DestinationKind| -> Vec<Uuid> {
        claimed
            .iter()
            .filter(|c| c.destination.kind == kind)
            .map(|c| c.destination.id)
            .collect()
    };
    let endpoints = endpoint_adapter::load(&state.pool, &ids_of(DestinationKind::Webhook)).await?;
    let connections =
        connection_adapter::load(&state.pool, &ids_of(DestinationKind::Connection)).await?;
    let schedule = &state.config.webhooks.retry_schedule;
    let policy = UrlPolicy::of(&state.config.webhooks);
    let in_flight = claimed.len().max(1);
    let (endpoints, connections) = (&endpoints, &connections);
    let recorded = futures::stream::iter(claimed)
        .map(|claimed| async move {
            let attempt = match claimed.destination.kind {
                DestinationKind::Webhook => {
                    let target = endpoints.get(&claimed.destination.id)?;
                    match target.enabled {
                        true => Some(
                            endpoint_adapter::send(
                                &state.webhook_http,
                                &state.cipher,
                                policy,
                                target,
                                &claimed,
                            )
                            .await,
                        ),
                        false => None,
                    }
                }
                DestinationKind::Connection => {
                    let target = connections.get(&claimed.destination.id)?;
                    match target.active() {
                        true => Some(connection_adapter::send(state, target, &claimed).await),
                        false => None,
                    }
                }
            };
            let Some((sent, verdict)) = attempt else {
                return Some(Recorded {
                    claimed,
                    sent: None,
                    outcome: Outcome::RetryAt(chrono::Utc::now()),
                });
            };
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
