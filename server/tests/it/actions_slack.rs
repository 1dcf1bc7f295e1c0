//! Slack connections act: published events become `chat.postMessage` calls to the Slack Web API
//! contract server (end2end/support/slack-api.mjs), through the delivery pipeline.

use std::time::Duration;

use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;

use crate::common::contracts::Contract;
use crate::common::oauth_flow::connect_slack;
use crate::common::{Browser, TestApp};

const CONVERSATION_URL: &str = "https://app.example.test/conversations/{conversation_id}";

async fn app_with_slack(pool: PgPool, slack: &Contract) -> TestApp {
    TestApp::builder(pool)
        .env(slack.slack_env())
        .config(|c| {
            c.conversation_url = Some(CONVERSATION_URL.into());
            // Retries after a failed attempt come quickly, so a test can watch them.
            c.webhooks.retry_schedule = vec![Duration::ZERO, Duration::from_secs(1)];
        })
        .await
}

async fn configure(admin: &Browser, id: Uuid, config: Value) -> Value {
    admin
        .post_ok(
            "/api/v1/integrations/save_config",
            json!({"id": id, "config": config}),
        )
        .await
}

fn new_conversation() -> Value {
    json!({"conversation_id": "conv_42", "channel": "web",
           "customer": {"name": "Dana Whitfield", "email": "dana@example.com"}})
}

async fn connection(admin: &Browser, id: Uuid) -> Value {
    admin
        .get_json(&format!("/api/v1/integrations/get?id={id}"))
        .await
}

/// The connection once `done` holds: its health is recorded just after a delivery's outcome, in
/// a transaction of its own.
async fn settled_connection(admin: &Browser, id: Uuid, done: impl Fn(&Value) -> bool) -> Value {
    admin
        .poll_json(&format!("/api/v1/integrations/get?id={id}"), done)
        .await
}

async fn deliveries(admin: &Browser, id: Uuid) -> Vec<Value> {
    let page = admin
        .get_json(&format!("/api/v1/integrations/deliveries?id={id}"))
        .await;
    page["deliveries"].as_array().cloned().unwrap_or_default()
}

/// Polls the connection's log until `done` holds for its deliveries.
async fn wait_for_log(admin: &Browser, id: Uuid, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    for _ in 0..200 {
        let log = deliveries(admin, id).await;
        if done(&log) {
            return log;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the log never got there: {:#}",
        json!(deliveries(admin, id).await)
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn subscribed_events_reach_the_channel_as_block_kit_and_settings_change_routing(
    pool: PgPool,
) {
    let slack = Contract::slack();
    let app = app_with_slack(pool, &slack).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let id = connect_slack(&admin, None).await;
    admin
        .publish("conversation.created", new_conversation())
        .await;
    assert!(
        deliveries(&admin, id).await.is_empty(),
        "no channel chosen yet: nothing is queued for Slack"
    );

    let saved = configure(&admin, id, json!({"channel": "#support-alerts"})).await;
    assert_eq!(
        saved["event_types"],
        json!(["conversation.created", "escalation.triggered"]),
        "the defaults: new conversations and escalations"
    );
    admin
        .publish("conversation.created", new_conversation())
        .await;
    admin
        .publish(
            "message.received",
            json!({"conversation_id": "conv_42", "text": "Hello?"}),
        )
        .await;
    let messages = slack
        .wait_for("/_control/messages", 1, Duration::from_secs(10))
        .await;
    assert_eq!(messages.len(), 1, "{messages:#?}");
    let message = &messages[0];
    assert_eq!(message["channel"], "C0SUPPORT");
    assert_eq!(
        message["text"],
        "New conversation: Dana Whitfield <dana@example.com>"
    );
    let blocks = message["blocks"].as_array().unwrap();
    assert_eq!(blocks[0]["text"]["text"], "New conversation");
    assert_eq!(
        blocks[1]["fields"][0]["text"],
        "*Customer*\nDana Whitfield &lt;dana@example.com&gt;"
    );
    assert_eq!(
        blocks.last().unwrap()["elements"][0]["url"],
        "https://app.example.test/conversations/conv_42"
    );
    let calls: Vec<Value> = slack
        .list("/_control/requests")
        .await
        .into_iter()
        .filter(|r| r["path"] == "/api/chat.postMessage")
        .collect();
    assert_eq!(calls.len(), 1, "a message.received is not subscribed");
    assert_eq!(calls[0]["content_type"], "application/json; charset=utf-8");

    let log = wait_for_log(&admin, id, |log| {
        log.len() == 1 && log[0]["status"] == "succeeded"
    })
    .await;
    let attempt = &log[0]["attempt_log"][0];
    assert_eq!(attempt["response_status"], 200);
    assert_eq!(attempt["request_headers"]["authorization"], "[redacted]");
    assert!(attempt["response_body"]
        .as_str()
        .unwrap()
        .contains("\"ok\":true"));
    let card = settled_connection(&admin, id, |card| !card["last_action"].is_null()).await;
    assert_eq!(card["last_action"]["ok"], true);
    assert_eq!(card["failures_24h"], 0);

    // All messages on, escalations off: routing follows at once.
    configure(
        &admin,
        id,
        json!({"channel": "#support-alerts", "notify_all_messages": true, "notify_escalations": false}),
    )
    .await;
    admin
        .publish(
            "message.received",
            json!({"conversation_id": "conv_42", "text": "Still there?"}),
        )
        .await;
    admin
        .publish(
            "escalation.triggered",
            json!({"conversation_id": "conv_42", "reason": "angry"}),
        )
        .await;
    let messages = slack
        .wait_for("/_control/messages", 2, Duration::from_secs(10))
        .await;
    assert_eq!(messages[1]["text"], "New message from a customer");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        slack.list("/_control/messages").await.len(),
        2,
        "escalations are off now"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_rate_limited_message_waits_as_long_as_slack_asks(pool: PgPool) {
    let slack = Contract::slack();
    let app = app_with_slack(pool, &slack).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let id = connect_slack(&admin, None).await;
    configure(&admin, id, json!({"channel": "C0SUPPORT"})).await;
    slack
        .control("/_control/rate-limit?count=1&retry_after=3")
        .await;
    admin
        .publish("conversation.created", new_conversation())
        .await;

    let log = wait_for_log(&admin, id, |log| {
        log.first().is_some_and(|d| d["status"] == "succeeded")
    })
    .await;
    let attempts = log[0]["attempt_log"].as_array().unwrap();
    assert_eq!(attempts.len(), 2);
    let (second, first) = (&attempts[0], &attempts[1]);
    assert_eq!(first["response_status"], 429);
    assert!(first["error"].as_str().unwrap().contains("rate limiting"));
    assert_eq!(second["response_status"], 200);
    let at = |a: &Value| {
        chrono::DateTime::parse_from_rfc3339(a["started_at"].as_str().unwrap()).unwrap()
    };
    let waited = at(second) - at(first);
    assert!(
        waited >= chrono::Duration::milliseconds(2900),
        "Retry-After: 3 is honoured over the 1 s schedule (waited {waited})"
    );
    assert_eq!(slack.list("/_control/messages").await.len(), 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_revoked_token_suspends_the_connection_until_reconnected(pool: PgPool) {
    let slack = Contract::slack();
    let app = app_with_slack(pool, &slack).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let id = connect_slack(&admin, None).await;
    configure(&admin, id, json!({"channel": "#support-alerts"})).await;
    slack.control("/_control/revoke-all").await;
    admin
        .publish("conversation.created", new_conversation())
        .await;

    let log = wait_for_log(&admin, id, |log| {
        log.first().is_some_and(|d| d["status"] == "parked")
    })
    .await;
    assert_eq!(log[0]["attempts"], 1, "token_revoked is not retried");
    let card = settled_connection(&admin, id, |card| !card["last_action"].is_null()).await;
    assert_eq!(card["status"], "error");
    let reason = card["error_message"].as_str().unwrap();
    assert!(reason.contains("token_revoked"), "{reason}");
    assert_eq!(card["last_action"]["ok"], false);
    let feed = admin.get_json("/api/v1/notifications/list").await;
    let titles: Vec<&str> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["title"].as_str())
        .collect();
    assert!(
        titles.contains(&"Slack needs to be reconnected"),
        "the admins are told: {titles:?}"
    );
    assert!(slack.list("/_control/messages").await.is_empty());

    // Reconnecting renews the same connection; what waited is sent with the new token.
    assert_eq!(connect_slack(&admin, Some(id)).await, id);
    let messages = slack
        .wait_for("/_control/messages", 1, Duration::from_secs(10))
        .await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["channel_name"], "support-alerts");
    let card = connection(&admin, id).await;
    assert_eq!(card["status"], "active");
    assert_eq!(
        card["config"]["channel"], "#support-alerts",
        "settings kept"
    );
    wait_for_log(&admin, id, |log| log[0]["status"] == "succeeded").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_channel_the_bot_cannot_post_to_fails_with_slacks_reason(pool: PgPool) {
    let slack = Contract::slack();
    let app = app_with_slack(pool, &slack).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let id = connect_slack(&admin, None).await;
    configure(&admin, id, json!({"channel": "#sales"})).await;

    let test = admin
        .post_ok("/api/v1/integrations/send_test", json!({"id": id}))
        .await;
    assert_eq!(test["status"], "failed");
    assert_eq!(test["event_type"], "conversation.created");
    let error = test["last_error"].as_str().unwrap();
    assert!(error.contains("not_in_channel"), "{error}");
    assert!(test["attempt_log"][0]["response_body"]
        .as_str()
        .unwrap()
        .contains("not_in_channel"));

    admin
        .publish("conversation.created", new_conversation())
        .await;
    let log = wait_for_log(&admin, id, |log| {
        log.len() == 2 && log[0]["status"] == "failed"
    })
    .await;
    assert_eq!(log[0]["attempts"], 1, "a permanent error is not retried");
    let card = connection(&admin, id).await;
    assert_eq!(card["status"], "active", "the connection itself is fine");
    assert_eq!(card["failures_24h"], 2);

    configure(&admin, id, json!({"channel": "#general"})).await;
    let test = admin
        .post_ok("/api/v1/integrations/send_test", json!({"id": id}))
        .await;
    assert_eq!(test["status"], "succeeded");
    let redelivered = admin
        .post_ok(
            "/api/v1/integrations/redeliver",
            json!({"delivery_id": log[0]["id"]}),
        )
        .await;
    assert_eq!(redelivered["connection_id"], json!(id));
    let messages = slack
        .wait_for("/_control/messages", 2, Duration::from_secs(10))
        .await;
    assert_eq!(messages.len(), 2);
    assert!(messages.iter().all(|m| m["channel_name"] == "general"));
}
