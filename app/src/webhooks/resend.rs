//! Sending again: a redelivery of one delivery, retrying an endpoint's failed deliveries, and
//! test sends (the registry's example of an event type, sent now and logged as a delivery with
//! a single attempt).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::delivery::queue::{self, Destination, DestinationKind};
use crate::delivery::{sample, DeliveryView, RetriedCount};
use crate::error::AppError;
use crate::events::registry;
use crate::runtime::AppState;

pub async fn send_test(
    state: &AppState,
    company_id: Uuid,
    endpoint_id: Uuid,
    event_type: &str,
) -> Result<DeliveryView, AppError> {
    let types = registry::list(&state.pool, company_id).await?;
    let Some(kind) = types.into_iter().find(|t| t.name == event_type) else {
        return Err(AppError::unknown_event_type("event_type", event_type));
    };
    super::endpoints::get(state, company_id, endpoint_id).await?;
    sample::send_now(state, company_id, Destination::webhook(endpoint_id), kind).await
}

/// A new delivery of the same event to the same endpoint, due now.
pub async fn redeliver(
    state: &AppState,
    company_id: Uuid,
    delivery_id: Uuid,
) -> Result<DeliveryView, AppError> {
    sample::redeliver(state, company_id, DestinationKind::Webhook, delivery_id).await
}

/// Queues again the endpoint's failed deliveries created since `since`.
pub async fn retry_failed(
    state: &AppState,
    company_id: Uuid,
    endpoint_id: Uuid,
    since: DateTime<Utc>,
) -> Result<RetriedCount, AppError> {
    let since = crate::validate::timestamp("since", since)?;
    super::endpoints::get(state, company_id, endpoint_id).await?;
    let retried = queue::retry_failed(
        &state.pool,
        company_id,
        Destination::webhook(endpoint_id),
        since,
    )
    .await?;
    queue::announce(state);
    Ok(RetriedCount {
        retried: u32::try_from(retried).unwrap_or(u32::MAX),
    })
}
