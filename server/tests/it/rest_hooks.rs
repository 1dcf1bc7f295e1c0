//! Zapier's REST Hooks: Zaps subscribe and unsubscribe with an API key, receive only their
//! event type at their target URL (the Zapier contract server, end2end/support/zapier-hooks.mjs),
//! and a target answering 410 Gone loses its subscription.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{json, Value};
use sqlx::PgPool;

use crate::common::contracts::Contract;
use crate::common::{create_key, error_of, KeyClient, TestApp};

const ZAP_ONE: &str = "https://hooks.zapier.com/hooks/standard/111/zapone/";
const ZAP_TWO: &str = "https://hooks.zapier.com/hooks/standard/111/zaptwo/";

async fn app_with_zapier(pool: PgPool, zapier: &Contract) -> TestApp {
    let env = HashMap::from([("ZAPIER_API_BASE_URL".to_string(), zapier.base.clone())]);
    TestApp::builder(pool).env(env).await
}

async fn subscribe(zapier_app: &KeyClient, target_url: &str, event_type: &str) -> Value {
    let res = zapier_app
        .post(
            "/api/v1/hooks/subscribe",
            json!({"target_url": target_url, "event_type": event_type}),
        )
        .await;
    assert_eq!(
        res.status(),
        200,
        "subscribe: {}",
        res.text().await.unwrap_or_default()
    );
    res.json().await.expect("json")
}

async fn zaps(admin: &crate::common::Browser) -> Vec<Value> {
    let list = admin.get_json("/api/v1/integrations/list").await;
    list.as_array()
        .expect("list")
        .iter()
        .filter(|c| !c["rest_hook_event"].is_null())
        .cloned()
        .collect()
}

#[sqlx::test(migrations = "../migrations")]
async fn zaps_subscribe_to_one_event_each_and_unsubscribe(pool: PgPool) {
    let zapier = Contract::start("zapier-hooks.mjs");
    let app = app_with_zapier(pool.clone(), &zapier).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let (_, key) = create_key(&admin, "Zapier", &["integrations:write"]).await;
    let zapier_app = KeyClient::new(&app, &key);
    let (_, read_only) = create_key(&admin, "Reader", &["integrations:read"]).await;
    let res = KeyClient::new(&app, &read_only)
        .post(
            "/api/v1/hooks/subscribe",
            json!({"target_url": ZAP_ONE, "event_type": "conversation.created"}),
        )
        .await;
    assert_eq!(res.status(), 403, "subscribing needs integrations:write");

    let one = subscribe(&zapier_app, ZAP_ONE, "conversation.created").await;
    assert_eq!(one["target_url"], ZAP_ONE);
    assert_eq!(one["event_type"], "conversation.created");
    let again = subscribe(&zapier_app, ZAP_ONE, "conversation.created").await;
    assert_eq!(
        again["id"], one["id"],
        "a retried subscribe is the same Zap"
    );
    let two = subscribe(&zapier_app, ZAP_TWO, "escalation.triggered").await;

    for (body, field, status) in [
        (
            json!({"target_url": ZAP_ONE, "event_type": "nothing.here"}),
            "event_type",
            422,
        ),
        (
            json!({"target_url": ZAP_ONE, "event_type": " "}),
            "event_type",
            400,
        ),
        (
            json!({"target_url": "https://attacker.example/hooks/standard/1/x/", "event_type": "conversation.created"}),
            "target_url",
            400,
        ),
        (
            json!({"target_url": "http://hooks.zapier.com/hooks/standard/1/x/", "event_type": "conversation.created"}),
            "target_url",
            400,
        ),
    ] {
        let (code, message, named) = error_of(
            zapier_app
                .post("/api/v1/hooks/subscribe", body.clone())
                .await,
        )
        .await;
        assert_eq!(
            (code, named.as_deref()),
            (status, Some(field)),
            "{body}: {message}"
        );
    }

    let listed = zaps(&admin).await;
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert_eq!(listed[0]["provider"], "zapier");
    assert_eq!(listed[0]["event_types"], json!(["conversation.created"]));
    assert_eq!(listed[0]["connected_by"], "API key \u{201c}Zapier\u{201d}");
    let res = admin
        .post(
            "/api/v1/integrations/save_config",
            json!({"id": one["id"], "config": {"send_escalations": true}}),
        )
        .await;
    assert_eq!(
        error_of(res).await.0,
        409,
        "Zapier manages a subscribed Zap"
    );

    let created = admin
        .publish("conversation.created", json!({"conversation_id": "conv_1"}))
        .await;
    let escalated = admin
        .publish("escalation.triggered", json!({"conversation_id": "conv_1"}))
        .await;
    admin
        .publish("conversation.closed", json!({"conversation_id": "conv_1"}))
        .await;
    let caught = zapier
        .wait_for("/_control/caught", 2, Duration::from_secs(10))
        .await;
    let mut by_hook: Vec<(String, String)> = caught
        .iter()
        .map(|c| {
            (
                c["hook"].as_str().unwrap_or_default().to_string(),
                c["body"]["id"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    by_hook.sort();
    assert_eq!(
        by_hook,
        [
            ("111/zapone".to_string(), created),
            ("111/zaptwo".to_string(), escalated)
        ],
        "each Zap gets its own event, nothing else"
    );

    let removed = zapier_app
        .post("/api/v1/hooks/unsubscribe", json!({"id": one["id"]}))
        .await;
    assert_eq!(removed.status(), 200);
    let removed: Value = removed.json().await.expect("json");
    assert_eq!(removed["removed"], json!([one["id"]]));
    let res = zapier_app
        .post("/api/v1/hooks/unsubscribe", json!({"id": one["id"]}))
        .await;
    assert_eq!(error_of(res).await.0, 404, "already gone");
    let res = zapier_app
        .post("/api/v1/hooks/unsubscribe", json!({}))
        .await;
    assert_eq!(error_of(res).await.2.as_deref(), Some("id"));
    let removed: Value = zapier_app
        .post("/api/v1/hooks/unsubscribe", json!({"target_url": ZAP_TWO}))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(removed["removed"], json!([two["id"]]), "by target URL");
    assert!(zaps(&admin).await.is_empty());

    admin
        .publish("conversation.created", json!({"conversation_id": "conv_2"}))
        .await;
    let queued: i64 =
        sqlx::query_scalar("SELECT count(*) FROM deliveries WHERE connection_id IS NOT NULL")
            .fetch_one(&pool)
            .await
            .expect("count");
    assert_eq!(queued, 0, "no subscription, no delivery");
    let audit = admin.get_json("/api/v1/audit/list").await;
    let unsubscribed = audit["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["action"] == "integration.disconnected" && e["actor_kind"] == "api_key")
        .count();
    assert_eq!(unsubscribed, 2, "{audit}");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_target_answering_gone_loses_its_subscription(pool: PgPool) {
    let zapier = Contract::start("zapier-hooks.mjs");
    let app = app_with_zapier(pool, &zapier).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let (_, key) = create_key(&admin, "Zapier", &["integrations:write"]).await;
    let zapier_app = KeyClient::new(&app, &key);
    let zap = subscribe(&zapier_app, ZAP_ONE, "conversation.created").await;
    let other = app.other_company("Globex", "hank@globex.test").await;
    let res = other
        .post("/api/v1/integrations/disconnect", json!({"id": zap["id"]}))
        .await;
    assert_eq!(
        error_of(res).await.0,
        404,
        "another company's Zap is not theirs"
    );

    zapier.control("/_control/gone?hook=111/zapone").await;
    admin
        .publish("conversation.created", json!({"conversation_id": "conv_1"}))
        .await;
    let mut listed = zaps(&admin).await;
    for _ in 0..100 {
        if listed.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        listed = zaps(&admin).await;
    }
    assert!(listed.is_empty(), "410 Gone unsubscribes: {listed:?}");
    let audit = admin.get_json("/api/v1/audit/list").await;
    let entry = audit["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["action"] == "integration.disconnected")
        .cloned()
        .expect("the removal is audited");
    assert_eq!(entry["actor_kind"], "system");
    assert_eq!(entry["target_id"], zap["id"]);
    assert_eq!(entry["details"]["rest_hook_event"], "conversation.created");
}
