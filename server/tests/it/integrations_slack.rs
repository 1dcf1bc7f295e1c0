//! Slack's channel list comes from Slack's API (a stand-in on 127.0.0.1) with the stored token,
//! after a real OAuth connection without PKCE and with comma-separated scopes.

use std::collections::HashMap;

use crate::common::oauth_provider::OAuthProvider;
use crate::common::{error_of, TestApp};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use sqlx::PgPool;

/// A stand-in for Slack's Web API on 127.0.0.1 that checks the bearer token.
async fn fake_slack(expected_token_prefix: &'static str) -> String {
    let app = Router::new().route(
        "/api/conversations.list",
        get(move |headers: axum::http::HeaderMap| async move {
            let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
            if !auth.starts_with(&format!("Bearer {expected_token_prefix}")) {
                return Json(json!({"ok": false, "error": "invalid_auth"}));
            }
            Json(json!({"ok": true, "channels": [{"id": "C2", "name": "support-alerts"}, {"id": "C1", "name": "general"}]}))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/api")
}

#[sqlx::test(migrations = "../migrations")]
async fn slack_channels_come_from_slack_with_the_stored_token(pool: PgPool) {
    let provider = OAuthProvider::start();
    // oauth2-mock-server issues JWT access tokens, which start with "ey".
    let slack_api = fake_slack("ey").await;
    let mut env: HashMap<String, String> = provider.env_for("SLACK").into_iter().collect();
    env.insert("SLACK_API_BASE_URL".into(), slack_api);
    let app = TestApp::builder(pool).env(env).start().await;
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
        json!([{"value": "#general", "label": "#general"}, {"value": "#support-alerts", "label": "#support-alerts"}])
    );

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
