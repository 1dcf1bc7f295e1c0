//! Fan-out: in the publishing transaction, one pending delivery per enabled endpoint of the
//! company subscribed to the event's type or to `*`. After the commit, [`announce`] wakes a
//! worker here and, through a NOTIFY sent outside the publishing transaction, the other
//! processes' workers (a NOTIFY inside it would serialise every publishing commit on
//! PostgreSQL's notification queue lock).

use sqlx::PgConnection;
use uuid::Uuid;

/// The channel idle workers in every process LISTEN on.
pub const CHANNEL: &str = "plugboard_deliveries";

/// Queues deliveries for events (each row gets its own `created_at`, the delivery log's
/// paging cursor, even within one batch) (`ids[i]` of type `types[i]`); returns how many.
pub async fn enqueue(
    tx: &mut PgConnection,
    company_id: Uuid,
    ids: &[Uuid],
    types: &[&str],
) -> Result<u64, sqlx::Error> {
    let queued = sqlx::query(
        "INSERT INTO webhook_deliveries (id, company_id, endpoint_id, event_id, status, next_attempt_at, created_at)
         SELECT gen_random_uuid(), $1, e.id, ev.id, 'pending', now(), clock_timestamp()
           FROM unnest($2::uuid[], $3::text[]) AS ev(id, type)
           JOIN webhook_endpoints e
             ON e.company_id = $1 AND e.enabled AND (ev.type = ANY(e.event_types) OR '*' = ANY(e.event_types))",
    )
    .bind(company_id)
    .bind(ids)
    .bind(types)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    Ok(queued)
}

/// Call after committing queued deliveries.
pub fn announce(state: &crate::server::AppState) {
    state.deliveries_ready.notify_one();
    state.announce_deliveries.notify_one();
}
