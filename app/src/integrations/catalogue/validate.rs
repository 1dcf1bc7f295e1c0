//! What the loader refuses: malformed slugs, auth types without their section, and settings
//! schemas outside the subset the settings form renders.

use std::collections::HashSet;

use super::ProviderDef;
use crate::integrations::types::AuthType;

pub(super) fn check_url(url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("{url:?} is not a URL ({e})"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("{url:?} must be http(s)"));
    }
    Ok(())
}

const PROPERTY_TYPES: [&str; 4] = ["boolean", "string", "integer", "object"];

pub(super) fn validate(def: &ProviderDef) -> Result<(), String> {
    let slug_ok = !def.slug.is_empty()
        && def
            .slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !slug_ok {
        return Err("slug must be lowercase letters, digits and '-'".into());
    }
    if def.name.trim().is_empty() || def.short_description.trim().is_empty() {
        return Err("name and short_description are required".into());
    }
    match (
        def.auth_type,
        def.oauth.is_some(),
        def.fields.is_empty(),
        def.webhook.is_some(),
    ) {
        (AuthType::Oauth2, true, true, false)
        | (AuthType::ApiKey, false, false, false)
        | (AuthType::Webhook, false, true, true) => {}
        _ => {
            return Err(
                "auth_type must come with exactly its own section (oauth, fields or webhook)"
                    .into(),
            )
        }
    }
    let mut names = HashSet::new();
    for field in &def.fields {
        if !names.insert(field.name.as_str()) {
            return Err(format!("duplicate credential field {:?}", field.name));
        }
        if !matches!(field.kind.as_str(), "text" | "url" | "email" | "password") {
            return Err(format!(
                "field {:?}: unknown kind {:?}",
                field.name, field.kind
            ));
        }
    }
    validate_schema(&def.config_schema)
}

/// The settings schema must be valid JSON Schema and stay within the subset the settings form
/// renders: an object of boolean, string, integer and string-map properties, each titled.
fn validate_schema(schema: &serde_json::Value) -> Result<(), String> {
    jsonschema::validator_for(schema)
        .map_err(|e| format!("config_schema is not valid JSON Schema: {e}"))?;
    if schema.get("type").and_then(|t| t.as_str()) != Some("object") {
        return Err("config_schema must have type \"object\"".into());
    }
    let properties = schema
        .get("properties")
        .and_then(|p| p.as_object())
        .ok_or("config_schema needs properties")?;
    for (name, prop) in properties {
        let ty = prop
            .get("type")
            .and_then(|t| t.as_str())
            .unwrap_or_default();
        if !PROPERTY_TYPES.contains(&ty) {
            return Err(format!(
                "config_schema property {name:?}: unsupported type {ty:?}"
            ));
        }
        if prop.get("title").and_then(|t| t.as_str()).is_none() {
            return Err(format!("config_schema property {name:?} needs a title"));
        }
        if let (Some(values), Some(labels)) = (
            prop.get("enum").and_then(|v| v.as_array()),
            prop.get("x-enum-labels").and_then(|v| v.as_array()),
        ) {
            if values.len() != labels.len() {
                return Err(format!(
                    "config_schema property {name:?}: enum and x-enum-labels differ in length"
                ));
            }
        }
    }
    for required in schema
        .get("required")
        .and_then(|r| r.as_array())
        .into_iter()
        .flatten()
    {
        let name = required.as_str().unwrap_or_default();
        if !properties.contains_key(name) {
            return Err(format!("config_schema requires unknown property {name:?}"));
        }
    }
    Ok(())
}
