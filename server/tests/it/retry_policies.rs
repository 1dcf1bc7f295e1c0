//! A destination's own retry policy (max retries, first delay, linear or exponential backoff)
//! replaces the installation's schedule for that endpoint or connection only; without one the
//! schedule applies. The installation's schedule here waits a minute before its one retry, so a
//! retry that comes within seconds can only have come from the policy.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sqlx::PgPool;

use crate::common::contracts::Contract;
use crate::common::oauth_flow::connect_slack;
use crate::common::receiver::{Receiver, Reply};
use crate::common::{error_of, Browser, TestApp};

const SLOW_SCHEDULE: [Duration; 2] = [Duration::ZERO, Duration::from_secs(60)];

async fn newest_delivery(admin: &Browser, path: &str, check: impl Fn(&Value) -> bool) -> Value {
    let page = admin
        .poll_json(path, |p| p["deliveries"].get(0).is_some_and(&check))
        .await;
    page["deliveries"][0].clone()
}

fn started(attempt: &Value) -> DateTime<Utc> {
    attempt["started_at"].as_str().unwrap().parse().unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn an_endpoints_policy_sets_its_retries_and_waits_and_can_go_back_to_the_schedule(
    pool: PgPool,
) {
    let app = TestApp::builder(pool)
        .config(|c| c.webhooks.retry_schedule = SLOW_SCHEDULE.to_vec())
        .await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let receiver = Receiver::start().await;
    receiver.set_default(Reply::status(500));
    let schedule = admin.get_json("/api/v1/webhooks/retry_schedule").await;
    assert_eq!(schedule["default_waits_secs"], json!([60]));

    let policy = json!({"max_retries": 2, "retry_delay_secs": 1, "backoff_strategy": "linear"});
    let created = admin
        .post_ok(
            "/api/v1/webhooks/create",
            json!({"url": receiver.url("/down"), "event_types": ["*"], "retry_policy": policy}),
        )
        .await;
    let endpoint = created["endpoint"]["id"].as_str().unwrap().to_string();
    assert_eq!(created["endpoint"]["retry_policy"], policy);
    assert_eq!(created["endpoint"]["retry_waits_secs"], json!([1, 2]));

    admin.publish("message.sent", json!({"n": 1})).await;
    let failed = newest_delivery(
        &admin,
        &format!("/api/v1/webhooks/deliveries?endpoint_id={endpoint}"),
        |d| d["status"] == "failed",
    )
    .await;
    assert_eq!(failed["attempts"], 3, "the first attempt and two retries");
    assert_eq!(receiver.received().len(), 3);
    // Newest first: the waits grew linearly, 1 s then 2 s (with up to 10% jitter).
    let log = failed["attempt_log"].as_array().unwrap();
    let first_wait = started(&log[1]) - started(&log[2]);
    let second_wait = started(&log[0]) - started(&log[1]);
    assert!(
        first_wait.num_milliseconds() >= 850,
        "first retry after {first_wait}"
    );
    assert!(
        second_wait.num_milliseconds() >= 1750,
        "second retry after {second_wait}"
    );

    // An update without a policy goes back to the installation's schedule.
    let updated = admin
        .post_ok(
            "/api/v1/webhooks/update",
            json!({"id": endpoint, "url": receiver.url("/down"), "event_types": ["*"]}),
        )
        .await;
    assert!(updated["retry_policy"].is_null());
    assert_eq!(updated["retry_waits_secs"], json!([60]));
    let audit = admin.get_json("/api/v1/audit/list").await;
    assert!(
        audit.to_string().contains("retry_policy"),
        "the change is audited: {audit}"
    );

    for (policy, field) in [
        (
            json!({"max_retries": 16, "retry_delay_secs": 10, "backoff_strategy": "linear"}),
            "retry_policy.max_retries",
        ),
        (
            json!({"max_retries": 3, "retry_delay_secs": 0, "backoff_strategy": "exponential"}),
            "retry_policy.retry_delay_secs",
        ),
        (
            json!({"max_retries": 3, "retry_delay_secs": 86401, "backoff_strategy": "linear"}),
            "retry_policy.retry_delay_secs",
        ),
    ] {
        let res = admin
            .post(
                "/api/v1/webhooks/create",
                json!({"url": receiver.url("/x"), "event_types": ["*"], "retry_policy": policy}),
            )
            .await;
        let (status, _, got_field) = error_of(res).await;
        assert_eq!((status, got_field.as_deref()), (400, Some(field)));
    }
    let res = admin
        .post(
            "/api/v1/webhooks/create",
            json!({"url": receiver.url("/x"), "event_types": ["*"],
                   "retry_policy": {"max_retries": 3, "retry_delay_secs": 5, "backoff_strategy": "random"}}),
        )
        .await;
    assert_eq!(res.status(), 400, "an unknown backoff is refused");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_connections_policy_retries_its_actions_on_its_own_terms(pool: PgPool) {
    let slack = Contract::slack();
    let app = TestApp::builder(pool)
        .env(slack.slack_env())
        .config(|c| c.webhooks.retry_schedule = SLOW_SCHEDULE.to_vec())
        .await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let id = connect_slack(&admin, None).await;
    let log = format!("/api/v1/integrations/deliveries?id={id}");
    let config = json!({"channel": "#support-alerts", "notify_escalations": true});
    let saved = admin
        .post_ok(
            "/api/v1/integrations/save_config",
            json!({"id": id, "config": config,
                   "retry_policy": {"max_retries": 1, "retry_delay_secs": 1, "backoff_strategy": "exponential"}}),
        )
        .await;
    assert_eq!(saved["retry_waits_secs"], json!([1]));

    // Slack is down for one request: the retry comes a second later, not a minute.
    slack
        .control("/_control/fail-next?status=503&count=1")
        .await;
    admin
        .publish("escalation.triggered", json!({"conversation_id": "conv_1"}))
        .await;
    let delivered = newest_delivery(&admin, &log, |d| d["status"] == "succeeded").await;
    assert_eq!(delivered["attempts"], 2);
    assert_eq!(slack.list("/_control/messages").await.len(), 1);

    // No retries: one failed attempt fails the delivery.
    admin
        .post_ok(
            "/api/v1/integrations/save_config",
            json!({"id": id, "config": config,
                   "retry_policy": {"max_retries": 0, "retry_delay_secs": 1, "backoff_strategy": "linear"}}),
        )
        .await;
    slack
        .control("/_control/fail-next?status=503&count=1")
        .await;
    admin
        .publish("escalation.triggered", json!({"conversation_id": "conv_2"}))
        .await;
    let failed = newest_delivery(&admin, &log, |d| d["status"] == "failed").await;
    assert_eq!(failed["attempts"], 1);

    // Without a policy, the installation's schedule: the failed attempt waits a minute.
    let saved = admin
        .post_ok(
            "/api/v1/integrations/save_config",
            json!({"id": id, "config": config}),
        )
        .await;
    assert!(saved["retry_policy"].is_null());
    assert_eq!(saved["retry_waits_secs"], json!([60]));
    slack
        .control("/_control/fail-next?status=503&count=1")
        .await;
    admin
        .publish("escalation.triggered", json!({"conversation_id": "conv_3"}))
        .await;
    let waiting = newest_delivery(&admin, &log, |d| {
        d["status"] == "pending" && d["attempts"] == 1
    })
    .await;
    let next: DateTime<Utc> = waiting["next_attempt_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        next - Utc::now() > chrono::Duration::seconds(45),
        "waits about a minute: {waiting}"
    );

    let res = admin
        .post(
            "/api/v1/integrations/save_config",
            json!({"id": id, "config": config,
                   "retry_policy": {"max_retries": 99, "retry_delay_secs": 1, "backoff_strategy": "linear"}}),
        )
        .await;
    let (status, _, field) = error_of(res).await;
    assert_eq!(
        (status, field.as_deref()),
        (400, Some("retry_policy.max_retries"))
    );
}
