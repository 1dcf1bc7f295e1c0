//! Fair delivery: a slow destination holds only its own slots (its in-flight limit), so another
//! company's deliveries go out while its backlog waits; an endpoint's rate limit is kept; the
//! limits are settings an admin can set, checked by name, and held across processes.

use std::time::Duration;

use serde_json::{json, Value};
use sqlx::PgPool;

use crate::common::receiver::{Receiver, Reply};
use crate::common::{Browser, TestApp};

async fn publish_many(admin: &Browser, n: usize) {
    let events: Vec<Value> = (0..n)
        .map(|i| json!({"event_type": "message.sent", "data": {"n": i}}))
        .collect();
    admin
        .post_ok("/api/v1/events/publish_batch", json!({ "events": events }))
        .await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_slow_endpoint_holds_only_its_own_slots_and_others_go_out_meanwhile(pool: PgPool) {
    // Twenty slots in all; a destination may hold four of them.
    let app = TestApp::builder(pool)
        .config(|c| {
            c.webhooks.workers = 1;
            c.webhooks.batch_size = 20;
            c.webhooks.max_in_flight = 4;
        })
        .await;
    let slow = Receiver::start().await;
    slow.set_default(Reply::status(200).delay(Duration::from_millis(1500)));
    let fast = Receiver::start().await;
    let noisy = app.setup("Noisy", "ada@noisy.test").await;
    noisy.add_webhook(&slow.url("/slow")).await;
    let quiet = app.other_company("Quiet", "bo@quiet.test").await;
    quiet.add_webhook(&fast.url("/fast")).await;

    // The noisy company's backlog is queued first: 40 deliveries of 1.5 s each, at most four at
    // a time, take 15 s.
    publish_many(&noisy, 40).await;
    publish_many(&quiet, 10).await;
    fast.wait_for(10, Duration::from_secs(30)).await;
    let slow_started = slow.received().len();
    assert!(
        slow_started < 40,
        "the quiet company's deliveries waited behind the noisy backlog ({slow_started} of 40 had started)"
    );
    slow.wait_for(8, Duration::from_secs(30)).await;
    assert_eq!(
        slow.most_in_flight(),
        4,
        "the slow endpoint had more (or fewer) than its limit in flight"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn an_endpoint_s_own_in_flight_limit_and_rate_limit_are_kept(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let receiver = Receiver::start().await;
    receiver.set_default(Reply::status(200).delay(Duration::from_millis(200)));
    let admin = app.setup("Acme", "ada@acme.test").await;
    let created = admin
        .post_ok(
            "/api/v1/webhooks/create",
            json!({"url": receiver.url("/limited"), "event_types": ["*"],
                   "max_in_flight": 2, "rate_limit_per_second": 5}),
        )
        .await;
    assert_eq!(created["endpoint"]["max_in_flight"], 2);
    assert_eq!(created["endpoint"]["max_in_flight_in_force"], 2);
    assert_eq!(created["endpoint"]["rate_limit_per_second"], 5);

    publish_many(&admin, 15).await;
    let arrived = receiver.wait_for(15, Duration::from_secs(30)).await;
    assert!(receiver.most_in_flight() <= 2, "more than 2 in flight");
    // Five a second: 15 deliveries start over at least two seconds, and no second (a sliding
    // window, so twice the limit at a boundary of the server's one-second windows) has more.
    let first = arrived[0].at;
    let spread = arrived[14].at.duration_since(first);
    assert!(
        spread >= Duration::from_secs(2),
        "15 deliveries at 5/s arrived within {spread:?}"
    );
    for (i, start) in arrived.iter().enumerate() {
        let within = arrived[i..]
            .iter()
            .take_while(|r| r.at.duration_since(start.at) < Duration::from_secs(1))
            .count();
        assert!(within <= 10, "{within} deliveries within one second at 5/s");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn an_endpoint_s_in_flight_limit_holds_across_two_worker_pools(pool: PgPool) {
    // Each pool's claim counts what the other pool has in flight, not only its own.
    let first = TestApp::spawn(pool).await;
    let second = first.beside().await;
    let receiver = Receiver::start().await;
    receiver.set_default(Reply::status(200).delay(Duration::from_millis(20)));
    let admin = first.setup("Acme", "ada@acme.test").await;
    admin
        .post_ok(
            "/api/v1/webhooks/create",
            json!({"url": receiver.url("/limited"), "event_types": ["*"], "max_in_flight": 3}),
        )
        .await;
    // Published through both servers at once, so both pools are woken and claim together.
    let publish_through = |base: &url::Url, from: usize| {
        let events: Vec<Value> = (from..from + 100)
            .map(|n| json!({"event_type": "message.sent", "data": {"n": n}}))
            .collect();
        admin
            .client
            .post(base.join("/api/v1/events/publish_batch").unwrap())
            .header("x-csrf-token", admin.cookie("pb_csrf").unwrap_or_default())
            .json(&json!({ "events": events }))
            .send()
    };
    let (one, other) = tokio::join!(
        publish_through(&first.base, 0),
        publish_through(&second.base, 100)
    );
    assert_eq!(one.unwrap().status(), 200);
    assert_eq!(other.unwrap().status(), 200);
    receiver.wait_for(200, Duration::from_secs(60)).await;
    assert!(
        receiver.most_in_flight() <= 3,
        "{} requests in flight to an endpoint that allows 3",
        receiver.most_in_flight()
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn delivery_limits_are_checked_by_name_and_blank_means_the_default(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    for (field, value) in [
        ("max_in_flight", json!(0)),
        ("max_in_flight", json!(1001)),
        ("rate_limit_per_second", json!(0)),
        ("rate_limit_per_second", json!(100_001)),
    ] {
        let mut body = json!({"url": "http://127.0.0.1:9/hook", "event_types": ["*"]});
        body[field] = value.clone();
        let res = admin.post("/api/v1/webhooks/create", body).await;
        assert_eq!(res.status(), 400, "{field} = {value}");
        let error: Value = res.json().await.unwrap();
        assert_eq!(error["error"]["field"], field, "{field} = {value}");
    }
    let created = admin
        .post_ok(
            "/api/v1/webhooks/create",
            json!({"url": "http://127.0.0.1:9/hook", "event_types": ["*"], "max_in_flight": 7}),
        )
        .await;
    let id = created["endpoint"]["id"].clone();
    assert!(created["endpoint"]["rate_limit_per_second"].is_null());
    // An update without them goes back to the installation's limit and no rate limit.
    let updated = admin
        .post_ok(
            "/api/v1/webhooks/update",
            json!({"id": id, "url": "http://127.0.0.1:9/hook", "event_types": ["*"]}),
        )
        .await;
    assert!(updated["max_in_flight"].is_null());
    assert_eq!(
        updated["max_in_flight_in_force"],
        app.state.config.webhooks.max_in_flight
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn answers_not_yet_recorded_free_their_destination_s_room(pool: PgPool) {
    use app::delivery::queue::{ClaimLimits, Claimer};
    // No worker: the test claims as the worker does, with the answers it holds.
    let app = TestApp::builder(pool)
        .config(|c| c.webhooks.workers = 0)
        .await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let created = admin
        .post_ok(
            "/api/v1/webhooks/create",
            json!({"url": "http://127.0.0.1:9/one-at-a-time", "event_types": ["*"], "max_in_flight": 1}),
        )
        .await;
    let endpoint: uuid::Uuid = created["endpoint"]["id"].as_str().unwrap().parse().unwrap();
    publish_many(&admin, 3).await;
    let limits = ClaimLimits::of(&app.state.config.webhooks, 10);
    let mut claimer = Claimer::new(&app.pool);
    let first = claimer.claim(limits, &[]).await.unwrap();
    assert_eq!(
        first.deliveries.len(),
        1,
        "the endpoint takes one at a time"
    );
    assert_eq!(
        first.rooms,
        vec![(endpoint, true)],
        "and that used its room"
    );
    let full = claimer.claim(limits, &[]).await.unwrap();
    assert!(full.deliveries.is_empty(), "one is in flight");
    // Its answer is in, though not recorded yet: the room is free again.
    let answered = [(uuid::Uuid::now_v7(), 5), (endpoint, 1)];
    let next = claimer.claim(limits, &answered).await.unwrap();
    assert_eq!(next.deliveries.len(), 1);
    assert_ne!(
        next.deliveries[0].delivery_id,
        first.deliveries[0].delivery_id
    );
}
