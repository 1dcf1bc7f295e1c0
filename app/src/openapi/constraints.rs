//! What the server accepts, written into the document: lengths, ranges, patterns and formats of
//! every argument, closed argument objects, and JSON free of NUL characters. The generated
//! schemas only know Rust types; a client that follows this document sends nothing the server
//! refuses for its shape (what depends on stored state, like a registered event type or a URL
//! that resolves to a public address, is said in the operation's description).

use serde_json::{json, Map, Value};

/// The characters Rust's `char::is_whitespace` (and so `str::trim`) takes for white space, as a
/// regex class body.
macro_rules! white_space {
    () => {
        "\\u0009-\\u000d\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
    };
}

use crate::events::registry;
use crate::integrations::catalogue::Catalogue;
use crate::integrations::AuthType;

/// A string without NUL characters, which PostgreSQL cannot store.
const NUL_FREE: &str = "^[^\\u0000]*$";
/// Also with at least one character that is not white space as the server trims it (Unicode
/// White_Space, spelled out: regex dialects disagree on `\\s`).
const PRESENT: &str = concat!("^[^\\u0000]*[^\\u0000", white_space!(), "][^\\u0000]*$");
/// One `@`, a non-empty local part, a dotted domain, no white space (stricter than the server).
const EMAIL: &str = concat!(
    "^[^@\\u0000",
    white_space!(),
    "]+@[^@.\\u0000",
    white_space!(),
    "]+(\\.[^@.\\u0000",
    white_space!(),
    "]+)+$"
);
/// An http(s) URL in the characters a URI may hold (as `validate::uri_text` accepts).
const URL_HTTP: &str = "^https?://[A-Za-z0-9\\-._~:/?#\\[\\]@!$&'()*+,;=%]+$";
const URL_HTTPS: &str = "^https://[A-Za-z0-9\\-._~:/?#\\[\\]@!$&'()*+,;=%]+$";
/// `invoice.paid`: lower-case words joined by dots.
const EVENT_TYPE: &str = "^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$";
/// An HTTP header name (RFC 9110 token).
const HEADER_NAME: &str = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$";
/// An HTTP header value: no control characters but tab.
const HEADER_VALUE: &str = "^[^\\u0000-\\u0008\\u000a-\\u001f\\u007f]*$";

/// The schema of any JSON value whose strings and keys hold no NUL.
pub const JSON_VALUE: &str = "JsonValue";

fn json_value_schema() -> Value {
    let nul_free = json!({"type": "string", "pattern": NUL_FREE});
    json!({
        "description": "Any JSON value; strings and keys hold no NUL character.",
        "anyOf": [
            {"type": ["null", "boolean", "number"]},
            nul_free,
            {"type": "array", "items": {"$ref": format!("#/components/schemas/{JSON_VALUE}")}},
            json_object(),
        ]
    })
}

fn json_object() -> Value {
    json!({
        "type": "object",
        "propertyNames": {"pattern": NUL_FREE},
        "additionalProperties": {"$ref": format!("#/components/schemas/{JSON_VALUE}")}
    })
}

/// Text constraints; the type stays the generated one (an optional argument may be null).
fn text(pattern: &str, min: Option<u64>, max: u64) -> Value {
    let mut schema = json!({"pattern": pattern, "maxLength": max});
    if let Some(min) = min {
        schema["minLength"] = json!(min);
    }
    schema
}

/// `schema`, or null.
fn optional(mut schema: Value) -> Value {
    schema["type"] = json!(["object", "null"]);
    schema
}

fn range(min: u64, max: u64) -> Value {
    json!({"minimum": min, "maximum": max})
}

fn slugs(catalogue: &Catalogue, kind: Option<AuthType>) -> Value {
    let slugs: Vec<&str> = catalogue
        .providers()
        .iter()
        .filter(|p| kind.as_ref().is_none_or(|k| p.def.auth_type == *k))
        .map(|p| p.def.slug.as_str())
        .collect();
    json!({"type": "string", "enum": slugs})
}

fn headers() -> Value {
    json!({
        "maxProperties": 20,
        "propertyNames": {"pattern": HEADER_NAME, "maxLength": 256},
        "additionalProperties": {"type": "string", "pattern": HEADER_VALUE, "maxLength": 4096}
    })
}

fn endpoint_fields() -> Vec<(&'static str, Value)> {
    vec![
        (
            "url",
            json!({"format": "uri", "pattern": URL_HTTP, "maxLength": 2048}),
        ),
        ("description", text(NUL_FREE, None, 500)),
        (
            "event_types",
            json!({"minItems": 1, "maxItems": 100, "items": {"anyOf": [
                {"type": "string", "pattern": EVENT_TYPE, "maxLength": 100},
                {"type": "string", "enum": ["*"]}
            ]}}),
        ),
        ("headers", headers()),
        ("timeout_secs", range(1, 30)),
    ]
}

fn event_fields() -> Vec<(&'static str, Value)> {
    vec![
        ("event_type", text(EVENT_TYPE, None, 100)),
        ("data", json_object()),
        ("idempotency_key", text(NUL_FREE, Some(1), 255)),
    ]
}

/// Per operation path, what each argument must be (merged over the generated schema).
fn table(catalogue: &Catalogue) -> Vec<(&'static str, Vec<(&'static str, Value)>)> {
    let builtin: Vec<String> = registry::builtin().into_iter().map(|t| t.name).collect();
    let new_password = || text(NUL_FREE, Some(8), 1024);
    let company_name = || text(PRESENT, None, 200);
    let person_name = || text(NUL_FREE, None, 200);
    let email = || text(EMAIL, Some(3), 254);
    vec![
        (
            "/api/v1/api_keys/create",
            vec![
                ("name", text(PRESENT, None, 100)),
                ("scopes", json!({"minItems": 1})),
                ("expires_in_days", range(1, 3650)),
            ],
        ),
        (
            "/api/v1/api_keys/regenerate",
            vec![("grace_period_secs", range(0, 604_800))],
        ),
        ("/api/v1/audit/list", vec![("limit", range(1, 100))]),
        (
            "/api/v1/auth/setup",
            vec![
                ("company_name", company_name()),
                ("name", person_name()),
                ("email", email()),
                ("password", new_password()),
                ("confirm_password", new_password()),
            ],
        ),
        (
            "/api/v1/auth/sign_in",
            vec![
                ("email", email()),
                ("password", text(NUL_FREE, Some(1), 1024)),
            ],
        ),
        (
            "/api/v1/company/add_admin",
            vec![
                ("email", email()),
                ("name", person_name()),
                ("password", new_password()),
            ],
        ),
        (
            "/api/v1/company/change_password",
            vec![
                ("current_password", text(NUL_FREE, Some(1), 1024)),
                ("new_password", new_password()),
            ],
        ),
        ("/api/v1/company/rename", vec![("name", company_name())]),
        (
            "/api/v1/events/create_type",
            vec![
                ("name", text(EVENT_TYPE, None, 100)),
                ("description", text(NUL_FREE, None, 500)),
                ("example", optional(json_object())),
            ],
        ),
        (
            "/api/v1/events/delete_type",
            vec![("name", {
                let mut name = text(EVENT_TYPE, None, 100);
                name["not"] = json!({"enum": builtin});
                name
            })],
        ),
        ("/api/v1/events/publish", event_fields()),
        (
            "/api/v1/events/publish_batch",
            vec![("events", json!({"minItems": 1, "maxItems": 1000}))],
        ),
        (
            "/api/v1/integrations/connect_api_key",
            vec![
                ("slug", slugs(catalogue, Some(AuthType::ApiKey))),
                (
                    "values",
                    json!({"propertyNames": {"pattern": NUL_FREE},
                           "additionalProperties": {"type": "string", "pattern": NUL_FREE, "maxLength": 4096}}),
                ),
            ],
        ),
        (
            "/api/v1/integrations/connect_webhook",
            vec![
                ("slug", slugs(catalogue, Some(AuthType::Webhook))),
                (
                    "url",
                    json!({"format": "uri", "pattern": URL_HTTPS, "maxLength": 2048}),
                ),
            ],
        ),
        (
            "/api/v1/integrations/start_oauth",
            vec![("slug", slugs(catalogue, Some(AuthType::Oauth2)))],
        ),
        (
            "/api/v1/integrations/provider",
            vec![("slug", slugs(catalogue, None))],
        ),
        (
            "/api/v1/integrations/options",
            vec![("source", json!({"type": "string", "enum": ["channels"]}))],
        ),
        (
            "/api/v1/integrations/save_config",
            vec![("config", json_object())],
        ),
        ("/api/v1/webhooks/create", endpoint_fields()),
        ("/api/v1/webhooks/update", endpoint_fields()),
        (
            "/api/v1/webhooks/deliveries",
            vec![("limit", range(1, 100))],
        ),
        (
            "/api/v1/webhooks/test",
            vec![("event_type", text(EVENT_TYPE, None, 100))],
        ),
    ]
}

/// Writes the table into `doc`, closes every argument object (unknown arguments are refused)
/// and keeps NUL characters out of every other string argument.
pub fn apply(doc: &mut Value, catalogue: &Catalogue) {
    let table = table(catalogue);
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        schemas.insert(JSON_VALUE.to_string(), json_value_schema());
        if let Some(event) = schemas.get_mut("EventInput") {
            constrain_object(event, &event_fields());
        }
    }
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let fields: &[(&str, Value)] = table
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, f)| f.as_slice())
            .unwrap_or(&[]);
        if let Some(params) = item
            .pointer_mut("/get/parameters")
            .and_then(Value::as_array_mut)
        {
            for param in params {
                let name = param["name"].as_str().unwrap_or_default().to_string();
                let schema = &mut param["schema"];
                if let Some((_, patch)) = fields.iter().find(|(f, _)| *f == name) {
                    merge(schema, patch);
                }
                keep_nul_out(schema);
            }
        }
        let bodies = item
            .pointer_mut("/post/requestBody/content")
            .and_then(Value::as_object_mut);
        for content in bodies.into_iter().flat_map(|c| c.values_mut()) {
            let schema = &mut content["schema"];
            if schema.is_null() {
                *schema = json!({"type": "object", "properties": {}});
            }
            constrain_object(schema, fields);
        }
    }
}

/// An argument object: its fields patched, closed to others, NUL kept out.
fn constrain_object(schema: &mut Value, fields: &[(&str, Value)]) {
    schema["additionalProperties"] = json!(false);
    if schema.get("properties").is_none() {
        schema["properties"] = json!({});
    }
    if let Some(properties) = schema["properties"].as_object_mut() {
        for (name, property) in properties.iter_mut() {
            if let Some((_, patch)) = fields.iter().find(|(f, _)| f == name) {
                merge(property, patch);
            }
            keep_nul_out(property);
        }
    }
}

/// Merges `patch` into `schema`; a free-form schema (`{}`) takes the patch whole.
fn merge(schema: &mut Value, patch: &Value) {
    let (Some(target), Some(patch)) = (schema.as_object_mut(), patch.as_object()) else {
        return;
    };
    for (key, value) in patch {
        match (target.get_mut(key), value) {
            (Some(Value::Object(existing)), Value::Object(more)) if key != "not" => {
                merge_maps(existing, more)
            }
            _ => {
                target.insert(key.clone(), value.clone());
            }
        }
    }
}

fn merge_maps(target: &mut Map<String, Value>, more: &Map<String, Value>) {
    for (key, value) in more {
        target.insert(key.clone(), value.clone());
    }
}

fn is_string_type(schema: &Value) -> bool {
    match &schema["type"] {
        Value::String(t) => t == "string",
        Value::Array(types) => types.iter().any(|t| t == "string"),
        _ => false,
    }
}

/// Strings with no pattern, format or enum of their own get the NUL-free pattern; so do
/// string maps; a free-form value becomes NUL-free JSON.
fn keep_nul_out(schema: &mut Value) {
    let Some(object) = schema.as_object() else {
        return;
    };
    if object.is_empty() {
        *schema = json!({"$ref": format!("#/components/schemas/{JSON_VALUE}")});
        return;
    }
    let plain = !["pattern", "format", "enum", "$ref", "not"]
        .iter()
        .any(|k| object.contains_key(*k));
    if is_string_type(schema) && plain {
        schema["pattern"] = json!(NUL_FREE);
    }
    if schema
        .get("propertyNames")
        .is_some_and(|p| p.get("pattern").is_none())
    {
        schema["propertyNames"]["pattern"] = json!(NUL_FREE);
    }
    if let Some(values) = schema.get_mut("additionalProperties") {
        if values.is_object() {
            keep_nul_out(values);
        }
    }
    if let Some(items) = schema.get_mut("items") {
        keep_nul_out(items);
    }
}
