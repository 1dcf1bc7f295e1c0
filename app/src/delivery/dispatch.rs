//! Claimed deliveries to their destination kind's adapter, each outcome decided on its
//! destination's retry policy or, without one, the installation's schedule. The worker sends
//! each delivery as its own task ([`send`]); a test send waits for its batch ([`deliver`]).

use std::borrow::Cow;
use std::time::Duration;

use futures::StreamExt;

use super::outcome::{self, Outcome};
use super::queue::{Claimed, DestinationKind};
use super::record::Recorded;
use super::targets::Targets;
use super::RetryPolicy;
use crate::actions::adapter as connection_adapter;
use crate::runtime::AppState;
use crate::webhooks::adapter as endpoint_adapter;
use crate::webhooks::url_guard::UrlPolicy;

/// Sends a batch and waits for every answer (a test send). `single_attempt` fails instead of
/// scheduling a retry.
pub async fn deliver(
    state: &AppState,
    claimed: Vec<Claimed>,
    single_attempt: bool,
) -> Result<Vec<Recorded>, sqlx::Error> {
    let targets = Targets::load(&state.pool, &claimed).await?;
    let in_flight = claimed.len().max(1);
    let targets = &targets;
    Ok(futures::stream::iter(claimed)
        .map(|claimed| send(state, targets, claimed, single_attempt))
        .buffer_unordered(in_flight)
        .filter_map(|r| async move { r })
        .collect()
        .await)
}

/// Sends one delivery through its destination kind's adapter and decides the outcome. A
/// delivery whose destination was switched off since it was queued is parked, not sent; one
/// whose destination is gone (deleted with its deliveries) is dropped (None).
#[tracing::instrument(level = "debug", name = "send", skip_all, fields(delivery = %claimed.delivery_id))]
pub async fn send(
    state: &AppState,
    targets: &Targets,
    claimed: Claimed,
    single_attempt: bool,
) -> Option<Recorded> {
    let default_schedule = state.config.webhooks.retry_schedule.as_slice();
    let schedule_of = |policy: &Option<sqlx::types::Json<RetryPolicy>>| -> Cow<'_, [Duration]> {
        match policy {
            Some(policy) => Cow::Owned(policy.schedule()),
            None => Cow::Borrowed(default_schedule),
        }
    };
    let attempt = match claimed.destination.kind {
        DestinationKind::Webhook => {
            let target = targets.endpoint(&claimed.destination.id)?;
            match target.enabled {
                true => Some((
                    endpoint_adapter::send(
                        &state.webhook_http,
                        &state.cipher,
                        UrlPolicy::of(&state.config.webhooks),
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
            let target = targets.connection(&claimed.destination.id)?;
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
}
