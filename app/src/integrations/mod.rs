//! The integrations catalogue and a company's connections to it.

use std::collections::BTreeMap;

use leptos::prelude::*;
use uuid::Uuid;

use crate::client::ApiClient;
use crate::error::AppError;

pub mod apps;
pub mod types;
pub use types::*;

#[cfg(feature = "ssr")]
pub mod catalogue;
#[cfg(feature = "ssr")]
pub mod configure;
#[cfg(feature = "ssr")]
pub mod connect;
#[cfg(feature = "ssr")]
pub mod credentials;
#[cfg(feature = "ssr")]
pub mod new_connection;
#[cfg(feature = "ssr")]
pub mod oauth;
#[cfg(feature = "ssr")]
pub mod remote;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod settings;
#[cfg(feature = "ssr")]
pub mod verify;

/// Every provider in the catalogue, with how often the caller's company has connected it.
#[server(prefix = "/api/v1/integrations", endpoint = "catalogue", input = server_fn::codec::GetUrl, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn list_catalogue() -> Result<Vec<ProviderView>, AppError> {
    let caller = crate::auth::access::require(crate::auth::scope::Scope::IntegrationsRead).await?;
    service::catalogue(&crate::runtime::app_state()?, caller.company_id).await
}

/// One catalogue provider by slug, with whether it is configured on this server.
#[server(prefix = "/api/v1/integrations", endpoint = "provider", input = server_fn::codec::GetUrl, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn get_provider(slug: String) -> Result<ProviderView, AppError> {
    let caller = crate::auth::access::require(crate::auth::scope::Scope::IntegrationsRead).await?;
    service::provider(&crate::runtime::app_state()?, caller.company_id, &slug).await
}

/// The caller's company's connections.
#[server(prefix = "/api/v1/integrations", endpoint = "list", input = server_fn::codec::GetUrl, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn list_connections() -> Result<Vec<ConnectionView>, AppError> {
    let caller = crate::auth::access::require(crate::auth::scope::Scope::IntegrationsRead).await?;
    service::list(&crate::runtime::app_state()?, caller.company_id).await
}

/// One of the company's connections.
#[server(prefix = "/api/v1/integrations", endpoint = "get", input = server_fn::codec::GetUrl, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn get_connection(id: Uuid) -> Result<ConnectionView, AppError> {
    let caller = crate::auth::access::require(crate::auth::scope::Scope::IntegrationsRead).await?;
    service::get(&crate::runtime::app_state()?, caller.company_id, id).await
}

/// Starts an OAuth connection: returns the provider URL to send the browser to. `reconnect`
/// names a connection whose credentials the provider refused: it is renewed in place, keeping
/// its settings and the notifications waiting for it.
#[server(prefix = "/api/v1/integrations", endpoint = "start_oauth", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn start_oauth(slug: String, reconnect: Option<Uuid>) -> Result<OAuthStart, AppError> {
    let caller = crate::auth::access::require_admin().await?;
    oauth::start(&crate::runtime::app_state()?, &caller, &slug, reconnect).await
}

/// Connects an `api_key` provider with the values of its credential form. `reconnect` names a
/// connection of that provider whose credentials are replaced instead (checked the same way):
/// it keeps its settings, and the notifications waiting while it was in Error are sent.
#[server(prefix = "/api/v1/integrations", endpoint = "connect_api_key", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn connect_api_key(
    slug: String,
    values: BTreeMap<String, String>,
    reconnect: Option<Uuid>,
) -> Result<ConnectionView, AppError> {
    let caller = crate::auth::access::require(crate::auth::scope::Scope::IntegrationsWrite).await?;
    let state = crate::runtime::app_state()?;
    connect::connect_api_key(&state, &caller, &slug, values, reconnect).await
}

/// Connects a `webhook` provider (Zapier, Make, n8n) to its catch-hook URL; `reconnect` points
/// that connection at the new URL instead, keeping its settings and waiting notifications.
#[server(prefix = "/api/v1/integrations", endpoint = "connect_webhook", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn connect_webhook(
    slug: String,
    url: String,
    reconnect: Option<Uuid>,
) -> Result<ConnectionView, AppError> {
    let caller = crate::auth::access::require(crate::auth::scope::Scope::IntegrationsWrite).await?;
    let state = crate::runtime::app_state()?;
    connect::connect_webhook(&state, &caller, &slug, &url, reconnect).await
}

/// Replaces a connection's settings, validated against the provider's settings schema, and its
/// retry policy (without `retry_policy`, failed actions retry on the installation's schedule).
/// `label` names the connection (empty: by its provider's name); without it the name stays.
#[server(prefix = "/api/v1/integrations", endpoint = "save_config", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn save_config(
    id: Uuid,
    config: serde_json::Value,
    retry_policy: Option<crate::delivery::RetryPolicy>,
    label: Option<String>,
) -> Result<ConnectionView, AppError> {
    let caller = crate::auth::access::require(crate::auth::scope::Scope::IntegrationsWrite).await?;
    let state = crate::runtime::app_state()?;
    configure::save_config(&state, &caller, id, config, retry_policy, label).await
}

/// Disconnects: revokes the grant at the provider where it can, then deletes the credentials and settings.
#[server(prefix = "/api/v1/integrations", endpoint = "disconnect", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn disconnect(id: Uuid) -> Result<(), AppError> {
    let caller = crate::auth::access::require(crate::auth::scope::Scope::IntegrationsWrite).await?;
    service::disconnect(&crate::runtime::app_state()?, &caller, id).await
}

/// Choices for a setting filled from the provider's API (`source` as in the schema's
/// `x-options-source`, e.g. Slack's `channels`).
#[server(prefix = "/api/v1/integrations", endpoint = "options", input = server_fn::codec::GetUrl, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn list_options(id: Uuid, source: String) -> Result<Vec<RemoteOption>, AppError> {
    let caller = crate::auth::access::require(crate::auth::scope::Scope::IntegrationsRead).await?;
    remote::options(
        &crate::runtime::app_state()?,
        caller.company_id,
        id,
        &source,
    )
    .await
}

/// A connection's activity log: its deliveries (messages posted, hooks called), newest first,
/// with each attempt's request and the provider's answer. Filter by `status` and `event_type`;
/// page with `before`.
#[server(prefix = "/api/v1/integrations", endpoint = "deliveries", input = server_fn::codec::GetUrl, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn list_connection_deliveries(
    id: Uuid,
    status: Option<crate::delivery::DeliveryStatus>,
    event_type: Option<String>,
    before: Option<chrono::DateTime<chrono::Utc>>,
    limit: Option<u32>,
) -> Result<crate::delivery::DeliveryPage, AppError> {
    let caller = crate::auth::access::require(crate::auth::scope::Scope::IntegrationsRead).await?;
    let filter = crate::delivery::log::Filter {
        destination: crate::delivery::queue::Destination::connection(id),
        status,
        event_type,
        before,
        limit,
    };
    crate::actions::activity::deliveries(&crate::runtime::app_state()?, caller.company_id, filter)
        .await
}

/// Sends an example event to the provider now (by default the first event the connection
/// receives) and returns the attempt with the provider's answer.
#[server(prefix = "/api/v1/integrations", endpoint = "send_test", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn send_connection_test(
    id: Uuid,
    event_type: Option<String>,
) -> Result<crate::delivery::DeliveryView, AppError> {
    let caller = crate::auth::access::require(crate::auth::scope::Scope::IntegrationsWrite).await?;
    crate::actions::activity::send_test(
        &crate::runtime::app_state()?,
        caller.company_id,
        id,
        event_type,
    )
    .await
}

/// Sends a connection's delivery again, as a new delivery.
#[server(prefix = "/api/v1/integrations", endpoint = "redeliver", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn redeliver_connection_delivery(
    delivery_id: Uuid,
) -> Result<crate::delivery::DeliveryView, AppError> {
    let caller = crate::auth::access::require(crate::auth::scope::Scope::IntegrationsWrite).await?;
    crate::actions::activity::redeliver(
        &crate::runtime::app_state()?,
        caller.company_id,
        delivery_id,
    )
    .await
}
