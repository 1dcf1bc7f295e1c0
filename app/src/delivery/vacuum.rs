//! Vacuuming the queue. Every delivery passes through `deliveries_live` and leaves two or three
//! dead row versions there (queued, claimed, finished, filed away), and the claim and the
//! recorder read the partition through indexes that point at them until a vacuum clears them.
//! Autovacuum comes round a minute apart at best, with a threshold scaled by the table's size,
//! and an installation can have it switched off (the CI machines' PostgreSQL does): there, a
//! benchmark run left 245,000 dead rows in a partition holding a few live ones, and first
//! attempts at 200 events/s took longer after the throughput scenarios than on their own until
//! the partition was vacuumed. So the worker vacuums it itself, as it analyses it once it
//! outgrows its statistics ([`super::statistics`]).
//!
//! Not while a burst churns it, though: vacuuming a partition that is being rewritten
//! thousands of times a second competes with the burst for CPU and WAL (measured: 2-3
//! vacuums in a 20,000-event burst cost it a tenth of its publishes a second) and is undone
//! within seconds. But a steady flow is vacuumed every few seconds of its dead rows: the claim
//! walks every dead index entry of a destination's deliveries before reaching a live one
//! (they sort first: their due times are older), so at 2,000 events a second, with 70,000 dead
//! rows left, claims took 4-6 ms each instead of under one, and the first attempts' p50 went
//! from 1.5 to 4.5 ms. A burst's dead rows are cleared once it has passed, or when they reach
//! [`FLOOD_DEAD_ROWS`].

use std::time::Instant;

use sqlx::{Executor, PgConnection, PgPool};

/// Dead rows the live partition may hold before it is vacuumed, at least: about 5 s of
/// deliveries at 200 events/s; each vacuum then reads a hundred pages or so.
pub const DEAD_ROWS: f64 = 2_500.0;

/// Dead rows after which it is vacuumed whatever the rate (about ten seconds of the fastest
/// flood measured here).
pub const FLOOD_DEAD_ROWS: f64 = 200_000.0;

/// Both thresholds grow by this share of the live rows: a queue holding a backlog of a million
/// deliveries is not read again whole for a few thousand dead rows.
pub const DEAD_SHARE_OF_LIVE: f64 = 0.2;

/// Seconds of a steady flow's dead rows the live partition gathers before it is vacuumed (the
/// checks come every 2 s, and the statistics a second late): a flow of 1,000-2,000 events a
/// second is vacuumed every 2-4 s, a burst of 20,000 single publishes (about 3 s, 60,000 dead
/// rows) once at most as it passes. Against every 4-5 s, the first attempts' p99 at 1,000/s
/// went from 2.9-3.2 ms to 2.3-2.5 ms, and the burst's publishes a second did not change.
pub const STEADY_SECONDS: f64 = 2.0;

/// Whether a partition with `live` and `dead` rows, gaining `dead_per_second`, is vacuumed now
/// (an infinite rate: not measured yet).
pub fn due(live: f64, dead: f64, dead_per_second: f64) -> bool {
    let share = DEAD_SHARE_OF_LIVE * live.max(0.0);
    let steady = DEAD_ROWS.max(dead_per_second * STEADY_SECONDS);
    dead > FLOOD_DEAD_ROWS + share || dead > steady.min(FLOOD_DEAD_ROWS) + share
}

#[derive(sqlx::FromRow)]
struct RowCounts {
    live: i64,
    dead: i64,
    vacuums: i64,
}

/// The live partition's row counts and manual vacuums, as PostgreSQL's statistics have them.
const ROW_COUNTS: &str = "SELECT n_live_tup AS live, n_dead_tup AS dead, vacuum_count AS vacuums
                            FROM pg_stat_user_tables
                           WHERE schemaname = current_schema() AND relname = 'deliveries_live'";

/// The live partition's dead rows as last counted, to tell how fast they pile up.
#[derive(Default)]
pub struct QueueVacuum {
    last: Option<(Instant, i64)>,
}

impl QueueVacuum {
    /// Vacuums `deliveries_live` when [`due`] by PostgreSQL's statistics (which reach the views
    /// a second or so late: a check every couple of seconds is soon enough); returns the dead
    /// rows that made it vacuum, or `None` when it did not (or another vacuum held it). The
    /// rate is measured since the last call, so the first call only measures unless the flood
    /// threshold is passed.
    ///
    /// Never waits: a partition another vacuum holds (autovacuum, or another process's worker)
    /// is skipped (`SKIP_LOCKED`); waiting would have PostgreSQL cancel an autovacuum. Never
    /// truncates the file (`TRUNCATE false`): giving back the empty pages at its end takes a
    /// lock that holds every publish and claim while it lasts; the pages are reused instead.
    pub async fn vacuum_if_due(&mut self, pool: &PgPool) -> Result<Option<i64>, sqlx::Error> {
        let counts: Option<RowCounts> = sqlx::query_as(ROW_COUNTS).fetch_optional(pool).await?;
        let Some(counts) = counts else {
            return Ok(None);
        };
        let now = Instant::now();
        let dead_per_second = match self.last.replace((now, counts.dead)) {
            // Fewer than last time: a vacuum cleared them since; all of these are new.
            Some((then, before)) => {
                let gained = if counts.dead >= before {
                    counts.dead - before
                } else {
                    counts.dead
                };
                gained as f64 / now.duration_since(then).as_secs_f64().max(0.001)
            }
            None => f64::INFINITY,
        };
        if !due(counts.live as f64, counts.dead as f64, dead_per_second) {
            return Ok(None);
        }
        vacuum_paced(pool).await?;
        // A skipped vacuum only warns; the count says whether one ran.
        let after: Option<RowCounts> = sqlx::query_as(ROW_COUNTS).fetch_optional(pool).await?;
        if after.is_none_or(|after| after.vacuums == counts.vacuums) {
            return Ok(None);
        }
        self.last = Some((Instant::now(), 0));
        Ok(Some(counts.dead))
    }
}

/// `VACUUM` at autovacuum's pace (PostgreSQL's default for a manual one is as fast as it can):
/// after a flood it dirties thousands of pages, and unpaced their WAL and writes compete with
/// the publishes' commits. On a connection of the pool that is closed afterwards rather than
/// returned, so the pacing never outlives the vacuum whatever fails on the way (a vacuum comes
/// every few seconds at most: one new connection each time costs nothing worth keeping).
async fn vacuum_paced(pool: &PgPool) -> Result<(), sqlx::Error> {
    let mut pooled = pool.acquire().await?;
    pooled.close_on_drop();
    let conn: &mut PgConnection = &mut pooled;
    // One statement a query: VACUUM cannot run inside a transaction block, and several
    // statements in one simple query make one.
    conn.execute("SET vacuum_cost_delay = '2ms'").await?;
    conn.execute("SET vacuum_cost_limit = 200").await?;
    conn.execute("VACUUM (SKIP_LOCKED, TRUNCATE false) deliveries_live")
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quiet_queue_is_vacuumed_once_dead_rows_pass_the_threshold() {
        assert!(!due(0.0, 2_000.0, 500.0));
        assert!(due(0.0, 3_000.0, 500.0));
        // Not yet measured how fast they come: wait for the next check.
        assert!(!due(0.0, 12_000.0, f64::INFINITY));
    }

    #[test]
    fn a_steady_flow_is_vacuumed_every_few_seconds_of_its_dead_rows() {
        // 2,000 events a second: about 6,000 dead rows a second.
        assert!(!due(500.0, 10_000.0, 6_000.0));
        assert!(due(500.0, 15_000.0, 6_000.0));
    }

    #[test]
    fn a_burst_waits_for_a_couple_of_seconds_of_its_dead_rows_never_past_the_flood_threshold() {
        // A 20,000-event burst at 7,500 events a second: about 22,000 dead rows a second.
        assert!(!due(20_000.0, 40_000.0, 22_000.0));
        assert!(due(20_000.0, 50_000.0, 22_000.0));
        assert!(!due(20_000.0, 150_000.0, 200_000.0));
        assert!(due(20_000.0, 210_000.0, 200_000.0));
        assert!(due(20_000.0, 210_000.0, f64::INFINITY));
    }

    #[test]
    fn a_backlog_raises_the_thresholds() {
        // A million deliveries waiting: 200,000 more dead rows allowed.
        assert!(!due(1_000_000.0, 150_000.0, 500.0));
        assert!(due(1_000_000.0, 250_000.0, 500.0));
        assert!(!due(1_000_000.0, 350_000.0, 90_000.0));
        assert!(due(1_000_000.0, 450_000.0, 90_000.0));
    }
}
