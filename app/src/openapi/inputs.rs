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
    /// What each argument with a plain schema must be: a wrong type is refused naming the
    /// argument (serde's own message would quote the value).
    pub kinds: HashMap<String, ArgType>,
}

/// The JSON type (and, for text, the format) of an argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    Text,
    Uuid,
    DateTime,
    Integer,
    Number,
    Boolean,
    List,
    Object,
}

/// An argument's kind, and whether it may be null.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArgType {
    pub kind: ArgKind,
    pub nullable: bool,
}

impl ArgKind {
    /// "a string", "a UUID", ... as an error message says what was expected.
    pub fn described(self) -> &'static str {
        match self {
            ArgKind::Text => "a string",
            ArgKind::Uuid => "a UUID",
            ArgKind::DateTime => "an RFC 3339 date-time",
            ArgKind::Integer => "a whole number",
            ArgKind::Number => "a number",
            ArgKind::Boolean => "true or false",
            ArgKind::List => "a list",
            ArgKind::Object => "an object",
        }
    }
}

/// A schema's plain type: one JSON type (or one and null), no references or alternatives.
fn arg_type(schema: &Value) -> Option<ArgType> {
    if ["$ref", "oneOf", "anyOf", "allOf"]
        .iter()
        .any(|k| schema.get(*k).is_some())
    {
        return None;
    }
    let (name, nullable) = match &schema["type"] {
        Value::String(t) => (t.as_str(), false),
        Value::Array(types) => {
            let named: Vec<&str> = types.iter().filter_map(Value::as_str).collect();
            let nullable = named.contains(&"null");
            match named.iter().filter(|t| **t != "null").collect::<Vec<_>>()[..] {
                [one] => (*one, nullable),
                _ => return None,
            }
        }
        _ => return None,
    };
    let kind = match (name, schema.get("format").and_then(Value::as_str)) {
        ("string", Some("uuid")) => ArgKind::Uuid,
        ("string", Some("date-time")) => ArgKind::DateTime,
        ("string", _) => ArgKind::Text,
        ("integer", _) => ArgKind::Integer,
        ("number", _) => ArgKind::Number,
        ("boolean", _) => ArgKind::Boolean,
        ("array", _) => ArgKind::List,
        ("object", _) => ArgKind::Object,
        _ => return None,
    };
    Some(ArgType { kind, nullable })
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
            if let Some(kind) = arg_type(&param["schema"]) {
                shape.kinds.insert(name.clone(), kind);
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
                if let Some(kind) = arg_type(schema) {
                    shape.kinds.insert(name.clone(), kind);
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
