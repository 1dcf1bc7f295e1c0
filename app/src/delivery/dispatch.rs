//! Claimed deliveries to their destination kind's adapter, sent concurrently, each outcome
//! decided on its destination's retry policy or, without one, the installation's schedule.

use std::borrow::Cow;
use std::time::Duration;

use futures::StreamExt;
use uuid::Uuid;

use super::outcome::{self, Outcome};
use super::queue::{Claimed, DestinationKind};
use super::record::Recorded;
use super::RetryPolicy;
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
    let default_schedule = state.config.webhooks.retry_schedule.as_slice();
    let schedule_of = |policy: &Option<sqlx::types::Json<RetryPolicy>>| -> Cow<'_, [Duration]> {
        match policy {
            Some(policy) => Cow::Owned(policy.schedule()),
            None => Cow::Borrowed(default_schedule),
        }
    };
    let policy = UrlPolicy::of(&state.config.webhooks);
    let in_flight = claimed.len().max(1);
    let (endpoints, connections) = (&endpoints, &connections);
    let recorded = futures::stream::iter(claimed)
        .map(|claimed| async move {
            let attempt = match claimed.destination.kind {
                DestinationKind::Webhook => {
                    let target = endpoints.get(&claimed.destination.id)?;
                    match target.enabled {
                        true => Some((
                            endpoint_adapter::send(
                                &state.webhook_http,
                                &state.cipher,
                                policy,
                                target,
                                &claimed,
                            )
                            .await,
                            schedule_of(&target.retry_policy),
                        )),
                        false => None,
                    }
                }
                DestinationKind::Connection => {
                    let target = connections.get(&claimed.destination.id)?;
                    match target.active() {
                        true => Some((
                            connection_adapter::send(state, target, &claimed).await,
                            schedule_of(&target.retry_policy),
                        )),
                        false => None,
                    }
                }
            };
            let Some(((sent, verdict), schedule)) = attempt else {
                return Some(Recorded {
                    claimed,
                    sent: None,
                    outcome: Outcome::RetryAt(chrono::Utc::now()),
                });
            };
            let outcome = outcome::decide(verdict, claimed.attempt, &schedule, single_attempt);
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
