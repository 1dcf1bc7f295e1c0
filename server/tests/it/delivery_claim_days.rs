//! A claim reads, and so locks, only the days of the events it claims. Its cached plan used to
//! lock every day's partition of `events` and their indexes each time it ran (95 relation locks
//! a claim with a month of days); holding one day that no claimed event is in (as an
//! operator's `VACUUM FULL` or `REINDEX` of an old day would) made every claim wait.

use std::time::Duration;

use app::delivery::partitions::LogTable;
use chrono::{Days, Utc};
use serde_json::json;
use sqlx::Executor;

use crate::common::{claim_batch, hold_locked, without_worker};

#[sqlx::test(migrations = "../migrations")]
async fn a_claim_does_not_wait_for_a_day_of_events_it_does_not_read(pool: sqlx::PgPool) {
    let (app, admin, _receiver) = without_worker(pool).await;
    admin
        .publish("message.sent", json!({"text": "today's"}))
        .await;

    let ahead = Utc::now().date_naive() + Days::new(5);
    let mut holder = hold_locked(&app.pool, &LogTable::Events.partition(ahead)).await;

    let claimed = tokio::time::timeout(Duration::from_secs(10), claim_batch(&app))
        .await
        .expect("the claim waited for a day of events it does not read");
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].event.event_type, "message.sent");
    assert_eq!(claimed[0].event.data(), json!({"text": "today's"}));
    holder.execute("COMMIT").await.unwrap();
}
