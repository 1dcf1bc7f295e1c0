//! The dashboard's overview: a new company's first steps ticked as it takes them, and an active
//! company's states, day of deliveries and what needs attention, for its own company only.

use crate::common::receiver::{Receiver, Reply};
use crate::common::{create_key, error_of, Browser, KeyClient, TestApp};
use serde_json::{json, Value};
use sqlx::PgPool;

const OVERVIEW: &str = "/api/v1/dashboard/overview";

fn steps(overview: &Value) -> [bool; 4] {
    let s = &overview["getting_started"];
    [
        s["connected_service"].as_bool().unwrap(),
        s["created_api_key"].as_bool().unwrap(),
        s["added_endpoint"].as_bool().unwrap(),
        s["delivered_event"].as_bool().unwrap(),
    ]
}

async fn connect_zapier(admin: &Browser) -> String {
    let connected = admin
        .post_ok(
            "/api/v1/integrations/connect_webhook",
            json!({"slug": "zapier", "url": "https://hooks.zapier.com/hooks/catch/123456/abcdef/"}),
        )
        .await;
    connected["id"].as_str().unwrap().to_string()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_new_company_sees_its_first_steps_ticked_as_it_takes_them(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let receiver = Receiver::start().await;

    let empty = admin.get_json(OVERVIEW).await;
    assert_eq!(steps(&empty), [false; 4]);
    assert_eq!(empty["attention"], json!([]));
    assert_eq!(empty["connections"]["active"], 0);
    let hours = empty["deliveries"]["hours"].as_array().unwrap();
    assert_eq!(hours.len(), 24, "one bucket per hour of the last day");
    assert!(hours
        .iter()
        .all(|h| h["succeeded"] == 0 && h["failed"] == 0));

    create_key(&admin, "Backend", &["events:write"]).await;
    assert_eq!(
        steps(&admin.get_json(OVERVIEW).await),
        [false, true, false, false]
    );

    connect_zapier(&admin).await;
    assert_eq!(
        steps(&admin.get_json(OVERVIEW).await),
        [true, true, false, false]
    );

    let created = admin.add_webhook(&receiver.url("/hooks")).await;
    let endpoint_id = created["endpoint"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        steps(&admin.get_json(OVERVIEW).await),
        [true, true, true, false]
    );

    // The endpoint's Send test delivers an event: the last step is done, and the day counts it.
    let sent = admin
        .post_ok(
            "/api/v1/webhooks/test",
            json!({"id": endpoint_id, "event_type": "conversation.created"}),
        )
        .await;
    assert_eq!(sent["status"], "succeeded");
    let done = admin.get_json(OVERVIEW).await;
    assert_eq!(steps(&done), [true; 4]);
    assert_eq!(done["deliveries"]["succeeded"], 1);
    assert_eq!(done["deliveries"]["hours"][23]["succeeded"], 1, "{done:#}");
    assert_eq!(done["connections"]["active"], 1);
    assert_eq!(done["endpoints"]["healthy"], 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_overview_counts_states_and_lists_what_needs_attention_for_its_company_only(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let globex = app.other_company("Globex", "hank@globex.test").await;
    let failing = Receiver::start().await;
    failing.set_default(Reply::status(503));
    let healthy = Receiver::start().await;

    let bad_url = failing.url("/down");
    admin
        .post_ok(
            "/api/v1/webhooks/create",
            json!({"url": bad_url, "event_types": ["conversation.closed"]}),
        )
        .await;
    admin
        .post_ok(
            "/api/v1/webhooks/create",
            json!({"url": healthy.url("/fine"), "event_types": ["message.sent"]}),
        )
        .await;
    let zapier = connect_zapier(&admin).await;
    // The provider refused the hook (as the delivery pipeline records it).
    sqlx::query("UPDATE connections SET status = 'error', error_message = $2 WHERE id = $1::uuid")
        .bind(&zapier)
        .bind("The hook URL answered 410 Gone: the Zap was turned off.")
        .execute(&app.pool)
        .await
        .unwrap();
    admin
        .post_ok(
            "/api/v1/api_keys/create",
            json!({"name": "Nightly export", "scopes": ["events:read"], "expires_in_days": 3}),
        )
        .await;
    admin
        .publish("conversation.closed", json!({"conversation_id": "c_1"}))
        .await;
    failing
        .wait_for(1, std::time::Duration::from_secs(15))
        .await;

    let overview = admin
        .poll_json(OVERVIEW, |o| o["endpoints"]["failing"] == 1)
        .await;
    assert_eq!(overview["endpoints"]["healthy"], 1);
    assert_eq!(overview["connections"]["error"], 1);
    assert_eq!(overview["deliveries"]["retrying"], 1, "{overview:#}");

    let attention = overview["attention"].as_array().unwrap();
    let titles: Vec<&str> = attention
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(attention.len(), 3, "{titles:?}");
    // Errors first: the connection and the endpoint, each with where to fix it.
    let zap = &attention[0];
    assert_eq!(zap["severity"], "error");
    assert_eq!(zap["title"], "Zapier needs reconnecting");
    assert_eq!(
        zap["detail"],
        "The hook URL answered 410 Gone: the Zap was turned off."
    );
    assert_eq!(zap["link"], "/integrations/connected");
    assert_eq!(zap["action"], "Reconnect");
    let endpoint = &attention[1];
    assert_eq!(endpoint["severity"], "error");
    assert_eq!(endpoint["title"], format!("Endpoint failing: {bad_url}"));
    assert!(
        endpoint["detail"].as_str().unwrap().contains("HTTP 503"),
        "{endpoint}"
    );
    assert_eq!(endpoint["link"], "/integrations/api");
    let key = &attention[2];
    assert_eq!(key["severity"], "warning");
    assert!(
        key["title"]
            .as_str()
            .unwrap()
            .starts_with("API key \u{201c}Nightly export\u{201d} expires in "),
        "{key}"
    );

    // Another company sees none of it.
    let theirs = globex.get_json(OVERVIEW).await;
    assert_eq!(theirs["attention"], json!([]));
    assert_eq!(theirs["endpoints"]["failing"], 0);
    assert_eq!(theirs["connections"]["error"], 0);
    assert_eq!(theirs["deliveries"]["retrying"], 0);
    assert_eq!(steps(&theirs), [false; 4]);

    // The overview is an admin's page, not an API key's.
    let (_, secret) = create_key(&admin, "Everything", &["*"]).await;
    let (status, message, _) = error_of(KeyClient::new(&app, &secret).get(OVERVIEW).await).await;
    assert_eq!(status, 403, "{message}");
}
