//! API keys: how the host product's own code calls Plugboard. A key is shown once, when it is
//! created or regenerated; only its SHA-256 digest and a short preview are stored.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::scope::Scope;
use crate::client::ApiClient;
use crate::error::AppError;

#[cfg(feature = "ssr")]
pub mod rules;
#[cfg(feature = "ssr")]
pub mod service;

/// An API key as anyone can see it after creation: never the key itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ApiKeyView {
    pub id: Uuid,
    pub name: String,
    pub scopes: Vec<Scope>,
    /// The first and last characters, e.g. `sk_live_abc1...wxyz`.
    pub preview: String,
    pub enabled: bool,
    pub status: ApiKeyStatus,
    pub expires_at: Option<DateTime<Utc>>,
    /// The admin's email, or the API key or command that created it.
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub regenerated_at: Option<DateTime<Utc>>,
    /// Until when the key replaced by the last regeneration still works.
    pub previous_valid_until: Option<DateTime<Utc>>,
    /// Updated within a minute of use.
    pub last_used_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApiKeyStatus {
    Active,
    Disabled,
    Expired,
}

/// The company's keys and where the API lives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ApiKeyList {
    /// `PUBLIC_URL/api/v1`.
    pub api_base_url: String,
    pub keys: Vec<ApiKeyView>,
}

/// A key just created or regenerated: `secret` is the full key, shown this once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct IssuedApiKey {
    pub key: ApiKeyView,
    pub secret: String,
}

/// The company's API keys, newest first, with the API's base URL. An API key sees only the
/// keys whose every scope it holds.
#[server(prefix = "/api/v1/api_keys", endpoint = "list", input = server_fn::codec::GetUrl, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn list_api_keys() -> Result<ApiKeyList, AppError> {
    let caller = crate::auth::access::require(crate::auth::scope::Scope::ApiKeysRead).await?;
    service::list(&crate::runtime::app_state()?, &caller).await
}

/// Creates a key. The response holds the full key; it cannot be retrieved again.
/// `expires_in_days` (1 to 3650) is optional; without it the key does not expire.
#[server(prefix = "/api/v1/api_keys", endpoint = "create", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn create_api_key(
    name: String,
    scopes: Vec<Scope>,
    expires_in_days: Option<u32>,
) -> Result<IssuedApiKey, AppError> {
    let caller = crate::auth::access::require(crate::auth::scope::Scope::ApiKeysWrite).await?;
    let state = crate::runtime::app_state()?;
    let new = rules::NewKey::validate(&name, scopes, expires_in_days)?;
    rules::ensure_may_grant(&caller, &new.scopes)?;
    let actor = crate::audit::service::Actor::of(&caller);
    service::create(&state.pool, caller.company_id, &actor, new).await
}

/// Issues a new key in place of the old one. An API key may regenerate, disable or delete
/// only keys whose every scope it holds. The old key stops working at once, or after
/// `grace_period_secs` (at most 7 days) so deployments can switch over.
#[server(prefix = "/api/v1/api_keys", endpoint = "regenerate", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn regenerate_api_key(
    id: Uuid,
    grace_period_secs: Option<u32>,
) -> Result<IssuedApiKey, AppError> {
    let caller = crate::auth::access::require(crate::auth::scope::Scope::ApiKeysWrite).await?;
    let state = crate::runtime::app_state()?;
    service::regenerate(&state, &caller, id, grace_period_secs.unwrap_or(0)).await
}

/// Enables or disables a key; a disabled key is refused at once.
#[server(prefix = "/api/v1/api_keys", endpoint = "set_enabled", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn set_api_key_enabled(id: Uuid, enabled: bool) -> Result<ApiKeyView, AppError> {
    let caller = crate::auth::access::require(crate::auth::scope::Scope::ApiKeysWrite).await?;
    service::set_enabled(&crate::runtime::app_state()?, &caller, id, enabled).await
}

/// Deletes a key for good.
#[server(prefix = "/api/v1/api_keys", endpoint = "delete", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn delete_api_key(id: Uuid) -> Result<(), AppError> {
    let caller = crate::auth::access::require(crate::auth::scope::Scope::ApiKeysWrite).await?;
    service::delete(&crate::runtime::app_state()?, &caller, id).await
}
