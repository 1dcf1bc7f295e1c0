//! Keeping the planner's picture of the queue current. The claim and the recorder run as
//! prepared statements, and PostgreSQL keeps the plan it made for them until the table's
//! statistics change. A plan made while the queue was nearly empty (a new installation, or the
//! moments before a flood) reads whole tables once they hold tens of thousands of deliveries:
//! measured, a claim went from 0.4 to 5 ms and another company's p99 delivery latency from
//! 6 to 60 ms, until autovacuum got round to analysing the table (a minute or more later).
//! So the queue's tables are analysed as soon as they have grown well past what the planner
//! last counted; the new statistics make PostgreSQL plan those statements again.

use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::PgPool;
use tokio::sync::Notify;

/// Deliveries this process has queued, and deliveries it has finished, not yet told the
/// statistics keeper of. PostgreSQL's own row counts reach its
/// statistics views a second or more late; the publisher's count is there at once, so a flood
/// is noticed while it is still arriving. What leaves is counted too, so a steady flow through
/// the queue is not taken for growth.
#[derive(Default)]
pub struct QueueGrowth {
    queued: AtomicU64,
    finished: AtomicU64,
    /// Notified as deliveries are queued.
    pub grew: Notify,
}

impl QueueGrowth {
    pub fn add(&self, deliveries: u64) {
        self.queued.fetch_add(deliveries, Ordering::Relaxed);
        self.grew.notify_one();
    }

    /// Deliveries finished (succeeded or failed): they leave the live partition as their
    /// outcomes are recorded or at the next filing, a quarter of a second later.
    pub fn finished(&self, deliveries: u64) {
        self.finished.fetch_add(deliveries, Ordering::Relaxed);
    }

    /// Deliveries queued less deliveries finished, since the last call.
    pub fn take(&self) -> i64 {
        let queued = self.queued.swap(0, Ordering::Relaxed);
        let finished = self.finished.swap(0, Ordering::Relaxed);
        i64::try_from(queued).unwrap_or(i64::MAX) - i64::try_from(finished).unwrap_or(i64::MAX)
    }
}

/// The tables the queue's hot statements read, and so whose size their plans depend on: the
/// deliveries still to send (the claim and the recorder read only this partition). Events are
/// read by id alone, a plan no size changes; and analysing a partitioned table would read a
/// sample of every day of the log.
const QUEUE_TABLES: [&str; 1] = ["deliveries_live"];

/// Rows a table may have beyond twice what its statistics say before it is analysed: small
/// tables are cheap to read whichever plan is used.
pub const SLACK_ROWS: f64 = 1_000.0;

#[derive(sqlx::FromRow)]
struct Outgrown {
    table_name: String,
}

/// Analyses each queue table holding more than twice the rows its statistics count (plus
/// [`SLACK_ROWS`]); returns the tables analysed. A table's rows are what the statistics views
/// count or, for `deliveries_live`, what the statistics last counted plus `queued_deliveries` (this
/// process's since its last analysis, less those it has finished since), whichever is
/// more. Cheap when nothing has grown: one
/// read of the statistics views. Of processes sharing the database, one analyses a table at a
/// time: the others give way (see [`analyse`]) and find it no longer outgrown at their next
/// check.
pub async fn refresh_outgrown(
    pool: &PgPool,
    queued_deliveries: u64,
) -> Result<Vec<&'static str>, sqlx::Error> {
    let outgrown: Vec<Outgrown> = sqlx::query_as(
        "SELECT s.relname::text AS table_name
           FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
          WHERE s.schemaname = current_schema() AND s.relname = ANY($1)
            AND greatest(s.n_live_tup::float8,
                         greatest(c.reltuples, 0) + CASE WHEN s.relname = 'deliveries_live' THEN $3 ELSE 0 END)
                > 2 * greatest(c.reltuples, 0) + $2",
    )
    .bind(QUEUE_TABLES.as_slice())
    .bind(SLACK_ROWS)
    .bind(queued_deliveries as f64)
    .fetch_all(pool)
    .await?;
    let mut analysed = Vec::new();
    for table in QUEUE_TABLES {
        if outgrown.iter().any(|o| o.table_name == table) && analyse(pool, table).await? {
            analysed.push(table);
        }
    }
    Ok(analysed)
}

/// Analyses `table` unless a vacuum holds it: waiting for the lock would make PostgreSQL cancel
/// an autovacuum working on the table (and an anti-wraparound one would hold us for as long as
/// it runs). Such a vacuum analyses the table itself, or the next check tries again.
async fn analyse(pool: &PgPool, table: &'static str) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT set_config('lock_timeout', '200ms', true)")
        .execute(&mut *tx)
        .await?;
    // The name is one of the constants above, never input.
    let statement = format!("ANALYZE {table}");
    let result = sqlx::query(&statement)
        .persistent(false)
        .execute(&mut *tx)
        .await;
    match result {
        Ok(_) => {}
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some(LOCK_NOT_AVAILABLE) => {
            tracing::debug!("{table} not analysed: a vacuum holds it");
            return Ok(false);
        }
        Err(e) => return Err(e),
    }
    tx.commit().await?;
    Ok(true)
}

/// PostgreSQL's SQLSTATE for a lock wait that ran past `lock_timeout`.
const LOCK_NOT_AVAILABLE: &str = "55P03";
