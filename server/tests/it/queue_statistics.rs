//! The queue's statistics follow a burst: once the deliveries still to send (`deliveries_live`)
//! are well over what the planner last counted, it is analysed, so the claim's and the recorder's cached plans are
//! made again for the table's real size (not a minute later, when autovacuum gets to it).

use std::time::Duration;

use serde_json::{json, Value};
use sqlx::PgPool;

use crate::common::receiver::{Receiver, Reply};
use crate::common::{without_worker, TestApp};

#[derive(sqlx::FromRow)]
struct TableStatistics {
    /// Rows the planner assumes (-1 until the table is first analysed or vacuumed).
    planned_rows: f32,
    /// Set by an ANALYZE statement (autovacuum's own analyses set another column).
    analysed: bool,
}

async fn statistics_of(pool: &PgPool, table: &str) -> TableStatistics {
    sqlx::query_as(
        "SELECT c.reltuples AS planned_rows, s.last_analyze IS NOT NULL AS analysed
           FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid
          WHERE s.schemaname = current_schema() AND s.relname = $1",
    )
    .bind(table)
    .fetch_one(pool)
    .await
    .expect("table statistics")
}

#[sqlx::test(migrations = "../migrations")]
async fn the_worker_analyses_the_deliveries_table_once_a_burst_outgrows_its_statistics(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool.clone()).await;
    let receiver = Receiver::start().await;
    // A slow receiver keeps the burst waiting in the live partition while it is counted.
    receiver.set_default(Reply::status(200).delay(Duration::from_millis(200)));
    let admin = app.setup("Acme", "ada@acme.test").await;
    admin.add_webhook(&receiver.url("/hook")).await;
    assert!(!statistics_of(&pool, "deliveries_live").await.analysed);

    admin.publish_numbered(2_500).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let stats = statistics_of(&pool, "deliveries_live").await;
        if stats.analysed && stats.planned_rows >= 1_000.0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "15 s after 2,500 deliveries were queued, the planner still counts {} rows (analysed: {})",
            stats.planned_rows,
            stats.analysed
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_table_is_analysed_only_when_it_has_outgrown_what_the_planner_counts(pool: PgPool) {
    use app::delivery::statistics::refresh_outgrown;
    // No worker here, so nothing analyses the tables but the calls below.
    let (_app, admin, _receiver) = without_worker(pool.clone()).await;
    assert_eq!(
        refresh_outgrown(&pool, 0).await.expect("check"),
        Vec::<&str>::new()
    );

    admin.publish_numbered(1_500).await;
    // The publisher's own count says the table grew past its slack: analysed at once, whatever
    // PostgreSQL's statistics views have caught up with.
    let analysed = refresh_outgrown(&pool, 1_500).await.expect("check");
    assert!(
        analysed.contains(&"deliveries_live"),
        "analysed {analysed:?}"
    );
    let stats = statistics_of(&pool, "deliveries_live").await;
    assert!(stats.analysed);
    assert_eq!(stats.planned_rows, 1_500.0);

    // Now the planner counts what is there: nothing more to do.
    let again = refresh_outgrown(&pool, 0).await.expect("check");
    assert!(
        !again.contains(&"deliveries_live"),
        "analysed again: {again:?}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_table_a_vacuum_holds_is_left_for_the_next_check(pool: PgPool) {
    use app::delivery::statistics::refresh_outgrown;
    let (_app, admin, _receiver) = without_worker(pool.clone()).await;
    admin.publish_numbered(1_500).await;

    // The lock a vacuum holds, which ANALYZE needs too: waiting for it would have PostgreSQL
    // cancel an autovacuum, so the check gives up on the table for now, without an error.
    let mut vacuum = pool.begin().await.expect("begin");
    sqlx::query("LOCK TABLE deliveries_live IN SHARE UPDATE EXCLUSIVE MODE")
        .execute(&mut *vacuum)
        .await
        .expect("lock");
    let analysed = refresh_outgrown(&pool, 1_500)
        .await
        .expect("a table held by a vacuum is no error");
    assert!(
        !analysed.contains(&"deliveries_live"),
        "analysed {analysed:?}"
    );
    assert!(!statistics_of(&pool, "deliveries_live").await.analysed);

    vacuum.rollback().await.expect("rollback");
    let analysed = refresh_outgrown(&pool, 1_500).await.expect("check");
    assert!(
        analysed.contains(&"deliveries_live"),
        "analysed {analysed:?}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_steady_flow_through_the_queue_is_not_taken_for_growth(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let receiver = Receiver::start().await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    admin.add_webhook(&receiver.url("/hook")).await;

    // 2,000 deliveries at about 250 a second, each answered at once: twice the slack queued,
    // while the partition never holds more than a few hundred.
    let mut ticks = tokio::time::interval(Duration::from_millis(200));
    for start in (0..2_000).step_by(50) {
        ticks.tick().await;
        let events: Vec<Value> = (start..start + 50)
            .map(|i| json!({"event_type": "message.sent", "data": {"n": i}}))
            .collect();
        admin
            .post_ok("/api/v1/events/publish_batch", json!({ "events": events }))
            .await;
    }
    receiver.wait_for(2_000, Duration::from_secs(30)).await;
    // Two more of the keeper's checks, after the last deliveries are filed.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let analyses: i64 = sqlx::query_scalar(
        "SELECT analyze_count FROM pg_stat_user_tables
          WHERE schemaname = current_schema() AND relname = 'deliveries_live'",
    )
    .fetch_one(&pool)
    .await
    .expect("analyses");
    assert_eq!(analyses, 0, "analysed while nothing piled up");
}
