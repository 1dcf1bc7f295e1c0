//! The delivery log's daily partitions: attempts by the day they started, finished deliveries by
//! the day they finished, made ahead, made for rows that arrive without one, dropped whole past
//! the retention, with what is kept (and what is still to send) still read by the delivery log.

use std::time::Duration;

use app::delivery::filing;
use app::delivery::partitions::{self, LogTable, PartitionChanges, DAYS_AHEAD};
use chrono::{Days, NaiveDate, Utc};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::common::receiver::{Receiver, Reply};
use crate::common::{eventually, Browser, TestApp};

const WAIT: Duration = Duration::from_secs(30);
const MONTH: Duration = Duration::from_secs(30 * 24 * 3600);

#[derive(sqlx::FromRow)]
struct AttemptHome {
    delivery_id: Uuid,
    partition: String,
}

fn partition_of(day: NaiveDate) -> String {
    LogTable::Attempts.partition(day)
}

fn days_from(first: NaiveDate, last: NaiveDate) -> Vec<NaiveDate> {
    first.iter_days().take_while(|d| *d <= last).collect()
}

async fn homes(pool: &PgPool) -> Vec<AttemptHome> {
    sqlx::query_as(
        "SELECT delivery_id, tableoid::regclass::text AS partition FROM delivery_attempts ORDER BY started_at",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

/// One of the attempts is moved ten days back (it lands in whatever partition holds that day).
async fn ten_days_back(pool: &PgPool) {
    sqlx::query(
        "UPDATE delivery_attempts SET started_at = started_at - interval '10 days'
          WHERE delivery_id = (SELECT delivery_id FROM delivery_attempts LIMIT 1)",
    )
    .execute(pool)
    .await
    .unwrap();
}

/// A maintenance run now; what it changed in the attempts.
async fn maintain_now(pool: &PgPool) -> PartitionChanges {
    partitions::maintain(pool, Utc::now(), MONTH)
        .await
        .unwrap()
        .attempts
}

/// Two events delivered to a receiver's endpoint (its id returned), their attempts recorded.
async fn two_attempts(app: &TestApp) -> (Browser, String) {
    let admin = app.setup("Acme", "ada@acme.test").await;
    let receiver = Receiver::start().await;
    let endpoint = admin.add_webhook(&receiver.url("/hook")).await;
    for _ in 0..2 {
        admin.publish("message.sent", json!({})).await;
    }
    receiver.wait_for(2, WAIT).await;
    eventually("attempts not recorded", || async {
        homes(&app.pool).await.len() >= 2
    })
    .await;
    let endpoint = endpoint["endpoint"]["id"].as_str().unwrap().to_string();
    (admin, endpoint)
}

#[sqlx::test(migrations = "../migrations")]
async fn attempts_are_kept_in_days_made_a_week_ahead(pool: PgPool) {
    let app = TestApp::builder(pool).await;
    two_attempts(&app).await;
    let today = Utc::now().date_naive();
    let week_ahead = today + Days::new(DAYS_AHEAD);
    for table in [LogTable::Attempts, LogTable::Deliveries, LogTable::Events] {
        assert_eq!(
            partitions::days(&app.pool, table).await.unwrap(),
            days_from(today, week_ahead),
            "the migration makes today and a week ahead ({table:?})"
        );
    }
    for home in homes(&app.pool).await {
        assert_eq!(home.partition, partition_of(today));
    }

    // Three days on, two maintenance runs at once (two server processes) make the three new days
    // once between them.
    let later = Utc::now() + chrono::Duration::days(3);
    let (first, second) = tokio::join!(
        partitions::maintain(&app.pool, later, MONTH),
        partitions::maintain(&app.pool, later, MONTH)
    );
    let (first, second) = (first.unwrap(), second.unwrap());
    for (first, second) in [
        (first.attempts, second.attempts),
        (first.deliveries, second.deliveries),
        (first.events, second.events),
    ] {
        assert_eq!(first.created + second.created, 3);
        assert_eq!(first.dropped + second.dropped, 0);
    }
    for table in [LogTable::Attempts, LogTable::Deliveries, LogTable::Events] {
        assert_eq!(
            partitions::days(&app.pool, table).await.unwrap(),
            days_from(today, week_ahead + Days::new(3))
        );
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn attempts_without_a_day_are_moved_into_one_made_for_them(pool: PgPool) {
    let app = TestApp::builder(pool).await;
    two_attempts(&app).await;
    // An attempt ten days old (restored from a backup, say) has no partition to go to.
    ten_days_back(&app.pool).await;
    let old = homes(&app.pool).await.remove(0);
    assert_eq!(old.partition, "delivery_attempts_default");
    let old_day = sqlx::query_scalar::<_, NaiveDate>(
        "SELECT (started_at AT TIME ZONE 'UTC')::date FROM delivery_attempts WHERE delivery_id = $1",
    )
    .bind(old.delivery_id)
    .fetch_one(&app.pool)
    .await
    .unwrap();

    let changes = maintain_now(&app.pool).await;
    assert_eq!((changes.created, changes.moved), (1, 1));
    assert_eq!(homes(&app.pool).await[0].partition, partition_of(old_day));
    let in_default: i64 = sqlx::query_scalar("SELECT count(*) FROM delivery_attempts_default")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(in_default, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn retention_drops_whole_days_and_keeps_the_rest_readable(pool: PgPool) {
    let app = TestApp::builder(pool).await;
    let (admin, endpoint) = two_attempts(&app).await;
    ten_days_back(&app.pool).await;
    maintain_now(&app.pool).await;
    let [old, kept] = <[AttemptHome; 2]>::try_from(homes(&app.pool).await)
        .ok()
        .unwrap();

    // Twenty-one days on, the day ten days back is wholly older than the 30-day retention; today
    // is not, however near its end the attempt was made.
    let later = Utc::now() + chrono::Duration::days(21);
    let changes = partitions::maintain(&app.pool, later, MONTH)
        .await
        .unwrap()
        .attempts;
    assert_eq!(changes.dropped, 1);
    let left = homes(&app.pool).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].delivery_id, kept.delivery_id);
    assert!(!partitions::days(&app.pool, LogTable::Attempts)
        .await
        .unwrap()
        .contains(&(Utc::now().date_naive() - Days::new(10))));

    // The delivery log still reads: the kept attempt in full, the dropped one's delivery without
    // its attempts.
    let page = admin
        .get_json(&format!(
            "/api/v1/webhooks/deliveries?endpoint_id={endpoint}"
        ))
        .await;
    let deliveries = page["deliveries"].as_array().unwrap();
    let log_of = |id: Uuid| {
        deliveries
            .iter()
            .find(|d| d["id"] == json!(id))
            .map(|d| d["attempt_log"].as_array().unwrap().len())
    };
    assert_eq!(log_of(kept.delivery_id), Some(1));
    assert_eq!(log_of(old.delivery_id), Some(0));

    // An expired attempt in the default partition is deleted there, row by row.
    sqlx::query(
        "UPDATE delivery_attempts SET started_at = now() - interval '40 days' WHERE delivery_id = $1",
    )
    .bind(kept.delivery_id)
    .execute(&app.pool)
    .await
    .unwrap();
    let changes = maintain_now(&app.pool).await;
    assert_eq!((changes.created, changes.deleted), (0, 1));
    assert!(homes(&app.pool).await.is_empty());
}

#[derive(sqlx::FromRow)]
struct DeliveryHome {
    endpoint_id: Uuid,
    status: String,
    partition: String,
}

async fn delivery_homes(pool: &PgPool) -> Vec<DeliveryHome> {
    sqlx::query_as(
        "SELECT endpoint_id, status, tableoid::regclass::text AS partition FROM deliveries ORDER BY created_at",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

/// Waits until `n` attempts are recorded.
async fn recorded(pool: &PgPool, n: i64) {
    eventually("attempts not recorded", || async {
        count(pool, "SELECT count(*) FROM delivery_attempts").await >= n
    })
    .await;
}

#[sqlx::test(migrations = "../migrations")]
async fn finished_deliveries_and_events_are_dropped_by_whole_days_past_the_retention(pool: PgPool) {
    let app = TestApp::builder(pool).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let answering = Receiver::start().await;
    let failing = Receiver::start().await;
    failing.set_default(Reply::status(500));
    let delivered = admin.add_webhook(&answering.url("/hook")).await["endpoint"]["id"]
        .as_str()
        .unwrap()
        .parse::<Uuid>()
        .unwrap();
    // The first event goes only to the endpoint that answers, the second to both.
    let first = admin.publish("message.sent", json!({"n": 1})).await;
    answering.wait_for(1, WAIT).await;
    let retrying = admin.add_webhook(&failing.url("/hook")).await["endpoint"]["id"]
        .as_str()
        .unwrap()
        .parse::<Uuid>()
        .unwrap();
    let second = admin.publish("message.sent", json!({"n": 2})).await;
    answering.wait_for(2, WAIT).await;
    failing.wait_for(1, WAIT).await;
    recorded(&app.pool, 3).await;
    let event_homes = || async {
        sqlx::query_as::<_, (String, String)>(
            "SELECT data->>'n', tableoid::regclass::text FROM events ORDER BY id",
        )
        .fetch_all(&app.pool)
        .await
        .unwrap()
    };
    let today = Utc::now().date_naive();
    let today_events = LogTable::Events.partition(today);
    assert_eq!(
        event_homes().await,
        [
            ("1".to_string(), today_events.clone()),
            ("2".to_string(), today_events.clone())
        ],
        "events {first} and {second} are in today's partition"
    );

    // Once filed (the worker does it four times a second), the delivered ones are in today's day; the
    // one to retry is still live.
    filing::file_all_finished(&app.pool).await.unwrap();
    let homes = delivery_homes(&app.pool).await;
    let home_of = |endpoint: Uuid| {
        homes
            .iter()
            .find(|h| h.endpoint_id == endpoint)
            .map(|h| (h.status.as_str(), h.partition.as_str()))
    };
    let today_partition = LogTable::Deliveries.partition(today);
    assert_eq!(
        home_of(delivered),
        Some(("succeeded", today_partition.as_str()))
    );
    assert_eq!(home_of(retrying), Some(("pending", "deliveries_live")));

    // Forty days on, today's finished deliveries and events go with their days; the delivery
    // still to send stays, and so does its event, and the log still lists it.
    let later = Utc::now() + chrono::Duration::days(40);
    let changes = partitions::maintain(&app.pool, later, MONTH).await.unwrap();
    assert!(changes.deliveries.dropped >= 1);
    assert!(changes.events.dropped >= 1);
    assert_eq!(changes.events.kept, 1);
    assert_eq!(
        event_homes().await,
        [("2".to_string(), "events_default".to_string())]
    );
    assert!(!partitions::days(&app.pool, LogTable::Deliveries)
        .await
        .unwrap()
        .contains(&today));
    let homes = delivery_homes(&app.pool).await;
    assert_eq!(homes.len(), 1);
    assert_eq!(homes[0].endpoint_id, retrying);
    assert_eq!(homes[0].partition, "deliveries_live");
    let page = admin
        .get_json(&format!(
            "/api/v1/webhooks/deliveries?endpoint_id={retrying}"
        ))
        .await;
    let listed = page["deliveries"].as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["event_type"], "message.sent", "{page}");

    // A delivery that finishes on a day without a partition lands in the default one, and
    // retention deletes it there once it is old enough.
    sqlx::query(
        "UPDATE deliveries SET status = 'failed', completed_at = now() - interval '40 days',
                finished_on = ((now() - interval '40 days') AT TIME ZONE 'UTC')::date
          WHERE endpoint_id = $1",
    )
    .bind(retrying)
    .execute(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        delivery_homes(&app.pool).await[0].partition,
        "deliveries_default"
    );
    let changes = partitions::maintain(&app.pool, Utc::now(), MONTH)
        .await
        .unwrap();
    assert_eq!(changes.deliveries.deleted, 1);
    assert!(delivery_homes(&app.pool).await.is_empty());
    // Its event, now referred to by nothing, goes too once it is past the retention (the run
    // above made today's days again, so it went back into its day, which goes whole).
    let changes = partitions::maintain(&app.pool, later, MONTH).await.unwrap();
    assert_eq!(changes.events.kept, 0);
    assert!(event_homes().await.is_empty());
}

#[sqlx::test(migrations = "../migrations")]
async fn a_finished_delivery_is_filed_only_under_the_day_it_finished(pool: PgPool) {
    let app = TestApp::builder(pool).await;
    let (_admin, endpoint) = two_attempts(&app).await;
    let endpoint = endpoint.parse::<Uuid>().unwrap();
    // The partition key follows `completed_at`: a write that files a delivery under another
    // day is refused, not kept where retention would drop it too early or too late. (Each write
    // holds the worker's filing off, as writes to finished deliveries must.)
    let refusal = |sql: &'static str| {
        let pool = app.pool.clone();
        async move {
            let mut tx = pool.begin().await.unwrap();
            filing::hold_filing(&mut tx).await.unwrap();
            let error = sqlx::query(sql)
                .bind(endpoint)
                .execute(&mut *tx)
                .await
                .unwrap_err()
                .to_string();
            tx.rollback().await.unwrap();
            error
        }
    };
    let misfiled = refusal(
        "UPDATE deliveries SET finished_on = (completed_at AT TIME ZONE 'UTC')::date - 3
          WHERE endpoint_id = $1",
    )
    .await;
    assert!(
        misfiled.contains("deliveries_finished_on_check"),
        "{misfiled}"
    );
    // Nor can a delivery still to send leave the live partition.
    let unfinished = refusal(
        "UPDATE deliveries SET status = 'pending', completed_at = NULL, finished_on = current_date
          WHERE endpoint_id = $1",
    )
    .await;
    assert!(
        unfinished.contains("deliveries_finished_on_check"),
        "{unfinished}"
    );
    // The worker files each into the day it finished, within a second.
    let today = LogTable::Deliveries.partition(Utc::now().date_naive());
    eventually("finished deliveries not filed", || async {
        let homes = delivery_homes(&app.pool).await;
        homes
            .iter()
            .all(|h| h.partition == today && h.status == "succeeded")
    })
    .await;
}

#[sqlx::test(migrations = "../migrations")]
async fn deleting_an_endpoint_deletes_its_deliveries_and_their_attempts(pool: PgPool) {
    let app = TestApp::builder(pool).await;
    let (admin, endpoint) = two_attempts(&app).await;
    // Another endpoint's log stays.
    let other = Receiver::start().await;
    admin.add_webhook(&other.url("/other")).await;
    admin.publish("message.sent", json!({})).await;
    other.wait_for(1, WAIT).await;
    recorded(&app.pool, 4).await;

    admin
        .post_ok("/api/v1/webhooks/delete", json!({"id": endpoint}))
        .await;
    let left = count(
        &app.pool,
        "SELECT count(*) FROM delivery_attempts a
          WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = a.delivery_id)",
    )
    .await;
    assert_eq!(left, 0, "attempts of deleted deliveries are left behind");
    assert_eq!(count(&app.pool, "SELECT count(*) FROM deliveries").await, 1);
    assert_eq!(
        count(&app.pool, "SELECT count(*) FROM delivery_attempts").await,
        1
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn filing_gives_way_to_a_bulk_retry_and_files_only_what_finished(pool: PgPool) {
    // No worker: nothing files or sends but what the test does.
    let (app, admin, _receiver) = crate::common::without_worker(pool).await;
    for n in 0..3 {
        admin.publish("message.sent", json!({ "n": n })).await;
    }
    // Two of the three fail; the third is still to send.
    sqlx::query(
        "UPDATE deliveries SET status = 'failed', completed_at = now()
          WHERE id IN (SELECT id FROM deliveries ORDER BY created_at LIMIT 2)",
    )
    .execute(&app.pool)
    .await
    .unwrap();

    // While a bulk retry holds filing off, the filer files nothing (and does not wait).
    let mut retry = app.pool.begin().await.unwrap();
    filing::hold_filing(&mut retry).await.unwrap();
    assert_eq!(filing::file_finished(&app.pool, 10).await.unwrap(), 0);
    retry.rollback().await.unwrap();

    assert_eq!(filing::file_finished(&app.pool, 10).await.unwrap(), 2);
    let today = LogTable::Deliveries.partition(Utc::now().date_naive());
    let mut homes: Vec<(String, String)> = delivery_homes(&app.pool)
        .await
        .into_iter()
        .map(|h| (h.status, h.partition))
        .collect();
    homes.sort();
    assert_eq!(
        homes,
        [
            ("failed".to_string(), today.clone()),
            ("failed".to_string(), today),
            ("pending".to_string(), "deliveries_live".to_string())
        ]
    );
}

/// The names of `table`'s own indexes, sorted.
async fn indexes_of(pool: &PgPool, table: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = $1::regclass ORDER BY 1",
    )
    .bind(table)
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn days_carry_only_the_indexes_their_readers_use(pool: PgPool) {
    // A day made ahead (as maintenance makes them) and today's: only what the delivery log
    // reads them by. Every delivery moved into a day is written to each of its indexes, and
    // kept there for the retention.
    let ahead = Utc::now().date_naive() + Days::new(DAYS_AHEAD + 1);
    partitions::maintain(&pool, Utc::now() + Days::new(1), MONTH)
        .await
        .unwrap();
    const DELIVERIES: &[&str] = &[
        "connection_id_created_at_idx",
        "endpoint_id_created_at_idx",
        "event_id_idx",
        "pkey",
    ];
    // A day of events: its key, and the daily summary's partial index.
    const EVENTS: &[&str] = &["company_id_created_at_idx", "pkey"];
    for (partition, suffixes) in [
        (
            LogTable::Deliveries.partition(Utc::now().date_naive()),
            DELIVERIES,
        ),
        (LogTable::Deliveries.partition(ahead), DELIVERIES),
        (LogTable::Events.partition(ahead), EVENTS),
    ] {
        let expected: Vec<String> = suffixes
            .iter()
            .map(|s| format!("{partition}_{s}"))
            .collect();
        assert_eq!(indexes_of(&pool, &partition).await, expected);
    }
    // The queue's own (due, in flight, finished in the filer's order) on the live partition.
    let live = indexes_of(&pool, "deliveries_live").await;
    for queue_index in [
        "deliveries_live_completed_idx",
        "deliveries_live_due_idx",
        "deliveries_live_in_flight_idx",
    ] {
        assert!(live.iter().any(|i| i == queue_index), "{live:?}");
    }
}
