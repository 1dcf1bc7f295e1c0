//! Provider OAuth apps an installation operator registers in the UI (client id and secret),
//! for providers whose `<SLUG>_CLIENT_ID` / `<SLUG>_CLIENT_SECRET` are not set. The environment
//! takes precedence.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::client::ApiClient;
use crate::error::AppError;

/// Where a provider's OAuth client credentials come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppSource {
    /// `<SLUG>_CLIENT_ID` and `<SLUG>_CLIENT_SECRET`: they take precedence over the UI.
    Environment,
    /// Registered in Plugboard by an operator.
    Plugboard,
    /// Not set up: the provider cannot be connected.
    None,
}

/// A provider's OAuth app as the setup panel shows it: never the secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProviderAppView {
    pub slug: String,
    pub provider_name: String,
    pub source: AppSource,
    /// The client id in force (client ids are public: they appear in every authorize URL).
    pub client_id: Option<String>,
    /// The variables that would set it from the environment.
    pub env_vars: Vec<String>,
    /// What to register as the app's redirect (callback) URI.
    pub redirect_uri: String,
    /// Where the provider's apps are created.
    pub console_url: Option<String>,
    /// Whether the caller may register or remove it.
    pub may_manage: bool,
    /// Who may, in words.
    pub who_may: String,
    pub updated_by: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
    /// What the provider answered when the credentials were checked on saving.
    pub check_note: Option<String>,
}

/// A provider's OAuth app: where its credentials come from and how to register one.
#[server(prefix = "/api/v1/integrations", endpoint = "app", input = server_fn::codec::GetUrl, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn get_provider_app(slug: String) -> Result<ProviderAppView, AppError> {
    let admin = crate::auth::access::require_admin().await?;
    let state = crate::runtime::app_state()?;
    store::view(&state, &admin, &slug).await
}

/// Registers a provider's OAuth app (installation operators only). The credentials are checked
/// with the provider's token endpoint first; credentials it refuses are not saved.
#[server(prefix = "/api/v1/integrations", endpoint = "save_app", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn save_provider_app(
    slug: String,
    client_id: String,
    client_secret: String,
) -> Result<ProviderAppView, AppError> {
    let admin = crate::auth::access::require_admin().await?;
    let state = crate::runtime::app_state()?;
    store::save(&state, &admin, &slug, &client_id, &client_secret).await
}

/// Removes a provider's OAuth app registered in Plugboard (installation operators only).
/// Existing connections keep their tokens but cannot renew them or connect again.
#[server(prefix = "/api/v1/integrations", endpoint = "remove_app", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn remove_provider_app(slug: String) -> Result<ProviderAppView, AppError> {
    let admin = crate::auth::access::require_admin().await?;
    let state = crate::runtime::app_state()?;
    store::remove(&state, &admin, &slug).await
}

#[cfg(feature = "ssr")]
pub mod check;
#[cfg(feature = "ssr")]
pub mod store;
