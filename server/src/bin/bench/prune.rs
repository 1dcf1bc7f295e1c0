//! What retention costs: two old days of the delivery log, `rows` deliveries each (one event and
//! one attempt apiece), the attempts and finished deliveries of one deleted row by row and
//! vacuumed with its events (the way prune worked before they were partitioned), those of the
//! other dropped as partitions with its events' (the way it works now).

use std::time::{Duration, Instant};

use app::delivery::partitions;
use chrono::{DateTime, Days, Utc};
use sqlx::PgPool;

const MONTH: Duration = Duration::from_secs(30 * 24 * 3600);

/// The time a statement took and the WAL it wrote.
struct Cost {
    took: Duration,
    wal_bytes: i64,
}

impl std::fmt::Display for Cost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:.2} s, {:.1} MB of WAL",
            self.took.as_secs_f64(),
            self.wal_bytes as f64 / 1e6
        )
    }
}

async fn wal_position(pool: &PgPool) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("SELECT pg_current_wal_insert_lsn()::text")
        .fetch_one(pool)
        .await
}

async fn wal_since(pool: &PgPool, from: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT (pg_current_wal_insert_lsn() - $1::pg_lsn)::bigint")
        .bind(from)
        .fetch_one(pool)
        .await
}

/// Times `work`, counting the WAL written meanwhile (by anything: run it on a quiet database).
async fn cost<F: std::future::Future<Output = Result<(), sqlx::Error>>>(
    pool: &PgPool,
    work: F,
) -> Result<Cost, sqlx::Error> {
    let from = wal_position(pool).await?;
    let started = Instant::now();
    work.await?;
    let took = started.elapsed();
    Ok(Cost {
        took,
        wal_bytes: wal_since(pool, &from).await?,
    })
}

/// `rows` finished deliveries of `endpoint_id`, with their events and attempts, all at `at`:
/// a 300-byte payload, request headers as the worker records them, a short answer.
async fn old_day(
    pool: &PgPool,
    endpoint_id: uuid::Uuid,
    at: DateTime<Utc>,
    rows: i64,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    // Time-ordered ids of that day, as the server makes them (so each event is in its day).
    sqlx::query(
        "CREATE TEMP TABLE old_ids ON COMMIT DROP AS
         SELECT encode(overlay(uuid_send(gen_random_uuid()) PLACING t.millis FROM 1 FOR 6), 'hex')::uuid AS event_id,
                encode(overlay(uuid_send(gen_random_uuid()) PLACING t.millis FROM 1 FOR 6), 'hex')::uuid AS delivery_id
           FROM generate_series(1, $1),
                (SELECT substring(int8send((extract(epoch FROM $2::timestamptz) * 1000)::bigint) FROM 3) AS millis) AS t",
    )
    .bind(rows)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO events (id, company_id, event_type, data, created_at)
         SELECT o.event_id, e.company_id, 'message.sent',
                jsonb_build_object('text', repeat('x', 280), 'n', o.event_id), $2
           FROM old_ids o, webhook_endpoints e WHERE e.id = $1",
    )
    .bind(endpoint_id)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO deliveries (id, company_id, endpoint_id, event_id, status, attempts,
                                 next_attempt_at, last_status_code, created_at, completed_at, finished_on)
         SELECT o.delivery_id, e.company_id, e.id, o.event_id, 'succeeded', 1, $2, 200, $2, $2,
                ($2 AT TIME ZONE 'UTC')::date
           FROM old_ids o, webhook_endpoints e WHERE e.id = $1",
    )
    .bind(endpoint_id)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO delivery_attempts (delivery_id, attempt, started_at, duration_ms, request_headers,
                                        request_body, response_status, response_headers, response_body)
         SELECT o.delivery_id, 1, $1, 3,
                jsonb_build_object('content-type', 'application/json', 'webhook-id', o.delivery_id,
                                   'webhook-timestamp', '1764633600',
                                   'webhook-signature', 'v1,' || repeat('s', 44)),
                repeat('x', 300), 200, '{\"content-length\": \"2\"}', 'ok'
           FROM old_ids o",
    )
    .bind(at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

pub async fn run(
    pool: &PgPool,
    endpoint_id: &str,
    rows: i64,
) -> Result<(), Box<dyn std::error::Error>> {
    let endpoint_id: uuid::Uuid = endpoint_id.parse()?;
    let now = Utc::now();
    let (Some(first), Some(second)) = (
        now.checked_sub_days(Days::new(40)),
        now.checked_sub_days(Days::new(39)),
    ) else {
        return Err("no date 40 days back".into());
    };
    // The two old days get their partitions as they would have when they were today.
    partitions::maintain(pool, first, MONTH).await?;
    let started = Instant::now();
    old_day(pool, endpoint_id, first, rows).await?;
    old_day(pool, endpoint_id, second, rows).await?;
    sqlx::query("ANALYZE delivery_attempts, deliveries, events")
        .execute(pool)
        .await?;
    println!(
        "prune: {rows} deliveries a day, with an event and an attempt each, written for two old days in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let day = first.date_naive();
    let (Some(from), Some(to)) = (
        day.and_hms_opt(0, 0, 0).map(|t| t.and_utc()),
        day.succ_opt()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc()),
    ) else {
        return Err("no such day".into());
    };
    let row_by_row = cost(pool, async {
        sqlx::query("DELETE FROM delivery_attempts WHERE started_at >= $1 AND started_at < $2")
            .bind(from)
            .bind(to)
            .execute(pool)
            .await?;
        sqlx::query("DELETE FROM deliveries WHERE finished_on = $1")
            .bind(day)
            .execute(pool)
            .await?;
        sqlx::query(
            "DELETE FROM events WHERE id >= uuid_v7_floor($1) AND id < uuid_v7_floor($1 + 1)",
        )
        .bind(day)
        .execute(pool)
        .await?;
        for table in [
            partitions::LogTable::Attempts,
            partitions::LogTable::Deliveries,
            partitions::LogTable::Events,
        ] {
            sqlx::query(&format!("VACUUM {}", table.partition(day)))
                .execute(pool)
                .await?;
        }
        Ok(())
    })
    .await?;
    println!(
        "prune: one day's attempts, finished deliveries and events deleted row by row and vacuumed (as before): {row_by_row}"
    );

    let mut changes = partitions::LogPartitionChanges::default();
    let dropped = cost(pool, async {
        changes = partitions::maintain(pool, now, MONTH).await?;
        Ok(())
    })
    .await?;
    println!(
        "prune: the next day's attempts, finished deliveries and events dropped as partitions (as now; {} + {} + {} days dropped in all, {} events kept): {dropped}",
        changes.attempts.dropped, changes.deliveries.dropped, changes.events.dropped, changes.events.kept
    );
    Ok(())
}
