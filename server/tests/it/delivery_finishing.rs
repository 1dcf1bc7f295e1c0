//! A large batch of outcomes moves its finished deliveries out of the live partition into the
//! day they finished as it records them, and a destination deleted meanwhile still takes its
//! deliveries with it.

use app::delivery::partitions::LogTable;
use chrono::Utc;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use app::delivery::filing;
use app::delivery::queue::{ClaimLimits, Claimer};
use app::delivery::record::{Recorded, MOVED_AT_ONCE};

use crate::common::receiver::Reply;
use crate::common::{eventually, record_batch, without_worker, Browser, TestApp};

async fn homes(pool: &PgPool) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT status, tableoid::regclass::text FROM deliveries ORDER BY created_at, id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

/// Publishes `n` events and sends them, claimed as one batch; returns the outcomes to record.
async fn sent(app: &TestApp, admin: &Browser, n: usize) -> Vec<Recorded> {
    for i in 0..n {
        admin.publish("message.sent", json!({ "n": i })).await;
    }
    let limits = ClaimLimits::of(&app.state.config.webhooks, 100);
    let claimed = Claimer::new(&app.pool)
        .claim(limits, &[])
        .await
        .unwrap()
        .deliveries;
    assert_eq!(claimed.len(), n);
    app::delivery::dispatch::deliver(&app.state, claimed, false)
        .await
        .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_large_batch_moves_its_finished_deliveries_into_their_day_as_it_records_them(
    pool: PgPool,
) {
    // No worker: nothing files deliveries but what the test does.
    let (app, admin, receiver) = without_worker(pool).await;
    let today = LogTable::Deliveries.partition(Utc::now().date_naive());
    let live = "deliveries_live".to_string();

    let batch = sent(&app, &admin, MOVED_AT_ONCE).await;
    record_batch(&app, &batch).await.unwrap();
    assert_eq!(
        homes(&app.pool).await,
        vec![("succeeded".to_string(), today.clone()); MOVED_AT_ONCE],
        "a batch of {MOVED_AT_ONCE} finished deliveries is in today's day at once"
    );

    // A smaller batch finishes in place, for the filer; a retry stays live.
    let one = sent(&app, &admin, 1).await;
    record_batch(&app, &one).await.unwrap();
    receiver.set_default(Reply::status(500));
    let retry = sent(&app, &admin, 1).await;
    record_batch(&app, &retry).await.unwrap();
    let last_two = |homes: Vec<(String, String)>| homes[MOVED_AT_ONCE..].to_vec();
    assert_eq!(
        last_two(homes(&app.pool).await),
        [
            ("succeeded".to_string(), live.clone()),
            ("pending".to_string(), live.clone())
        ]
    );
    assert_eq!(filing::file_all_finished(&app.pool).await.unwrap(), 1);
    assert_eq!(
        last_two(homes(&app.pool).await),
        [
            ("succeeded".to_string(), today),
            ("pending".to_string(), live)
        ]
    );

    // The endpoint's delivery log lists all of them.
    let endpoint: Uuid = sqlx::query_scalar("SELECT id FROM webhook_endpoints")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let log = admin
        .get_json(&format!(
            "/api/v1/webhooks/deliveries?endpoint_id={endpoint}&limit=100"
        ))
        .await;
    assert_eq!(
        log["deliveries"].as_array().map(Vec::len),
        Some(MOVED_AT_ONCE + 2),
        "{log}"
    );
}

/// Waits until a statement starting with `start` waits for a lock.
async fn waiting(pool: &PgPool, start: &str) {
    eventually(&format!("`{start}` never waited"), || async {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock'
                AND ltrim(query) LIKE $1 || '%'",
        )
        .bind(start)
        .fetch_one(pool)
        .await
        .unwrap();
        waiting > 0
    })
    .await;
}

#[sqlx::test(migrations = "../migrations")]
async fn an_endpoint_deleted_while_its_outcome_is_recorded_leaves_nothing_behind(pool: PgPool) {
    let (app, admin, _receiver) = without_worker(pool).await;
    let results = sent(&app, &admin, MOVED_AT_ONCE).await;
    let endpoint: Uuid = sqlx::query_scalar("SELECT id FROM webhook_endpoints")
        .fetch_one(&app.pool)
        .await
        .unwrap();

    // The recording is held after it has moved the delivery into its day and before it
    // commits: its attempt's insert (in the same statement, which begins with the locks on the
    // destinations) waits for an advisory lock the test holds. The endpoint is deleted meanwhile.
    sqlx::raw_sql(
        "CREATE FUNCTION hold_attempts() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN PERFORM pg_advisory_xact_lock(4242); RETURN NEW; END $$;
         CREATE TRIGGER hold_attempts BEFORE INSERT ON delivery_attempts
             FOR EACH ROW EXECUTE FUNCTION hold_attempts();",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let mut hold = app.pool.begin().await.unwrap();
    sqlx::query("SELECT pg_advisory_xact_lock(4242)")
        .execute(&mut *hold)
        .await
        .unwrap();
    let recording = record_batch(&app, &results);
    let deleting = async {
        waiting(&app.pool, "WITH endpoints_held").await;
        let delete = sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1")
            .bind(endpoint)
            .execute(&app.pool);
        let release = async {
            waiting(&app.pool, "DELETE FROM webhook_endpoints").await;
            hold.rollback().await.unwrap();
        };
        tokio::join!(delete, release).0
    };
    let (recorded, deleted) = tokio::join!(recording, deleting);
    recorded.expect("the outcome is recorded");
    assert_eq!(deleted.expect("the endpoint is deleted").rows_affected(), 1);
    assert_eq!(
        homes(&app.pool).await,
        [],
        "the endpoint's deliveries are left"
    );
    let attempts: i64 = sqlx::query_scalar("SELECT count(*) FROM delivery_attempts")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(attempts, 0, "the endpoint's attempts are left");
}
