//! The delivery queue's own rules: a switched-off destination (by an admin or by its own answer)
//! parks its pending deliveries (kept, not sent, not re-read by every claim) and switching it
//! on sends them; events and deliveries get time-ordered ids, so their index entries land
//! together; the worker sends to a destination as it is now, though it keeps the destinations
//! it loaded.

use std::time::Duration;

use crate::common::receiver::{Receiver, Reply};
use crate::common::{eventually, TestApp};
use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;

async fn statuses(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT status FROM deliveries ORDER BY created_at")
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn switching_an_endpoint_off_parks_its_deliveries_and_on_sends_them(pool: PgPool) {
    // The first attempt fails; the retry would wait a minute.
    let app = TestApp::builder(pool)
        .config(|c| {
            c.webhooks.retry_schedule = vec![Duration::ZERO, Duration::from_secs(60)];
        })
        .await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let receiver = Receiver::start().await;
    receiver.script([Reply::status(500)]);
    let endpoint = admin.add_webhook(&receiver.url("/hook")).await["endpoint"]["id"].clone();
    admin.publish("message.sent", json!({"n": 1})).await;
    receiver.wait_for(1, Duration::from_secs(15)).await;
    eventually("the retry was never scheduled", || async {
        statuses(&app).await == ["pending"] && receiver.received().len() == 1
    })
    .await;
    let off = admin
        .post(
            "/api/v1/webhooks/set_enabled",
            json!({"id": endpoint, "enabled": false}),
        )
        .await;
    let off: Value = off.json().await.unwrap();
    assert_eq!(off["status"], "disabled", "{off}");
    // Parked at once, or, if its outcome was still being recorded, as it is recorded.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while statuses(&app).await != ["parked"] {
        assert!(
            std::time::Instant::now() < deadline,
            "the delivery was never parked"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let page = admin
        .get_json(&format!(
            "/api/v1/webhooks/deliveries?endpoint_id={}&status=parked",
            endpoint.as_str().unwrap()
        ))
        .await;
    assert_eq!(page["deliveries"][0]["status"], "parked");
    assert_eq!(page["deliveries"][0]["next_attempt_at"], Value::Null);

    // On again: due at once, not after the minute the retry had left.
    let on = admin
        .post(
            "/api/v1/webhooks/set_enabled",
            json!({"id": endpoint, "enabled": true}),
        )
        .await;
    assert_eq!(on.json::<Value>().await.unwrap()["status"], "active");
    let got = receiver.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(got[0].header("webhook-id"), got[1].header("webhook-id"));
    eventually("the resumed delivery never succeeded", || async {
        statuses(&app).await == ["succeeded"]
    })
    .await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_delivery_queued_for_an_endpoint_switched_off_since_is_parked_not_sent(pool: PgPool) {
    let (app, admin, receiver) = crate::common::without_worker(pool).await;
    admin.publish("message.sent", json!({})).await;
    // Switched off behind the queue's back, after the delivery was queued.
    sqlx::query("UPDATE webhook_endpoints SET enabled = false")
        .execute(&app.pool)
        .await
        .unwrap();
    let claimed = crate::common::claim_batch(&app).await;
    let results = app::delivery::dispatch::deliver(&app.state, claimed, false)
        .await
        .unwrap();
    crate::common::record_batch(&app, &results).await.unwrap();
    assert!(receiver.received().is_empty());
    let (status, attempts): (String, i32) =
        sqlx::query_as("SELECT status, attempts FROM deliveries")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), attempts), ("parked", 0));
}

#[sqlx::test(migrations = "../migrations")]
async fn an_endpoint_switched_off_by_its_answer_parks_the_deliveries_still_waiting(pool: PgPool) {
    let (app, admin, receiver) = crate::common::without_worker(pool).await;
    receiver.set_default(Reply::status(410));
    admin.publish("message.sent", json!({"n": 1})).await;
    let claimed = crate::common::claim_batch(&app).await;
    // Queued while the first is out: waiting, not claimed.
    admin.publish("message.sent", json!({"n": 2})).await;
    admin.publish("message.sent", json!({"n": 3})).await;
    let results = app::delivery::dispatch::deliver(&app.state, claimed, false)
        .await
        .unwrap();
    let switched_off = crate::common::record_batch(&app, &results).await.unwrap();
    assert!(
        matches!(switched_off.as_slice(), [app::delivery::record::SwitchedOff::Endpoint(d)] if d.reason.contains("410")),
        "the admins hear of it once"
    );
    assert_eq!(statuses(&app).await, ["failed", "parked", "parked"]);
    assert_eq!(receiver.received().len(), 1);
    assert!(crate::common::claim_batch(&app).await.is_empty());
}

/// Waits for the `n`th request to `receiver` and checks it carries event `n` signed with `secret`.
async fn nth_signed(
    receiver: &Receiver,
    n: usize,
    secret: &str,
) -> crate::common::receiver::Received {
    let got = receiver
        .wait_for(n, Duration::from_secs(15))
        .await
        .remove(n - 1);
    assert_eq!(
        got.json()["data"]["n"],
        n,
        "the {n}th request carries event {n}"
    );
    standardwebhooks::Webhook::new(secret)
        .unwrap()
        .verify(&got.body, &got.headers)
        .expect("signed with the endpoint's current secret");
    got
}

#[sqlx::test(migrations = "../migrations")]
async fn each_delivery_goes_to_the_endpoint_as_it_is_after_an_edit_a_rotation_or_a_switch_off(
    pool: PgPool,
) {
    // The worker keeps the destinations it loaded and reuses them while their rows are unchanged:
    // every change an admin makes must still reach the very next delivery.
    let app = TestApp::spawn(pool).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let (before, after) = (Receiver::start().await, Receiver::start().await);
    let created = admin
        .post_ok(
            "/api/v1/webhooks/create",
            json!({"url": before.url("/hook"), "event_types": ["*"]}),
        )
        .await;
    let id = created["endpoint"]["id"].clone();
    let secret = created["secret"].as_str().unwrap().to_string();
    admin.publish("message.sent", json!({"n": 1})).await;
    nth_signed(&before, 1, &secret).await;

    // A new URL and a custom header.
    admin
        .post_ok(
            "/api/v1/webhooks/update",
            json!({"id": id, "url": after.url("/hook"), "event_types": ["*"],
                   "headers": {"X-Team": "support"}}),
        )
        .await;
    admin.publish("message.sent", json!({"n": 1})).await;
    let got = nth_signed(&after, 1, &secret).await;
    assert_eq!(got.header("x-team"), "support");
    assert_eq!(before.received().len(), 1, "the old URL got nothing more");

    // A rotated secret: the next delivery is signed with the new one (and the old, for a while).
    let rotated = admin
        .post_ok("/api/v1/webhooks/rotate_secret", json!({"id": id}))
        .await;
    let new_secret = rotated["secret"].as_str().unwrap();
    admin.publish("message.sent", json!({"n": 2})).await;
    nth_signed(&after, 2, new_secret).await;

    // Switched off: the next event is kept, not sent.
    admin
        .post_ok(
            "/api/v1/webhooks/set_enabled",
            json!({"id": id, "enabled": false}),
        )
        .await;
    admin.publish("message.sent", json!({"n": 3})).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        after.received().len(),
        2,
        "a switched-off endpoint got a request"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn events_and_their_deliveries_get_time_ordered_ids(pool: PgPool) {
    let (app, admin, _receiver) = crate::common::without_worker(pool).await;
    for n in 0..3 {
        admin.publish("message.sent", json!({ "n": n })).await;
        // A new millisecond: ids of one millisecond share their time bits.
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    #[derive(sqlx::FromRow)]
    struct Ids {
        event_id: Uuid,
        delivery_id: Uuid,
    }
    let rows: Vec<Ids> = sqlx::query_as(
        "SELECT e.id AS event_id, d.id AS delivery_id
           FROM events e JOIN deliveries d ON d.event_id = e.id
          ORDER BY (e.data->>'n')::int",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), 3);
    for row in &rows {
        assert_eq!(row.event_id.get_version_num(), 7, "{}", row.event_id);
        assert_eq!(row.delivery_id.get_version_num(), 7, "{}", row.delivery_id);
    }
    let in_publish_order = |ids: Vec<Uuid>| ids.windows(2).all(|w| w[0] < w[1]);
    assert!(in_publish_order(rows.iter().map(|r| r.event_id).collect()));
    assert!(in_publish_order(
        rows.iter().map(|r| r.delivery_id).collect()
    ));
}
