//! The docs page's reading of the OpenAPI document, on a small document shaped like the one
//! `/api/v1/openapi.json` serves.

use serde_json::{json, Value};

use super::document::parse;
use super::types::Access;

fn doc() -> Value {
    let error = json!({"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Plugboard API", "version": "0.1.0", "description": "Errors are `{\"error\": ...}`."},
        "servers": [{"url": "https://hub.example.com"}],
        "paths": {
            "/api/v1/api_keys/create": {"post": {
                "tags": ["API keys"], "operationId": "api_keys_create",
                "summary": "Serialized arguments for the [`create_api_key`] server function",
                "description": "Serialized arguments for the [`create_api_key`] server function.\n Creates a key. The response holds the full key.\n `expires_in_days` is optional.\n\nAPI key scope: `api_keys:write` (or a signed-in admin).",
                "requestBody": {"content": {"application/json": {"schema": {
                    "type": "object", "required": ["name", "scopes"],
                    "properties": {
                        "name": {"type": "string"},
                        "scopes": {"type": "array", "items": {"$ref": "#/components/schemas/Scope"}},
                        "expires_in_days": {"type": ["integer", "null"], "format": "int32"}
                    }}}}},
                "responses": {
                    "200": {"description": "Success",
                        "headers": {"X-RateLimit-Limit": {"schema": {"type": "integer"}}},
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IssuedApiKey"}}}},
                    "400": error.clone(),
                    "429": {"description": "Slow down", "headers": {"Retry-After": {"schema": {"type": "integer"}}}}
                },
                "security": [{"apiKey": ["api_keys:write"]}, {"session": []}]
            }},
            "/api/v1/auth/sign_out": {"post": {
                "tags": ["Auth"], "operationId": "auth_sign_out",
                "summary": "Serialized arguments for the [`sign_out`] server function",
                "description": "Serialized arguments for the [`sign_out`] server function.\n\nA signed-in admin only; API keys get 403.",
                "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {}}}}},
                "responses": {"200": {"description": "Success", "content": {"application/json": {"schema": {"type": "null"}}}}},
                "security": [{"session": []}]
            }},
            "/api/v1/integrations/options": {"get": {
                "tags": ["Integrations"], "operationId": "integrations_options",
                "summary": "Choices for a setting", "description": "Choices for a setting.",
                "parameters": [
                    {"name": "id", "in": "query", "required": true, "schema": {"type": "string", "format": "uuid"}},
                    {"name": "source", "in": "query", "required": true, "schema": {"type": "string"}}
                ],
                "responses": {"200": {"description": "Success", "content": {"application/json": {"schema": {
                    "type": "array", "items": {"$ref": "#/components/schemas/RemoteOption"}}}}}},
                "security": [{"apiKey": ["integrations:read"]}, {"session": []}]
            }},
            "/api/v1/events/publish": {"post": {
                "tags": ["Events"], "operationId": "events_publish", "summary": "Publishes an event",
                "description": "Publishes an event. It's stored first.",
                "requestBody": {"content": {"application/json": {"schema": {
                    "type": "object", "required": ["event_type", "data"],
                    "properties": {"event_type": {"type": "string"}, "data": {}, "idempotency_key": {"type": ["string", "null"]}}}}}},
                "responses": {"200": {"description": "Success"}},
                "security": [{"apiKey": ["events:write"]}, {"session": []}]
            }}
        },
        "components": {
            "schemas": {
                "Scope": {"type": "string", "enum": ["*", "events:write"]},
                "IssuedApiKey": {"type": "object", "required": ["secret"], "properties": {
                    "key": {"$ref": "#/components/schemas/ApiKeyView"}, "secret": {"type": "string", "description": "The full key."}}},
                "ApiKeyView": {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"}}},
                "RemoteOption": {"type": "object", "properties": {"value": {"type": "string"}, "label": {"type": "string"}}},
                "Error": {"type": "object", "properties": {"error": {"$ref": "#/components/schemas/ErrorDetail"}}},
                "ErrorDetail": {"type": "object", "required": ["code"], "properties": {
                    "code": {"type": "string"}, "field": {"type": ["string", "null"]}}}
            },
            "securitySchemes": {
                "apiKey": {"type": "http", "scheme": "bearer", "description": "A key."},
                "session": {"type": "apiKey", "in": "cookie", "name": "pb_session", "description": "The session."}
            }
        }
    })
}

#[test]
fn groups_follow_the_preferred_tag_order_and_headers_are_collected() {
    let api = parse(&doc());
    let tags: Vec<&str> = api.groups.iter().map(|g| g.tag.as_str()).collect();
    assert_eq!(tags, ["Events", "API keys", "Integrations", "Auth"]);
    assert_eq!(api.server, "https://hub.example.com");
    assert_eq!(api.headers, ["X-RateLimit-Limit", "Retry-After"]);
    assert_eq!(
        api.error_fields
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>(),
        ["code", "field"]
    );
    assert!(api.error_fields[0].required && !api.error_fields[1].required);
    assert_eq!(api.error_fields[1].ty, "string");
}

#[test]
fn generated_prefixes_are_dropped_and_summaries_come_from_the_doc_or_the_name() {
    let api = parse(&doc());
    let create = &api.groups[1].operations[0];
    assert_eq!(create.summary, "Creates a key");
    assert_eq!(
        create.description,
        ["The response holds the full key. `expires_in_days` is optional."]
    );
    assert_eq!(create.access, Access::Scope("api_keys:write".into()));
    assert_eq!(
        create.access_note,
        "API key scope: `api_keys:write` (or a signed-in admin)."
    );
    let sign_out = &api.groups[3].operations[0];
    assert_eq!(sign_out.summary, "Sign out");
    assert!(sign_out.description.is_empty());
    assert_eq!(sign_out.access, Access::Session);
}

#[test]
fn fields_resolve_refs_arrays_and_nullable_types() {
    let api = parse(&doc());
    let create = &api.groups[1].operations[0];
    let body: Vec<(&str, &str, bool)> = create
        .body
        .iter()
        .map(|f| (f.name.as_str(), f.ty.as_str(), f.required))
        .collect();
    assert_eq!(
        body,
        [
            ("name", "string", true),
            ("scopes", "array of Scope", true),
            ("expires_in_days", "integer (int32)", false)
        ]
    );
    assert_eq!(create.body[1].description, "One of `*`, `events:write`.");
    assert_eq!(create.response_type, "IssuedApiKey");
    assert_eq!(
        create
            .response
            .iter()
            .map(|f| f.ty.as_str())
            .collect::<Vec<_>>(),
        ["ApiKeyView", "string"]
    );
    assert_eq!(
        create
            .errors
            .iter()
            .map(|(s, _)| s.as_str())
            .collect::<Vec<_>>(),
        ["400", "429"]
    );
    let options = &api.groups[2].operations[0];
    assert_eq!(options.params[0].ty, "string (uuid)");
    assert_eq!(options.response_type, "array of RemoteOption");
    assert_eq!(options.response.len(), 2);
    let publish = &api.groups[0].operations[0];
    assert_eq!(publish.body[1].ty, "any JSON");
}

#[test]
fn curl_examples_carry_the_key_the_query_and_a_placeholder_body() {
    let api = parse(&doc());
    let options = &api.groups[2].operations[0];
    assert_eq!(
        options.curl,
        "curl -H \"Authorization: Bearer $PLUGBOARD_API_KEY\" \\\n  \"https://hub.example.com/api/v1/integrations/options?id=3f6c1a52-8f0e-4a3e-9b7a-2d1e4c5b6a70&source=string\""
    );
    let publish = &api.groups[0].operations[0];
    assert!(publish
        .curl
        .starts_with("curl -X POST \"https://hub.example.com/api/v1/events/publish\" \\\n"));
    assert!(publish
        .curl
        .contains("-H \"Content-Type: application/json\""));
    assert!(publish
        .curl
        .ends_with(r#"-d '{"event_type":"string","data":{},"idempotency_key":"string"}'"#));
    let create = &api.groups[1].operations[0];
    assert!(
        create
            .curl
            .ends_with(r#"-d '{"name":"string","scopes":["*"],"expires_in_days":1}'"#),
        "{}",
        create.curl
    );
    let sign_out = &api.groups[3].operations[0];
    assert!(sign_out.curl.contains("-b \"pb_session=$SESSION_COOKIE\""));
    assert!(sign_out.curl.contains("X-CSRF-Token: $CSRF_TOKEN"));
    assert!(!sign_out.curl.contains("Authorization"));
}

#[test]
fn the_filter_matches_path_summary_and_tag() {
    let api = parse(&doc());
    let publish = &api.groups[0].operations[0];
    assert!(publish.matches("publish") && publish.matches("events") && publish.matches(""));
    assert!(!publish.matches("oauth"));
}
