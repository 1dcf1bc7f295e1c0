//! What the database did beside the measured work during a round: vacuums and analyses of the
//! queue's live partition (the worker's own or autovacuum's) and checkpoints. A round's tail is
//! then read beside what shared the machine with it, rather than guessed at afterwards.

use sqlx::PgPool;

/// Cumulative counts at one moment, as PostgreSQL's statistics views have them (a backend
/// reports its counts at the latest a second or so after its statement, so a snapshot taken a
/// couple of seconds after the round has all of the round's work).
#[derive(sqlx::FromRow)]
pub struct Background {
    vacuums: i64,
    analyses: i64,
    checkpoints: i64,
}

impl Background {
    /// The counts now; `None` where the views differ from PostgreSQL 15's (the checkpoint
    /// counts moved to `pg_stat_checkpointer` in 17): the round then prints nothing of it.
    pub async fn take(pool: &PgPool) -> Option<Self> {
        sqlx::query_as(
            "SELECT coalesce((SELECT vacuum_count + autovacuum_count FROM pg_stat_user_tables
                               WHERE schemaname = current_schema() AND relname = 'deliveries_live'), 0) AS vacuums,
                    coalesce((SELECT analyze_count + autoanalyze_count FROM pg_stat_user_tables
                               WHERE schemaname = current_schema() AND relname = 'deliveries_live'), 0) AS analyses,
                    (SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter) AS checkpoints",
        )
        .fetch_one(pool)
        .await
        .ok()
    }

    /// What happened between `before` and this snapshot, as a line of the report.
    pub fn since(&self, before: &Background) -> String {
        format!(
            "beside it: {} vacuum(s) and {} analysis(es) of the live partition, {} checkpoint(s)",
            self.vacuums - before.vacuums,
            self.analyses - before.analyses,
            self.checkpoints - before.checkpoints,
        )
    }
}
