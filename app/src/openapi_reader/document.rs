//! The document as a whole: its intro, security schemes, error shape, and operations by tag.

use serde_json::Value;

use super::operation::operation;
use super::schema::{fields, text};
use super::types::{ApiDoc, Group};

/// The tags in the order the page lists them; others follow in document order.
const TAG_ORDER: [&str; 6] = [
    "Events",
    "API keys",
    "Integrations",
    "Company",
    "Notifications",
    "Auth",
];

/// Reads the document served at `/api/v1/openapi.json`.
pub fn parse(doc: &Value) -> ApiDoc {
    let server = doc
        .pointer("/servers/0/url")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let server = server.trim_end_matches('/').to_string();
    let schemes_value = doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object);
    let session_cookie = schemes_value
        .and_then(|s| s.get("session"))
        .map(|s| text(s, "name"))
        .unwrap_or_default();
    let schemes = schemes_value
        .map(|s| {
            s.iter()
                .map(|(name, scheme)| (name.clone(), text(scheme, "description")))
                .collect()
        })
        .unwrap_or_default();
    let error_fields = doc
        .pointer("/components/schemas/Error/properties/error")
        .map(|e| fields(doc, e))
        .unwrap_or_default();
    let mut groups: Vec<Group> = Vec::new();
    let mut headers: Vec<String> = Vec::new();
    let paths = doc.get("paths").and_then(Value::as_object);
    for (path, item) in paths.into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if !["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                continue;
            }
            for res in op
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flat_map(|r| r.values())
            {
                for name in res
                    .get("headers")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flat_map(|h| h.keys())
                {
                    if !headers.contains(name) {
                        headers.push(name.clone());
                    }
                }
            }
            let op = operation(doc, &server, &session_cookie, path, method, op);
            match groups.iter_mut().find(|g| g.tag == op.tag) {
                Some(group) => group.operations.push(op),
                None => groups.push(Group {
                    tag: op.tag.clone(),
                    operations: vec![op],
                }),
            }
        }
    }
    groups.sort_by_key(|g| {
        TAG_ORDER
            .iter()
            .position(|t| *t == g.tag)
            .unwrap_or(TAG_ORDER.len())
    });
    ApiDoc {
        title: doc
            .pointer("/info/title")
            .and_then(Value::as_str)
            .unwrap_or("API")
            .to_string(),
        version: doc
            .pointer("/info/version")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        intro: doc
            .pointer("/info/description")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        server,
        schemes,
        error_fields,
        headers,
        groups,
    }
}
