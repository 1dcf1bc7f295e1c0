//! A connection's settings: defaults from the provider's JSON Schema, validation with a message
//! per field, and the connection-info line some settings produce.

use serde_json::{Map, Value};

use crate::error::AppError;

/// The schema's `default` values, for a new connection.
pub fn defaults(schema: &Value) -> Value {
    let mut out = Map::new();
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (name, prop) in props {
            if let Some(default) = prop.get("default") {
                out.insert(name.clone(), default.clone());
            }
        }
    }
    Value::Object(out)
}

/// `config` with the schema's defaults for the settings it leaves out: what the connection
/// acts on is what the form would show.
pub fn with_defaults(schema: &Value, config: Value) -> Value {
    let Value::Object(mut merged) = defaults(schema) else {
        return config;
    };
    match config {
        Value::Object(given) => {
            merged.extend(given);
            Value::Object(merged)
        }
        other => other,
    }
}

/// Refuses settings that break the schema (or name settings it does not have), with the first
/// problem's field and a readable message.
pub fn validate(schema: &Value, config: &Value) -> Result<(), AppError> {
    let Some(object) = config.as_object() else {
        return Err(AppError::bad_request(
            "config",
            "Settings must be a JSON object.",
        ));
    };
    let props = schema.get("properties").and_then(Value::as_object);
    for key in object.keys() {
        if !props.is_some_and(|p| p.contains_key(key)) {
            return Err(AppError::bad_request(
                key,
                format!("Unknown setting {key:?}."),
            ));
        }
    }
    let validator = jsonschema::validator_for(schema).map_err(|e| {
        tracing::error!("catalogue schema failed to compile: {e}");
        AppError::Internal
    })?;
    let Some(error) = validator.iter_errors(config).next() else {
        return Ok(());
    };
    let path = error.instance_path().to_string();
    let mut field = path
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let message = error.to_string();
    if field.is_empty() {
        // A missing required property: the message names it in quotes.
        field = message.split('"').nth(1).unwrap_or("config").to_string();
    }
    let title = props
        .and_then(|p| p.get(&field))
        .and_then(|p| p.get("title"))
        .and_then(Value::as_str)
        .unwrap_or(&field)
        .to_string();
    let friendly = if message.contains("is a required property") {
        format!("{title} is required.")
    } else {
        format!("{title}: {message}")
    };
    Err(AppError::bad_request(field, friendly))
}

pub fn check_url(field: &str, label: &str, value: &str) -> Result<(), AppError> {
    match reqwest::Url::parse(value) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() => Ok(()),
        _ => Err(AppError::bad_request(
            field,
            format!("{label} must be a full URL, like https://example.com."),
        )),
    }
}

/// The one-line summary a card shows, derived from settings where that says most.
pub fn connection_info(slug: &str, config: &Value) -> Option<String> {
    match slug {
        "slack" => config
            .get("channel")
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
            .map(|c| {
                format!(
                    "Connected to: {}",
                    if c.starts_with('#') {
                        c.to_string()
                    } else {
                        format!("#{c}")
                    }
                )
            }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({
            "type": "object",
            "required": ["channel"],
            "properties": {
                "channel": {"type": "string", "title": "Notification channel"},
                "daily_summary": {"type": "boolean", "title": "Daily summary", "default": true},
                "sync_direction": {"type": "string", "title": "Sync direction", "enum": ["import", "export"]}
            }
        })
    }

    #[test]
    fn defaults_come_from_the_schema() {
        assert_eq!(defaults(&schema()), json!({"daily_summary": true}));
        assert_eq!(
            with_defaults(&schema(), json!({"channel": "x"})),
            json!({"channel": "x", "daily_summary": true})
        );
        assert_eq!(
            with_defaults(&schema(), json!({"daily_summary": false})),
            json!({"daily_summary": false})
        );
    }

    #[test]
    fn problems_name_their_field() {
        let err = validate(&schema(), &json!({"daily_summary": true})).unwrap_err();
        assert_eq!(err.field(), Some("channel"));
        assert_eq!(err.to_string(), "Notification channel is required.");
        let err =
            validate(&schema(), &json!({"channel": "x", "daily_summary": "yes"})).unwrap_err();
        assert_eq!(err.field(), Some("daily_summary"));
        let err = validate(
            &schema(),
            &json!({"channel": "x", "sync_direction": "sideways"}),
        )
        .unwrap_err();
        assert_eq!(err.field(), Some("sync_direction"));
        let err = validate(&schema(), &json!({"channel": "x", "surprise": 1})).unwrap_err();
        assert_eq!(err.field(), Some("surprise"));
        assert!(validate(
            &schema(),
            &json!({"channel": "x", "sync_direction": "import"})
        )
        .is_ok());
    }
}
