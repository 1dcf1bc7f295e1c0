//! The OpenAPI document: valid OpenAPI 3.1 (checked against the official schema by an
//! independent validator from npm), listing every server function with its method, and every
//! `$ref` resolving.

use std::path::Path;

use crate::common::TestApp;
use serde_json::Value;
use sqlx::PgPool;

#[sqlx::test(migrations = "../migrations")]
async fn openapi_json_is_valid_and_lists_every_server_function(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let res = app.browser().get("/api/v1/openapi.json").await;
    assert_eq!(res.status(), 200);
    let doc: Value = res.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));

    for (path, method) in server_fn::axum::server_fn_paths() {
        let method = method.as_str().to_ascii_lowercase();
        let op = &doc["paths"][path][&method];
        assert!(
            op.is_object(),
            "{method} {path} is missing from openapi.json"
        );
        assert!(
            op["responses"]["200"].is_object(),
            "{path} has no success response"
        );
        let summary = op["summary"].as_str().unwrap_or_default();
        assert!(
            !summary.is_empty() && !summary.contains("Serialized"),
            "{path}: summary {summary:?}"
        );
        if method == "post" {
            // Sign-in and setup take form bodies (their pages post before the script loads).
            let content = match path {
                "/api/v1/auth/sign_in" | "/api/v1/auth/setup" => {
                    "application/x-www-form-urlencoded"
                }
                _ => "application/json",
            };
            assert!(
                op["requestBody"]["content"][content]["schema"].is_object(),
                "{path}"
            );
        }
    }
    // Reads take their arguments as query parameters; keys need the right scope.
    let get_connection = &doc["paths"]["/api/v1/integrations/get"]["get"];
    assert_eq!(get_connection["parameters"][0]["name"], "id");
    assert_eq!(get_connection["parameters"][0]["in"], "query");
    let publish = &doc["paths"]["/api/v1/events/publish"]["post"];
    assert_eq!(publish["security"][0]["apiKey"][0], "events:write");
    assert!(publish["responses"]["413"].is_object() && publish["responses"]["422"].is_object());
    let body = &publish["requestBody"]["content"]["application/json"]["schema"];
    assert_eq!(body["required"], serde_json::json!(["event_type", "data"]));
    assert!(doc["components"]["securitySchemes"]["apiKey"].is_object());
    assert!(doc["components"]["schemas"]["Error"].is_object());

    // Every reference points at a schema that exists.
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(!refs.is_empty());
    for reference in refs {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .expect(&reference);
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "dangling $ref {reference}"
        );
    }

    // An independent validator (the official OpenAPI 3.1 JSON Schema) accepts it.
    let file = std::env::temp_dir().join(format!("plugboard-openapi-{}.json", std::process::id()));
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let end2end = Path::new(env!("CARGO_MANIFEST_DIR")).join("../end2end");
    let out = std::process::Command::new("node")
        .arg("support/validate-openapi.mjs")
        .arg(&file)
        .current_dir(&end2end)
        .output()
        .expect("node runs (scripts/setup.sh installs it and end2end's packages)");
    let _ = std::fs::remove_file(&file);
    assert!(
        out.status.success(),
        "the validator rejected openapi.json:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"valid\":true"));
}

fn collect_refs(value: &Value, refs: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", Value::String(r)) => refs.push(r.clone()),
                    _ => collect_refs(v, refs),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, refs)),
        _ => {}
    }
}
