//! A connection's activity: its deliveries (the same log as a webhook endpoint's), test sends
//! that show the provider's answer, and redelivery.

use uuid::Uuid;

use crate::delivery::log::{self, Filter};
use crate::delivery::queue::{Destination, DestinationKind};
use crate::delivery::{sample, DeliveryPage, DeliveryView};
use crate::error::AppError;
use crate::events::registry;
use crate::integrations::service;
use crate::runtime::AppState;

/// The connection's deliveries, newest first; `filter.destination` is this connection.
pub async fn deliveries(
    state: &AppState,
    company_id: Uuid,
    filter: Filter,
) -> Result<DeliveryPage, AppError> {
    service::get(state, company_id, filter.destination.id).await?;
    log::list(&state.pool, company_id, filter).await
}

/// Sends an example of `event_type` (by default the first event the connection receives, or a
/// new conversation) to the provider now, and returns the attempt with the provider's answer.
pub async fn send_test(
    state: &AppState,
    company_id: Uuid,
    connection_id: Uuid,
    event_type: Option<String>,
) -> Result<DeliveryView, AppError> {
    let connection = service::get(state, company_id, connection_id).await?;
    let wanted = event_type
        .filter(|t| !t.is_empty())
        .or_else(|| connection.event_types.first().cloned())
        .unwrap_or_else(|| "conversation.created".to_string());
    let types = registry::list(&state.pool, company_id).await?;
    let Some(kind) = types.into_iter().find(|t| t.name == wanted) else {
        return Err(AppError::unknown_event_type("event_type", &wanted));
    };
    sample::send_now(
        state,
        company_id,
        Destination::connection(connection_id),
        kind,
    )
    .await
}

/// A new delivery of the same event to the same connection, due now (parked while the
/// connection is in Error).
pub async fn redeliver(
    state: &AppState,
    company_id: Uuid,
    delivery_id: Uuid,
) -> Result<DeliveryView, AppError> {
    sample::redeliver(state, company_id, DestinationKind::Connection, delivery_id).await
}
