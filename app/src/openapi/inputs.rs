//! The shape of each operation's arguments, read from the finished document, for the input
//! boundary: which argument names exist (others are refused, as the document's closed objects
//! say) and which are integers (JSON Schema counts `5.0` as an integer; serde does not, so the
//! boundary rewrites it).

use std::collections::{HashMap, HashSet};

use serde_json::Value;

#[derive(Debug, Clone, Default)]
pub struct InputShape {
    pub arguments: HashSet<String>,
    pub integers: HashSet<String>,
    /// Query arguments an empty value does not fit (numbers, enums, ids, dates): `limit=` is an
    /// error, not a missing argument.
    pub not_empty: HashSet<String>,
}

/// Every operation's argument shape, by path.
pub fn input_shapes(doc: &Value) -> HashMap<String, InputShape> {
    let mut shapes = HashMap::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return shapes;
    };
    for (path, item) in paths {
        let mut shape = InputShape::default();
        let params = item.pointer("/get/parameters").and_then(Value::as_array);
        for param in params.into_iter().flatten() {
            let name = param["name"].as_str().unwrap_or_default().to_string();
            if is_integer(&param["schema"]) {
                shape.integers.insert(name.clone());
            }
            if !admits_empty_text(&param["schema"]) {
                shape.not_empty.insert(name.clone());
            }
            shape.arguments.insert(name);
        }
        let bodies = item
            .pointer("/post/requestBody/content")
            .and_then(Value::as_object);
        for content in bodies.into_iter().flat_map(|c| c.values()) {
            let properties = content
                .pointer("/schema/properties")
                .and_then(Value::as_object);
            for (name, schema) in properties.into_iter().flatten() {
                if is_integer(schema) {
                    shape.integers.insert(name.clone());
                }
                shape.arguments.insert(name.clone());
            }
        }
        shapes.insert(path.clone(), shape);
    }
    shapes
}

/// A plain string schema, which "" fits.
fn admits_empty_text(schema: &Value) -> bool {
    let string = match &schema["type"] {
        Value::String(t) => t == "string",
        Value::Array(types) => types.iter().any(|t| t == "string"),
        _ => false,
    };
    string
        && ["format", "enum", "$ref", "oneOf", "anyOf"]
            .iter()
            .all(|k| schema.get(*k).is_none())
        && schema.get("minLength").and_then(Value::as_u64).unwrap_or(0) == 0
}

fn is_integer(schema: &Value) -> bool {
    match &schema["type"] {
        Value::String(t) => t == "integer",
        Value::Array(types) => types.iter().any(|t| t == "integer"),
        _ => false,
    }
}
