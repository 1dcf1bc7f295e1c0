//! What the server accepts of each argument, as JSON Schema keywords: lengths, ranges, patterns and formats of
//! every argument, closed argument objects, and JSON free of NUL characters. The generated
//! schemas only know Rust types; a client that follows this document sends nothing the server
//! refuses for its shape (what depends on stored state, like a registered event type or a URL
//! that resolves to a public address, is said in the operation's description).

use serde_json::{json, Value};

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
pub const NUL_FREE: &str = "^[^\\u0000]*$";
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

/// An opaque token (an OAuth client id or secret): no white space or control characters.
const TOKEN: &str = concat!("^[^\\u0000-\\u001f\\u007f-\\u009f", white_space!(), "]+$");
/// One line of text: no control characters (as Rust's `char::is_control`).
const SINGLE_LINE: &str = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$";

/// The schema of any JSON value whose strings and keys hold no NUL.
pub const JSON_VALUE: &str = "JsonValue";

pub fn json_value_schema() -> Value {
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

pub fn json_object() -> Value {
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

pub fn retry_policy_fields() -> Vec<(&'static str, Value)> {
    use crate::delivery::RetryPolicy;
    vec![
        ("max_retries", range(0, RetryPolicy::MAX_RETRIES.into())),
        (
            "retry_delay_secs",
            range(1, RetryPolicy::MAX_DELAY_SECS.into()),
        ),
    ]
}

pub fn event_fields() -> Vec<(&'static str, Value)> {
    vec![
        ("event_type", text(EVENT_TYPE, None, 100)),
        ("data", json_object()),
        ("idempotency_key", text(NUL_FREE, Some(1), 255)),
    ]
}

/// Per operation path, what each argument must be (merged over the generated schema).
pub fn table(catalogue: &Catalogue) -> Vec<(&'static str, Vec<(&'static str, Value)>)> {
    let builtin = registry::BUILTIN_NAMES;
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
            "/api/v1/integrations/app",
            vec![("slug", slugs(catalogue, Some(AuthType::Oauth2)))],
        ),
        (
            "/api/v1/integrations/save_app",
            vec![
                ("slug", slugs(catalogue, Some(AuthType::Oauth2))),
                ("client_id", text(TOKEN, Some(1), 256)),
                ("client_secret", text(TOKEN, Some(1), 1024)),
            ],
        ),
        (
            "/api/v1/integrations/remove_app",
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
            vec![
                ("config", json_object()),
                ("label", text(SINGLE_LINE, None, 60)),
            ],
        ),
        ("/api/v1/webhooks/create", endpoint_fields()),
        ("/api/v1/webhooks/update", endpoint_fields()),
        (
            "/api/v1/webhooks/deliveries",
            vec![("limit", range(1, 100))],
        ),
        (
            "/api/v1/integrations/deliveries",
            vec![("limit", range(1, 100))],
        ),
        (
            "/api/v1/integrations/send_test",
            vec![("event_type", text(EVENT_TYPE, None, 100))],
        ),
        (
            "/api/v1/webhooks/test",
            vec![("event_type", text(EVENT_TYPE, None, 100))],
        ),
        (
            "/api/v1/company/set_time_zone",
            vec![(
                "time_zone",
                json!({"type": "string", "enum": crate::company::service::time_zones()}),
            )],
        ),
        (
            "/api/v1/hooks/subscribe",
            vec![
                (
                    "target_url",
                    json!({"format": "uri", "pattern": URL_HTTPS, "maxLength": 2048}),
                ),
                ("event_type", text(EVENT_TYPE, None, 100)),
            ],
        ),
        (
            "/api/v1/hooks/unsubscribe",
            vec![(
                "target_url",
                json!({"format": "uri", "pattern": URL_HTTPS, "maxLength": 2048}),
            )],
        ),
    ]
}
