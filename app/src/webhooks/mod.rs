//! Webhook endpoints: where a company's events are delivered, signed (Standard Webhooks),
//! retried and logged by the worker.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::ApiClient;
use crate::error::AppError;

#[cfg(feature = "ssr")]
pub mod adapter;
#[cfg(feature = "ssr")]
pub mod endpoint_input;
#[cfg(feature = "ssr")]
pub mod endpoints;
#[cfg(feature = "ssr")]
pub mod health;
#[cfg(feature = "ssr")]
pub mod resend;
#[cfg(feature = "ssr")]
pub mod secrets;
#[cfg(feature = "ssr")]
pub mod signing;
#[cfg(feature = "ssr")]
pub mod url_guard;

pub use crate::delivery::{AttemptView, DeliveryPage, DeliveryStatus, DeliveryView, RetriedCount};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EndpointStatus {
    Active,
    /// Enabled, but the latest attempts failed.
    Failing,
    Disabled,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WebhookEndpointView {
    pub id: Uuid,
    pub url: String,
    pub description: String,
    /// Subscribed event types; `*` means all.
    pub event_types: Vec<String>,
    /// Custom headers sent with every delivery, by name. Their values are sealed at rest and
    /// read back only with `webhooks:write` (`GET /api/v1/webhooks/secrets`).
    pub header_names: Vec<String>,
    pub timeout_secs: u32,
    pub enabled: bool,
    pub status: EndpointStatus,
    /// Why it was disabled automatically (410 Gone, or too many failed deliveries).
    pub disabled_reason: Option<String>,
    /// Failed attempts since the last success.
    pub failure_count: u32,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<u16>,
    /// While a rotation runs, the previous secret also signs, until then.
    pub previous_secret_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// An endpoint with its signing secret (`whsec_...`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EndpointWithSecret {
    pub endpoint: WebhookEndpointView,
    pub secret: String,
}

/// What an endpoint keeps sealed: its signing secret and its custom header values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EndpointSecrets {
    pub secret: String,
    pub headers: BTreeMap<String, String>,
}

/// The caller, if it may act with `$scope` (server function bodies only exist with `ssr`).
#[cfg_attr(not(feature = "ssr"), allow(unused_macros))]
macro_rules! caller {
    ($scope:ident) => {
        crate::auth::access::require(crate::auth::scope::Scope::$scope).await?
    };
}

/// The company's webhook endpoints.
#[server(prefix = "/api/v1/webhooks", endpoint = "list", input = server_fn::codec::GetUrl, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn list_webhooks() -> Result<Vec<WebhookEndpointView>, AppError> {
    let caller = caller!(WebhooksRead);
    endpoints::list(&crate::server::app_state()?, caller.company_id).await
}

/// Registers an endpoint and returns it with its new signing secret. `event_types` lists
/// registered types or `*`; `timeout_secs` is 1 to 30 (default 15).
#[server(prefix = "/api/v1/webhooks", endpoint = "create", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn create_webhook(
    url: String,
    description: Option<String>,
    event_types: Vec<String>,
    headers: Option<BTreeMap<String, String>>,
    timeout_secs: Option<u32>,
    enabled: Option<bool>,
) -> Result<EndpointWithSecret, AppError> {
    let caller = caller!(WebhooksWrite);
    let state = crate::server::app_state()?;
    let input = endpoint_input::EndpointInput {
        url,
        description,
        event_types,
        headers,
        timeout_secs,
        enabled,
    };
    let checked = endpoint_input::validate(&state, caller.company_id, input).await?;
    let actor = crate::audit::service::Actor::of(&caller);
    endpoints::create(&state, caller.company_id, &actor, checked).await
}

/// One endpoint (without its secrets: see `secrets`).
#[server(prefix = "/api/v1/webhooks", endpoint = "get", input = server_fn::codec::GetUrl, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn get_webhook(id: Uuid) -> Result<WebhookEndpointView, AppError> {
    let caller = caller!(WebhooksRead);
    endpoints::get(&crate::server::app_state()?, caller.company_id, id).await
}

/// An endpoint's signing secret and custom header values. Needs `webhooks:write`: whoever can
/// read them can forge deliveries or use the credentials the headers carry.
#[server(prefix = "/api/v1/webhooks", endpoint = "secrets", input = server_fn::codec::GetUrl, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn get_webhook_secrets(id: Uuid) -> Result<EndpointSecrets, AppError> {
    let caller = caller!(WebhooksWrite);
    secrets::secrets(&crate::server::app_state()?, caller.company_id, id).await
}

/// Replaces an endpoint's settings; without `headers` the custom headers stay as they are.
/// Enabling a disabled endpoint clears its failure counts.
#[server(prefix = "/api/v1/webhooks", endpoint = "update", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn update_webhook(
    id: Uuid,
    url: String,
    description: Option<String>,
    event_types: Vec<String>,
    headers: Option<BTreeMap<String, String>>,
    timeout_secs: Option<u32>,
    enabled: Option<bool>,
) -> Result<WebhookEndpointView, AppError> {
    let caller = caller!(WebhooksWrite);
    let state = crate::server::app_state()?;
    let input = endpoint_input::EndpointInput {
        url,
        description,
        event_types,
        headers,
        timeout_secs,
        enabled,
    };
    let checked = endpoint_input::validate(&state, caller.company_id, input).await?;
    let actor = crate::audit::service::Actor::of(&caller);
    endpoints::update(&state, caller.company_id, &actor, id, checked).await
}

/// Switches an endpoint on or off, without checking its URL again. Off, its pending deliveries
/// wait (parked); on, they are due at once and the failure counts start from zero.
#[server(prefix = "/api/v1/webhooks", endpoint = "set_enabled", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn set_webhook_enabled(id: Uuid, enabled: bool) -> Result<WebhookEndpointView, AppError> {
    let caller = caller!(WebhooksWrite);
    let actor = crate::audit::service::Actor::of(&caller);
    endpoints::set_enabled(
        &crate::server::app_state()?,
        caller.company_id,
        &actor,
        id,
        enabled,
    )
    .await
}

/// Deletes an endpoint with its delivery log.
#[server(prefix = "/api/v1/webhooks", endpoint = "delete", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn delete_webhook(id: Uuid) -> Result<(), AppError> {
    let caller = caller!(WebhooksWrite);
    let actor = crate::audit::service::Actor::of(&caller);
    endpoints::delete(&crate::server::app_state()?, caller.company_id, &actor, id).await
}

/// Sends a sample event of `event_type` (its registry example) now and returns the attempt.
#[server(prefix = "/api/v1/webhooks", endpoint = "test", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn test_webhook(id: Uuid, event_type: String) -> Result<DeliveryView, AppError> {
    let caller = caller!(WebhooksWrite);
    resend::send_test(
        &crate::server::app_state()?,
        caller.company_id,
        id,
        &event_type,
    )
    .await
}

/// Issues a new signing secret; the previous one keeps signing alongside it for 24 hours.
#[server(prefix = "/api/v1/webhooks", endpoint = "rotate_secret", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn rotate_webhook_secret(id: Uuid) -> Result<EndpointWithSecret, AppError> {
    let caller = caller!(WebhooksWrite);
    let actor = crate::audit::service::Actor::of(&caller);
    secrets::rotate_secret(&crate::server::app_state()?, caller.company_id, &actor, id).await
}

/// An endpoint's deliveries, newest first, with their attempts. Filter by `status`
/// (pending, succeeded, failed) and `event_type`; page with `before`.
#[server(prefix = "/api/v1/webhooks", endpoint = "deliveries", input = server_fn::codec::GetUrl, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn list_deliveries(
    endpoint_id: Uuid,
    status: Option<DeliveryStatus>,
    event_type: Option<String>,
    before: Option<DateTime<Utc>>,
    limit: Option<u32>,
) -> Result<DeliveryPage, AppError> {
    let caller = caller!(WebhooksRead);
    let filter = crate::delivery::log::Filter {
        destination: crate::delivery::queue::Destination::webhook(endpoint_id),
        status,
        event_type,
        before,
        limit,
    };
    crate::delivery::log::list(&crate::server::app_state()?.pool, caller.company_id, filter).await
}

/// Delivers a delivery's event to its endpoint again, as a new delivery.
#[server(prefix = "/api/v1/webhooks", endpoint = "redeliver", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn redeliver(delivery_id: Uuid) -> Result<DeliveryView, AppError> {
    let caller = caller!(WebhooksWrite);
    resend::redeliver(&crate::server::app_state()?, caller.company_id, delivery_id).await
}

/// Queues again every failed delivery of an endpoint created since `since`.
#[server(prefix = "/api/v1/webhooks", endpoint = "retry_failed", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn retry_failed(
    endpoint_id: Uuid,
    since: DateTime<Utc>,
) -> Result<RetriedCount, AppError> {
    let caller = caller!(WebhooksWrite);
    resend::retry_failed(
        &crate::server::app_state()?,
        caller.company_id,
        endpoint_id,
        since,
    )
    .await
}
