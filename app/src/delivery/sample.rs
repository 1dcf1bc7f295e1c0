//! Sending on demand, for every destination kind: a test send (an event type's example stored
//! as an event and sent now, by the caller, as a delivery with a single attempt, logged like any
//! other), and a logged delivery queued again.

use uuid::Uuid;

use super::outcome::Outcome;
use super::queue::{self, Destination, DestinationKind, EventPayload};
use super::{dispatch, log, record, DeliveryView};
use crate::error::AppError;
use crate::events::EventTypeView;
use crate::runtime::AppState;

/// Sends `kind`'s example to `destination` now and returns the delivery with the answer. A test
/// never switches its destination off, whatever the answer.
pub async fn send_now(
    state: &AppState,
    company_id: Uuid,
    destination: Destination,
    kind: EventTypeView,
) -> Result<DeliveryView, AppError> {
    let mut tx = state.pool.begin().await?;
    let event_id = Uuid::now_v7();
    let created_at = sqlx::query_scalar(
        "INSERT INTO events (id, company_id, event_type, data, is_test) VALUES ($1, $2, $3, $4, true) RETURNING created_at",
    )
    .bind(event_id)
    .bind(company_id)
    .bind(&kind.name)
    .bind(&kind.example)
    .fetch_one(&mut *tx)
    .await?;
    let event = EventPayload::new(event_id, kind.name, &kind.example, created_at);
    // Claimed by this request from the start, so no worker sends it as well.
    let claimed = queue::insert_claimed(&mut tx, company_id, destination, event).await?;
    tx.commit().await?;
    let delivery_id = claimed.delivery_id;
    let mut sent = dispatch::deliver(state, vec![claimed], true).await?;
    for recorded in &mut sent {
        if matches!(
            recorded.outcome,
            Outcome::Failed { disable: true } | Outcome::Suspended
        ) {
            recorded.outcome = Outcome::Failed { disable: false };
        }
    }
    let mut conn = state.pool.acquire().await?;
    record::record(&mut conn, &state.config.webhooks, &sent).await?;
    drop(conn);
    log::get(&state.pool, company_id, delivery_id).await
}

/// A new delivery of the same event to the same destination of `kind`, due now (parked while
/// the destination is switched off).
pub async fn redeliver(
    state: &AppState,
    company_id: Uuid,
    kind: DestinationKind,
    delivery_id: Uuid,
) -> Result<DeliveryView, AppError> {
    let id = queue::redeliver(&state.pool, company_id, kind, delivery_id)
        .await?
        .ok_or_else(|| AppError::NotFound("No such delivery.".into()))?;
    queue::announce(state);
    log::get(&state.pool, company_id, id).await
}
