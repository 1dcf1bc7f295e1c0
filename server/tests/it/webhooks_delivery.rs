//! Webhook delivery end to end, against a local receiver: signatures an independent verifier
//! accepts, the retry schedule, Retry-After, 410, timeouts, auto-disable with a notification,
//! secret rotation, redelivery, fan-out, and test sends.

use std::time::Duration;

use crate::common::receiver::{ClosingReceiver, Receiver, Reply};
use crate::common::{Browser, TestApp};
use serde_json::{json, Value};
use sqlx::PgPool;

const WAIT: Duration = Duration::from_secs(15);

async fn add_endpoint(
    admin: &Browser,
    url: &str,
    events: &[&str],
    extra: Value,
) -> (String, String) {
    let mut body = json!({"url": url, "event_types": events, "description": "test receiver"});
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let res = admin.post("/api/v1/webhooks/create", body).await;
    assert_eq!(
        res.status(),
        200,
        "create endpoint: {}",
        res.text().await.unwrap_or_default()
    );
    let created: Value = res.json().await.unwrap();
    (
        created["endpoint"]["id"].as_str().unwrap().to_string(),
        created["secret"].as_str().unwrap().to_string(),
    )
}

async fn publish(admin: &Browser, event_type: &str, data: Value) -> String {
    let res = admin
        .post(
            "/api/v1/events/publish",
            json!({"event_type": event_type, "data": data}),
        )
        .await;
    assert_eq!(res.status(), 200);
    res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn deliveries(admin: &Browser, endpoint: &str) -> Vec<Value> {
    let page = admin
        .get_json(&format!(
            "/api/v1/webhooks/deliveries?endpoint_id={endpoint}"
        ))
        .await;
    page["deliveries"].as_array().cloned().unwrap_or_default()
}

/// Polls until `check` holds on the endpoint's newest delivery.
async fn wait_delivery(admin: &Browser, endpoint: &str, check: impl Fn(&Value) -> bool) -> Value {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        if let Some(d) = deliveries(admin, endpoint).await.into_iter().next() {
            if check(&d) {
                return d;
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "delivery never reached the expected state"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn endpoint_view(admin: &Browser, id: &str) -> Value {
    admin
        .get_json(&format!("/api/v1/webhooks/get?id={id}"))
        .await
}

/// The endpoint once `check` holds: its health is recorded just after the delivery's outcome,
/// in a statement of its own.
async fn wait_endpoint(admin: &Browser, id: &str, check: impl Fn(&Value) -> bool) -> Value {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let view = endpoint_view(admin, id).await;
        if check(&view) {
            return view;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "endpoint never reached the expected state: {view}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn fast_retries(c: &mut app::runtime::Config) {
    c.webhooks.retry_schedule = vec![
        Duration::ZERO,
        Duration::from_millis(500),
        Duration::from_millis(500),
    ];
}

#[sqlx::test(migrations = "../migrations")]
async fn deliveries_are_signed_so_an_independent_verifier_accepts_them(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let receiver = Receiver::start().await;
    let (_, secret) = add_endpoint(
        &admin,
        &receiver.url("/hook"),
        &["message.received"],
        json!({"headers": {"X-Team": "support"}}),
    )
    .await;
    let data = json!({"conversation_id": "conv_1", "text": "hello, you: \"there\"",
                      "customer": {"id": "cus_1", "tags": ["a b", 2]}});
    let event_id = publish(&admin, "message.received", data.clone()).await;

    let got = receiver.wait_for(1, WAIT).await.remove(0);
    let verifier = standardwebhooks::Webhook::new(&secret).unwrap();
    verifier
        .verify(&got.body, &got.headers)
        .expect("the signature verifies");
    let mut tampered = got.body.to_vec();
    tampered[5] ^= 1;
    assert!(
        verifier.verify(&tampered, &got.headers).is_err(),
        "a changed body must not verify"
    );

    assert_eq!(got.header("webhook-id"), event_id);
    assert_eq!(got.header("content-type"), "application/json");
    assert_eq!(got.header("x-team"), "support");
    let body = got.json();
    assert_eq!(body["id"], event_id.as_str());
    assert_eq!(body["type"], "message.received");
    assert_eq!(body["data"], data);
    // Compact JSON, as written by serde_json (the database's own text of `data` has spaces).
    assert_eq!(std::str::from_utf8(&got.body).unwrap(), body.to_string());
    let me = admin.get_json("/api/v1/auth/me").await;
    assert_eq!(body["company_id"], me["company_id"]);
    assert!(chrono::DateTime::parse_from_rfc3339(body["timestamp"].as_str().unwrap()).is_ok());
}

#[sqlx::test(migrations = "../migrations")]
async fn a_500_is_retried_on_schedule_then_succeeds_and_all_attempts_are_logged(pool: PgPool) {
    let app = TestApp::builder(pool).config(fast_retries).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let receiver = Receiver::start().await;
    receiver.script([Reply::status(500)]);
    let (endpoint, _) = add_endpoint(&admin, &receiver.url("/hook"), &["*"], json!({})).await;
    publish(&admin, "message.sent", json!({"n": 1})).await;

    let got = receiver.wait_for(2, WAIT).await;
    assert!(
        got[1].at - got[0].at >= Duration::from_millis(400),
        "the retry waited for the schedule"
    );
    assert_eq!(
        got[0].header("webhook-id"),
        got[1].header("webhook-id"),
        "the id is stable across retries"
    );
    let delivery = wait_delivery(&admin, &endpoint, |d| d["status"] == "succeeded").await;
    assert_eq!(delivery["attempts"], 2);
    let log = delivery["attempt_log"].as_array().unwrap();
    assert_eq!(
        (
            log[0]["response_status"].as_u64(),
            log[1]["response_status"].as_u64()
        ),
        (Some(200), Some(500))
    );
    assert_eq!(log[1]["response_body"], "status 500");
    assert!(log[0]["request_headers"]["webhook-signature"]
        .as_str()
        .unwrap()
        .starts_with("v1,"));
    // The success's health: active, the failure count back to 0.
    wait_endpoint(&admin, &endpoint, |view| {
        (
            view["status"].as_str(),
            view["failure_count"].as_u64(),
            view["last_status_code"].as_u64(),
        ) == (Some("active"), Some(0), Some(200))
    })
    .await;
}

#[sqlx::test(migrations = "../migrations")]
async fn retry_after_is_honoured(pool: PgPool) {
    let app = TestApp::builder(pool).config(fast_retries).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let receiver = Receiver::start().await;
    receiver.script([Reply::status(429).header("retry-after", "2")]);
    add_endpoint(&admin, &receiver.url("/hook"), &["*"], json!({})).await;
    publish(&admin, "message.sent", json!({})).await;
    let got = receiver.wait_for(2, WAIT).await;
    assert!(
        got[1].at - got[0].at >= Duration::from_millis(1900),
        "retried after {:?}",
        got[1].at - got[0].at
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_410_disables_the_endpoint_at_once(pool: PgPool) {
    let app = TestApp::builder(pool).config(fast_retries).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let receiver = Receiver::start().await;
    receiver.set_default(Reply::status(410));
    let (endpoint, _) = add_endpoint(&admin, &receiver.url("/hook"), &["*"], json!({})).await;
    publish(&admin, "message.sent", json!({})).await;
    let delivery = wait_delivery(&admin, &endpoint, |d| d["status"] == "failed").await;
    assert_eq!(delivery["attempts"], 1);
    let view = wait_endpoint(&admin, &endpoint, |v| v["status"] != "active").await;
    assert_eq!(view["status"], "disabled");
    assert!(view["disabled_reason"].as_str().unwrap().contains("410"));
    publish(&admin, "message.sent", json!({})).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        receiver.received().len(),
        1,
        "a disabled endpoint gets nothing"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_timeout_is_a_failed_attempt(pool: PgPool) {
    let app = TestApp::builder(pool)
        .config(|c| c.webhooks.retry_schedule = vec![Duration::ZERO])
        .await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let receiver = Receiver::start().await;
    receiver.set_default(Reply::status(200).delay(Duration::from_secs(3)));
    let (endpoint, _) = add_endpoint(
        &admin,
        &receiver.url("/slow"),
        &["*"],
        json!({"timeout_secs": 1}),
    )
    .await;
    publish(&admin, "message.sent", json!({})).await;
    let delivery = wait_delivery(&admin, &endpoint, |d| d["status"] == "failed").await;
    let attempt = &delivery["attempt_log"][0];
    assert!(
        attempt["error"].as_str().unwrap().contains("timed out"),
        "{attempt}"
    );
    assert!(attempt["response_status"].is_null());
    assert!(attempt["duration_ms"].as_u64().unwrap() < 2500);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_kept_alive_connection_closed_under_a_request_is_not_a_failed_attempt(pool: PgPool) {
    let app = TestApp::builder(pool).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let receiver = ClosingReceiver::start().await;
    let (endpoint, _) = add_endpoint(&admin, &receiver.url, &["*"], json!({})).await;

    publish(&admin, "message.sent", json!({"n": 1})).await;
    wait_delivery(&admin, &endpoint, |d| d["status"] == "succeeded").await;
    let second = publish(&admin, "message.sent", json!({"n": 2})).await;
    let delivery = wait_delivery(&admin, &endpoint, |d| {
        d["event_id"] == second.as_str()
            && d["attempt_log"]
                .as_array()
                .is_some_and(|log| !log.is_empty())
    })
    .await;

    // The second request went out on the first's connection, which closed under it.
    assert_eq!(receiver.unanswered(), 1, "the connection was reused");
    assert_eq!(receiver.answered(), 2, "{delivery}");
    // Sent again at once on a new connection: delivered in one attempt, no failure logged.
    assert_eq!(delivery["status"], "succeeded", "{delivery}");
    assert_eq!(delivery["attempts"], 1, "{delivery}");
    let attempt = &delivery["attempt_log"][0];
    assert_eq!(attempt["response_status"], 200, "{attempt}");
    assert!(attempt["error"].is_null(), "{attempt}");
}

#[sqlx::test(migrations = "../migrations")]
async fn repeated_failed_deliveries_disable_the_endpoint_and_notify_admins(pool: PgPool) {
    let app = TestApp::builder(pool)
        .config(|c| {
            c.webhooks.retry_schedule = vec![Duration::ZERO, Duration::from_millis(200)];
            c.webhooks.auto_disable_after = 2;
        })
        .await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let receiver = Receiver::start().await;
    receiver.set_default(Reply::status(500));
    let (endpoint, _) = add_endpoint(&admin, &receiver.url("/down"), &["*"], json!({})).await;
    publish(&admin, "message.sent", json!({"n": 1})).await;
    wait_delivery(&admin, &endpoint, |d| d["status"] == "failed").await;
    // The health is recorded just after the outcome, in a statement of its own.
    let view = wait_endpoint(&admin, &endpoint, |v| v["failure_count"] == 2).await;
    assert_eq!(view["status"], "failing");

    publish(&admin, "message.sent", json!({"n": 2})).await;
    let deadline = std::time::Instant::now() + WAIT;
    while endpoint_view(&admin, &endpoint).await["status"] != "disabled" {
        assert!(
            std::time::Instant::now() < deadline,
            "the endpoint was never disabled"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let feed = admin.get_json("/api/v1/notifications/list").await;
    let titles: Vec<&str> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["title"].as_str())
        .collect();
    assert!(titles.contains(&"Webhook endpoint disabled"), "{feed}");

    // Enabling it again clears the failures; the next success keeps it active.
    receiver.set_default(Reply::status(200));
    let view = endpoint_view(&admin, &endpoint).await;
    let body = json!({"id": endpoint, "url": view["url"], "event_types": view["event_types"], "enabled": true});
    let res = admin.post("/api/v1/webhooks/update", body).await;
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "active");
    publish(&admin, "message.sent", json!({"n": 3})).await;
    wait_delivery(&admin, &endpoint, |d| d["status"] == "succeeded").await;
    let view = endpoint_view(&admin, &endpoint).await;
    assert_eq!(
        (view["status"].as_str(), view["failure_count"].as_u64()),
        (Some("active"), Some(0))
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn after_rotation_both_secrets_sign(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let receiver = Receiver::start().await;
    let (endpoint, old_secret) =
        add_endpoint(&admin, &receiver.url("/hook"), &["*"], json!({})).await;
    let rotated: Value = admin
        .post("/api/v1/webhooks/rotate_secret", json!({"id": endpoint}))
        .await
        .json()
        .await
        .unwrap();
    let new_secret = rotated["secret"].as_str().unwrap();
    assert_ne!(new_secret, old_secret);
    assert!(rotated["endpoint"]["previous_secret_until"].is_string());
    publish(&admin, "message.sent", json!({})).await;
    let got = receiver.wait_for(1, WAIT).await.remove(0);
    assert_eq!(got.header("webhook-signature").split(' ').count(), 2);
    for secret in [old_secret.as_str(), new_secret] {
        standardwebhooks::Webhook::new(secret)
            .unwrap()
            .verify(&got.body, &got.headers)
            .expect("verifies");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn failed_deliveries_can_be_redelivered_and_retried_in_bulk(pool: PgPool) {
    let app = TestApp::builder(pool)
        .config(|c| c.webhooks.retry_schedule = vec![Duration::ZERO])
        .await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let receiver = Receiver::start().await;
    receiver.set_default(Reply::status(503));
    let (endpoint, _) = add_endpoint(&admin, &receiver.url("/hook"), &["*"], json!({})).await;
    let since = chrono::Utc::now() - chrono::Duration::seconds(5);
    publish(&admin, "message.sent", json!({"n": 1})).await;
    publish(&admin, "message.sent", json!({"n": 2})).await;
    receiver.wait_for(2, WAIT).await;
    let failed = wait_delivery(&admin, &endpoint, |d| d["status"] == "failed").await;
    receiver.set_default(Reply::status(200));

    let res: Value = admin
        .post(
            "/api/v1/webhooks/redeliver",
            json!({"delivery_id": failed["id"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(res["event_id"], failed["event_id"]);
    let received = receiver.wait_for(3, WAIT).await;
    assert_eq!(
        received[2].header("webhook-id"),
        failed["event_id"].as_str().unwrap()
    );

    let retried: Value = admin
        .post(
            "/api/v1/webhooks/retry_failed",
            json!({"endpoint_id": endpoint, "since": since}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(retried["retried"], 2);
    receiver.wait_for(5, WAIT).await;
    let filtered = admin
        .get_json(&format!(
            "/api/v1/webhooks/deliveries?endpoint_id={endpoint}&status=failed"
        ))
        .await;
    let deadline = std::time::Instant::now() + WAIT;
    let mut remaining = filtered["deliveries"].as_array().unwrap().len();
    while remaining > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "retried deliveries never succeeded"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        remaining = admin
            .get_json(&format!(
                "/api/v1/webhooks/deliveries?endpoint_id={endpoint}&status=failed"
            ))
            .await["deliveries"]
            .as_array()
            .unwrap()
            .len();
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn one_event_fans_out_to_every_subscribed_endpoint(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let receiver = Receiver::start().await;
    add_endpoint(&admin, &receiver.url("/all"), &["*"], json!({})).await;
    add_endpoint(
        &admin,
        &receiver.url("/sent"),
        &["message.sent", "message.received"],
        json!({}),
    )
    .await;
    add_endpoint(
        &admin,
        &receiver.url("/created"),
        &["conversation.created"],
        json!({}),
    )
    .await;
    add_endpoint(
        &admin,
        &receiver.url("/off"),
        &["*"],
        json!({"enabled": false}),
    )
    .await;
    let other = app.other_company("Globex", "gus@globex.test").await;
    add_endpoint(&other, &receiver.url("/globex"), &["*"], json!({})).await;

    publish(&admin, "message.sent", json!({})).await;
    receiver.wait_for(2, WAIT).await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let mut paths: Vec<String> = receiver.received().into_iter().map(|r| r.path).collect();
    paths.sort();
    assert_eq!(paths, ["/all", "/sent"]);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_test_send_answers_with_the_outcome(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let receiver = Receiver::start().await;
    receiver.script([Reply {
        body: "thanks!".into(),
        ..Reply::status(202)
    }]);
    let (endpoint, secret) = add_endpoint(
        &admin,
        &receiver.url("/hook"),
        &["conversation.closed"],
        json!({}),
    )
    .await;
    let res = admin
        .post(
            "/api/v1/webhooks/test",
            json!({"id": endpoint, "event_type": "escalation.triggered"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let delivery: Value = res.json().await.unwrap();
    assert_eq!(delivery["status"], "succeeded");
    assert_eq!(delivery["attempt_log"][0]["response_status"], 202);
    assert_eq!(delivery["attempt_log"][0]["response_body"], "thanks!");
    let got = receiver.received().remove(0);
    standardwebhooks::Webhook::new(&secret)
        .unwrap()
        .verify(&got.body, &got.headers)
        .unwrap();
    assert_eq!(
        got.json()["data"]["reason"],
        "customer_requested",
        "the registry's example payload"
    );
    let res = admin
        .post(
            "/api/v1/webhooks/test",
            json!({"id": endpoint, "event_type": "nope.nope"}),
        )
        .await;
    assert_eq!(
        crate::common::error_of(res).await.2.as_deref(),
        Some("event_type")
    );
}
