//! The queue's dead rows are cleared by the worker itself: every delivery leaves dead row
//! versions in `deliveries_live`, and the claim and the recorder read through them until a
//! vacuum clears them. These machines' PostgreSQL runs without autovacuum, so nothing else
//! vacuums here; where autovacuum runs, it counts in another column than `vacuum_count`.

use std::time::Duration;

use app::delivery::vacuum::{due, QueueVacuum};
use sqlx::PgPool;

use crate::common::receiver::Receiver;
use crate::common::{without_worker, TestApp};

#[derive(sqlx::FromRow)]
struct LivePartition {
    live_rows: i64,
    dead_rows: i64,
    /// Vacuums by a VACUUM statement (autovacuum's count in another column).
    vacuums: i64,
}

async fn live_partition(pool: &PgPool) -> LivePartition {
    sqlx::query_as(
        "SELECT n_live_tup AS live_rows, n_dead_tup AS dead_rows, vacuum_count AS vacuums
           FROM pg_stat_user_tables
          WHERE schemaname = current_schema() AND relname = 'deliveries_live'",
    )
    .fetch_one(pool)
    .await
    .expect("the live partition's statistics")
}

#[sqlx::test(migrations = "../migrations")]
async fn the_worker_vacuums_the_dead_rows_a_burst_leaves_in_the_queue(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let receiver = Receiver::start().await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    admin.add_webhook(&receiver.url("/hook")).await;

    // Queued, claimed, answered and filed: two or three dead row versions each.
    admin.publish_numbered(6_000).await;
    receiver.wait_for(6_000, Duration::from_secs(60)).await;
    // Vacuumed, and what is left dead is not enough for another vacuum once the queue is quiet
    // (the burst left 12,000-18,000 dead rows).
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let live = live_partition(&pool).await;
        if live.vacuums >= 1 && !due(live.live_rows as f64, live.dead_rows as f64, 0.0) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the worker did not clear the burst's dead rows: {} vacuums, {} dead rows, {} live",
            live.vacuums,
            live.dead_rows,
            live.live_rows
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Rewrites the live rows (moving their due time, as each claim does) until PostgreSQL's
/// statistics count more than `dead` dead rows; they are sent at once, not a second later.
async fn rewrite_live_rows_until(pool: &PgPool, dead: i64) {
    let mut conn = pool.acquire().await.expect("a connection");
    for _ in 0..20 {
        sqlx::query(
            "UPDATE deliveries SET next_attempt_at = next_attempt_at + interval '1 microsecond'
              WHERE finished_on = 'infinity'",
        )
        .execute(&mut *conn)
        .await
        .expect("rewrite");
        sqlx::query("SELECT pg_stat_force_next_flush()")
            .execute(&mut *conn)
            .await
            .expect("flush the statistics");
        // The flush happens as the connection goes idle after the statement above.
        sqlx::query("SELECT 1")
            .execute(&mut *conn)
            .await
            .expect("idle");
        if live_partition(pool).await.dead_rows > dead {
            return;
        }
    }
    panic!(
        "20 rewrites left {} dead rows",
        live_partition(pool).await.dead_rows
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_quiet_queue_is_vacuumed_and_one_a_vacuum_holds_is_left_for_later(pool: PgPool) {
    // No worker: only the calls below vacuum.
    let (_app, admin, _receiver) = without_worker(pool.clone()).await;
    admin.publish_numbered(5_000).await;
    rewrite_live_rows_until(&pool, 12_000).await;
    let mut vacuum = QueueVacuum::default();
    // The first check only measures how fast dead rows come.
    assert_eq!(vacuum.vacuum_if_due(&pool).await.expect("check"), None);

    // The lock a vacuum holds: another vacuum is left alone, never waited for.
    let mut other_vacuum = pool.begin().await.expect("begin");
    sqlx::query("LOCK TABLE deliveries_live IN SHARE UPDATE EXCLUSIVE MODE")
        .execute(&mut *other_vacuum)
        .await
        .expect("lock");
    let skipped = tokio::time::timeout(Duration::from_secs(5), vacuum.vacuum_if_due(&pool))
        .await
        .expect("the check does not wait for the lock")
        .expect("a partition another vacuum holds is no error");
    assert_eq!(skipped, None);
    assert_eq!(live_partition(&pool).await.vacuums, 0);
    other_vacuum.rollback().await.expect("rollback");

    let vacuumed = vacuum.vacuum_if_due(&pool).await.expect("check");
    assert!(
        vacuumed.is_some_and(|dead| dead > 12_000),
        "vacuumed: {vacuumed:?}"
    );
    let live = live_partition(&pool).await;
    assert_eq!(live.vacuums, 1);
    assert!(live.dead_rows < 1_000, "{} dead rows left", live.dead_rows);
    // Nothing dead since: nothing to do.
    assert_eq!(vacuum.vacuum_if_due(&pool).await.expect("check"), None);
}
