//! Filing finished deliveries: a batch of outcomes that finishes many deliveries moves them into
//! their days itself ([`super::record`]); a smaller one finishes them where they are, in the live
//! partition, and they are moved into the day they finished shortly after, together, off the
//! path from a publish to its first attempt. Moving a row between partitions costs each
//! statement a set-up; done for each outcome as it was recorded, it made first attempts at
//! 1,000-2,000 events a second 1-2 ms slower (the README's benchmark).

use sqlx::PgPool;

/// Taken by whoever files finished deliveries: two processes filing the same rows would have
/// the second fail on rows the first moved.
const FILING_LOCK: i64 = 0x706c_6267_6669_6c65; // "plbgfile"

/// Finished deliveries filed at most by one statement.
pub const FILING_BATCH: i64 = 5_000;

/// Files up to `limit` finished deliveries from the live partition into the days they finished
/// (oldest first); returns how many, 0 when another process is filing. Their endpoints and
/// connections are key-share locked first, before any delivery row (a destination being deleted
/// locks its own row, then deletes its deliveries): the days have no keys to the destinations,
/// so the lock is what makes a deletion wait for the move and then find the moved rows. The
/// commit does not wait for its WAL flush: filing lost in a crash is done again.
#[tracing::instrument(level = "debug", name = "file_finished", skip_all, fields(filed))]
pub async fn file_finished(pool: &PgPool, limit: i64) -> Result<u64, sqlx::Error> {
    let mut tx = pool
        .begin_with("BEGIN; SET LOCAL synchronous_commit = off")
        .await?;
    let ours: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
        .bind(FILING_LOCK)
        .fetch_one(&mut *tx)
        .await?;
    if !ours {
        return Ok(0);
    }
    let filed = sqlx::query(
        "WITH batch AS MATERIALIZED (
            SELECT id, endpoint_id, connection_id FROM deliveries
             WHERE finished_on = 'infinity' AND status IN ('succeeded', 'failed')
             ORDER BY completed_at LIMIT $1),
         endpoints_held AS (SELECT e.id FROM webhook_endpoints e
                             WHERE e.id IN (SELECT endpoint_id FROM batch) ORDER BY e.id FOR KEY SHARE),
         connections_held AS (SELECT c.id FROM connections c
                               WHERE c.id IN (SELECT connection_id FROM batch) ORDER BY c.id FOR KEY SHARE)
         UPDATE deliveries d SET finished_on = (d.completed_at AT TIME ZONE 'UTC')::date
          WHERE d.finished_on = 'infinity' AND d.id IN (SELECT id FROM batch)
            AND d.status IN ('succeeded', 'failed') AND d.completed_at IS NOT NULL
            AND (SELECT count(*) FROM endpoints_held) + (SELECT count(*) FROM connections_held) >= 0",
    )
    .bind(limit)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    tracing::Span::current().record("filed", filed);
    Ok(filed)
}

/// Holds filing off until `tx` ends. A statement that updates finished deliveries where they are
/// takes it first: a row the filer moved to another partition meanwhile would otherwise fail it
/// ("already moved to another partition due to concurrent update").
pub async fn hold_filing(tx: &mut sqlx::PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(FILING_LOCK)
        .execute(tx)
        .await?;
    Ok(())
}

/// Files every finished delivery, a batch at a time; returns how many.
pub async fn file_all_finished(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let mut filed = 0;
    loop {
        let batch = file_finished(pool, FILING_BATCH).await?;
        filed += batch;
        if batch < FILING_BATCH as u64 {
            return Ok(filed);
        }
    }
}
