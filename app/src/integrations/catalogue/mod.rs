//! The provider catalogue: data in `catalogue.toml` (or the file `PLUGBOARD_CATALOGUE` names),
//! loaded and validated at start-up, then completed from the environment: OAuth client
//! credentials (`<SLUG>_CLIENT_ID`, `<SLUG>_CLIENT_SECRET`) and endpoint overrides
//! (`<SLUG>_AUTHORIZE_URL`, `<SLUG>_TOKEN_URL`, `<SLUG>_REVOKE_URL`, `<SLUG>_API_BASE_URL`).

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

mod validate;

use validate::{check_url, validate};

use super::types::{AuthType, Category, CredentialField, ProviderView, WebhookSpec};

pub const BUILTIN: &str = include_str!("../catalogue.toml");
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
    /// Where an operator creates the provider's OAuth app (its developer console).
    #[serde(default)]
    pub console_url: Option<String>,
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
    /// Token-response fields kept in the connection's row (not secret: an instance URL).
    #[serde(default)]
    pub token_fields: Vec<String>,
    /// Token-response fields kept sealed with the tokens (they hold credentials: Discord's
    /// incoming webhook).
    #[serde(default)]
    pub sealed_token_fields: Vec<String>,
    /// A dotted path into the token response naming the connected account (or into the answer
    /// of `account_label_endpoint`, when set).
    #[serde(default)]
    pub account_label_field: Option<String>,
    /// A path under the API base URL that names the account, fetched once with the new token,
    /// for providers whose token response names no one (Microsoft Graph's `me`).
    #[serde(default)]
    pub account_label_endpoint: Option<String>,
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
    /// `<SLUG>_API_BASE_URL` replaced the catalogue's API URL (a test double, a regional host):
    /// pasted provider URLs (catch hooks) are sent there too.
    pub api_base_overridden: bool,
    /// `<SLUG>_SIGNING_SECRET`: what the provider signs the requests it sends us with (Slack's
    /// Events API). Without it those requests are refused.
    pub signing_secret: Option<String>,
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
            let api_base_overridden = match var("API_BASE_URL") {
                Some(url) => {
                    def.api_base_url = url;
                    true
                }
                None => false,
            };
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
                    ("console URL", o.def.console_url.as_ref()),
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
                signing_secret: var("SIGNING_SECRET"),
                env_prefix: prefix,
                api_base_overridden,
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

    /// `app_registered`: an operator registered the provider's OAuth app in Plugboard.
    pub fn view(
        &self,
        provider: &Provider,
        connections: u32,
        app_registered: bool,
    ) -> ProviderView {
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
            configured: provider.configured() || app_registered,
            missing_env: match app_registered {
                true => Vec::new(),
                false => provider.missing_env(),
            },
            redirect_uri: provider.oauth.as_ref().map(|_| self.redirect_uri.clone()),
            fields: d.fields.clone(),
            webhook: d.webhook.clone(),
            config_schema: d.config_schema.clone(),
            sends_events: crate::actions::subscriptions::acts(&d.slug),
            connections,
        }
    }
}
