//! Slack's channel list comes from Slack's API (its contract server, end2end/support/slack-api.mjs)
//! with the stored token, after a real OAuth connection without PKCE and with comma-separated
//! scopes.

use crate::common::contracts::Contract;
use crate::common::{error_of, TestApp};
use serde_json::{json, Value};
use sqlx::PgPool;

#[sqlx::test(migrations = "../migrations")]
async fn slack_channels_come_from_slack_with_the_stored_token(pool: PgPool) {
    let slack = Contract::slack();
    let app = TestApp::builder(pool).env(slack.slack_env()).start().await;
    let admin = app.setup("Acme", "ada@acme.test").await;

    let start: Value = admin
        .post("/api/v1/integrations/start_oauth", json!({"slug": "slack"}))
        .await
        .json()
        .await
        .unwrap();
    let authorize_url = start["authorize_url"].as_str().unwrap();
    assert!(
        authorize_url.contains("scope=chat%3Awrite%2Cchannels%3Aread"),
        "comma-separated scopes: {authorize_url}"
    );
    assert!(
        !authorize_url.contains("code_challenge"),
        "Slack gets no PKCE"
    );
    let callback_url = admin.get_url(authorize_url).await.headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    let landed = admin.get_url(&callback_url).await.headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    let id = landed
        .split("connected=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();

    let options: Value = admin
        .get_json(&format!(
            "/api/v1/integrations/options?id={id}&source=channels"
        ))
        .await;
    assert_eq!(
        options,
        json!([{"value": "#general", "label": "#general"}, {"value": "#sales", "label": "#sales"},
               {"value": "#support-alerts", "label": "#support-alerts"}]),
        "archived channels are left out"
    );
    let listed = slack.list("/_control/requests").await;
    assert!(listed
        .iter()
        .any(|r| r["path"] == "/api/conversations.list" && r["authorization"] == "present"));

    let res = admin
        .post(
            "/api/v1/integrations/save_config",
            json!({"id": id, "config": {"notify_all_messages": true}}),
        )
        .await;
    assert_eq!(
        error_of(res).await,
        (400, "bad_request".into(), Some("channel".into())),
        "the channel is required"
    );
    let res = admin
        .post("/api/v1/integrations/save_config", json!({"id": id, "config": {"channel": "#support-alerts", "notify_all_messages": true}}))
        .await;
    let saved: Value = res.json().await.unwrap();
    assert_eq!(saved["connection_info"], "Connected to: #support-alerts");
}
