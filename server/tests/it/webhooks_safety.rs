//! Webhooks that must not go out, or not twice: SSRF refusals at save and at delivery time, two
//! worker pools on one database, batch publishing, and log retention.

use std::collections::HashMap;
use std::time::Duration;

use crate::common::receiver::{Receiver, Reply};
use crate::common::{error_of, eventually, TestApp};
use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;

const WAIT: Duration = Duration::from_secs(30);

#[sqlx::test(migrations = "../migrations")]
async fn internal_targets_are_refused_when_saved_and_when_delivered(pool: PgPool) {
    let app = TestApp::builder(pool)
        .config(|c| {
            c.webhooks.allow_http = false;
            c.webhooks.allow_private = false;
            c.webhooks.retry_schedule = vec![Duration::ZERO];
        })
        .await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    for (url, why) in [
        ("http://example.com/hook", "https"),
        ("https://127.0.0.1/hook", "private"),
        ("https://localhost:8443/hook", "private"),
        ("https://169.254.169.254/latest/meta-data/", "private"),
        ("https://[::1]/hook", "private"),
        ("https://10.0.0.8/hook", "private"),
    ] {
        let res = admin
            .post(
                "/api/v1/webhooks/create",
                json!({"url": url, "event_types": ["*"]}),
            )
            .await;
        let status = res.status();
        let body: Value = res.json().await.unwrap();
        assert_eq!(
            (status.as_u16(), body["error"]["field"].as_str()),
            (400, Some("url")),
            "{url}"
        );
        assert!(
            body["error"]["message"].as_str().unwrap().contains(why),
            "{url}: {body}"
        );
    }

    // Rows that name internal targets anyway (say, DNS that changed after the save) are
    // refused when delivered: by address for literals, by the resolver for names.
    let receiver = Receiver::start().await;
    let company_id: Uuid = admin.get_json("/api/v1/auth/me").await["company_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let port = receiver.base.rsplit(':').next().unwrap().to_string();
    let mut endpoints = Vec::new();
    for url in [
        format!("http://127.0.0.1:{port}/literal"),
        format!("http://localhost:{port}/named"),
    ] {
        let id = Uuid::new_v4();
        let sealed = app::webhooks::signing::seal_secret(
            &app.state.cipher,
            company_id,
            id,
            &app::webhooks::signing::generate_secret(),
        )
        .unwrap();
        sqlx::query("INSERT INTO webhook_endpoints (id, company_id, url, event_types, secret) VALUES ($1, $2, $3, '{*}', $4)")
            .bind(id)
            .bind(company_id)
            .bind(&url)
            .bind(sealed)
            .execute(&app.pool)
            .await
            .unwrap();
        endpoints.push(id);
    }
    admin
        .post(
            "/api/v1/events/publish",
            json!({"event_type": "message.sent", "data": {}}),
        )
        .await;
    for id in endpoints {
        let deadline = std::time::Instant::now() + WAIT;
        let delivery = loop {
            let page = admin
                .get_json(&format!("/api/v1/webhooks/deliveries?endpoint_id={id}"))
                .await;
            if page["deliveries"][0]["status"] == "failed" {
                break page["deliveries"][0].clone();
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no refusal recorded for {id}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let error = delivery["attempt_log"][0]["error"]
            .as_str()
            .unwrap_or_default();
        assert!(error.contains("refused"), "{error}");
    }
    assert!(
        receiver.received().is_empty(),
        "an internal target was reached"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_process_notifies_others_of_its_deliveries_only_while_another_listens(pool: PgPool) {
    let first = TestApp::spawn(pool).await;
    let admin = first.setup("Acme", "ada@acme.test").await;
    let receiver = Receiver::start().await;
    admin.add_webhook(&receiver.url("/hook")).await;
    admin.publish("message.sent", json!({"n": 1})).await;
    receiver.wait_for(1, WAIT).await;
    let peers = &first.state.peers;
    assert!(!peers.listening(), "no other process on this database");
    assert_eq!(peers.announced(), 0, "alone, nobody to NOTIFY");

    let second = first.beside().await;
    eventually("each process hears the other's hello", || async {
        peers.listening() && second.state.peers.listening()
    })
    .await;
    admin.publish("message.sent", json!({"n": 2})).await;
    eventually(
        "the second process's worker is woken by the first's publish",
        || async { second.state.peers.woken() > 0 },
    )
    .await;
    assert!(peers.announced() > 0);
    receiver.wait_for(2, WAIT).await;
}

#[sqlx::test(migrations = "../migrations")]
async fn two_worker_pools_on_one_database_deliver_each_event_once(pool: PgPool) {
    let first = TestApp::spawn(pool).await;
    let second = first.beside().await;
    let admin = first.setup("Acme", "ada@acme.test").await;
    let receiver = Receiver::start().await;
    receiver.set_default(Reply::status(200).delay(Duration::from_millis(5)));
    admin
        .post(
            "/api/v1/webhooks/create",
            json!({"url": receiver.url("/hook"), "event_types": ["*"]}),
        )
        .await;
    let events: Vec<Value> = (0..400)
        .map(|n| json!({"event_type": "message.sent", "data": {"n": n}}))
        .collect();
    // Half published through each server, so both pools are woken.
    for (app_base, chunk) in [
        (&first.base, &events[..200]),
        (&second.base, &events[200..]),
    ] {
        let res = admin
            .client
            .post(app_base.join("/api/v1/events/publish_batch").unwrap())
            .header("x-csrf-token", admin.cookie("pb_csrf").unwrap_or_default())
            .json(&json!({"events": chunk}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            200,
            "{}",
            res.text().await.unwrap_or_default()
        );
    }
    receiver.wait_for(400, WAIT).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut seen: HashMap<String, usize> = HashMap::new();
    for got in receiver.received() {
        *seen.entry(got.header("webhook-id")).or_default() += 1;
    }
    assert_eq!(seen.len(), 400);
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "delivered more than once: {twice:?}");
    let attempts: i64 = sqlx::query_scalar("SELECT count(*) FROM delivery_attempts")
        .fetch_one(&first.pool)
        .await
        .unwrap();
    assert_eq!(attempts, 400);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_batch_is_stored_in_order_with_its_own_idempotency_keys(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let batch = json!({"events": [
        {"event_type": "message.sent", "data": {"n": 0}, "idempotency_key": "a"},
        {"event_type": "message.received", "data": {"n": 1}},
        {"event_type": "message.sent", "data": {"n": 2}, "idempotency_key": "a"},
    ]});
    let ids: Vec<Value> = admin
        .post("/api/v1/events/publish_batch", batch.clone())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ids.len(), 3);
    assert_eq!(
        ids[0]["id"], ids[2]["id"],
        "a key repeated in the batch maps to one event"
    );
    assert_ne!(ids[0]["id"], ids[1]["id"]);
    let again: Vec<Value> = admin
        .post("/api/v1/events/publish_batch", batch)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again[0]["id"], ids[0]["id"]);
    assert_ne!(
        again[1]["id"], ids[1]["id"],
        "events without a key are new each time"
    );
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 3);

    let unknown = json!({"events": [{"event_type": "message.sent", "data": {}}, {"event_type": "nope.x", "data": {}}]});
    let res = admin.post("/api/v1/events/publish_batch", unknown).await;
    assert_eq!(
        error_of(res).await,
        (
            422,
            "unprocessable".into(),
            Some("events[1].event_type".into())
        )
    );
    let too_many: Vec<Value> = (0..1001)
        .map(|_| json!({"event_type": "message.sent", "data": {}}))
        .collect();
    let res = admin
        .post("/api/v1/events/publish_batch", json!({"events": too_many}))
        .await;
    assert_eq!(error_of(res).await.2.as_deref(), Some("events"));
}

#[sqlx::test(migrations = "../migrations")]
async fn delivery_logs_are_pruned_after_the_retention(pool: PgPool) {
    let app = TestApp::builder(pool)
        .config(|c| c.webhooks.retention = Duration::from_secs(24 * 3600))
        .await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let receiver = Receiver::start().await;
    admin
        .post(
            "/api/v1/webhooks/create",
            json!({"url": receiver.url("/hook"), "event_types": ["*"]}),
        )
        .await;
    for _ in 0..2 {
        admin
            .post(
                "/api/v1/events/publish",
                json!({"event_type": "message.sent", "data": {}}),
            )
            .await;
    }
    receiver.wait_for(2, WAIT).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    // One of the two is made old.
    sqlx::query(
        "WITH old AS (SELECT delivery_id FROM delivery_attempts LIMIT 1)
         UPDATE delivery_attempts SET started_at = now() - interval '2 days' WHERE delivery_id IN (SELECT delivery_id FROM old)",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    // Finished deliveries are written to holding the worker's filing off, as such writes must.
    let mut tx = app.pool.begin().await.unwrap();
    app::delivery::filing::hold_filing(&mut tx).await.unwrap();
    sqlx::query("UPDATE deliveries SET completed_at = now() - interval '2 days', finished_on = ((now() - interval '2 days') AT TIME ZONE 'UTC')::date WHERE id IN (SELECT delivery_id FROM delivery_attempts WHERE started_at < now() - interval '1 day')")
        .execute(&mut *tx)
        .await
        .unwrap();
    // Its event is given an id from outside every day (as events made before ids were
    // time-ordered have), so it is in the default partition too.
    sqlx::query(
        "WITH old AS (SELECT event_id FROM deliveries WHERE completed_at < now() - interval '1 day'),
              events_moved AS (
                UPDATE events SET created_at = now() - interval '2 days',
                                  id = ('00000000' || substr(id::text, 9))::uuid
                 WHERE id IN (SELECT event_id FROM old))
         UPDATE deliveries SET event_id = ('00000000' || substr(event_id::text, 9))::uuid
          WHERE event_id IN (SELECT event_id FROM old)",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let pruned = server::maintenance::prune_delivery_logs(&app.state)
        .await
        .unwrap();
    // The old attempt, delivery and event had no day of their own (the test database's days
    // start today): they are deleted from the default partitions.
    assert_eq!(
        (
            pruned.attempts.deleted,
            pruned.deliveries.deleted,
            pruned.events.deleted
        ),
        (1, 1, 1)
    );
    let left: (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM delivery_attempts), (SELECT count(*) FROM deliveries), (SELECT count(*) FROM events)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(left, (1, 1, 1));
}
