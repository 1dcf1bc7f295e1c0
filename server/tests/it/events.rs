//! Publishing events over REST with an API key: stored before the answer, idempotent for 24
//! hours, checked against the registry (422) and the payload limit (413).

use crate::common::{create_key, error_of, KeyClient, TestApp};
use serde_json::{json, Value};
use sqlx::PgPool;

async fn publisher(app: &TestApp) -> (crate::common::Browser, KeyClient) {
    let admin = app.setup("Acme", "ada@acme.test").await;
    let (_, secret) = create_key(&admin, "backend", &["events:write", "events:read"]).await;
    (admin, KeyClient::new(app, &secret))
}

/// The id a publish answered with.
async fn published_id(res: reqwest::Response) -> String {
    res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn event_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_published_event_is_stored_before_the_answer(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, client) = publisher(&app).await;
    let data = json!({"conversation_id": "conv_1", "text": "Where is my order?"});
    let res = client
        .post(
            "/api/v1/events/publish",
            json!({"event_type": "message.received", "data": data}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let id = published_id(res).await;
    assert!(id.starts_with("evt_"), "{id}");
    let (event_type, stored): (String, Value) = sqlx::query_as(
        "SELECT event_type, data FROM events WHERE 'evt_' || replace(id::text, '-', '') = $1",
    )
    .bind(&id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((event_type.as_str(), stored), ("message.received", data));
}

#[sqlx::test(migrations = "../migrations")]
async fn the_same_idempotency_key_within_24_hours_returns_the_first_event(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, client) = publisher(&app).await;
    let publish = |key: &'static str, text: &'static str| {
        client.post(
            "/api/v1/events/publish",
            json!({"event_type": "message.sent", "data": {"text": text}, "idempotency_key": key}),
        )
    };
    let first: Value = publish("order-42", "one").await.json().await.unwrap();
    let again: Value = publish("order-42", "two").await.json().await.unwrap();
    assert_eq!(first["id"], again["id"]);
    assert_eq!(event_count(&app).await, 1);
    let other: Value = publish("order-43", "three").await.json().await.unwrap();
    assert_ne!(other["id"], first["id"]);

    // Ten concurrent publishes with one new key store one event and all get its id.
    let answers = futures::future::join_all((0..10).map(|_| publish("burst-1", "x"))).await;
    let mut ids = Vec::new();
    for res in answers {
        assert_eq!(res.status(), 200);
        ids.push(published_id(res).await);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "concurrent publishes got different ids");
    assert_eq!(event_count(&app).await, 3);

    // After 24 hours the key may be used again.
    sqlx::query("UPDATE event_idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'order-42'")
        .execute(&app.pool)
        .await
        .unwrap();
    let later: Value = publish("order-42", "four").await.json().await.unwrap();
    assert_ne!(later["id"], first["id"]);
    assert_eq!(event_count(&app).await, 4);
}

#[sqlx::test(migrations = "../migrations")]
async fn unknown_types_are_422_and_oversized_payloads_413(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (admin, client) = publisher(&app).await;
    let res = client
        .post(
            "/api/v1/events/publish",
            json!({"event_type": "invoice.paid", "data": {}}),
        )
        .await;
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, 422);
    assert_eq!(body["error"]["field"], "event_type");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("invoice.paid"));

    let big = json!({"event_type": "message.sent", "data": {"blob": "x".repeat(256 * 1024)}});
    assert_eq!(
        error_of(client.post("/api/v1/events/publish", big).await).await,
        (413, "payload_too_large".into(), Some("data".into()))
    );
    let res = client
        .post(
            "/api/v1/events/publish",
            json!({"event_type": "message.sent", "data": [1]}),
        )
        .await;
    assert_eq!(error_of(res).await.2.as_deref(), Some("data"));
    let res = client
        .post("/api/v1/events/publish", json!({"data": {}}))
        .await;
    assert_eq!(
        error_of(res).await,
        (400, "bad_request".into(), Some("event_type".into()))
    );
    assert_eq!(event_count(&app).await, 0);

    // Once registered, the type publishes; the registry lists built-ins then custom types.
    let res = admin
        .post(
            "/api/v1/events/create_type",
            json!({"name": "invoice.paid", "description": "An invoice was paid.", "example": {"invoice_id": "in_1"}}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = client
        .post(
            "/api/v1/events/publish",
            json!({"event_type": "invoice.paid", "data": {"invoice_id": "in_9"}}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let types: Value = client
        .get("/api/v1/events/types")
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = types
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "conversation.created",
            "conversation.updated",
            "conversation.closed",
            "message.received",
            "message.sent",
            "escalation.triggered",
            "invoice.paid"
        ]
    );

    // Registry rules: duplicates 409, bad names 400, built-ins cannot be deleted.
    let dup = admin
        .post(
            "/api/v1/events/create_type",
            json!({"name": "invoice.paid", "description": ""}),
        )
        .await;
    assert_eq!(error_of(dup).await.0, 409);
    let bad = admin
        .post(
            "/api/v1/events/create_type",
            json!({"name": "Invoice Paid", "description": ""}),
        )
        .await;
    assert_eq!(
        error_of(bad).await,
        (400, "bad_request".into(), Some("name".into()))
    );
    let builtin = admin
        .post(
            "/api/v1/events/delete_type",
            json!({"name": "message.sent"}),
        )
        .await;
    assert_eq!(error_of(builtin).await.0, 400);
    let deleted = admin
        .post(
            "/api/v1/events/delete_type",
            json!({"name": "invoice.paid"}),
        )
        .await;
    assert_eq!(deleted.status(), 200);
    let res = client
        .post(
            "/api/v1/events/publish",
            json!({"event_type": "invoice.paid", "data": {}}),
        )
        .await;
    assert_eq!(res.status(), 422);
}

#[sqlx::test(migrations = "../migrations")]
async fn event_types_and_idempotency_keys_belong_to_one_company(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (acme, acme_client) = publisher(&app).await;
    let globex = app.other_company("Globex", "gus@globex.test").await;
    let (_, globex_secret) = create_key(&globex, "globex", &["events:write"]).await;
    let globex_client = KeyClient::new(&app, &globex_secret);
    acme.post(
        "/api/v1/events/create_type",
        json!({"name": "invoice.paid", "description": ""}),
    )
    .await;
    let res = globex_client
        .post(
            "/api/v1/events/publish",
            json!({"event_type": "invoice.paid", "data": {}}),
        )
        .await;
    assert_eq!(res.status(), 422, "Globex sees Acme's event type");
    let body =
        |key: &str| json!({"event_type": "message.sent", "data": {}, "idempotency_key": key});
    let a: Value = acme_client
        .post("/api/v1/events/publish", body("shared"))
        .await
        .json()
        .await
        .unwrap();
    let g: Value = globex_client
        .post("/api/v1/events/publish", body("shared"))
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(a["id"], g["id"], "an idempotency key crossed companies");
}

#[sqlx::test(migrations = "../migrations")]
async fn deleting_the_key_that_published_an_event_keeps_the_event(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let (key_id, secret) = create_key(&admin, "backend", &["events:write"]).await;
    let res = KeyClient::new(&app, &secret)
        .post(
            "/api/v1/events/publish",
            json!({"event_type": "message.received", "data": {"text": "Hello"}}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let event_id = published_id(res).await;
    admin
        .post_ok("/api/v1/api_keys/delete", json!({"id": key_id}))
        .await;
    // The event stays, and still records the key that published it.
    let recorded: Option<uuid::Uuid> = sqlx::query_scalar(
        "SELECT api_key_id FROM events WHERE 'evt_' || replace(id::text, '-', '') = $1",
    )
    .bind(&event_id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(recorded.map(|id| id.to_string()), Some(key_id));
}
