//! WhatsApp Business answers WhatsApp conversations: the host product's replies (`message.sent`
//! with `channel: whatsapp`) go to the customer through the Cloud API contract server
//! (end2end/support/whatsapp-api.mjs); outside the 24-hour window, the follow-up template.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{json, Value};
use sqlx::PgPool;

use crate::common::contracts::Contract;
use crate::common::{error_of, TestApp};

const TOKEN: &str = "EAAtest-plugboard-whatsapp";
const PHONE_ID: &str = "106540352242922";
const WAIT: Duration = Duration::from_secs(15);

fn reply(phone: &str, text: &str) -> Value {
    json!({"conversation_id": "conv_w", "channel": "whatsapp", "text": text,
           "customer": {"name": "Dana", "phone": phone}, "author": {"type": "agent"}})
}

#[sqlx::test(migrations = "../migrations")]
async fn whatsapp_replies_reach_the_customer_and_a_template_reopens_the_window(pool: PgPool) {
    let whatsapp = Contract::start("whatsapp-api.mjs");
    let env = HashMap::from([(
        "WHATSAPP_BUSINESS_API_BASE_URL".to_string(),
        format!("{}/v21.0", whatsapp.base),
    )]);
    let app = TestApp::builder(pool).env(env).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let connect = |token: &str, phone_id: &str| {
        json!({"slug": "whatsapp-business", "values": {"phone_number_id": phone_id,
               "business_account_id": "102290129340398", "access_token": token}})
    };
    let res = admin
        .post(
            "/api/v1/integrations/connect_api_key",
            connect("EAAwrong", PHONE_ID),
        )
        .await;
    assert_eq!(error_of(res).await.2.as_deref(), Some("access_token"));
    let res = admin
        .post(
            "/api/v1/integrations/connect_api_key",
            connect(TOKEN, "999999999999999"),
        )
        .await;
    assert_eq!(error_of(res).await.2.as_deref(), Some("phone_number_id"));
    let connected = admin
        .post_ok(
            "/api/v1/integrations/connect_api_key",
            connect(TOKEN, PHONE_ID),
        )
        .await;
    assert_eq!(
        connected["connection_info"],
        "Connected as Acme Support (+1 555-010-0100)"
    );
    assert_eq!(connected["event_types"], json!(["message.sent"]));
    let id = connected["id"].as_str().unwrap().to_string();

    // A reply in a web chat is not WhatsApp's; one in a WhatsApp conversation is sent.
    let mut web = reply("+1 555 123 4567", "Not for WhatsApp");
    web["channel"] = json!("web");
    admin.publish("message.sent", web).await;
    admin
        .publish(
            "message.sent",
            reply("+1 (555) 123-4567", "Your order has shipped."),
        )
        .await;
    let messages = whatsapp.wait_for("/_control/messages", 1, WAIT).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["to"], "15551234567");
    assert_eq!(messages[0]["text"]["body"], "Your order has shipped.");
    let log = admin
        .get_json(&format!("/api/v1/integrations/deliveries?id={id}"))
        .await;
    assert_eq!(
        log["deliveries"].as_array().unwrap().len(),
        1,
        "the web chat's reply was never queued for WhatsApp"
    );

    // More than 24 hours since this customer wrote: free text is refused, with what to do.
    admin
        .publish("message.sent", reply("15559876543", "Following up"))
        .await;
    let failed = admin.newest_action(&id, |d| d["status"] == "failed").await;
    let error = failed["last_error"].as_str().unwrap();
    assert!(
        error.contains("(code 131047)") && error.ends_with("after 24 hours."),
        "{error}"
    );

    // With a follow-up template, the template goes instead.
    admin
        .post_ok(
            "/api/v1/integrations/save_config",
            json!({"id": id, "config": {"send_replies": true, "handover_template": "follow_up",
                                        "template_language": "en_US"}}),
        )
        .await;
    admin
        .publish("message.sent", reply("15559876543", "Following up"))
        .await;
    let messages = whatsapp.wait_for("/_control/messages", 2, WAIT).await;
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[1]["type"], "template");
    assert_eq!(messages[1]["template"]["name"], "follow_up");
    admin
        .newest_action(&id, |d| d["status"] == "succeeded")
        .await;

    // A revoked token: the connection is in Error with Meta's reason, the reply waits.
    whatsapp.control("/_control/revoke").await;
    admin
        .publish("message.sent", reply("15551234567", "Anything else?"))
        .await;
    admin.newest_action(&id, |d| d["status"] == "parked").await;
    // The connection's health is recorded just after the delivery's outcome.
    let card = admin.connection_with_status(&id, "error").await;
    assert!(card["error_message"]
        .as_str()
        .unwrap()
        .ends_with("reconnect WhatsApp with a new one."));
}
