//! Telegram alerts and Zapier catch hooks act on published events, against their contract
//! servers (end2end/support/telegram-api.mjs, zapier-hooks.mjs).

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{json, Value};
use sqlx::PgPool;

use crate::common::contracts::Contract;
use crate::common::{error_of, TestApp};

const BOT_TOKEN: &str = "123456789:AAtest-plugboard-bot";
const GROUP: &str = "-1001234567890";

async fn app_for(pool: PgPool, env: &[(&str, String)]) -> TestApp {
    let env: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    TestApp::builder(pool)
        .env(env)
        .config(|c| {
            c.conversation_url = Some("https://app.example.test/c/{conversation_id}".into());
        })
        .await
}

#[sqlx::test(migrations = "../migrations")]
async fn telegram_checks_the_bot_token_then_sends_alerts_to_the_group(pool: PgPool) {
    let telegram = Contract::start("telegram-api.mjs");
    let app = app_for(pool, &[("TELEGRAM_API_BASE_URL", telegram.base.clone())]).await;
    let admin = app.setup("Acme", "ada@acme.test").await;

    let res = admin
        .post(
            "/api/v1/integrations/connect_api_key",
            json!({"slug": "telegram", "values": {"bot_token": "123456789:wrong"}}),
        )
        .await;
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, 400);
    assert_eq!(body["error"]["field"], "bot_token");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Unauthorized"),
        "Telegram's reason is shown: {body}"
    );

    let connected = admin
        .post_ok(
            "/api/v1/integrations/connect_api_key",
            json!({"slug": "telegram", "values": {"bot_token": BOT_TOKEN}}),
        )
        .await;
    assert_eq!(
        connected["connection_info"],
        "Connected as @plugboard_alerts_bot"
    );
    let id = connected["id"].as_str().unwrap().to_string();
    let saved = admin
        .post_ok(
            "/api/v1/integrations/save_config",
            json!({"id": id, "config": {"alert_chat_id": GROUP, "notify_escalations": true}}),
        )
        .await;
    assert_eq!(saved["event_types"], json!(["escalation.triggered"]));

    admin
        .publish(
            "escalation.triggered",
            json!({"conversation_id": "conv_9", "reason": "customer_requested", "priority": "high",
                   "customer": {"name": "Dana <VIP>"}}),
        )
        .await;
    let messages = telegram
        .wait_for("/_control/messages", 1, Duration::from_secs(10))
        .await;
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    assert_eq!(message["chat_id"], GROUP);
    assert_eq!(message["parse_mode"], "HTML");
    assert_eq!(
        message["text"],
        "<b>Escalated to a human</b>\n<b>Customer:</b> Dana &lt;VIP&gt;\n<b>Reason:</b> customer requested\n<b>Priority:</b> high"
    );
    assert_eq!(
        message["reply_markup"]["inline_keyboard"][0][0]["url"],
        "https://app.example.test/c/conv_9"
    );

    // A group the bot was removed from: Telegram's reason, no retry, the connection stays.
    admin
        .post_ok(
            "/api/v1/integrations/save_config",
            json!({"id": id, "config": {"alert_chat_id": "-1009999999999", "notify_escalations": true}}),
        )
        .await;
    let test = admin
        .post_ok("/api/v1/integrations/send_test", json!({"id": id}))
        .await;
    assert_eq!(test["status"], "failed");
    assert_eq!(
        test["last_error"],
        "Telegram answered 403: Forbidden: bot was kicked from the supergroup chat."
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn zapier_catches_subscribed_events_and_a_gone_hook_suspends_the_connection(pool: PgPool) {
    let zapier = Contract::start("zapier-hooks.mjs");
    let app = app_for(pool, &[("ZAPIER_API_BASE_URL", zapier.base.clone())]).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let connected = admin
        .post_ok(
            "/api/v1/integrations/connect_webhook",
            json!({"slug": "zapier", "url": "https://hooks.zapier.com/hooks/catch/123456/abcdef/"}),
        )
        .await;
    let id = connected["id"].as_str().unwrap().to_string();
    assert_eq!(
        connected["event_types"],
        json!([
            "contact.created",
            "conversation.created",
            "escalation.triggered"
        ]),
        "the catalogue's defaults"
    );

    let event_id = admin
        .publish("conversation.created", json!({"conversation_id": "conv_1"}))
        .await;
    admin
        .publish("conversation.closed", json!({"conversation_id": "conv_1"}))
        .await;
    let caught = zapier
        .wait_for("/_control/caught", 1, Duration::from_secs(10))
        .await;
    assert_eq!(
        caught.len(),
        1,
        "closed conversations are not sent by default"
    );
    assert_eq!(caught[0]["hook"], "123456/abcdef");
    assert_eq!(caught[0]["content_type"], "application/json; charset=utf-8");
    assert_eq!(caught[0]["body"]["id"], event_id);
    assert_eq!(caught[0]["body"]["type"], "conversation.created");
    assert_eq!(caught[0]["body"]["data"]["conversation_id"], "conv_1");

    zapier.control("/_control/gone?hook=123456/abcdef").await;
    admin
        .publish("conversation.created", json!({"conversation_id": "conv_2"}))
        .await;
    let mut card = Value::Null;
    for _ in 0..100 {
        card = admin
            .get_json(&format!("/api/v1/integrations/get?id={id}"))
            .await;
        if card["status"] == "error" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(card["status"], "error", "{card}");
    assert_eq!(
        card["error_message"],
        "Zapier refused the request (HTTP 410)."
    );
    let log = admin
        .get_json(&format!("/api/v1/integrations/deliveries?id={id}"))
        .await;
    assert_eq!(
        log["deliveries"][0]["status"], "parked",
        "kept for a new hook URL"
    );
    let res = admin
        .get(&format!("/api/v1/integrations/deliveries?id={id}&limit=0"))
        .await;
    assert_eq!(error_of(res).await.2.as_deref(), Some("limit"));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_refused_bot_token_is_replaced_in_place_and_the_waiting_alerts_go_out(pool: PgPool) {
    let telegram = Contract::start("telegram-api.mjs");
    let app = app_for(pool, &[("TELEGRAM_API_BASE_URL", telegram.base.clone())]).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let connected = admin
        .post_ok(
            "/api/v1/integrations/connect_api_key",
            json!({"slug": "telegram", "values": {"bot_token": BOT_TOKEN}}),
        )
        .await;
    let id = connected["id"].as_str().unwrap().to_string();
    let config = json!({"alert_chat_id": GROUP, "notify_escalations": true});
    admin
        .post_ok(
            "/api/v1/integrations/save_config",
            json!({"id": id, "config": config}),
        )
        .await;

    // The token is revoked in BotFather: the alert waits, the connection is in Error.
    telegram.control("/_control/revoke").await;
    admin
        .publish("escalation.triggered", json!({"conversation_id": "conv_r"}))
        .await;
    admin.connection_with_status(&id, "error").await;

    // A wrong token is refused with Telegram's reason and changes nothing.
    let res = admin
        .post(
            "/api/v1/integrations/connect_api_key",
            json!({"slug": "telegram", "values": {"bot_token": BOT_TOKEN}, "reconnect": id}),
        )
        .await;
    assert_eq!(error_of(res).await.2.as_deref(), Some("bot_token"));
    let res = admin
        .post(
            "/api/v1/integrations/connect_api_key",
            json!({"slug": "stripe", "values": {"secret_key": "sk_test_x"}, "reconnect": id}),
        )
        .await;
    assert_eq!(error_of(res).await.2.as_deref(), Some("reconnect"));

    // The bot's new token renews the same connection: settings kept, the waiting alert sent.
    let renewed = admin
        .post_ok(
            "/api/v1/integrations/connect_api_key",
            json!({"slug": "telegram", "values": {"bot_token": "123456789:AArotated-plugboard-bot"},
                   "reconnect": id}),
        )
        .await;
    assert_eq!(renewed["id"], id.as_str());
    assert_eq!(renewed["status"], "active");
    assert_eq!(renewed["config"]["alert_chat_id"], GROUP);
    let messages = telegram
        .wait_for("/_control/messages", 1, Duration::from_secs(10))
        .await;
    assert_eq!(messages.len(), 1, "the alert that waited");
    assert_eq!(messages[0]["chat_id"], GROUP);
    let list = admin.get_json("/api/v1/integrations/list").await;
    assert_eq!(list.as_array().unwrap().len(), 1, "renewed, not added");
}
