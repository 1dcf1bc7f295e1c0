//! One operation of the OpenAPI document as the docs page shows it: its prose, who may call
//! it, its fields and a curl example.

use serde_json::Value;

use super::curl::{curl, placeholder, Body};
use super::schema::{describe, fields, text, type_label, Field};
use super::types::{Access, Op};

fn access(op: &Value) -> Access {
    let Some(requirements) = op.get("security").and_then(Value::as_array) else {
        return Access::Public;
    };
    if requirements.is_empty() {
        return Access::Public;
    }
    let scope = requirements.iter().find_map(|r| {
        r.get("apiKey")?
            .as_array()?
            .first()?
            .as_str()
            .map(str::to_string)
    });
    scope.map(Access::Scope).unwrap_or(Access::Session)
}

/// Doc comments arrive with their line breaks; paragraphs are separated by blank lines.
fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|p| {
            p.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|p| !p.is_empty())
        .collect()
}

/// `sign_in` -> `Sign in`.
fn humanize(name: &str) -> String {
    let words = name.replace('_', " ");
    let mut chars = words.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The summary, the description paragraphs and the closing note on who may call it. The
/// generator prefixes each description with the argument struct's own doc ("Serialized
/// arguments for the [`f`] server function."), which is dropped here.
fn prose(op: &Value) -> (String, Vec<String>, String) {
    const GENERATED: &str = "Serialized arguments for the [`";
    let raw = text(op, "description");
    let mut summary = text(op, "summary");
    let mut function = String::new();
    let body = match raw.strip_prefix(GENERATED) {
        Some(rest) => {
            function = rest.split('`').next().unwrap_or_default().to_string();
            rest.split_once("server function.")
                .map(|(_, after)| after)
                .unwrap_or(rest)
        }
        None => raw.as_str(),
    };
    let mut parts = paragraphs(body);
    let is_access = |p: &String| {
        p.starts_with("API key scope")
            || p.starts_with("No authentication")
            || p.starts_with("A signed-in admin only")
    };
    let access = if parts.last().is_some_and(is_access) {
        parts.pop().unwrap_or_default()
    } else {
        String::new()
    };
    if summary.is_empty() || summary.starts_with("Serialized arguments") {
        summary = match parts.first() {
            Some(first) => first
                .split_once(". ")
                .map(|(s, _)| s)
                .unwrap_or(first)
                .trim_end_matches('.')
                .to_string(),
            None if !function.is_empty() => humanize(&function),
            None => humanize(&text(op, "operationId")),
        };
    }
    if let Some(first) = parts.first_mut() {
        if let Some(rest) = first.strip_prefix(summary.as_str()) {
            *first = rest.trim_start_matches('.').trim().to_string();
        }
    }
    parts.retain(|p| !p.is_empty());
    (summary, parts, access)
}

pub fn operation(
    doc: &Value,
    server: &str,
    session_cookie: &str,
    path: &str,
    method: &str,
    op: &Value,
) -> Op {
    let (summary, description, access_note) = prose(op);
    let params: Vec<Field> = op
        .get("parameters")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|p| {
                    let schema = p.get("schema").unwrap_or(&Value::Null);
                    Field {
                        name: text(p, "name"),
                        ty: type_label(schema),
                        required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
                        description: describe(doc, schema),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let form_body = op
        .pointer("/requestBody/content/application~1x-www-form-urlencoded/schema")
        .is_some();
    let body_schema = op
        .pointer("/requestBody/content/application~1json/schema")
        .or_else(|| op.pointer("/requestBody/content/application~1x-www-form-urlencoded/schema"));
    let body = body_schema.map(|s| fields(doc, s)).unwrap_or_default();
    let ok_schema = op.pointer("/responses/200/content/application~1json/schema");
    let response_type = ok_schema.map(type_label).unwrap_or_default();
    let response = ok_schema.map(|s| fields(doc, s)).unwrap_or_default();
    let errors = op
        .get("responses")
        .and_then(Value::as_object)
        .map(|r| {
            r.iter()
                .filter(|(status, _)| status.as_str() != "200")
                .map(|(status, res)| (status.clone(), text(res, "description")))
                .collect()
        })
        .unwrap_or_default();
    let access = access(op);
    let query: Vec<(String, Value)> = op
        .get("parameters")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|p| {
                    (
                        text(p, "name"),
                        placeholder(doc, p.get("schema").unwrap_or(&Value::Null), 0),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let body_example = body_schema.map(|s| placeholder(doc, s, 0));
    let curl = curl(
        server,
        method,
        path,
        &access,
        session_cookie,
        &query,
        body_example.as_ref().map(|b| match form_body {
            true => Body::Form(b),
            false => Body::Json(b),
        }),
    );
    Op {
        id: text(op, "operationId"),
        method: method.to_uppercase(),
        path: path.to_string(),
        tag: op
            .pointer("/tags/0")
            .and_then(Value::as_str)
            .unwrap_or("Other")
            .to_string(),
        summary,
        description,
        access,
        access_note,
        params,
        body,
        response_type,
        response,
        errors,
        curl,
    }
}
