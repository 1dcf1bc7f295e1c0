//! Microsoft Teams connections act: connected by OAuth (PKCE), a channel picked from the teams
//! and channels Graph lists, published events posted as Adaptive Cards through Graph, against
//! the contract server (end2end/support/teams-api.mjs).

use std::time::Duration;

use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;

use crate::common::contracts::Contract;
use crate::common::oauth_flow::connect;
use crate::common::{Browser, TestApp};

const WAIT: Duration = Duration::from_secs(15);
const SUPPORT: &str = "a1b2c3d4-0000-4000-8000-000000000001";
const SALES: &str = "a1b2c3d4-0000-4000-8000-000000000002";

async fn connection(admin: &Browser, id: Uuid) -> Value {
    admin
        .get_json(&format!("/api/v1/integrations/get?id={id}"))
        .await
}

#[sqlx::test(migrations = "../migrations")]
async fn teams_lists_channels_posts_adaptive_cards_and_suspends_on_a_refused_token(pool: PgPool) {
    let teams = Contract::start("teams-api.mjs");
    let app = TestApp::builder(pool)
        .env(teams.teams_env())
        .config(|c| {
            c.conversation_url = Some("https://app.example.test/c/{conversation_id}".into());
        })
        .await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let id = connect(&admin, "microsoft-teams", None).await;
    let card = connection(&admin, id).await;
    assert_eq!(card["event_types"], json!([]), "no channel yet");
    assert_eq!(
        card["account_label"], "ada@acme.onmicrosoft.com",
        "named by Graph's /me"
    );

    let options = admin
        .get_json(&format!(
            "/api/v1/integrations/options?id={id}&source=channels"
        ))
        .await;
    let labels: Vec<&str> = options
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "Sales › Announcements",
            "Sales › General",
            "Support › Escalations",
            "Support › General"
        ]
    );
    let escalations = format!("{SUPPORT}/19:escalations@thread.tacv2");
    assert!(options
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["value"] == escalations.as_str()));

    let saved = admin
        .post_ok(
            "/api/v1/integrations/save_config",
            json!({"id": id, "config": {"channel": escalations, "notify_new_conversations": false,
                                        "notify_escalations": true}}),
        )
        .await;
    assert_eq!(saved["event_types"], json!(["escalation.triggered"]));
    assert_eq!(saved["connection_info"], "Posts to: Support › Escalations");
    admin
        .publish(
            "escalation.triggered",
            json!({"conversation_id": "conv_5", "priority": "high", "customer": {"name": "Dana"},
                   "text": "Please call me"}),
        )
        .await;
    let messages = teams.wait_for("/_control/messages", 1, WAIT).await;
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    assert_eq!(message["teamId"], SUPPORT);
    assert_eq!(message["channelId"], "19:escalations@thread.tacv2");
    let card = &message["attachments"][0]["card"];
    assert_eq!(card["type"], "AdaptiveCard");
    assert_eq!(card["body"][0]["text"], "Escalated to a human");
    assert_eq!(card["body"][1]["facts"][0]["value"], "Dana");
    assert_eq!(
        card["actions"][0]["url"],
        "https://app.example.test/c/conv_5"
    );

    // A channel where only owners post: Graph's reason, that delivery fails, the connection stays.
    admin
        .post_ok(
            "/api/v1/integrations/save_config",
            json!({"id": id, "config": {"channel": format!("{SALES}/19:announcements@thread.tacv2"),
                                        "notify_escalations": true}}),
        )
        .await;
    let test = admin
        .post_ok("/api/v1/integrations/send_test", json!({"id": id}))
        .await;
    assert_eq!(test["status"], "failed");
    let error = test["last_error"].as_str().unwrap();
    assert!(
        error.starts_with("Microsoft Graph answered 403 Forbidden")
            && error.ends_with("pick another channel."),
        "{error}"
    );
    assert_eq!(connection(&admin, id).await["status"], "active");

    // The grant is revoked at Microsoft: the connection goes to Error with Graph's reason.
    admin
        .post_ok(
            "/api/v1/integrations/save_config",
            json!({"id": id, "config": {"channel": escalations, "notify_escalations": true}}),
        )
        .await;
    teams.control("/_control/revoke-all").await;
    admin
        .publish("escalation.triggered", json!({"conversation_id": "conv_6"}))
        .await;
    let card = admin.connection_with_status(id, "error").await;
    let reason = card["error_message"].as_str().unwrap();
    assert!(
        reason.starts_with("Microsoft Graph answered 401 InvalidAuthenticationToken")
            && reason.ends_with("reconnect Teams."),
        "{reason}"
    );
}
