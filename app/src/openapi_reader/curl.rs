//! Example requests for the docs page: placeholder values by type and the curl command line.

use serde_json::{json, Map, Value};

use super::schema::{resolve, types, variants};
use super::types::Access;

/// The shell variable the examples read the key from.
pub const KEY_VAR: &str = "$PLUGBOARD_API_KEY";

/// A sample value for `schema`: its own example, an enum's first value, or one by type.
pub fn placeholder(doc: &Value, schema: &Value, depth: usize) -> Value {
    let schema = resolve(doc, schema);
    if let Some(example) = schema.get("example") {
        return example.clone();
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    if let Some(first) = variants(schema).first() {
        return placeholder(doc, first, depth);
    }
    match types(schema).first().copied() {
        Some("string") => match schema.get("format").and_then(Value::as_str) {
            Some("uuid") => json!("3f6c1a52-8f0e-4a3e-9b7a-2d1e4c5b6a70"),
            Some("date-time") => json!("2025-01-31T12:00:00Z"),
            Some("email") => json!("ada@example.com"),
            Some("uri") => json!("https://example.com/hook"),
            _ => json!("string"),
        },
        Some("integer") => json!(1),
        Some("number") => json!(1.5),
        Some("boolean") => json!(true),
        Some("array") if depth < 4 => match schema.get("items") {
            Some(items) => json!([placeholder(doc, items, depth + 1)]),
            None => json!([]),
        },
        Some("array") => json!([]),
        _ => match schema.get("properties").and_then(Value::as_object) {
            Some(properties) if depth < 4 => {
                let object: Map<String, Value> = properties
                    .iter()
                    .map(|(name, prop)| (name.clone(), placeholder(doc, prop, depth + 1)))
                    .collect();
                Value::Object(object)
            }
            _ => match schema.get("additionalProperties") {
                Some(values) if values.is_object() && depth < 4 => {
                    json!({ "key": placeholder(doc, values, depth + 1) })
                }
                _ => json!({}),
            },
        },
    }
}

/// A placeholder as it goes into a query string.
fn query_value(value: &Value) -> String {
    let raw = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    raw.chars()
        .map(|c| match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '-' | '_' | '.' | '~' => c.to_string(),
            other => {
                let mut buf = [0u8; 4];
                other
                    .encode_utf8(&mut buf)
                    .bytes()
                    .map(|b| format!("%{b:02X}"))
                    .collect()
            }
        })
        .collect()
}

/// The body for `-d '...'`: one line when short, indented otherwise; single quotes escaped
/// for the shell.
fn body_arg(body: &Value) -> String {
    let compact = body.to_string();
    let text = if compact.len() <= 60 {
        compact
    } else {
        serde_json::to_string_pretty(body).unwrap_or(compact)
    };
    text.replace('\'', "'\\''")
}

/// A request body example, as JSON or as form fields.
pub enum Body<'a> {
    Json(&'a Value),
    Form(&'a Value),
}

/// The curl command for one operation.
pub fn curl(
    server: &str,
    method: &str,
    path: &str,
    access: &Access,
    session_cookie: &str,
    query: &[(String, Value)],
    body: Option<Body<'_>>,
) -> String {
    let mut url = format!("{server}{path}");
    if !query.is_empty() {
        let pairs: Vec<String> = query
            .iter()
            .map(|(k, v)| format!("{k}={}", query_value(v)))
            .collect();
        url = format!("{url}?{}", pairs.join("&"));
    }
    let post = !method.eq_ignore_ascii_case("get");
    let mut lines = Vec::new();
    match access {
        Access::Scope(_) if !post => {
            lines.push(format!("curl -H \"Authorization: Bearer {KEY_VAR}\""));
            lines.push(format!("  \"{url}\""));
        }
        _ => {
            lines.push(if post {
                format!("curl -X {} \"{url}\"", method.to_uppercase())
            } else {
                format!("curl \"{url}\"")
            });
            match access {
                Access::Scope(_) => lines.push(format!("  -H \"Authorization: Bearer {KEY_VAR}\"")),
                Access::Session => {
                    lines.push(format!("  -b \"{session_cookie}=$SESSION_COOKIE\""));
                    if post {
                        lines.push("  -H \"X-CSRF-Token: $CSRF_TOKEN\"".into());
                    }
                }
                Access::Public => {}
            }
        }
    }
    match (post, body) {
        (true, Some(Body::Form(fields))) => {
            for (name, value) in fields.as_object().into_iter().flatten() {
                let value = match value {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let field = format!("{name}={value}").replace('\'', "'\\''");
                lines.push(format!("  --data-urlencode '{field}'"));
            }
        }
        (true, body) => {
            let json = match body {
                Some(Body::Json(v)) => v.clone(),
                _ => json!({}),
            };
            lines.push("  -H \"Content-Type: application/json\"".into());
            lines.push(format!("  -d '{}'", body_arg(&json)));
        }
        (false, _) => {}
    }
    lines.join(" \\\n")
}
