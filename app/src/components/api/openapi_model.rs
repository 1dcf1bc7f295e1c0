//! The OpenAPI document as the docs page shows it: operations grouped by tag, their fields
//! resolved through `$ref` into the components, and a curl example for each. Pure functions
//! over `serde_json::Value`, so they run the same on the server and in the browser.

use serde_json::Value;

use super::openapi_operation::operation;
pub use super::openapi_schema::Field;
use super::openapi_schema::{fields, text};

#[derive(Debug, Clone, PartialEq)]
pub struct ApiDoc {
    pub title: String,
    pub version: String,
    pub intro: String,
    /// `servers[0].url`: the public base URL (paths start with `/api/v1`).
    pub server: String,
    /// Security schemes: (name, description).
    pub schemes: Vec<(String, String)>,
    /// The fields of the error object (`{"error": {...}}`).
    pub error_fields: Vec<Field>,
    /// Every response header the document mentions, in order.
    pub headers: Vec<String>,
    pub groups: Vec<Group>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub tag: String,
    pub operations: Vec<Op>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    Public,
    /// A signed-in admin only.
    Session,
    /// An API key with this scope (or an admin).
    Scope(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Op {
    pub id: String,
    pub method: String,
    pub path: String,
    pub tag: String,
    pub summary: String,
    /// The description's paragraphs, without the summary sentence they start with.
    pub description: Vec<String>,
    pub access: Access,
    /// Who may call it, in the document's words.
    pub access_note: String,
    /// Query parameters (GET).
    pub params: Vec<Field>,
    /// JSON body fields (POST).
    pub body: Vec<Field>,
    /// The 200 response: its type and, for an object (or a list of them), its fields.
    pub response_type: String,
    pub response: Vec<Field>,
    /// Other statuses: (status, description).
    pub errors: Vec<(String, String)>,
    pub curl: String,
}

impl Op {
    /// Whether a lower-case search matches the operation.
    pub fn matches(&self, q: &str) -> bool {
        q.is_empty()
            || [&self.path, &self.summary, &self.tag, &self.method]
                .into_iter()
                .chain(self.description.iter())
                .any(|text| text.to_lowercase().contains(q))
    }
}

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
