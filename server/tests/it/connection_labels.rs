//! Connections of one provider tell apart: the second is numbered, and an admin names them.

use crate::common::{error_of, TestApp};
use serde_json::{json, Value};
use sqlx::PgPool;

#[sqlx::test(migrations = "../migrations")]
async fn a_second_connection_is_numbered_and_any_can_be_named(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let mut ids = Vec::new();
    for hook in ["111/aaa", "222/bbb"] {
        let connected = admin
            .post_ok(
                "/api/v1/integrations/connect_webhook",
                json!({"slug": "zapier", "url": format!("https://hooks.zapier.com/hooks/catch/{hook}/")}),
            )
            .await;
        ids.push(connected["id"].as_str().unwrap().to_string());
    }
    let labels = |list: &Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|c| c["label"].as_str().unwrap().to_string())
            .collect()
    };
    let list = admin.get_json("/api/v1/integrations/list").await;
    assert_eq!(labels(&list), ["", "Zapier 2"]);

    // Named with the settings; the name is trimmed, and settings saved without one keep it.
    let saved = admin
        .post_ok(
            "/api/v1/integrations/save_config",
            json!({"id": ids[0], "config": {}, "label": "  Escalations Zap "}),
        )
        .await;
    assert_eq!(saved["label"], "Escalations Zap");
    let saved = admin
        .post_ok(
            "/api/v1/integrations/save_config",
            json!({"id": ids[0], "config": {"send_escalations": true}}),
        )
        .await;
    assert_eq!(saved["label"], "Escalations Zap");
    // Emptied, it goes by the provider's name again.
    admin
        .post_ok(
            "/api/v1/integrations/save_config",
            json!({"id": ids[1], "config": {}, "label": ""}),
        )
        .await;
    let list = admin.get_json("/api/v1/integrations/list").await;
    assert_eq!(labels(&list), ["Escalations Zap", ""]);

    // A name over 60 characters or over two lines is refused, naming the field, and nothing changes.
    for bad in ["x".repeat(61), "two\nlines".to_string()] {
        let res = admin
            .post(
                "/api/v1/integrations/save_config",
                json!({"id": ids[0], "config": {}, "label": bad}),
            )
            .await;
        let (status, _, field) = error_of(res).await;
        assert_eq!((status, field.as_deref()), (400, Some("label")), "{bad:?}");
    }
    let list = admin.get_json("/api/v1/integrations/list").await;
    assert_eq!(labels(&list), ["Escalations Zap", ""]);
}
