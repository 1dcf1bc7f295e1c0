//! What a developer reading the REST answers relies on: 413 for any over-limit body, the field
//! (never the value) named in errors, 422 for an unknown event type wherever one is named, 404
//! for an id that does not exist, "Last used" only for calls the key was allowed to make, and a
//! missing-credentials message that says what is needed.

use serde_json::{json, Value};
use sqlx::PgPool;

use crate::common::{create_key, error_of, KeyClient, TestApp};

#[sqlx::test(migrations = "../migrations")]
async fn rest_answers_say_what_a_developer_needs(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let (_, secret) = create_key(
        &admin,
        "dev",
        &["events:write", "webhooks:read", "webhooks:write"],
    )
    .await;
    let dev = KeyClient::new(&app, &secret);

    // An over-limit body is 413, whatever the size.
    let big = json!({"event_type": "conversation.created", "data": {"blob": "x".repeat(3 * 1024 * 1024)}});
    let (status, _, field) = error_of(dev.post("/api/v1/events/publish", big).await).await;
    assert_eq!((status, field.as_deref()), (413, Some("data")));

    // The field, not the value.
    let res = dev
        .post(
            "/api/v1/events/publish",
            json!({"event_type": 42, "data": {}}),
        )
        .await;
    assert_eq!(
        error_of(res).await,
        (400, "bad_request".into(), Some("event_type".into()))
    );
    let res = dev.get("/api/v1/webhooks/deliveries?endpoint_id=xyz").await;
    assert_eq!(
        error_of(res).await,
        (400, "bad_request".into(), Some("endpoint_id".into()))
    );
    let res = dev.get("/api/v1/webhooks/deliveries?endpoint_id=6f1c2a4e-8d7b-4c3e-9a10-2b3c4d5e6f70&limit=ten").await;
    assert_eq!(
        error_of(res).await,
        (400, "bad_request".into(), Some("limit".into()))
    );

    // An unknown event type is 422 on publish and on endpoint create alike.
    let res = dev
        .post(
            "/api/v1/events/publish",
            json!({"event_type": "no.such", "data": {}}),
        )
        .await;
    assert_eq!(error_of(res).await.0, 422);
    let res = dev
        .post(
            "/api/v1/webhooks/create",
            json!({"url": "https://example.com/h", "event_types": ["no.such"]}),
        )
        .await;
    assert_eq!(
        error_of(res).await,
        (422, "unprocessable".into(), Some("event_types".into()))
    );

    // Deliveries of an endpoint that does not exist: 404.
    let res = dev
        .get("/api/v1/webhooks/deliveries?endpoint_id=6f1c2a4e-8d7b-4c3e-9a10-2b3c4d5e6f70")
        .await;
    assert_eq!(error_of(res).await.0, 404);

    // Without credentials the message says what is needed.
    let res = reqwest::get(app.base.join("/api/v1/webhooks/list").unwrap())
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("Authorization: Bearer"), "{message}");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_call_refused_for_its_scope_does_not_count_as_use(pool: PgPool) {
    let app = TestApp::builder(pool)
        .config(|c| c.key_usage_flush_every = std::time::Duration::from_millis(100))
        .await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let (id, secret) = create_key(&admin, "reader", &["events:write"]).await;
    let dev = KeyClient::new(&app, &secret);
    let res = dev.get("/api/v1/webhooks/list").await;
    assert_eq!(res.status(), 403);
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let last_used = |keys: Value| {
        keys["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["id"] == id.as_str())
            .unwrap()["last_used_at"]
            .clone()
    };
    assert_eq!(
        last_used(admin.get_json("/api/v1/api_keys/list").await),
        Value::Null
    );
    let res = dev
        .post(
            "/api/v1/events/publish",
            json!({"event_type": "conversation.created", "data": {}}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let used = admin
        .poll_json("/api/v1/api_keys/list", |keys| {
            last_used(keys.clone()) != Value::Null
        })
        .await;
    assert!(last_used(used).is_string());
}
