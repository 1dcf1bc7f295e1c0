//! Scopes over the whole REST surface, table-driven from the list of operations the OpenAPI
//! document is built from: for every server function, a key without its scope gets 403, a key
//! with only that scope gets through, no credentials get 401, and admin-only functions refuse
//! every key.

use std::collections::BTreeSet;

use crate::common::TestApp;
use app::api_keys::service::{create, NewKey};
use app::auth::scope::Scope;
use app::openapi::{operations, Access};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;

/// Arguments that deserialise for each function, so that what answers is the access check
/// (a body that failed to deserialise would be 400 before it).
fn sample_arguments(path: &str) -> Value {
    let id = Uuid::new_v4();
    match path {
        "/api/v1/auth/setup" => {
            json!({"company_name": "X", "name": "X", "email": "x@x.test", "password": "long enough password"})
        }
        "/api/v1/auth/sign_in" => {
            json!({"email": "ada@acme.test", "password": crate::common::PASSWORD})
        }
        "/api/v1/company/rename" => json!({"name": "Acme Renamed"}),
        "/api/v1/company/set_time_zone" => json!({"time_zone": "Europe/Paris"}),
        "/api/v1/company/add_admin" => {
            json!({"email": format!("{id}@acme.test"), "name": "New", "password": "long enough password"})
        }
        "/api/v1/company/remove_admin" => json!({"user_id": id}),
        "/api/v1/company/change_password" => {
            json!({"current_password": "x", "new_password": "long enough password"})
        }
        "/api/v1/integrations/provider" => json!({"slug": "slack"}),
        "/api/v1/integrations/get" | "/api/v1/integrations/disconnect" => json!({"id": id}),
        "/api/v1/integrations/start_oauth"
        | "/api/v1/integrations/app"
        | "/api/v1/integrations/remove_app" => json!({"slug": "slack"}),
        "/api/v1/integrations/save_app" => {
            json!({"slug": "slack", "client_id": "id", "client_secret": "secret"})
        }
        "/api/v1/integrations/connect_api_key" => json!({"slug": "stripe", "values": {}}),
        "/api/v1/integrations/connect_webhook" => {
            json!({"slug": "zapier", "url": "https://hooks.zapier.com/hooks/catch/1/abc/"})
        }
        "/api/v1/integrations/save_config" => json!({"id": id, "config": {}}),
        "/api/v1/integrations/options" => json!({"id": id, "source": "channels"}),
        "/api/v1/integrations/deliveries" | "/api/v1/integrations/send_test" => json!({"id": id}),
        "/api/v1/integrations/redeliver" => json!({"delivery_id": id}),
        "/api/v1/hooks/subscribe" => {
            json!({"target_url": "https://hooks.zapier.com/hooks/standard/1/abc/",
                                             "event_type": "conversation.created"})
        }
        "/api/v1/hooks/unsubscribe" => json!({"id": id}),
        "/api/v1/api_keys/create" => {
            json!({"name": format!("k{id}"), "scopes": ["api_keys:write"]})
        }
        "/api/v1/api_keys/regenerate" | "/api/v1/api_keys/delete" => json!({"id": id}),
        "/api/v1/api_keys/set_enabled" | "/api/v1/webhooks/set_enabled" => {
            json!({"id": id, "enabled": true})
        }
        "/api/v1/events/publish" => json!({"event_type": "message.sent", "data": {"text": "hi"}}),
        "/api/v1/events/publish_batch" => {
            json!({"events": [{"event_type": "message.sent", "data": {}}]})
        }
        "/api/v1/webhooks/create" => {
            json!({"url": "https://93.184.216.34/hook", "event_types": ["*"]})
        }
        "/api/v1/webhooks/update" => {
            json!({"id": id, "url": "https://93.184.216.34/hook", "event_types": ["*"]})
        }
        "/api/v1/webhooks/get"
        | "/api/v1/webhooks/secrets"
        | "/api/v1/webhooks/delete"
        | "/api/v1/webhooks/rotate_secret" => {
            json!({"id": id})
        }
        "/api/v1/webhooks/test" => json!({"id": id, "event_type": "message.sent"}),
        "/api/v1/webhooks/deliveries" => json!({"endpoint_id": id}),
        "/api/v1/webhooks/redeliver" => json!({"delivery_id": id}),
        "/api/v1/webhooks/retry_failed" => {
            json!({"endpoint_id": id, "since": "2026-01-01T00:00:00Z"})
        }
        "/api/v1/events/create_type" => {
            json!({"name": format!("custom.t{}", id.simple()), "description": "d"})
        }
        "/api/v1/events/delete_type" => json!({"name": "custom.missing"}),
        _ => json!({}),
    }
}

async fn call(app: &TestApp, key: Option<&str>, path: &str, get: bool) -> StatusCode {
    let args = sample_arguments(path);
    let client = reqwest::Client::new();
    let url = app.base.join(path).unwrap();
    let mut req = if get {
        let query: Vec<(String, String)> = args
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string()),
                )
            })
            .collect();
        client.get(url).query(&query)
    } else if ["/api/v1/auth/sign_in", "/api/v1/auth/setup"].contains(&path) {
        client.post(url).form(&crate::common::form_pairs(&args))
    } else {
        client.post(url).json(&args)
    };
    if let Some(key) = key {
        req = req.bearer_auth(key);
    }
    req.send().await.unwrap().status()
}

async fn key(app: &TestApp, company_id: Uuid, scopes: Vec<Scope>) -> String {
    let new = NewKey::validate(&format!("k{}", Uuid::new_v4().simple()), scopes, None).unwrap();
    create(
        &app.pool,
        company_id,
        &app::audit::service::Actor::command_line(),
        new,
    )
    .await
    .unwrap()
    .secret
}

#[sqlx::test(migrations = "../migrations")]
async fn every_server_function_enforces_its_access_rule(pool: PgPool) {
    let app = TestApp::builder(pool)
        .config(|c| {
            c.rate_limits.anonymous_per_ip_per_minute = 1000.try_into().unwrap();
        })
        .await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let company_id: Uuid = admin.get_json("/api/v1/auth/me").await["company_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let methods: std::collections::HashMap<&str, http::Method> =
        server_fn::axum::server_fn_paths().collect();
    let all_but = |scope: Scope| -> Vec<Scope> {
        Scope::EVERY
            .into_iter()
            .filter(|s| *s != scope && *s != Scope::All)
            .collect()
    };
    let star = key(&app, company_id, vec![Scope::All]).await;

    for op in operations() {
        let get = methods[op.path] == http::Method::GET;
        if op.access != Access::Public {
            assert_eq!(
                call(&app, None, op.path, get).await,
                401,
                "{} without credentials",
                op.path
            );
        }
        match op.access {
            Access::Scope(scope) => {
                let without = key(&app, company_id, all_but(scope)).await;
                let only = key(&app, company_id, vec![scope]).await;
                assert_eq!(
                    call(&app, Some(&without), op.path, get).await,
                    403,
                    "{} without {scope:?}",
                    op.path
                );
                // Past the check the function runs: success, or its own 400/404/409.
                let status = call(&app, Some(&only), op.path, get).await;
                assert!(
                    ![401, 403].contains(&status.as_u16()) && !status.is_server_error(),
                    "{} with only {scope:?} answered {status}",
                    op.path
                );
            }
            Access::Admin => {
                assert_eq!(
                    call(&app, Some(&star), op.path, get).await,
                    403,
                    "{} with a * key",
                    op.path
                );
            }
            Access::Public => {
                let status = call(&app, None, op.path, get).await;
                assert!(
                    status != 401 && status != 403,
                    "{} is public but answered {status}",
                    op.path
                );
            }
        }
    }
}

#[test]
fn the_operation_list_covers_every_server_function() {
    let registered: BTreeSet<&str> = server_fn::axum::server_fn_paths().map(|(p, _)| p).collect();
    let listed: BTreeSet<&str> = operations().iter().map(|op| op.path).collect();
    assert_eq!(
        registered, listed,
        "operations() and the registered server functions differ"
    );
    assert!(registered.len() >= 42);
}
