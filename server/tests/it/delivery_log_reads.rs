//! The delivery log shows each delivery as it was at one moment: its state and its attempts
//! agree, even while attempts are being recorded.

use app::delivery::partitions::LogTable;
use chrono::{Days, Utc};
use serde_json::{json, Value};
use sqlx::Executor;

use uuid::Uuid;

use crate::common::{claim_batch, hold_locked, record_batch, without_worker, Browser};

#[sqlx::test(migrations = "../migrations")]
async fn a_delivery_and_its_attempts_are_read_at_one_moment(pool: sqlx::PgPool) {
    let (app, admin, _receiver) = without_worker(pool).await;
    admin.publish("message.sent", json!({})).await;
    let claimed = claim_batch(&app).await;
    assert_eq!(claimed.len(), 1);
    let sent = app::delivery::dispatch::deliver(&app.state, claimed, false)
        .await
        .unwrap();

    // Tomorrow's partition of the attempts, locked: a read of the attempts waits for it, while
    // recording today's attempt does not. So the log's read starts, waits between the delivery
    // and its attempts, and the attempt is recorded in that gap.
    let tomorrow = Utc::now().date_naive() + Days::new(1);
    let mut holder = hold_locked(&app.pool, &LogTable::Attempts.partition(tomorrow)).await;
    let endpoint: Uuid = sqlx::query_scalar("SELECT id FROM webhook_endpoints")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let (seen, ()) = tokio::join!(newest_delivery(&admin, endpoint), async {
        wait_for_a_reader_held_by_the_lock(&app.pool).await;
        record_batch(&app, &sent).await.unwrap();
        holder.execute("COMMIT").await.unwrap();
    });
    let log = seen["attempt_log"].as_array().unwrap();
    assert_eq!(
        seen["status"] == "succeeded",
        !log.is_empty(),
        "the state and the attempts are of one moment: {seen}"
    );
    let now = newest_delivery(&admin, endpoint).await;
    assert_eq!(now["status"], "succeeded", "{now}");
    assert_eq!(now["attempt_log"][0]["response_status"], 200, "{now}");
}

async fn newest_delivery(admin: &Browser, endpoint: Uuid) -> Value {
    let page = admin
        .get_json(&format!(
            "/api/v1/webhooks/deliveries?endpoint_id={endpoint}"
        ))
        .await;
    page["deliveries"][0].clone()
}

async fn wait_for_a_reader_held_by_the_lock(pool: &sqlx::PgPool) {
    for _ in 0..200 {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
              WHERE NOT l.granted AND c.relname LIKE 'delivery_attempts_p%'",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        if waiting > 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the log's read never reached the attempts");
}
