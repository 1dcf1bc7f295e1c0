//! API keys over real HTTP: shown once and stored hashed, accepted as `Authorization: Bearer`
//! without cookies or CSRF, refused when disabled, expired or regenerated, confined to their
//! company, and created from the command line.

use std::time::Duration;

use crate::common::{create_key, database_url, dump_database, error_of, KeyClient, TestApp};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use sqlx::PgPool;

#[sqlx::test(migrations = "../migrations")]
async fn a_key_is_shown_once_and_stored_only_as_a_hash(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let (id, secret) = create_key(&admin, "CI deploys", &["events:write"]).await;
    assert!(
        secret.starts_with("sk_live_") && secret.len() == 8 + 48,
        "{secret}"
    );

    // The list shows the preview, never the key.
    let list = admin
        .get("/api/v1/api_keys/list")
        .await
        .text()
        .await
        .unwrap();
    assert!(!list.contains(&secret));
    let listed: Value = serde_json::from_str(&list).unwrap();
    let key = &listed["keys"][0];
    assert_eq!(key["id"], id.as_str());
    let preview = key["preview"].as_str().unwrap();
    assert_eq!(
        preview,
        format!("{}...{}", &secret[..12], &secret[secret.len() - 4..])
    );
    assert_eq!(listed["api_base_url"], format!("{}api/v1", app.base));

    // The database holds the SHA-256 digest, and a dump contains the key nowhere.
    let stored: Vec<u8> = sqlx::query_scalar("SELECT key_hash FROM api_keys WHERE id = $1::uuid")
        .bind(&id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, Sha256::digest(secret.as_bytes()).to_vec());
    let dump = dump_database(&app.pool).await;
    assert!(dump.contains("COPY public.api_keys"));
    assert!(!dump.contains(&secret[8..]), "the key is in the dump");
}

#[sqlx::test(migrations = "../migrations")]
async fn bearer_keys_need_no_cookie_or_csrf_and_record_their_use(pool: PgPool) {
    let app = TestApp::builder(pool)
        .config(|c| c.key_usage_flush_every = Duration::from_millis(200))
        .await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let (id, secret) = create_key(&admin, "backend", &["*"]).await;
    let client = KeyClient::new(&app, &secret);
    let res = client
        .post(
            "/api/v1/events/publish",
            json!({"event_type": "message.sent", "data": {"text": "hi"}}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("x-ratelimit-limit").is_some());

    // Uses are written in batches, not per request: shortly after, "last used" is set.
    let mut last_used = None;
    for _ in 0..50 {
        last_used = sqlx::query_scalar::<_, Option<chrono::DateTime<chrono::Utc>>>(
            "SELECT last_used_at FROM api_keys WHERE id = $1::uuid",
        )
        .bind(&id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        if last_used.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(last_used.is_some(), "last_used_at was never recorded");

    // Without a key, or with a malformed or unknown one: 401 with the JSON error shape.
    let anonymous = app.browser();
    assert_eq!(
        error_of(anonymous.get("/api/v1/api_keys/list").await)
            .await
            .0,
        401
    );
    for bad in ["sk_live_nope", &format!("sk_live_{}", "x".repeat(48))] {
        let (status, code, _) =
            error_of(KeyClient::new(&app, bad).get("/api/v1/api_keys/list").await).await;
        assert_eq!((status, code.as_str()), (401, "invalid_api_key"));
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn disabled_expired_and_regenerated_keys_are_refused(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let (id, secret) = create_key(&admin, "ops", &["api_keys:read"]).await;
    let client = KeyClient::new(&app, &secret);
    assert_eq!(client.get("/api/v1/api_keys/list").await.status(), 200);

    // Disabled: refused at once (the lookup cache is dropped), and back when enabled.
    let res = admin
        .post(
            "/api/v1/api_keys/set_enabled",
            json!({"id": id, "enabled": false}),
        )
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "disabled");
    let (status, code, _) = error_of(client.get("/api/v1/api_keys/list").await).await;
    assert_eq!((status, code.as_str()), (401, "invalid_api_key"));
    admin
        .post(
            "/api/v1/api_keys/set_enabled",
            json!({"id": id, "enabled": true}),
        )
        .await;
    assert_eq!(client.get("/api/v1/api_keys/list").await.status(), 200);

    // Regenerated without a grace period: the old key stops at once, the new one works.
    let res = admin
        .post("/api/v1/api_keys/regenerate", json!({"id": id}))
        .await;
    let new_secret = res.json::<Value>().await.unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(new_secret, secret);
    assert_eq!(client.get("/api/v1/api_keys/list").await.status(), 401);
    let renewed = KeyClient::new(&app, &new_secret);
    assert_eq!(renewed.get("/api/v1/api_keys/list").await.status(), 200);

    // With a grace period both work until it ends.
    let res = admin
        .post(
            "/api/v1/api_keys/regenerate",
            json!({"id": id, "grace_period_secs": 3600}),
        )
        .await;
    let body: Value = res.json().await.unwrap();
    assert!(body["key"]["previous_valid_until"].is_string());
    let newest = KeyClient::new(&app, body["secret"].as_str().unwrap());
    assert_eq!(renewed.get("/api/v1/api_keys/list").await.status(), 200);
    assert_eq!(newest.get("/api/v1/api_keys/list").await.status(), 200);
    sqlx::query("UPDATE api_keys SET previous_valid_until = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    app.state.access.keys.forget(id.parse().unwrap());
    assert_eq!(renewed.get("/api/v1/api_keys/list").await.status(), 401);

    // Expired keys are refused.
    sqlx::query("UPDATE api_keys SET expires_at = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    app.state.access.keys.forget(id.parse().unwrap());
    let res = newest.get("/api/v1/api_keys/list").await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["message"], "This API key has expired.");

    // Deleted keys are gone.
    admin
        .post("/api/v1/api_keys/delete", json!({"id": id}))
        .await;
    let listed = admin.get_json("/api/v1/api_keys/list").await;
    assert_eq!(listed["keys"].as_array().unwrap().len(), 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_key_acts_for_its_company_only_and_cannot_mint_stronger_keys(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let acme = app.setup("Acme", "ada@acme.test").await;
    let globex = app.other_company("Globex", "gus@globex.test").await;
    let (globex_key_id, _) = create_key(&globex, "globex", &["*"]).await;
    let (_, acme_secret) = create_key(&acme, "acme", &["api_keys:read", "api_keys:write"]).await;
    let client = KeyClient::new(&app, &acme_secret);

    assert_eq!(crate::common::key_names(&client).await, ["acme"]);
    for (path, body) in [
        (
            "/api/v1/api_keys/set_enabled",
            json!({"id": globex_key_id, "enabled": false}),
        ),
        ("/api/v1/api_keys/regenerate", json!({"id": globex_key_id})),
        ("/api/v1/api_keys/delete", json!({"id": globex_key_id})),
    ] {
        assert_eq!(
            error_of(client.post(path, body).await).await.0,
            404,
            "{path}"
        );
    }
    // Globex's key still works.
    let globex_keys = globex.get_json("/api/v1/api_keys/list").await;
    assert_eq!(globex_keys["keys"][0]["status"], "active");

    // A key can hand out only scopes it holds.
    let res = client
        .post(
            "/api/v1/api_keys/create",
            json!({"name": "escalate", "scopes": ["*"]}),
        )
        .await;
    assert_eq!(error_of(res).await.0, 403);
    let res = client
        .post(
            "/api/v1/api_keys/create",
            json!({"name": "reader", "scopes": ["api_keys:read"]}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["key"]["created_by"], "API key \u{201c}acme\u{201d}");

    // Names are unique per company (409 naming the field); bad input is 400 naming it.
    let res = acme
        .post(
            "/api/v1/api_keys/create",
            json!({"name": "acme", "scopes": ["*"]}),
        )
        .await;
    assert_eq!(
        error_of(res).await,
        (409, "conflict".into(), Some("name".into()))
    );
    let res = acme
        .post(
            "/api/v1/api_keys/create",
            json!({"name": "x", "scopes": ["events:delete"]}),
        )
        .await;
    assert_eq!(error_of(res).await.0, 400);
    let res = acme
        .post(
            "/api/v1/api_keys/create",
            json!({"name": "x", "scopes": []}),
        )
        .await;
    assert_eq!(
        error_of(res).await,
        (400, "bad_request".into(), Some("scopes".into()))
    );
    let res = acme
        .post(
            "/api/v1/api_keys/regenerate",
            json!({"id": globex_key_id, "grace_period_secs": 999_999}),
        )
        .await;
    assert_eq!(error_of(res).await.2.as_deref(), Some("grace_period_secs"));
}

#[sqlx::test(migrations = "../migrations")]
async fn the_command_line_creates_a_working_key(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.setup("Acme Corp", "ada@acme.test").await;
    let url = database_url(&app.pool).await;
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_plugboard"))
            .args(args)
            .env("DATABASE_URL", &url)
            .output()
            .expect("run plugboard")
    };
    let out = run(&[
        "api-key",
        "create",
        "--company",
        "Acme Corp",
        "--name",
        "deploy bot",
        "--scopes",
        "events:write,events:read",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let secret = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(
        secret.starts_with("sk_live_"),
        "stdout is only the key: {secret}"
    );
    let client = KeyClient::new(&app, &secret);
    assert_eq!(client.get("/api/v1/events/types").await.status(), 200);
    assert_eq!(client.get("/api/v1/api_keys/list").await.status(), 403);

    let unknown = run(&["api-key", "create", "--company", "Nope", "--name", "x"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("No company named"));
    let bad_scope = run(&[
        "api-key",
        "create",
        "--company",
        "Acme Corp",
        "--name",
        "y",
        "--scopes",
        "root",
    ]);
    assert!(String::from_utf8_lossy(&bad_scope.stderr).contains("unknown scope"));
}
