//! Writes [`argument_rules`](super::argument_rules) into the generated document: every
//! argument object closed (unknown arguments are refused), each argument patched, and NUL
//! characters kept out of every other string argument.

use serde_json::{json, Map, Value};

use super::argument_rules::{
    event_fields, json_value_schema, retry_policy_fields, table, JSON_VALUE, NUL_FREE,
};
use crate::integrations::catalogue::Catalogue;

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
        if let Some(policy) = schemas.get_mut("RetryPolicy") {
            constrain_object(policy, &retry_policy_fields());
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
