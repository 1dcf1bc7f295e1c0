//! The provider catalogue: data in `catalogue.toml` (or the file `PLUGBOARD_CATALOGUE` names),
//! loaded and validated at start-up, then completed from the environment: OAuth client
//! credentials (`<SLUG>_CLIENT_ID`, `<SLUG>_CLIENT_SECRET`) and endpoint overrides
//! (`<SLUG>_AUTHORIZE_URL`, `<SLUG>_TOKEN_URL`, `<SLUG>_REVOKE_URL`, `<SLUG>_API_BASE_URL`).

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Deserialize;

use super::types::{AuthType, Category, CredentialField, ProviderView, WebhookSpec};

pub const BUILTIN: &str = include_str!("catalogue.toml");
pub const CALLBACK_PATH: &str = "/integrations/oauth/callback";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    provider: Vec<ProviderDef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderDef {
    pub slug: String,
    pub name: String,
    pub category: Category,
    pub short_description: String,
    pub description: String,
    pub logo: String,
    pub features: Vec<String>,
    pub permissions: Vec<String>,
    pub auth_type: AuthType,
    pub api_base_url: String,
    #[serde(default)]
    pub docs_url: Option<String>,
    pub allow_multiple: bool,
    pub disconnect_effects: Vec<String>,
    #[serde(default)]
    pub oauth: Option<OAuthDef>,
    #[serde(default)]
    pub fields: Vec<CredentialField>,
    #[serde(default)]
    pub webhook: Option<WebhookSpec>,
    pub config_schema: serde_json::Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuth {
    Basic,
    RequestBody,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuthDef {
    pub authorize_url: String,
    pub token_url: String,
    #[serde(default)]
    pub revoke_url: Option<String>,
    pub scopes: Vec<String>,
    pub scope_separator: String,
    pub pkce: bool,
    pub client_auth: ClientAuth,
    #[serde(default)]
    pub extra_authorize_params: BTreeMap<String, String>,
    #[serde(default)]
    pub token_fields: Vec<String>,
    #[serde(default)]
    pub account_label_field: Option<String>,
}

/// An OAuth provider's endpoints after environment overrides, and its client, if configured.
#[derive(Debug, Clone)]
pub struct OAuthSettings {
    pub def: OAuthDef,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

impl OAuthSettings {
    pub fn client(&self) -> Option<(&str, &str)> {
        Some((self.client_id.as_deref()?, self.client_secret.as_deref()?))
    }
}

#[derive(Debug, Clone)]
pub struct Provider {
    pub def: ProviderDef,
    pub oauth: Option<OAuthSettings>,
    pub env_prefix: String,
}

impl Provider {
    pub fn configured(&self) -> bool {
        self.oauth
            .as_ref()
            .map(|o| o.client().is_some())
            .unwrap_or(true)
    }

    pub fn missing_env(&self) -> Vec<String> {
        let Some(oauth) = &self.oauth else {
            return Vec::new();
        };
        let mut missing = Vec::new();
        if oauth.client_id.is_none() {
            missing.push(format!("{}_CLIENT_ID", self.env_prefix));
        }
        if oauth.client_secret.is_none() {
            missing.push(format!("{}_CLIENT_SECRET", self.env_prefix));
        }
        missing
    }
}

pub struct Catalogue {
    providers: Vec<Provider>,
    index: HashMap<String, usize>,
    redirect_uri: String,
}

/// `hubspot` -> `HUBSPOT`, `zoho-crm` -> `ZOHO_CRM`.
pub fn env_prefix(slug: &str) -> String {
    slug.to_ascii_uppercase().replace('-', "_")
}

impl Catalogue {
    /// Parses and validates `text`, reading provider variables through `env`.
    pub fn load(
        text: &str,
        env: &dyn Fn(&str) -> Option<String>,
        public_url: &reqwest::Url,
    ) -> Result<Self, String> {
        let file: CatalogueFile = toml::from_str(text).map_err(|e| format!("catalogue: {e}"))?;
        let mut providers = Vec::with_capacity(file.provider.len());
        let mut index = HashMap::new();
        for mut def in file.provider {
            let prefix = env_prefix(&def.slug);
            validate(&def).map_err(|e| format!("catalogue: provider {:?}: {e}", def.slug))?;
            if index.insert(def.slug.clone(), providers.len()).is_some() {
                return Err(format!("catalogue: duplicate provider slug {:?}", def.slug));
            }
            let var =
                |name: &str| env(&format!("{prefix}_{name}")).filter(|v| !v.trim().is_empty());
            if let Some(url) = var("API_BASE_URL") {
                def.api_base_url = url;
            }
            let oauth = def.oauth.clone().map(|mut o| {
                if let Some(url) = var("AUTHORIZE_URL") {
                    o.authorize_url = url;
                }
                if let Some(url) = var("TOKEN_URL") {
                    o.token_url = url;
                }
                if let Some(url) = var("REVOKE_URL") {
                    o.revoke_url = Some(url);
                }
                OAuthSettings {
                    def: o,
                    client_id: var("CLIENT_ID"),
                    client_secret: var("CLIENT_SECRET"),
                }
            });
            if let Some(o) = &oauth {
                for (what, url) in [
                    ("authorize URL", Some(&o.def.authorize_url)),
                    ("token URL", Some(&o.def.token_url)),
                    ("revoke URL", o.def.revoke_url.as_ref()),
                ] {
                    if let Some(url) = url {
                        check_url(url).map_err(|e| {
                            format!("catalogue: provider {:?}: {what}: {e}", def.slug)
                        })?;
                    }
                }
            }
            providers.push(Provider {
                def,
                oauth,
                env_prefix: prefix,
            });
        }
        let redirect_uri = public_url
            .join(CALLBACK_PATH)
            .map_err(|e| format!("PUBLIC_URL: {e}"))?
            .to_string();
        Ok(Self {
            providers,
            index,
            redirect_uri,
        })
    }

    pub fn get(&self, slug: &str) -> Option<&Provider> {
        self.index.get(slug).map(|&i| &self.providers[i])
    }

    pub fn providers(&self) -> &[Provider] {
        &self.providers
    }

    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    pub fn view(&self, provider: &Provider, connections: u32) -> ProviderView {
        let d = &provider.def;
        ProviderView {
            slug: d.slug.clone(),
            name: d.name.clone(),
            category: d.category,
            short_description: d.short_description.clone(),
            description: d.description.clone(),
            logo: d.logo.clone(),
            features: d.features.clone(),
            permissions: d.permissions.clone(),
            auth_type: d.auth_type,
            docs_url: d.docs_url.clone(),
            allow_multiple: d.allow_multiple,
            disconnect_effects: d.disconnect_effects.clone(),
            configured: provider.configured(),
            missing_env: provider.missing_env(),
            redirect_uri: provider.oauth.as_ref().map(|_| self.redirect_uri.clone()),
            fields: d.fields.clone(),
            webhook: d.webhook.clone(),
            config_schema: d.config_schema.clone(),
            connections,
        }
    }
}

fn check_url(url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("{url:?} is not a URL ({e})"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("{url:?} must be http(s)"));
    }
    Ok(())
}

const PROPERTY_TYPES: [&str; 4] = ["boolean", "string", "integer", "object"];

fn validate(def: &ProviderDef) -> Result<(), String> {
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
