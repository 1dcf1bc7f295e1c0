//! Replies from Slack: the Events API endpoint verifies Slack's signature, answers the URL
//! challenge, and turns a person's threaded reply to a notification into `message.sent` once,
//! only while the connection allows replies from Slack. The test plays Slack's part of sending
//! signed events; the notification itself goes through the Slack contract server.

use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use sqlx::PgPool;

use crate::common::contracts::Contract;
use crate::common::oauth_flow::connect_slack;
use crate::common::{error_of, TestApp};

const SIGNING_SECRET: &str = "plugboard-test-signing-secret";
const EVENTS: &str = "/inbound/slack/events";

fn signature(ts: i64, body: &str, secret: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("v0:{ts}:{body}").as_bytes());
    format!("v0={}", hex::encode(mac.finalize().into_bytes()))
}

/// Sends `payload` as Slack does: signed at `age_secs` ago with `secret`.
async fn from_slack(
    app: &TestApp,
    payload: &Value,
    age_secs: i64,
    secret: &str,
) -> reqwest::Response {
    let body = payload.to_string();
    let ts = chrono::Utc::now().timestamp() - age_secs;
    reqwest::Client::new()
        .post(app.base.join(EVENTS).unwrap())
        .header("content-type", "application/json")
        .header("x-slack-request-timestamp", ts.to_string())
        .header("x-slack-signature", signature(ts, &body, secret))
        .body(body)
        .send()
        .await
        .unwrap()
}

fn reply(event_id: &str, channel: &str, thread_ts: &str, extra: Value) -> Value {
    let mut event = json!({"type": "message", "channel": channel, "user": "U0AGENT",
                           "text": "On it, checking the order now.", "ts": "1800000000.000900",
                           "thread_ts": thread_ts, "channel_type": "channel"});
    if let (Some(event), Some(extra)) = (event.as_object_mut(), extra.as_object()) {
        event.extend(extra.clone());
    }
    json!({"token": "legacy", "team_id": "T0PLUGBRD", "api_app_id": "A0PLUGBRD", "type": "event_callback",
           "event_id": event_id, "event_time": 1800000000, "event": event})
}

async fn replies(pool: &PgPool) -> Vec<Value> {
    sqlx::query_scalar(
        "SELECT data FROM events WHERE event_type = 'message.sent' ORDER BY created_at",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_threaded_reply_in_slack_becomes_message_sent_once(pool: PgPool) {
    let slack = Contract::slack();
    let mut env = slack.slack_env();
    env.insert("SLACK_SIGNING_SECRET".into(), SIGNING_SECRET.into());
    let app = TestApp::builder(pool.clone()).env(env).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let id = connect_slack(&admin, None).await;
    admin
        .post_ok(
            "/api/v1/integrations/save_config",
            json!({"id": id, "config": {"channel": "#support-alerts", "allow_agent_replies": true,
                                        "notify_all_messages": true}}),
        )
        .await;
    admin
        .publish(
            "conversation.created",
            json!({"conversation_id": "conv_42", "customer": {"name": "Dana"}}),
        )
        .await;
    let posted = slack
        .wait_for("/_control/messages", 1, Duration::from_secs(10))
        .await;
    let (channel, ts) = (
        posted[0]["channel"].as_str().unwrap().to_string(),
        posted[0]["ts"].as_str().unwrap().to_string(),
    );
    // The thread is remembered once the delivery is recorded.
    for _ in 0..100 {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM slack_threads")
            .fetch_one(&pool)
            .await
            .unwrap();
        if n == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Saving the Request URL in Slack's app settings: the challenge is echoed.
    let challenge = json!({"token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                           "type": "url_verification"});
    let res = from_slack(&app, &challenge, 0, SIGNING_SECRET).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Value>().await.unwrap()["challenge"],
        challenge["challenge"]
    );

    // Anything not signed by Slack, or signed too long ago, is refused.
    let first = reply("Ev0001", &channel, &ts, json!({}));
    for (age, secret, why) in [
        (0, "not the secret", "a wrong signature"),
        (6 * 60, SIGNING_SECRET, "a replay"),
    ] {
        let (status, code, _) = error_of(from_slack(&app, &first, age, secret).await).await;
        assert_eq!(status, 401, "{why}: {code}");
    }
    let unsigned = reqwest::Client::new()
        .post(app.base.join(EVENTS).unwrap())
        .body(first.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 401);
    assert!(replies(&pool).await.is_empty());

    let res = from_slack(&app, &first, 0, SIGNING_SECRET).await;
    assert_eq!(res.status(), 200);
    let published = replies(&pool).await;
    assert_eq!(published.len(), 1);
    assert_eq!(published[0]["conversation_id"], "conv_42");
    assert_eq!(published[0]["text"], "On it, checking the order now.");
    assert_eq!(published[0]["author"]["slack_user_id"], "U0AGENT");
    assert_eq!(published[0]["source"], "slack");
    // The reply came from this Slack connection: it is not posted back to Slack, even with
    // "All messages" on.
    let echoed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM deliveries d JOIN events e ON e.id = d.event_id
          WHERE d.connection_id = $1 AND e.event_type = 'message.sent'",
    )
    .bind(uuid::Uuid::parse_str(&id.to_string()).unwrap())
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(echoed, 0);

    // Slack retries an event it thinks went unanswered: same event_id, published once.
    let res = from_slack(&app, &first, 0, SIGNING_SECRET).await;
    assert_eq!(res.status(), 200);
    // Bots (our own notifications too), edits and messages outside the thread are not replies.
    for ignored in [
        reply("Ev0002", &channel, &ts, json!({"bot_id": "B0PLUGBRD"})),
        reply(
            "Ev0003",
            &channel,
            &ts,
            json!({"subtype": "message_changed"}),
        ),
        reply("Ev0004", &channel, "1700000000.000001", json!({})),
    ] {
        assert_eq!(
            from_slack(&app, &ignored, 0, SIGNING_SECRET).await.status(),
            200
        );
    }
    assert_eq!(replies(&pool).await.len(), 1);

    // With replies from Slack turned off, replies stay in Slack.
    admin
        .post_ok(
            "/api/v1/integrations/save_config",
            json!({"id": id, "config": {"channel": "#support-alerts", "allow_agent_replies": false}}),
        )
        .await;
    let later = reply("Ev0005", &channel, &ts, json!({}));
    assert_eq!(
        from_slack(&app, &later, 0, SIGNING_SECRET).await.status(),
        200
    );
    assert_eq!(replies(&pool).await.len(), 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn without_a_signing_secret_slack_events_are_refused(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let challenge = json!({"type": "url_verification", "challenge": "x"});
    let res = from_slack(&app, &challenge, 0, SIGNING_SECRET).await;
    assert_eq!(res.status(), 404);
    let body: Value = res.json().await.unwrap();
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("SLACK_SIGNING_SECRET"), "{body}");
}
