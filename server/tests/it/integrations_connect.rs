//! Connecting with API keys and catch-hook URLs, settings validation, Slack's channel list
//! from its API, tenant isolation, and no plaintext credential in a database dump.

use std::collections::HashMap;

use crate::common::contracts::Contract;
use crate::common::{dump_database, error_of, TestApp};
use serde_json::{json, Value};
use sqlx::PgPool;

/// A valid restricted Stripe key of the account contract server (end2end/support/account-apis.mjs).
const STRIPE_KEY: &str = "rk_test_plugboard_limited";

/// An app whose Stripe and Zendesk credential checks go to the account contract server.
async fn app_with_accounts(pool: PgPool) -> (TestApp, Contract) {
    let accounts = Contract::start("account-apis.mjs");
    let env = HashMap::from([
        (
            "STRIPE_API_BASE_URL".to_string(),
            format!("{}/stripe/v1", accounts.base),
        ),
        (
            "ZENDESK_API_BASE_URL".to_string(),
            format!("{}/zendesk/{{subdomain}}/api/v2", accounts.base),
        ),
    ]);
    (TestApp::builder(pool).env(env).await, accounts)
}

#[sqlx::test(migrations = "../migrations")]
async fn the_catalogue_lists_every_provider_with_connection_counts(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let catalogue: Value = admin.get_json("/api/v1/integrations/catalogue").await;
    let slugs: Vec<&str> = catalogue
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs.len(), 28);
    for slug in [
        "slack",
        "microsoft-teams",
        "salesforce",
        "zoho-crm",
        "zapier",
        "n8n",
        "calendly",
        "email-forwarding",
    ] {
        assert!(slugs.contains(&slug), "{slug}");
    }
    let stripe = catalogue
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["slug"] == "stripe")
        .unwrap();
    assert_eq!(
        (
            stripe["configured"].as_bool(),
            stripe["connections"].as_u64()
        ),
        (Some(true), Some(0))
    );
    assert_eq!(
        error_of(admin.get("/api/v1/integrations/provider?slug=nope").await)
            .await
            .0,
        404
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn api_key_connections_validate_each_field_and_encrypt_the_key(pool: PgPool) {
    let (app, _accounts) = app_with_accounts(pool).await;
    let admin = app.setup("Acme", "ada@acme.test").await;

    let res = admin
        .post(
            "/api/v1/integrations/connect_api_key",
            json!({"slug": "stripe", "values": {}}),
        )
        .await;
    assert_eq!(
        error_of(res).await,
        (400, "bad_request".into(), Some("api_key".into()))
    );
    let res = admin
        .post(
            "/api/v1/integrations/connect_api_key",
            json!({"slug": "stripe", "values": {"api_key": "rk_x", "extra": "1"}}),
        )
        .await;
    assert_eq!(
        error_of(res).await,
        (400, "bad_request".into(), Some("extra".into()))
    );
    let res = admin
        .post(
            "/api/v1/integrations/connect_webhook",
            json!({"slug": "stripe", "url": "https://x.test"}),
        )
        .await;
    assert_eq!(error_of(res).await.0, 400);

    let secret = STRIPE_KEY;
    let res = admin
        .post(
            "/api/v1/integrations/connect_api_key",
            json!({"slug": "stripe", "values": {"api_key": secret}}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let connection: Value = res.json().await.unwrap();
    assert_eq!(connection["status"], "active");
    assert!(
        !connection.to_string().contains(secret),
        "the key is never sent back"
    );
    let raw: Vec<u8> = sqlx::query_scalar("SELECT credentials FROM connections")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(!raw.windows(secret.len()).any(|w| w == secret.as_bytes()));
    assert_dump_lacks(&app, secret).await;
}

#[sqlx::test(migrations = "../migrations")]
async fn webhook_connections_check_the_url(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    for (url, why) in [
        ("not a url", "unparseable"),
        ("http://hooks.zapier.com/hooks/catch/1/a/", "plain http"),
        ("https://evil.example/hooks/catch/1/a/", "another host"),
        ("https://hooks.zapier.com.evil.example/x", "suffix trick"),
    ] {
        let res = admin
            .post(
                "/api/v1/integrations/connect_webhook",
                json!({"slug": "zapier", "url": url}),
            )
            .await;
        assert_eq!(
            error_of(res).await,
            (400, "bad_request".into(), Some("url".into())),
            "{why}"
        );
    }
    let res = admin
        .post(
            "/api/v1/integrations/connect_webhook",
            json!({"slug": "zapier", "url": "https://hooks.zapier.com/hooks/catch/123/abc/"}),
        )
        .await;
    let connection: Value = res.json().await.unwrap();
    assert_eq!(connection["connection_info"], "Sends to hooks.zapier.com");
    // Zapier allows several connections.
    let res = admin
        .post(
            "/api/v1/integrations/connect_webhook",
            json!({"slug": "zapier", "url": "https://hooks.zapier.com/hooks/catch/456/def/"}),
        )
        .await;
    assert_eq!(res.status(), 200);
}

#[sqlx::test(migrations = "../migrations")]
async fn settings_are_validated_against_the_provider_schema(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let res = admin
        .post(
            "/api/v1/integrations/connect_webhook",
            json!({"slug": "zapier", "url": "https://hooks.zapier.com/hooks/catch/1/a/"}),
        )
        .await;
    let connection: Value = res.json().await.unwrap();
    let id = connection["id"].clone();
    assert!(
        connection["config"]["send_new_conversations"].is_boolean(),
        "defaults applied: {connection}"
    );

    let res = admin
        .post(
            "/api/v1/integrations/save_config",
            json!({"id": id, "config": {"send_escalations": "yes"}}),
        )
        .await;
    assert_eq!(
        error_of(res).await,
        (400, "bad_request".into(), Some("send_escalations".into()))
    );
    let res = admin
        .post(
            "/api/v1/integrations/save_config",
            json!({"id": id, "config": {"nonsense": true}}),
        )
        .await;
    assert_eq!(error_of(res).await.2.as_deref(), Some("nonsense"));
    let res = admin
        .post(
            "/api/v1/integrations/save_config",
            json!({"id": id, "config": {"send_escalations": false, "include_transcript": true}}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let saved: Value = admin
        .get_json(&format!(
            "/api/v1/integrations/get?id={}",
            id.as_str().unwrap()
        ))
        .await;
    assert_eq!(saved["config"]["send_escalations"], false);
}

#[sqlx::test(migrations = "../migrations")]
async fn another_company_can_neither_see_nor_change_nor_disconnect(pool: PgPool) {
    let (app, _accounts) = app_with_accounts(pool).await;
    let acme = app.setup("Acme", "ada@acme.test").await;
    let globex = app.other_company("Globex", "hank@globex.test").await;
    let res = acme
        .post(
            "/api/v1/integrations/connect_api_key",
            json!({"slug": "stripe", "values": {"api_key": STRIPE_KEY}}),
        )
        .await;
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    let list: Value = globex.get_json("/api/v1/integrations/list").await;
    assert_eq!(list, json!([]));
    assert_eq!(
        error_of(
            globex
                .get(&format!("/api/v1/integrations/get?id={id}"))
                .await
        )
        .await
        .0,
        404
    );
    let res = globex
        .post(
            "/api/v1/integrations/save_config",
            json!({"id": id, "config": {}}),
        )
        .await;
    assert_eq!(error_of(res).await.0, 404);
    let res = globex
        .post("/api/v1/integrations/disconnect", json!({"id": id}))
        .await;
    assert_eq!(error_of(res).await.0, 404);
    assert_eq!(
        error_of(
            globex
                .get(&format!(
                    "/api/v1/integrations/options?id={id}&source=channels"
                ))
                .await
        )
        .await
        .0,
        404
    );
    let catalogue: Value = globex.get_json("/api/v1/integrations/catalogue").await;
    let stripe = catalogue
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["slug"] == "stripe")
        .unwrap();
    assert_eq!(stripe["connections"], 0);

    let still: i64 = sqlx::query_scalar("SELECT count(*) FROM connections")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(still, 1);
    assert_eq!(
        acme.get(&format!("/api/v1/integrations/get?id={id}"))
            .await
            .status(),
        200
    );
}

/// Dumps the test database with pg_dump and checks `secret` appears nowhere in it.
async fn assert_dump_lacks(app: &TestApp, secret: &str) {
    let dump = dump_database(&app.pool).await;
    assert!(
        dump.contains("COPY public.connections"),
        "the dump has the connections table"
    );
    assert!(
        !dump.contains(secret),
        "a plaintext credential is in the dump"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn stripe_and_zendesk_credentials_are_checked_with_the_provider(pool: PgPool) {
    let (app, _accounts) = app_with_accounts(pool).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let connect = |slug: &'static str, values: Value| {
        let admin = &admin;
        async move {
            admin
                .post(
                    "/api/v1/integrations/connect_api_key",
                    json!({"slug": slug, "values": values}),
                )
                .await
        }
    };

    let res = connect("stripe", json!({"api_key": "sk_test_wrong_key_0000"})).await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["field"], "api_key", "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("Stripe refused this key: Invalid API Key provided: sk_test_"),
        "Stripe's reason, its redaction kept: {message}"
    );
    let res = connect("stripe", json!({"api_key": "sk_test_plugboard"})).await;
    let stripe: Value = res.json().await.unwrap();
    assert_eq!(
        stripe["connection_info"], "Connected as Acme Corporation",
        "{stripe}"
    );
    admin
        .post_ok(
            "/api/v1/integrations/disconnect",
            json!({"id": stripe["id"]}),
        )
        .await;
    let res = connect("stripe", json!({"api_key": STRIPE_KEY})).await;
    assert_eq!(
        res.status(),
        200,
        "a restricted key without account access is still valid"
    );

    let zendesk = |subdomain: &str, token: &str| json!({"subdomain": subdomain, "email": "agent@acme.test", "api_token": token});
    for (values, field, says) in [
        (
            zendesk("acme", "not-the-token"),
            "api_token",
            "Couldn't authenticate you",
        ),
        (
            zendesk("globex", "zd-test-token"),
            "subdomain",
            "globex.zendesk.com",
        ),
        (
            zendesk("acme.evil.test/x", "zd-test-token"),
            "subdomain",
            "letters, digits and dashes",
        ),
    ] {
        let body: Value = connect("zendesk", values.clone())
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(body["error"]["field"], field, "{values}: {body}");
        assert!(
            body["error"]["message"].as_str().unwrap().contains(says),
            "{body}"
        );
    }
    let connected: Value = connect("zendesk", zendesk("acme", "zd-test-token"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        connected["connection_info"], "Connected as Avery Agent",
        "{connected}"
    );
    let list = admin.get_json("/api/v1/integrations/list").await;
    assert_eq!(
        list.as_array().unwrap().len(),
        2,
        "the refused attempts stored nothing"
    );
}
