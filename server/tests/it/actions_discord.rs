//! Discord connections act: the OAuth grant creates an incoming webhook in the channel the admin
//! picks, kept sealed with the tokens; published events become Execute Webhook calls to the
//! Discord contract server (end2end/support/discord-api.mjs) through the delivery pipeline.

use std::time::Duration;

use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;

use crate::common::contracts::Contract;
use crate::common::oauth_flow::{connect, credentials_of};
use crate::common::{Browser, TestApp};
use app::integrations::credentials::Credentials;

const WAIT: Duration = Duration::from_secs(15);

async fn app_with_discord(pool: PgPool, discord: &Contract) -> TestApp {
    TestApp::builder(pool)
        .env(discord.discord_env())
        .config(|c| {
            c.conversation_url = Some("https://app.example.test/c/{conversation_id}".into());
            // A retry within seconds can only be the one Discord asked for.
            c.webhooks.retry_schedule = vec![Duration::ZERO, Duration::from_secs(60)];
            c.daily_summary_every = Duration::from_millis(100);
        })
        .await
}

async fn connection(admin: &Browser, id: Uuid) -> Value {
    admin
        .get_json(&format!("/api/v1/integrations/get?id={id}"))
        .await
}

#[sqlx::test(migrations = "../migrations")]
async fn events_reach_the_granted_webhook_and_disconnecting_deletes_it(pool: PgPool) {
    let discord = Contract::start("discord-api.mjs");
    let app = app_with_discord(pool, &discord).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let id = connect(&admin, "discord", None).await;

    let card = connection(&admin, id).await;
    assert_eq!(card["status"], "active");
    assert_eq!(card["account_label"], "Plugboard");
    assert_eq!(
        card["event_types"],
        json!(["conversation.created", "escalation.triggered"])
    );
    // The webhook's token is a credential: sealed with the tokens, not in the row's plain data.
    let Credentials::OAuth { grant, .. } = credentials_of(&app, id).await else {
        panic!("an OAuth connection");
    };
    let token = grant["webhook"]["token"].as_str().unwrap().to_string();
    assert!(token.len() > 20);
    let plain: Value = sqlx::query_scalar("SELECT provider_data FROM connections WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(!plain.to_string().contains(&token), "{plain}");

    admin
        .post_ok(
            "/api/v1/integrations/save_config",
            json!({"id": id, "config": {"notify_new_conversations": true, "notify_escalations": true,
                                        "mention_here": true}}),
        )
        .await;
    admin
        .publish(
            "escalation.triggered",
            json!({"conversation_id": "conv_7", "reason": "customer_requested", "priority": "high",
                   "customer": {"name": "Dana *VIP*"}, "text": "I want a human"}),
        )
        .await;
    let messages = discord.wait_for("/_control/messages", 1, WAIT).await;
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    assert_eq!(message["channel_id"], "345626669224982402");
    assert_eq!(message["content"], "@here");
    assert_eq!(message["allowed_mentions"]["parse"], json!(["everyone"]));
    let embed = &message["embeds"][0];
    assert_eq!(embed["title"], "Escalated to a human");
    assert_eq!(embed["url"], "https://app.example.test/c/conv_7");
    assert_eq!(embed["fields"][0]["value"], "Dana \\*VIP\\*");
    assert!(embed["description"]
        .as_str()
        .unwrap()
        .starts_with("> I want a human"));
    let delivered = admin
        .newest_action(id, |d| d["status"] == "succeeded")
        .await;
    let attempt = &delivered["attempt_log"][0];
    assert_eq!(attempt["response_status"], 200);
    assert!(
        !attempt.to_string().contains(&token),
        "the log never shows the webhook's token"
    );

    // Rate limited once: the retry waits what Discord asked, not the minute of the schedule.
    discord
        .control("/_control/rate-limit?count=1&retry_after=1")
        .await;
    admin
        .publish("conversation.created", json!({"conversation_id": "conv_8"}))
        .await;
    let retried = admin
        .newest_action(id, |d| d["status"] == "succeeded")
        .await;
    assert_eq!(retried["attempts"], 2);
    assert_eq!(retried["attempt_log"][1]["response_status"], 429);

    // Disconnecting deletes the webhook from the channel.
    admin
        .post_ok("/api/v1/integrations/disconnect", json!({"id": id}))
        .await;
    let webhooks = discord.list("/_control/webhooks").await;
    assert_eq!(webhooks.len(), 1);
    assert_eq!(webhooks[0]["deleted"], true);
    // And the connection's deliveries, finished and filed into their day, go with it.
    let left: (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM deliveries), (SELECT count(*) FROM delivery_attempts)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(left, (0, 0), "deliveries and attempts left behind");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_webhook_deleted_in_discord_suspends_the_connection_and_summaries_go_daily(pool: PgPool) {
    let discord = Contract::start("discord-api.mjs");
    let app = app_with_discord(pool, &discord).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let id = connect(&admin, "discord", None).await;
    admin
        .post_ok(
            "/api/v1/integrations/save_config",
            json!({"id": id, "config": {"notify_new_conversations": false, "notify_escalations": true,
                                        "daily_summary": true, "summary_hour": 0}}),
        )
        .await;
    let messages = discord.wait_for("/_control/messages", 1, WAIT).await;
    assert_eq!(messages.len(), 1, "the day's summary, once");
    let embed = &messages[0]["embeds"][0];
    assert!(
        embed["title"]
            .as_str()
            .unwrap()
            .starts_with("Daily summary · "),
        "{embed}"
    );
    assert_eq!(embed["fields"][0]["name"], "New conversations");

    discord.control("/_control/delete-webhooks").await;
    admin
        .publish("escalation.triggered", json!({"conversation_id": "conv_9"}))
        .await;
    let card = admin.connection_with_status(id, "error").await;
    assert_eq!(
        card["error_message"],
        "Discord answered 404: Unknown Webhook (code 10015): the webhook was deleted in Discord; reconnect Discord to pick a channel."
    );
    let parked = admin.newest_action(id, |d| d["status"] == "parked").await;
    assert_eq!(parked["event_type"], "escalation.triggered");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        discord.list("/_control/messages").await.len(),
        1,
        "still one summary, nothing more"
    );
}
