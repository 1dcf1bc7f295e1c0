//! The API's input boundary, in front of every server function: the request must fit the
//! document's shape before a function sees it.
//!
//! - A body over [`MAX_API_BODY`] is 413.
//! - An argument the operation does not have is 400 naming it (the document's argument objects
//!   are closed: a typo is an error, not silently ignored).
//! - Text holding U+0000 anywhere (query, form field, JSON string or key) is 400 naming the
//!   field: PostgreSQL stores no NUL in `text` or `jsonb`, and the message never echoes the
//!   value.
//! - An integer argument written as `5.0` (the same number to JSON Schema) is read as `5`.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::Arc;

use app::error::AppError;
use app::openapi::{ArgKind, ArgType, InputShape};
use axum::extract::Request;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::value::RawValue;
use serde_json::Value;

/// The largest request body the API reads (a batch of events is the biggest legitimate one).
pub const MAX_API_BODY: usize = 16 * 1024 * 1024;

/// Each operation's arguments, by path.
pub type InputShapes = Arc<HashMap<String, InputShape>>;

/// The request with its body read and checked, or the refusal.
pub async fn check(shapes: &InputShapes, req: Request) -> ControlFlow<Response, Request> {
    if !req.uri().path().starts_with("/api/") {
        return ControlFlow::Continue(req);
    }
    let shape = shapes.get(req.uri().path());
    if let Some(query) = req.uri().query() {
        if let Err(refusal) = check_form(query, shape).and_then(|()| check_query(query, shape)) {
            return ControlFlow::Break(refusal.into_response());
        }
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_API_BODY).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return ControlFlow::Break(
                AppError::PayloadTooLarge {
                    field: "body".into(),
                    message: format!(
                        "The request body is larger than {} MB.",
                        MAX_API_BODY / (1024 * 1024)
                    ),
                }
                .into_response(),
            )
        }
    };
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let bytes = if content_type.starts_with("application/x-www-form-urlencoded") {
        if let Err(refusal) = check_form(&String::from_utf8_lossy(&bytes), shape) {
            return ControlFlow::Break(refusal.into_response());
        }
        bytes
    } else {
        match check_json(bytes, shape) {
            Ok(bytes) => bytes,
            Err(refusal) => return ControlFlow::Break(refusal.into_response()),
        }
    };
    ControlFlow::Continue(Request::from_parts(parts, axum::body::Body::from(bytes)))
}

fn check_form(text: &str, shape: Option<&InputShape>) -> Result<(), AppError> {
    for (name, value) in url::form_urlencoded::parse(text.as_bytes()) {
        if name.contains('\0') {
            return Err(nul_refused("query"));
        }
        if let Some(shape) = shape {
            if !shape.arguments.contains(name.as_ref()) {
                return Err(unknown_argument(&name));
            }
        }
        if value.contains('\0') {
            return Err(nul_refused(&field_name(&name)));
        }
    }
    Ok(())
}

/// A query argument that cannot be empty is refused when it is (rather than read as absent).
fn check_query(query: &str, shape: Option<&InputShape>) -> Result<(), AppError> {
    let Some(shape) = shape else {
        return Ok(());
    };
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        if value.is_empty() && shape.not_empty.contains(name.as_ref()) {
            let field = field_name(&name);
            return Err(AppError::bad_request(
                &field,
                format!("`{field}` is empty; leave it out instead."),
            ));
        }
        if let Some(arg) = shape.kinds.get(name.as_ref()) {
            let fits = match arg.kind {
                ArgKind::Integer => value.parse::<i64>().is_ok(),
                ArgKind::Number => value.parse::<f64>().is_ok_and(f64::is_finite),
                ArgKind::Boolean => matches!(value.as_ref(), "true" | "false"),
                ArgKind::Uuid => uuid::Uuid::parse_str(&value).is_ok(),
                ArgKind::DateTime => chrono::DateTime::parse_from_rfc3339(&value).is_ok(),
                ArgKind::Text | ArgKind::List | ArgKind::Object => true,
            };
            if !fits && !value.is_empty() {
                return Err(wrong_kind(&name, arg.kind));
            }
        }
    }
    Ok(())
}

/// A JSON argument is of the type its schema names (null where it may be).
fn check_json_kind(name: &str, raw: &str, arg: ArgType) -> Result<(), AppError> {
    let raw = raw.trim();
    if raw == "null" {
        return match arg.nullable {
            true => Ok(()),
            false => Err(wrong_kind(name, arg.kind)),
        };
    }
    let text = || serde_json::from_str::<String>(raw).ok();
    let fits = match arg.kind {
        ArgKind::Text => raw.starts_with('"'),
        ArgKind::Uuid => text().is_some_and(|t| uuid::Uuid::parse_str(&t).is_ok()),
        ArgKind::DateTime => {
            text().is_some_and(|t| chrono::DateTime::parse_from_rfc3339(&t).is_ok())
        }
        ArgKind::Integer => raw.parse::<i64>().is_ok() || raw.parse::<u64>().is_ok(),
        ArgKind::Number => raw.parse::<f64>().is_ok(),
        ArgKind::Boolean => matches!(raw, "true" | "false"),
        ArgKind::List => raw.starts_with('['),
        ArgKind::Object => raw.starts_with('{'),
    };
    match fits {
        true => Ok(()),
        false => Err(wrong_kind(name, arg.kind)),
    }
}

fn wrong_kind(name: &str, kind: ArgKind) -> AppError {
    let field = field_name(name);
    AppError::bad_request(&field, format!("`{field}` must be {}.", kind.described()))
}

/// Checks a JSON body; returns it, rewritten only when an integer argument came as `n.0`.
fn check_json(
    bytes: axum::body::Bytes,
    shape: Option<&InputShape>,
) -> Result<axum::body::Bytes, AppError> {
    // Only the top level is parsed; anything that is not an object is the function's to refuse.
    let Ok(arguments) = serde_json::from_slice::<HashMap<String, Box<RawValue>>>(&bytes) else {
        return Ok(bytes);
    };
    let mut integral_floats = Vec::new();
    if let Some(shape) = shape {
        for (name, raw) in &arguments {
            if !shape.arguments.contains(name) {
                return Err(unknown_argument(name));
            }
            let integral = shape.integers.contains(name)
                && raw.get().contains(['.', 'e', 'E'])
                && raw.get().parse::<f64>().ok().and_then(as_whole).is_some();
            if integral {
                integral_floats.push(name.clone());
            } else if let Some(kind) = shape.kinds.get(name) {
                check_json_kind(name, raw.get(), *kind)?;
            }
        }
    }
    // Only a JSON escape can put a NUL in a JSON string; most bodies skip the full parse.
    if contains(&bytes, b"\\u0000") {
        if let Ok(value) = serde_json::from_slice::<Value>(&bytes) {
            if let Some(field) = nul_in_json(&value, "") {
                return Err(nul_refused(&field));
            }
        }
    }
    if integral_floats.is_empty() {
        return Ok(bytes);
    }
    let Ok(mut value) = serde_json::from_slice::<Value>(&bytes) else {
        return Ok(bytes);
    };
    for name in integral_floats {
        if let Some(number) = value.get_mut(&name) {
            if let Some(whole) = number.as_f64().and_then(as_whole) {
                *number = whole;
            }
        }
    }
    Ok(serde_json::to_vec(&value).map(Into::into).unwrap_or(bytes))
}

/// `5.0` as `5`; fractions and numbers out of range stay as they are (the function refuses them).
fn as_whole(n: f64) -> Option<Value> {
    if n.fract() != 0.0 || !n.is_finite() || n.abs() > 9.0e15 {
        return None;
    }
    Some(Value::from(n as i64))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A key as it can be shown: names are, anything else is `*`.
fn field_name(key: &str) -> String {
    let plain = !key.is_empty()
        && key.len() <= 64
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if plain {
        key.to_string()
    } else {
        "*".to_string()
    }
}

/// The path (`data.items[2].note`) of the first JSON string or key holding a NUL.
fn nul_in_json(value: &Value, path: &str) -> Option<String> {
    let at = |path: &str| {
        if path.is_empty() {
            "body".to_string()
        } else {
            path.to_string()
        }
    };
    match value {
        Value::String(s) if s.contains('\0') => Some(at(path)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_in_json(item, &format!("{path}[{i}]"))),
        Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            if key.contains('\0') {
                return Some(at(path));
            }
            let key = field_name(key);
            let child = if path.is_empty() {
                key
            } else {
                format!("{path}.{key}")
            };
            nul_in_json(item, &child)
        }),
        _ => None,
    }
}

fn nul_refused(field: &str) -> AppError {
    AppError::bad_request(
        field,
        format!("`{field}` contains a NUL character (U+0000), which cannot be stored."),
    )
}

fn unknown_argument(name: &str) -> AppError {
    let field = match field_name(name).as_str() {
        "*" => "body".to_string(),
        plain => plain.to_string(),
    };
    AppError::bad_request(&field, format!("Unknown argument `{field}`."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn shape(arguments: &[&str], integers: &[&str]) -> InputShape {
        InputShape {
            arguments: arguments.iter().map(|s| s.to_string()).collect(),
            integers: integers.iter().map(|s| s.to_string()).collect(),
            not_empty: integers.iter().map(|s| s.to_string()).collect(),
            kinds: integers
                .iter()
                .map(|s| {
                    let integer = ArgType {
                        kind: ArgKind::Integer,
                        nullable: true,
                    };
                    (s.to_string(), integer)
                })
                .collect(),
        }
    }

    #[test]
    fn arguments_of_the_wrong_type_are_refused_by_name() {
        let text = ArgType {
            kind: ArgKind::Text,
            nullable: false,
        };
        let id = ArgType {
            kind: ArgKind::Uuid,
            nullable: true,
        };
        assert!(check_json_kind("event_type", "\"x\"", text).is_ok());
        let err = check_json_kind("event_type", "42", text).unwrap_err();
        assert_eq!(err.field(), Some("event_type"));
        assert_eq!(err.to_string(), "`event_type` must be a string.");
        assert!(check_json_kind("event_type", "null", text).is_err());
        assert!(check_json_kind("id", "null", id).is_ok());
        assert!(check_json_kind("id", "\"6f1c2a4e-8d7b-4c3e-9a10-2b3c4d5e6f70\"", id).is_ok());
        assert!(check_json_kind("id", "\"xyz\"", id).is_err());
        let query = shape(&["limit"], &["limit"]);
        assert_eq!(
            check_query("limit=ten", Some(&query)).unwrap_err().field(),
            Some("limit")
        );
    }

    #[test]
    fn nul_characters_are_found_by_field_path() {
        let body =
            json!({"event_type": "x", "data": {"items": [{"ok": "fine"}, {"note": "a\u{0}b"}]}});
        assert_eq!(
            nul_in_json(&body, "").as_deref(),
            Some("data.items[1].note")
        );
        let key = json!({"data": {"bad\u{0}key": 1}});
        assert_eq!(nul_in_json(&key, "").as_deref(), Some("data"));
        let odd = json!({"data": {"\u{12}weird key": "a\u{0}"}});
        assert_eq!(nul_in_json(&odd, "").as_deref(), Some("data.*"));
        assert_eq!(nul_in_json(&json!({"text": "clean"}), ""), None);
    }

    #[test]
    fn arguments_must_exist_and_integers_may_be_written_as_floats() {
        let publish = shape(&["event_type", "data"], &[]);
        let body = axum::body::Bytes::from(r#"{"event_type": "a.b", "data": {}, "typo": 1}"#);
        assert!(check_json(body, Some(&publish)).is_err());
        let create = shape(&["name", "expires_in_days"], &["expires_in_days"]);
        let body = axum::body::Bytes::from(r#"{"name": "k", "expires_in_days": 30.0}"#);
        let fixed: Value =
            serde_json::from_slice(&check_json(body, Some(&create)).unwrap()).unwrap();
        assert_eq!(fixed["expires_in_days"], json!(30));
        assert!(check_form(
            "email=a%00b&password=x",
            Some(&shape(&["email", "password"], &[]))
        )
        .is_err());
        assert!(check_form("email=a&extra=1", Some(&shape(&["email"], &[]))).is_err());
        assert!(check_form("email=a", Some(&shape(&["email"], &[]))).is_ok());
        assert!(check_query("limit=", Some(&shape(&["limit"], &["limit"]))).is_err());
        assert!(check_query("limit=5", Some(&shape(&["limit"], &["limit"]))).is_ok());
    }
}
