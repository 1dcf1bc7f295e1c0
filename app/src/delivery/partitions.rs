//! The delivery log's daily partitions: attempts by the day they started, finished deliveries by
//! the day they finished (deliveries still to send live in `deliveries_live`), events by the day
//! in their time-ordered id. Days are made a week ahead and dropped whole once past the
//! retention. Dropping a day is a catalogue change that takes milliseconds, where deleting its
//! rows one by one wrote every row to the WAL again and left the table to vacuum (the
//! benchmark's `prune` scenario measures both on the same rows).
//!
//! A delivery finished in a large batch of outcomes moves into its day as they are recorded
//! ([`super::record`]); one that finishes in the live partition is filed into its day shortly
//! after ([`super::filing`], run by the worker four times a second and by maintenance), in
//! batches and off the path from a publish to its first attempt.
//!
//! Partitions are named `<table>_pYYYYMMDD` and hold that UTC day. A row whose day has no
//! partition lands in the table's `_default` partition; making its day moves it there. Events a
//! delivery still refers to outlive their day: they move into `events_default` as it is dropped,
//! and are deleted there once nothing refers to them.

use std::time::Duration;

use chrono::{DateTime, Days, NaiveDate, Utc};
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

/// Days made ahead of today, so a stopped maintenance loop has a week before rows start
/// landing in the default partitions.
pub const DAYS_AHEAD: u64 = 7;

/// Partition changes never wait long for a lock: a drop waits for every query on the table to
/// finish and holds new ones meanwhile, so it gives up and is tried again on the next run.
const LOCK_TIMEOUT: &str = "5s";

/// Taken by whoever changes the partitions, so two processes never make the same day at once.
const PARTITIONS_LOCK: i64 = 0x706c_6267_7061_7274; // "plbgpart"

/// A table of the delivery log kept in daily partitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogTable {
    /// `delivery_attempts`, by `started_at`.
    Attempts,
    /// `deliveries`, by `finished_on` (the UTC day of `completed_at`).
    Deliveries,
    /// `events`, by `id` (its first 48 bits are the Unix milliseconds it was made at).
    Events,
}

impl LogTable {
    pub fn parent(self) -> &'static str {
        match self {
            LogTable::Attempts => "delivery_attempts",
            LogTable::Deliveries => "deliveries",
            LogTable::Events => "events",
        }
    }

    /// The partition holding `day`.
    pub fn partition(self, day: NaiveDate) -> String {
        format!("{}_p{}", self.parent(), day.format("%Y%m%d"))
    }

    fn default_partition(self) -> String {
        format!("{}_default", self.parent())
    }

    /// The partition key.
    fn key(self) -> &'static str {
        match self {
            LogTable::Attempts => "started_at",
            LogTable::Deliveries => "finished_on",
            LogTable::Events => "id",
        }
    }

    /// The days of rows in the default partition that are not yet expired at `$1`, so their days
    /// are made for them. None for events: the day of an event's id is not its `created_at`'s
    /// (older events have random ids), so they stay and are deleted there when expired.
    fn stray_days(self) -> Option<&'static str> {
        match self {
            LogTable::Attempts => Some(
                "SELECT DISTINCT (started_at AT TIME ZONE 'UTC')::date AS day
                   FROM delivery_attempts_default WHERE started_at >= $1",
            ),
            LogTable::Deliveries => Some(
                "SELECT DISTINCT finished_on AS day FROM deliveries_default WHERE completed_at >= $1",
            ),
            LogTable::Events => None,
        }
    }

    /// Deletes the default partition's rows expired at `$1`.
    fn delete_expired(self) -> &'static str {
        match self {
            LogTable::Attempts => "DELETE FROM delivery_attempts_default WHERE started_at < $1",
            LogTable::Deliveries => "DELETE FROM deliveries_default WHERE completed_at < $1",
            LogTable::Events => {
                "DELETE FROM events_default e WHERE e.created_at < $1
                    AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id)"
            }
        }
    }

    /// The key's value where `day` starts, as an SQL literal.
    fn bound(self, day: NaiveDate) -> Option<String> {
        match self {
            LogTable::Attempts => day
                .and_hms_opt(0, 0, 0)
                .map(|start| format!("'{}'", start.and_utc().to_rfc3339())),
            LogTable::Deliveries => Some(format!("'{}'", day.format("%Y-%m-%d"))),
            LogTable::Events => day
                .and_hms_opt(0, 0, 0)
                .and_then(|start| u128::try_from(start.and_utc().timestamp_millis()).ok())
                .map(|millis| format!("'{}'", Uuid::from_u128(millis << 80))),
        }
    }
}

/// What one run changed in one table.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PartitionChanges {
    pub created: u32,
    pub dropped: u32,
    /// Rows moved out of the default partition into a day made for them.
    pub moved: u64,
    /// Expired rows deleted from the default partition.
    pub deleted: u64,
    /// Rows of dropped days kept in the default partition (events deliveries still refer to).
    pub kept: u64,
}

/// What one run changed in each table.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LogPartitionChanges {
    pub attempts: PartitionChanges,
    pub deliveries: PartitionChanges,
    pub events: PartitionChanges,
}

#[derive(sqlx::FromRow)]
struct PartitionName {
    name: String,
}

#[derive(sqlx::FromRow)]
struct DefaultDay {
    day: NaiveDate,
}

/// Files the finished deliveries, then [`maintain_table`] for the attempts, the finished
/// deliveries and the events (whose drops keep what the deliveries left still refer to).
pub async fn maintain(
    pool: &PgPool,
    now: DateTime<Utc>,
    retention: Duration,
) -> Result<LogPartitionChanges, sqlx::Error> {
    super::filing::file_all_finished(pool).await?;
    Ok(LogPartitionChanges {
        attempts: maintain_table(pool, LogTable::Attempts, now, retention).await?,
        deliveries: maintain_table(pool, LogTable::Deliveries, now, retention).await?,
        events: maintain_table(pool, LogTable::Events, now, retention).await?,
    })
}

/// Makes the days from today to [`DAYS_AHEAD`] (and any day the default partition holds rows
/// of), drops the days wholly older than `retention` and deletes expired rows from the default
/// partition. Rows are kept at least `retention` and at most a day longer.
pub async fn maintain_table(
    pool: &PgPool,
    table: LogTable,
    now: DateTime<Utc>,
    retention: Duration,
) -> Result<PartitionChanges, sqlx::Error> {
    let cutoff = now - chrono::Duration::from_std(retention).unwrap_or(chrono::Duration::MAX);
    let mut changes = PartitionChanges::default();
    let existing = days(pool, table).await?;
    let today = now.date_naive();
    let mut wanted: Vec<NaiveDate> = (0..=DAYS_AHEAD)
        .filter_map(|ahead| today.checked_add_days(Days::new(ahead)))
        .collect();
    if let Some(stray_days) = table.stray_days() {
        let stray: Vec<DefaultDay> = sqlx::query_as(stray_days)
            .bind(cutoff)
            .fetch_all(pool)
            .await?;
        wanted.extend(stray.into_iter().map(|d| d.day));
    }
    for day in wanted {
        if !existing.contains(&day) {
            if let Some(moved) = create(pool, table, day).await? {
                changes.created += 1;
                changes.moved += moved;
            }
        }
    }
    for day in existing {
        let ends = day.succ_opt().and_then(|next| next.and_hms_opt(0, 0, 0));
        if ends.is_none_or(|ends| ends.and_utc() > cutoff) {
            continue;
        }
        if let Some(kept) = drop(pool, table, day).await? {
            changes.dropped += 1;
            changes.kept += kept;
        }
    }
    changes.deleted = sqlx::query(table.delete_expired())
        .bind(cutoff)
        .execute(pool)
        .await?
        .rows_affected();
    Ok(changes)
}

/// The days that have a partition, oldest first.
pub async fn days(pool: &PgPool, table: LogTable) -> Result<Vec<NaiveDate>, sqlx::Error> {
    let names: Vec<PartitionName> = sqlx::query_as(
        "SELECT c.relname::text AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
          WHERE i.inhparent = $1::regclass",
    )
    .bind(table.parent())
    .fetch_all(pool)
    .await?;
    let prefix = format!("{}_p", table.parent());
    let mut days: Vec<NaiveDate> = names
        .iter()
        .filter_map(|p| p.name.strip_prefix(&prefix))
        .filter_map(|day| NaiveDate::parse_from_str(day, "%Y%m%d").ok())
        .collect();
    days.sort();
    Ok(days)
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

/// Makes a day's partition of `table` if it has none (what maintenance does for the days ahead);
/// true when this call made it. The benchmark makes past days with it, as an installation
/// that has kept a month of its log has them.
pub async fn make_day(pool: &PgPool, table: LogTable, day: NaiveDate) -> Result<bool, sqlx::Error> {
    Ok(create(pool, table, day).await?.is_some())
}

/// Makes a day's partition, moving in whatever the default partition holds of that day; returns
/// how many rows moved, or None when another process made it first.
async fn create(
    pool: &PgPool,
    table: LogTable,
    day: NaiveDate,
) -> Result<Option<u64>, sqlx::Error> {
    let (Some(from), Some(to)) = (
        table.bound(day),
        day.succ_opt().and_then(|next| table.bound(next)),
    ) else {
        return Ok(None);
    };
    let (parent, key, default) = (table.parent(), table.key(), table.default_partition());
    let partition = table.partition(day);
    let mut tx = locked(pool).await?;
    if exists(&mut tx, &partition).await? {
        return Ok(None);
    }
    // Made apart and attached, because attaching beside a default partition that still holds
    // rows of the day would fail; the rows move first, in the same transaction.
    sqlx::query(&format!(
        "CREATE TABLE {partition} (LIKE {parent} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
    ))
    .execute(&mut *tx)
    .await?;
    let moved = sqlx::query(&format!(
        "WITH moved AS (DELETE FROM {default} WHERE {key} >= {from} AND {key} < {to} RETURNING *)
         INSERT INTO {partition} SELECT * FROM moved"
    ))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query(&format!(
        "ALTER TABLE {parent} ATTACH PARTITION {partition} FOR VALUES FROM ({from}) TO ({to})"
    ))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(moved))
}

/// Drops a day's partition; returns how many of its rows were kept (in the default partition),
/// or None when another process dropped it first.
async fn drop(pool: &PgPool, table: LogTable, day: NaiveDate) -> Result<Option<u64>, sqlx::Error> {
    let partition = table.partition(day);
    let mut tx = locked(pool).await?;
    if !exists(&mut tx, &partition).await? {
        return Ok(None);
    }
    let kept = match table {
        LogTable::Events => {
            // The events of the day that deliveries still refer to are copied out, then put back
            // once the day is gone (so into the default partition). The table is locked first:
            // no delivery can be queued from an event (which reads it) until this commits.
            let (Some(from), Some(to)) = (
                table.bound(day),
                day.succ_opt().and_then(|next| table.bound(next)),
            ) else {
                return Ok(None);
            };
            sqlx::query("LOCK TABLE events IN ACCESS EXCLUSIVE MODE")
                .execute(&mut *tx)
                .await?;
            sqlx::query(&format!(
                "CREATE TEMP TABLE kept_events ON COMMIT DROP AS
                 SELECT * FROM {partition} WHERE id IN (
                     SELECT d.event_id FROM deliveries d WHERE d.event_id >= {from} AND d.event_id < {to})"
            ))
            .execute(&mut *tx)
            .await?;
            sqlx::query(&format!("DROP TABLE {partition}"))
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO events SELECT * FROM kept_events")
                .execute(&mut *tx)
                .await?
                .rows_affected()
        }
        LogTable::Attempts | LogTable::Deliveries => {
            sqlx::query(&format!("DROP TABLE {partition}"))
                .execute(&mut *tx)
                .await?;
            0
        }
    };
    tx.commit().await?;
    Ok(Some(kept))
}
