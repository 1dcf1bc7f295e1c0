//! A publish hands its deliveries straight to this process's worker when it has room, under the
//! claim's rules: a destination's in-flight limit, its rate limit and its queue's order, the
//! worker's free slots, and the claim's lock. What it cannot hand over waits for the claim.

use std::time::Duration;

use app::delivery::hand_off::{self, Terms};
use app::events::publish::NewEvent;
use app::events::store::{self, Publish};
use app::events::EventInput;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::common::receiver::Receiver;
use crate::common::{Browser, TestApp};

fn events(n: usize) -> Vec<NewEvent> {
    (0..n)
        .map(|i| {
            NewEvent::validate(
                EventInput {
                    event_type: "message.sent".into(),
                    data: json!({ "n": i }),
                    idempotency_key: None,
                },
                "",
            )
            .unwrap()
        })
        .collect()
}

async fn endpoint(admin: &Browser, path: &str, limits: serde_json::Value) -> Uuid {
    let mut body = json!({"url": format!("http://127.0.0.1:9/{path}"), "event_types": ["*"]});
    if let (Some(body), Some(limits)) = (body.as_object_mut(), limits.as_object()) {
        body.extend(limits.clone());
    }
    let created = admin.post_ok("/api/v1/webhooks/create", body).await;
    created["endpoint"]["id"].as_str().unwrap().parse().unwrap()
}

/// Stores `n` events of `company` in one transaction, handing off on `limit` slots; returns
/// how many deliveries were queued and the handed ones as (endpoint, event's `n`, attempt).
async fn store_handing_off(
    app: &TestApp,
    company: Uuid,
    n: usize,
    limit: usize,
) -> (u64, Vec<(Uuid, i64, i32)>) {
    let terms = Terms {
        claim_id: Uuid::new_v4(),
        limit,
        lease: Duration::from_secs(60),
        max_in_flight: 200,
    };
    let mut tx = app.pool.begin().await.unwrap();
    assert!(hand_off::try_lock(&mut tx).await.unwrap());
    let group = [Publish::new(company, None, None, events(n))];
    let stored = store::store(&mut tx, &group, Some(&terms)).await.unwrap();
    tx.commit().await.unwrap();
    let handed = stored
        .handed
        .iter()
        .map(|c| {
            assert_eq!(c.claim_id, terms.claim_id);
            let n = c.event.data["n"].as_i64().unwrap();
            (c.destination.id, n, c.attempt)
        })
        .collect();
    (stored.queued, handed)
}

#[sqlx::test(migrations = "../migrations")]
async fn a_publish_claims_for_the_worker_only_what_each_destination_has_room_for(pool: PgPool) {
    // No worker: the test stores and claims as a publish would, and nothing else claims.
    let (app, admin, _receiver) = crate::common::without_worker(pool).await;
    let company: Uuid = sqlx::query_scalar("SELECT id FROM companies")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    // A delivery already due: the first endpoint and this one have a queue the claim serves
    // in order, so nothing may overtake it.
    let with_backlog = endpoint(&admin, "backlog", json!({})).await;
    admin.publish("message.sent", json!({"n": -1})).await;
    let two_at_once = endpoint(&admin, "two", json!({"max_in_flight": 2})).await;
    let rate_limited = endpoint(&admin, "rated", json!({"rate_limit_per_second": 5})).await;

    // Three events to four endpoints: only the one with room and no queue gets any, and only
    // as many as its in-flight limit, the first two in publish order.
    let (queued, handed) = store_handing_off(&app, company, 3, 10).await;
    assert_eq!(queued, 12);
    assert_eq!(handed, vec![(two_at_once, 0, 1), (two_at_once, 1, 1)]);
    for endpoint in [with_backlog, rate_limited] {
        assert!(handed.iter().all(|h| h.0 != endpoint));
    }
    let claimed: Vec<(Uuid, i32)> = sqlx::query_as(
        "SELECT endpoint_id, attempts FROM deliveries
          WHERE claim_id IS NOT NULL AND next_attempt_at > now() + interval '50 seconds'",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(claimed, vec![(two_at_once, 1), (two_at_once, 1)]);

    // A new endpoint with room takes the next publish's deliveries, up to the free slots;
    // the first has two in flight (its limit) and its third delivery due.
    let fresh = endpoint(&admin, "fresh", json!({})).await;
    let (queued, handed) = store_handing_off(&app, company, 3, 2).await;
    assert_eq!(queued, 15);
    assert_eq!(handed, vec![(fresh, 0, 1), (fresh, 1, 1)]);

    // Once the claim's lock is held elsewhere (a claim running), a publish hands nothing over.
    let mut claim = app.pool.begin().await.unwrap();
    assert!(hand_off::try_lock(&mut claim).await.unwrap());
    let mut publish = app.pool.begin().await.unwrap();
    assert!(!hand_off::try_lock(&mut publish).await.unwrap());
}

/// Waits until `n` deliveries are recorded as succeeded.
async fn recorded(app: &TestApp, n: i64) {
    for _ in 0..200 {
        let done: i64 =
            sqlx::query_scalar("SELECT count(*) FROM deliveries WHERE status = 'succeeded'")
                .fetch_one(&app.pool)
                .await
                .unwrap();
        if done >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{n} deliveries were not recorded");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_publish_s_deliveries_go_to_its_own_worker_and_are_sent_once(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let receiver = Receiver::start().await;
    admin.add_webhook(&receiver.url("/hook")).await;
    // The worker is idle (the previous delivery recorded): each publish hands its delivery over.
    for n in 0..3 {
        admin.publish("message.sent", json!({ "n": n })).await;
        receiver.wait_for(n + 1, Duration::from_secs(10)).await;
        recorded(&app, n as i64 + 1).await;
    }
    assert_eq!(app.state.hand_off.handed(), 3);
    // Recorded as one attempt each, succeeded.
    let mut statuses: Vec<(String, i32)> = Vec::new();
    for _ in 0..100 {
        statuses = sqlx::query_as("SELECT status, attempts FROM deliveries ORDER BY created_at")
            .fetch_all(&app.pool)
            .await
            .unwrap();
        if statuses.iter().all(|(status, _)| status == "succeeded") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(statuses, vec![("succeeded".to_string(), 1); 3]);
    // Sent once each: no claim took them again.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.received().len(), 3);
}
