//! The attempt log's daily partitions: made a week ahead, dropped whole once past the retention.
//! Dropping a day is a catalogue change that takes milliseconds, where deleting its rows one by
//! one wrote every row to the WAL again and left the table to vacuum (the benchmark's `prune`
//! scenario measures both on the same rows).
//!
//! Partitions are named `delivery_attempts_pYYYYMMDD` and hold that UTC day. An attempt whose day
//! has no partition lands in `delivery_attempts_default`; making its day moves it there.

use std::time::Duration;

use chrono::{DateTime, Days, NaiveDate, Utc};
use sqlx::{PgPool, Postgres, Transaction};

/// Days made ahead of today, so a stopped maintenance loop has a week before attempts start
/// landing in the default partition.
pub const DAYS_AHEAD: u64 = 7;

/// Partition changes never wait long for a lock: a drop waits for every query on the table to
/// finish and holds new ones meanwhile, so it gives up and is tried again on the next run.
const LOCK_TIMEOUT: &str = "5s";

/// Taken by whoever changes the partitions, so two processes never make the same day at once.
const PARTITIONS_LOCK: i64 = 0x706c_6267_7061_7274; // "plbgpart"

const PREFIX: &str = "delivery_attempts_p";

/// What one run changed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PartitionChanges {
    pub created: u32,
    pub dropped: u32,
    /// Attempts moved out of the default partition into a day made for them.
    pub moved: u64,
    /// Expired attempts deleted from the default partition.
    pub deleted: u64,
}

#[derive(sqlx::FromRow)]
struct PartitionName {
    name: String,
}

#[derive(sqlx::FromRow)]
struct DefaultDay {
    day: NaiveDate,
}

/// Makes the days from today to [`DAYS_AHEAD`] (and any day the default partition holds attempts
/// of), drops the days wholly older than `retention` and deletes expired attempts from the default
/// partition. Attempts are kept at least `retention` and at most a day longer.
pub async fn maintain(
    pool: &PgPool,
    now: DateTime<Utc>,
    retention: Duration,
) -> Result<PartitionChanges, sqlx::Error> {
    let cutoff = now - chrono::Duration::from_std(retention).unwrap_or(chrono::Duration::MAX);
    let mut changes = PartitionChanges::default();
    let existing = days(pool).await?;
    let today = now.date_naive();
    let mut wanted: Vec<NaiveDate> = (0..=DAYS_AHEAD)
        .filter_map(|ahead| today.checked_add_days(Days::new(ahead)))
        .collect();
    let stray: Vec<DefaultDay> = sqlx::query_as(
        "SELECT DISTINCT (started_at AT TIME ZONE 'UTC')::date AS day
           FROM delivery_attempts_default WHERE started_at >= $1",
    )
    .bind(cutoff)
    .fetch_all(pool)
    .await?;
    wanted.extend(stray.into_iter().map(|d| d.day));
    for day in wanted {
        if !existing.contains(&day) {
            if let Some(moved) = create(pool, day).await? {
                changes.created += 1;
                changes.moved += moved;
            }
        }
    }
    for day in existing {
        let ends = day.succ_opt().and_then(|next| next.and_hms_opt(0, 0, 0));
        if ends.is_some_and(|ends| ends.and_utc() <= cutoff) && drop(pool, day).await? {
            changes.dropped += 1;
        }
    }
    changes.deleted = sqlx::query("DELETE FROM delivery_attempts_default WHERE started_at < $1")
        .bind(cutoff)
        .execute(pool)
        .await?
        .rows_affected();
    Ok(changes)
}

/// The days that have a partition, oldest first.
pub async fn days(pool: &PgPool) -> Result<Vec<NaiveDate>, sqlx::Error> {
    let names: Vec<PartitionName> = sqlx::query_as(
        "SELECT c.relname::text AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
          WHERE i.inhparent = 'delivery_attempts'::regclass",
    )
    .fetch_all(pool)
    .await?;
    let mut days: Vec<NaiveDate> = names
        .iter()
        .filter_map(|p| p.name.strip_prefix(PREFIX))
        .filter_map(|day| NaiveDate::parse_from_str(day, "%Y%m%d").ok())
        .collect();
    days.sort();
    Ok(days)
}

fn name(day: NaiveDate) -> String {
    format!("{PREFIX}{}", day.format("%Y%m%d"))
}

async fn locked(pool: &PgPool) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query(&format!("SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
        .execute(&mut *tx)
        .await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(PARTITIONS_LOCK)
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

async fn exists(tx: &mut Transaction<'static, Postgres>, table: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
        .bind(table)
        .fetch_one(&mut **tx)
        .await
}

/// Makes a day's partition, moving in whatever the default partition holds of that day; returns
/// how many attempts moved, or None when another process made it first.
async fn create(pool: &PgPool, day: NaiveDate) -> Result<Option<u64>, sqlx::Error> {
    let (Some(from), Some(to)) = (
        day.and_hms_opt(0, 0, 0),
        day.succ_opt().and_then(|next| next.and_hms_opt(0, 0, 0)),
    ) else {
        return Ok(None);
    };
    let (from, to) = (from.and_utc().to_rfc3339(), to.and_utc().to_rfc3339());
    let table = name(day);
    let mut tx = locked(pool).await?;
    if exists(&mut tx, &table).await? {
        return Ok(None);
    }
    // Made apart and attached, because attaching beside a default partition that still holds
    // rows of the day would fail; the rows move first, in the same transaction.
    sqlx::query(&format!(
        "CREATE TABLE {table} (LIKE delivery_attempts INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
    ))
    .execute(&mut *tx)
    .await?;
    let moved = sqlx::query(&format!(
        "WITH moved AS (DELETE FROM delivery_attempts_default
                         WHERE started_at >= '{from}' AND started_at < '{to}' RETURNING *)
         INSERT INTO {table} SELECT * FROM moved"
    ))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query(&format!(
        "ALTER TABLE delivery_attempts ATTACH PARTITION {table} FOR VALUES FROM ('{from}') TO ('{to}')"
    ))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(moved))
}

/// Drops a day's partition; false when another process dropped it first.
async fn drop(pool: &PgPool, day: NaiveDate) -> Result<bool, sqlx::Error> {
    let table = name(day);
    let mut tx = locked(pool).await?;
    if !exists(&mut tx, &table).await? {
        return Ok(false);
    }
    sqlx::query(&format!("DROP TABLE {table}"))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}
