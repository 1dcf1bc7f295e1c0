//! Driving the OAuth flow from a test: start, follow the provider's redirect, follow our callback.
#![allow(dead_code)]

use std::collections::HashMap;

use app::integrations::credentials::Credentials;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use super::oauth_provider::OAuthProvider;
use super::{Browser, TestApp};

pub async fn app_with(pool: PgPool, provider: &OAuthProvider, prefixes: &[&str]) -> TestApp {
    let env: HashMap<String, String> = prefixes.iter().flat_map(|p| provider.env_for(p)).collect();
    TestApp::builder(pool).env(env).start().await
}

/// Starts a connection and follows the provider's redirect; returns the callback URL the
/// provider sent the browser to.
pub async fn authorize(admin: &Browser, slug: &str) -> String {
    let start = admin
        .post_ok("/api/v1/integrations/start_oauth", json!({"slug": slug}))
        .await;
    let at_provider = admin
        .get_url(start["authorize_url"].as_str().unwrap())
        .await;
    assert_eq!(at_provider.status(), 302, "the provider redirects back");
    at_provider.headers()["location"]
        .to_str()
        .unwrap()
        .to_string()
}

/// Follows the callback and returns where we were sent next.
pub async fn callback(admin: &Browser, url: &str) -> String {
    let res = admin.get_url(url).await;
    assert_eq!(res.status(), 303);
    res.headers()["location"].to_str().unwrap().to_string()
}

pub async fn connection_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM connections")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

pub async fn credentials_of(app: &TestApp, id: Uuid) -> Credentials {
    let (company, blob): (Uuid, Vec<u8>) =
        sqlx::query_as("SELECT company_id, credentials FROM connections WHERE id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    Credentials::open(&blob, &app.state.cipher, company, id).unwrap()
}

pub fn connected_id(location: &str) -> Uuid {
    let query = location.split_once('?').expect("query").1;
    let id = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("connected="))
        .expect("connected=");
    id.parse().unwrap()
}

pub async fn connect_salesforce(app: &TestApp, admin: &Browser) -> (Uuid, Uuid) {
    let callback_url = authorize(admin, "salesforce").await;
    let id = connected_id(&callback(admin, &callback_url).await);
    let company: Uuid = sqlx::query_scalar("SELECT company_id FROM connections WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    (company, id)
}

pub async fn expire_soon(app: &TestApp, id: Uuid) {
    sqlx::query(
        "UPDATE connections SET token_expires_at = now() + interval '1 minute' WHERE id = $1",
    )
    .bind(id)
    .execute(&app.pool)
    .await
    .unwrap();
}

/// Connects Slack through its OAuth round trip; `reconnect` renews that connection instead.
pub async fn connect_slack(admin: &Browser, reconnect: Option<Uuid>) -> Uuid {
    connect(admin, "slack", reconnect).await
}

/// Connects `slug` through its provider's OAuth round trip (a contract server that consents at
/// once); `reconnect` renews that connection instead.
pub async fn connect(admin: &Browser, slug: &str, reconnect: Option<Uuid>) -> Uuid {
    let start = admin
        .post_ok(
            "/api/v1/integrations/start_oauth",
            json!({"slug": slug, "reconnect": reconnect}),
        )
        .await;
    let at_provider = admin
        .get_url(start["authorize_url"].as_str().unwrap())
        .await;
    assert_eq!(
        at_provider.status(),
        302,
        "the provider sends the browser back"
    );
    let back = at_provider.headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    connected_id(&callback(admin, &back).await)
}
