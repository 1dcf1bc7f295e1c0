//! Email forwarding, outbound: escalations (and, when asked, new conversations) are mailed to
//! the support mailbox through an SMTP relay (end2end/support/smtp-relay.mjs), which checks the
//! login, the envelope and the message's required headers and records what arrived.

use std::time::Duration;

use serde_json::{json, Value};
use sqlx::PgPool;

use crate::common::contracts::Contract;
use crate::common::{error_of, TestApp};

const WAIT: Duration = Duration::from_secs(15);

fn escalation() -> Value {
    json!({
        "conversation_id": "conv_42", "reason": "customer_requested", "priority": "high",
        "customer": {"name": "Dana Whitfield", "email": "dana@example.com"},
        "text": "I still have not received my order.",
        "transcript": [
            {"author": {"type": "customer", "name": "Dana Whitfield"}, "text": "Where is my order?",
             "created_at": "2026-12-02T09:00:00Z"},
            {"author": {"type": "bot"}, "text": "Let me get a person for you."}
        ]
    })
}

async fn app_with_relay(pool: PgPool, relay: &Contract) -> TestApp {
    let smtp_url = relay.ready["smtp_url"].as_str().unwrap().to_string();
    TestApp::builder(pool)
        .config(move |c| {
            c.email.smtp_url = Some(smtp_url);
            c.email.from = "Acme Support <notifications@plugboard.test>".into();
            c.conversation_url =
                Some("https://app.example.com/conversations/{conversation_id}".into());
            c.webhooks.retry_schedule = vec![
                Duration::ZERO,
                Duration::from_secs(1),
                Duration::from_secs(1),
            ];
        })
        .await
}

#[sqlx::test(migrations = "../migrations")]
async fn escalations_are_mailed_to_the_support_mailbox_threaded_and_answerable(pool: PgPool) {
    let relay = Contract::start("smtp-relay.mjs");
    let app = app_with_relay(pool, &relay).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let res = admin
        .post(
            "/api/v1/integrations/connect_api_key",
            json!({"slug": "email-forwarding", "values": {"support_address": "not an address"}}),
        )
        .await;
    assert_eq!(error_of(res).await.2.as_deref(), Some("support_address"));
    let connected = admin
        .post_ok(
            "/api/v1/integrations/connect_api_key",
            json!({"slug": "email-forwarding", "values": {"support_address": "support@example.com"}}),
        )
        .await;
    assert_eq!(connected["event_types"], json!(["escalation.triggered"]));
    assert_eq!(
        connected["connection_info"],
        "Forwards to support@example.com"
    );
    let id = connected["id"].as_str().unwrap().to_string();

    admin
        .publish(
            "conversation.created",
            json!({"conversation_id": "conv_42"}),
        )
        .await;
    admin.publish("escalation.triggered", escalation()).await;
    let mails = relay.wait_for("/_control/messages", 1, WAIT).await;
    assert_eq!(
        mails.len(),
        1,
        "a new conversation is not forwarded by default"
    );
    let mail = &mails[0];
    assert_eq!(mail["auth_user"], "plugboard");
    assert_eq!(mail["envelope"]["from"], "notifications@plugboard.test");
    assert_eq!(mail["envelope"]["to"], json!(["support@example.com"]));
    assert_eq!(
        mail["from"],
        "\"Dana Whitfield via Acme Support\" <notifications@plugboard.test>"
    );
    assert_eq!(mail["reply_to"], "\"Dana Whitfield\" <dana@example.com>");
    assert_eq!(
        mail["subject"],
        "[Support] Escalated to a human: Dana Whitfield <dana@example.com>"
    );
    assert_eq!(mail["content_type"], "multipart/alternative");
    assert_eq!(mail["headers"]["auto-submitted"], "auto-generated");
    assert_eq!(mail["in_reply_to"], "<conversation.conv_42@plugboard.test>");
    let text = mail["text"].as_str().unwrap();
    for expected in [
        "Priority: high",
        "> I still have not received my order.",
        "View conversation: https://app.example.com/conversations/conv_42",
        "Dana Whitfield (customer), 2026-12-02T09:00:00Z:\nWhere is my order?",
        "Bot:\nLet me get a person for you.",
    ] {
        assert!(text.contains(expected), "{expected:?} in {text}");
    }
    assert!(mail["html"]
        .as_str()
        .unwrap()
        .contains("<h3>Transcript</h3>"));
    let sent = admin
        .newest_action(&id, |d| d["status"] == "succeeded")
        .await;
    let attempt = &sent["attempt_log"][0];
    assert_eq!(attempt["response_status"], 250);
    assert_eq!(
        mail["message_id"],
        format!("<{}@plugboard.test>", sent["id"].as_str().unwrap())
    );
    assert_eq!(attempt["request_headers"]["To"], "support@example.com");

    // Settings route at once: every new conversation, no transcript, no Reply-To.
    admin
        .post_ok(
            "/api/v1/integrations/save_config",
            json!({"id": id, "config": {"forward_escalations": true, "forward_all_conversations": true,
                   "include_transcript": false, "reply_to_customer": false, "subject_prefix": "[Acme]"}}),
        )
        .await;
    // The relay is busy once: the mail waits and goes on the next try.
    relay.control("/_control/fail-next?code=451&count=1").await;
    admin.publish("escalation.triggered", escalation()).await;
    admin
        .publish(
            "conversation.created",
            json!({"conversation_id": "conv_43", "customer": {"name": "Sam"}}),
        )
        .await;
    let mails = relay.wait_for("/_control/messages", 3, WAIT).await;
    assert_eq!(mails.len(), 3);
    let escalated = mails[1..]
        .iter()
        .find(|m| {
            m["subject"]
                .as_str()
                .unwrap()
                .starts_with("[Acme] Escalated")
        })
        .expect("the escalation went after the relay's 451");
    assert_eq!(escalated["reply_to"], Value::Null);
    assert!(!escalated["text"].as_str().unwrap().contains("Transcript"));
    assert!(mails
        .iter()
        .any(|m| m["subject"] == "[Acme] New conversation: Sam"));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_mailbox_the_relay_refuses_suspends_forwarding_until_it_is_fixed(pool: PgPool) {
    let relay = Contract::start("smtp-relay.mjs");
    let app = app_with_relay(pool, &relay).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let connected = admin
        .post_ok(
            "/api/v1/integrations/connect_api_key",
            json!({"slug": "email-forwarding", "values": {"support_address": "nobody@example.com"}}),
        )
        .await;
    let id = connected["id"].as_str().unwrap().to_string();
    admin.publish("escalation.triggered", escalation()).await;
    admin.newest_action(&id, |d| d["status"] == "parked").await;
    let card = admin.connection_with_status(&id, "error").await;
    let reason = card["error_message"].as_str().unwrap();
    assert!(
        reason.contains("550") && reason.contains("User unknown"),
        "{reason}"
    );
    assert!(relay.list("/_control/messages").await.is_empty());
    let feed = admin
        .poll_json("/api/v1/notifications/list", |f| f["unread"] == 1)
        .await;
    assert_eq!(
        feed["items"][0]["title"],
        "Email forwarding needs to be reconnected"
    );
    assert_eq!(feed["items"][0]["link"], "/integrations/connected");

    // The admin corrects the address in place: the waiting escalation is mailed.
    admin
        .post_ok(
            "/api/v1/integrations/connect_api_key",
            json!({"slug": "email-forwarding", "values": {"support_address": "help@example.com"},
                   "reconnect": id}),
        )
        .await;
    let mails = relay.wait_for("/_control/messages", 1, WAIT).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0]["envelope"]["to"], json!(["help@example.com"]));
    admin.connection_with_status(&id, "active").await;
}
