//! Reading JSON Schemas in the OpenAPI document: following `$ref`s into the components,
//! short type labels and the fields of an object.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub ty: String,
    pub required: bool,
    pub description: String,
}

pub fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Follows `$ref`s (a few levels) to the schema they name.
pub fn resolve<'a>(doc: &'a Value, mut schema: &'a Value) -> &'a Value {
    for _ in 0..8 {
        let Some(name) = ref_name(schema) else { break };
        match doc.pointer(&format!("/components/schemas/{name}")) {
            Some(target) => schema = target,
            None => break,
        }
    }
    schema
}

fn ref_name(schema: &Value) -> Option<&str> {
    schema.get("$ref")?.as_str()?.rsplit('/').next()
}

/// The variants of `oneOf`/`anyOf`/`allOf` that are not just `null`.
pub fn variants(schema: &Value) -> Vec<&Value> {
    ["oneOf", "anyOf", "allOf"]
        .iter()
        .filter_map(|k| schema.get(*k).and_then(Value::as_array))
        .flatten()
        .filter(|v| v.get("type").and_then(Value::as_str) != Some("null"))
        .collect()
}

/// The schema's non-null `type`s.
pub fn types(schema: &Value) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .collect(),
        _ => Vec::new(),
    }
}

/// A short human label: `string (uuid)`, `array of Scope`, `integer`, `any JSON`.
pub fn type_label(schema: &Value) -> String {
    if let Some(name) = ref_name(schema) {
        return name.to_string();
    }
    let alternatives = variants(schema);
    if !alternatives.is_empty() {
        let labels: Vec<String> = alternatives.iter().map(|v| type_label(v)).collect();
        return labels.join(" | ");
    }
    let ty = types(schema);
    match ty.first().copied() {
        Some("array") => match schema.get("items") {
            Some(items) => format!("array of {}", type_label(items)),
            None => "array".into(),
        },
        Some(t) => match schema.get("format").and_then(Value::as_str) {
            Some(format) if t == "string" || t == "integer" => format!("{t} ({format})"),
            _ => ty.join(" | "),
        },
        None => "any JSON".into(),
    }
}

/// What a field is for: its description, plus the allowed values of an enum.
pub fn describe(doc: &Value, schema: &Value) -> String {
    let mut description = text(schema, "description");
    let target = resolve(doc, schema);
    if description.is_empty() {
        description = text(target, "description");
    }
    let inner = variants(target)
        .first()
        .map(|v| resolve(doc, v))
        .unwrap_or(target);
    let items = inner.get("items").map(|i| resolve(doc, i)).unwrap_or(inner);
    if let Some(values) = items.get("enum").and_then(Value::as_array) {
        let values: Vec<String> = values
            .iter()
            .filter_map(Value::as_str)
            .map(|v| format!("`{v}`"))
            .collect();
        if !values.is_empty() {
            let sep = if description.is_empty() { "" } else { " " };
            description = format!("{description}{sep}One of {}.", values.join(", "));
        }
    }
    description
}

/// The properties of an object schema (following `$ref`), or of the items of an array.
pub fn fields(doc: &Value, schema: &Value) -> Vec<Field> {
    let mut schema = resolve(doc, schema);
    if types(schema).first() == Some(&"array") {
        if let Some(items) = schema.get("items") {
            schema = resolve(doc, items);
        }
    }
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    properties
        .iter()
        .map(|(name, prop)| Field {
            name: name.clone(),
            ty: type_label(prop),
            required: required.contains(&name.as_str()),
            description: describe(doc, prop),
        })
        .collect()
}
