//! The queue's SQL, the one home of the `deliveries` table's life: queued in the publishing
//! transaction, claimed under a lease ([`super::claim`]), recorded ([`super::record`]), parked
//! and resumed with its destination, queued again, pruned.
//!
//! A claim pushes `next_attempt_at` past the lease, so a crashed process's claims come due again
//! on their own (at least once); an outcome is recorded only by the claim that holds it.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

pub use super::claim::{Claim, ClaimLimits, Claimer, LOST_CLAIM_ALLOWANCE};
pub use super::claimed::{Claimed, Destination, DestinationKind, EventPayload};
use crate::runtime::AppState;

/// The channel idle workers in every process LISTEN on.
pub const CHANNEL: &str = "plugboard_deliveries";

/// The statement that queues, with a publish's events, one delivery per destination of each
/// event's company subscribed to its type: every enabled webhook endpoint subscribed to the type
/// or to `*`, and every active connection whose settings subscribe to it (and, for a connection
/// bound to one conversation channel, only that channel's events), except the connection the
/// event came in through. Each row gets its own `created_at` (the delivery log's paging
/// cursor), even within one batch. The events, as columns: event `i` is `$1[i]` of company
/// `$2[i]`, of type `$3[i]`, its data's `channel` `$4[i]`, come in through connection `$5[i]`.
///
/// A macro, so that [`crate::events::store`] sends it in one statement with the insert of the
/// events themselves (one round trip, and no transaction around the two).
macro_rules! enqueue_published_sql {
    () => {
        "INSERT INTO deliveries (id, company_id, destination_kind, endpoint_id, connection_id, event_id, status,
                                 next_attempt_at, created_at)
         SELECT uuid_v7(), ev.company, dest.kind, dest.endpoint_id, dest.connection_id, ev.id, 'pending', now(),
                clock_timestamp()
           FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::uuid[]) AS ev(id, company, type, channel, origin)
           JOIN LATERAL (
                SELECT 'webhook' AS kind, e.id AS endpoint_id, NULL::uuid AS connection_id
                  FROM webhook_endpoints e
                 WHERE e.company_id = ev.company AND e.enabled
                   AND (ev.type = ANY(e.event_types) OR '*' = ANY(e.event_types))
                UNION ALL
                SELECT 'connection', NULL, c.id
                  FROM connections c
                 WHERE c.company_id = ev.company AND c.status = 'active' AND c.event_types <> '{}'
                   AND ev.type = ANY(c.event_types)
                   AND (c.conversation_channel IS NULL OR c.conversation_channel = ev.channel)
                   AND c.id IS DISTINCT FROM ev.origin) AS dest ON true"
    };
}
pub(crate) use enqueue_published_sql;

/// Queues one delivery of a stored event to one destination (a daily summary to its Slack
/// connection), due now, in the caller's transaction.
pub async fn enqueue_to(
    tx: &mut PgConnection,
    company_id: Uuid,
    destination: Destination,
    event_id: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO deliveries (id, company_id, destination_kind, endpoint_id, connection_id, event_id, status,
                                 next_attempt_at, created_at)
         VALUES (uuid_v7(), $1, $2, $3, $4, $5, 'pending', now(), clock_timestamp())",
    )
    .bind(company_id)
    .bind(destination.kind.as_str())
    .bind(destination.endpoint_id())
    .bind(destination.connection_id())
    .bind(event_id)
    .execute(tx)
    .await?;
    Ok(())
}

/// Wakes a worker here and, through a NOTIFY sent outside the publishing transaction, the other
/// processes' workers (a NOTIFY inside it would serialise every publishing commit on
/// PostgreSQL's notification queue lock). Call after committing queued deliveries.
pub fn announce(state: &AppState) {
    state.deliveries_ready.notify_one();
    state.announce_deliveries.notify_one();
}

/// Parks the pending deliveries (not claimed) of the destinations `$ids` (an SQL row source)
/// names in the `deliveries` column `$column`: the statement for [`park`], and a step of the
/// statement that switches an unhealthy destination off.
macro_rules! park_sql {
    ($column:literal, $ids:literal) => {
        concat!(
            "UPDATE deliveries d SET status = 'parked'
              WHERE d.finished_on = 'infinity' AND d.status = 'pending' AND d.claim_id IS NULL
                AND d.",
            $column,
            " IN ",
            $ids
        )
    };
}
pub(crate) use park_sql;

/// A switched-off destination keeps its pending deliveries parked, out of every claim's way.
/// Deliveries being sent right now are parked when their outcome is recorded.
pub async fn park(conn: &mut PgConnection, destination: Destination) -> Result<u64, sqlx::Error> {
    let statement = match destination.kind {
        DestinationKind::Webhook => park_sql!("endpoint_id", "($1)"),
        DestinationKind::Connection => park_sql!("connection_id", "($1)"),
    };
    let parked = sqlx::query(statement)
        .bind(destination.id)
        .execute(conn)
        .await?;
    Ok(parked.rows_affected())
}

/// Switched on again: its parked deliveries are due now.
pub async fn resume(conn: &mut PgConnection, destination: Destination) -> Result<u64, sqlx::Error> {
    let resumed = sqlx::query(&format!(
        "UPDATE deliveries SET status = 'pending', next_attempt_at = now()
          WHERE finished_on = 'infinity' AND {} = $1 AND status = 'parked'",
        destination.kind.column()
    ))
    .bind(destination.id)
    .execute(conn)
    .await?;
    Ok(resumed.rows_affected())
}

/// Whether a delivery's destination takes deliveries now, as SQL over `d` (a `deliveries`
/// row): an enabled endpoint, an active connection. A destination that is off keeps them parked.
const DESTINATION_ON: &str = "CASE d.destination_kind
        WHEN 'webhook' THEN (SELECT e.enabled FROM webhook_endpoints e WHERE e.id = d.endpoint_id)
        ELSE (SELECT c.status = 'active' FROM connections c WHERE c.id = d.connection_id) END";

/// A new delivery of the same event to the same destination, due now (parked if the
/// destination is off); None when the company has no such delivery to a `kind` destination, or
/// its event is gone. Reading the event holds off its day's drop until this commits.
pub async fn redeliver(
    pool: &PgPool,
    company_id: Uuid,
    kind: DestinationKind,
    delivery_id: Uuid,
) -> Result<Option<Uuid>, sqlx::Error> {
    let id = Uuid::now_v7();
    let inserted = sqlx::query(&format!(
        "INSERT INTO deliveries (id, company_id, destination_kind, endpoint_id, connection_id, event_id, status,
                                 next_attempt_at)
         SELECT $3, d.company_id, d.destination_kind, d.endpoint_id, d.connection_id, d.event_id,
                CASE WHEN {DESTINATION_ON} THEN 'pending' ELSE 'parked' END, now()
           FROM deliveries d JOIN events ev ON ev.id = d.event_id
          WHERE d.company_id = $1 AND d.id = $2 AND d.destination_kind = $4"
    ))
    .bind(company_id)
    .bind(delivery_id)
    .bind(id)
    .bind(kind.as_str())
    .execute(pool)
    .await?;
    Ok((inserted.rows_affected() > 0).then_some(id))
}

/// Queues again the destination's failed deliveries created since `since` (parked if it is
/// off); returns how many.
pub async fn retry_failed(
    pool: &PgPool,
    company_id: Uuid,
    destination: Destination,
    since: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let mut tx = pool.begin().await?;
    super::filing::hold_filing(&mut tx).await?;
    let retried = sqlx::query(&format!(
        "UPDATE deliveries d
            SET status = CASE WHEN {DESTINATION_ON} THEN 'pending' ELSE 'parked' END,
                attempts = 0, next_attempt_at = now(), completed_at = NULL, finished_on = 'infinity'
          WHERE d.company_id = $1 AND d.{} = $2 AND d.status = 'failed' AND d.created_at >= $3",
        destination.kind.column()
    ))
    .bind(company_id)
    .bind(destination.id)
    .bind(since)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(retried.rows_affected())
}

/// A delivery claimed from the start by the caller (a test send), so no worker sends it too.
pub async fn insert_claimed(
    tx: &mut PgConnection,
    company_id: Uuid,
    destination: Destination,
    event: EventPayload,
) -> Result<Claimed, sqlx::Error> {
    let (delivery_id, claim_id) = (Uuid::now_v7(), Uuid::new_v4());
    sqlx::query(
        "INSERT INTO deliveries (id, company_id, destination_kind, endpoint_id, connection_id, event_id, status,
                                 attempts, next_attempt_at, claim_id)
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', 1, now() + interval '5 minutes', $7)",
    )
    .bind(delivery_id)
    .bind(company_id)
    .bind(destination.kind.as_str())
    .bind(destination.endpoint_id())
    .bind(destination.connection_id())
    .bind(event.id)
    .bind(claim_id)
    .execute(tx)
    .await?;
    Ok(Claimed {
        delivery_id,
        claim_id,
        company_id,
        destination,
        event,
        attempt: 1,
        destination_version: None,
    })
}
