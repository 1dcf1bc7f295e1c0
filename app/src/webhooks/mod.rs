//! Webhook endpoints: where a company's events are delivered, signed (Standard Webhooks),
//! retried and logged by the worker.

// A server function's arguments are its REST body's fields, flat as clients send them (the
// macro also generates the browser's caller, so the allowance is the module's).
#![allow(clippy::too_many_arguments)]

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use uuid::Uuid;

use crate::client::ApiClient;
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

pub mod types;

pub use crate::delivery::{
    AttemptView, DeliveryPage, DeliveryStatus, DeliveryView, RetriedCount, RetrySchedule,
};
pub use types::*;

/// The company's webhook endpoints.
#[server(prefix = "/api/v1/webhooks", endpoint = "list", input = server_fn::codec::GetUrl, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn list_webhooks() -> Result<Vec<WebhookEndpointView>, AppError> {
    let caller = crate::auth::access::require(crate::auth::scope::Scope::WebhooksRead).await?;
    endpoints::list(&crate::runtime::app_state()?, caller.company_id).await
}

/// Registers an endpoint and returns it with its new signing secret. `event_types` lists
/// registered types or `*`; `timeout_secs` is 1 to 30 (default 15); without `retry_policy`
/// failed deliveries retry on the installation's schedule. `max_in_flight` (1 to 1,000) bounds
/// its deliveries sent at once (default: the installation's, 200); `rate_limit_per_second`
/// (1 to 100,000) bounds how many start each second (default: none).
#[server(prefix = "/api/v1/webhooks", endpoint = "create", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn create_webhook(
    url: String,
    description: Option<String>,
    event_types: Vec<String>,
    headers: Option<BTreeMap<String, String>>,
    timeout_secs: Option<u32>,
    retry_policy: Option<crate::delivery::RetryPolicy>,
    max_in_flight: Option<u32>,
    rate_limit_per_second: Option<u32>,
    enabled: Option<bool>,
) -> Result<EndpointWithSecret, AppError> {
    let caller = crate::auth::access::require(crate::auth::scope::Scope::WebhooksWrite).await?;
    let state = crate::runtime::app_state()?;
    let input = endpoint_input::EndpointInput {
        url,
        description,
        event_types,
        headers,
        timeout_secs,
        retry_policy,
        max_in_flight,
        rate_limit_per_second,
        enabled,
    };
    let checked = endpoint_input::validate(&state, caller.company_id, input).await?;
    let actor = crate::audit::service::Actor::of(&caller);
    endpoints::create(&state, caller.company_id, &actor, checked).await
}

/// The retry schedule of endpoints and connections without a `retry_policy` of their own.
#[server(prefix = "/api/v1/webhooks", endpoint = "retry_schedule", input = server_fn::codec::GetUrl, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn get_default_retry_schedule() -> Result<RetrySchedule, AppError> {
    crate::auth::access::require(crate::auth::scope::Scope::WebhooksRead).await?;
    let state = crate::runtime::app_state()?;
    let schedule = &state.config.webhooks.retry_schedule;
    Ok(RetrySchedule {
        default_waits_secs: crate::delivery::retry_policy::effective_waits(None, schedule),
    })
}

/// One endpoint (without its secrets: see `secrets`).
#[server(prefix = "/api/v1/webhooks", endpoint = "get", input = server_fn::codec::GetUrl, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn get_webhook(id: Uuid) -> Result<WebhookEndpointView, AppError> {
    let caller = crate::auth::access::require(crate::auth::scope::Scope::WebhooksRead).await?;
    endpoints::get(&crate::runtime::app_state()?, caller.company_id, id).await
}

/// An endpoint's signing secret and custom header values. Needs `webhooks:write`: whoever can
/// read them can forge deliveries or use the credentials the headers carry.
#[server(prefix = "/api/v1/webhooks", endpoint = "secrets", input = server_fn::codec::GetUrl, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn get_webhook_secrets(id: Uuid) -> Result<EndpointSecrets, AppError> {
    let caller = crate::auth::access::require(crate::auth::scope::Scope::WebhooksWrite).await?;
    secrets::secrets(&crate::runtime::app_state()?, caller.company_id, id).await
}

/// Replaces an endpoint's settings (without `retry_policy`, the installation's schedule;
/// without `max_in_flight` or `rate_limit_per_second`, the installation's limit and none);
/// without `headers` the custom headers stay as they are.
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
    retry_policy: Option<crate::delivery::RetryPolicy>,
    max_in_flight: Option<u32>,
    rate_limit_per_second: Option<u32>,
    enabled: Option<bool>,
) -> Result<WebhookEndpointView, AppError> {
    let caller = crate::auth::access::require(crate::auth::scope::Scope::WebhooksWrite).await?;
    let state = crate::runtime::app_state()?;
    let input = endpoint_input::EndpointInput {
        url,
        description,
        event_types,
        headers,
        timeout_secs,
        retry_policy,
        max_in_flight,
        rate_limit_per_second,
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
    let caller = crate::auth::access::require(crate::auth::scope::Scope::WebhooksWrite).await?;
    let actor = crate::audit::service::Actor::of(&caller);
    endpoints::set_enabled(
        &crate::runtime::app_state()?,
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
    let caller = crate::auth::access::require(crate::auth::scope::Scope::WebhooksWrite).await?;
    let actor = crate::audit::service::Actor::of(&caller);
    endpoints::delete(&crate::runtime::app_state()?, caller.company_id, &actor, id).await
}

/// Sends a sample event of `event_type` (its registry example) now and returns the attempt.
#[server(prefix = "/api/v1/webhooks", endpoint = "test", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn test_webhook(id: Uuid, event_type: String) -> Result<DeliveryView, AppError> {
    let caller = crate::auth::access::require(crate::auth::scope::Scope::WebhooksWrite).await?;
    resend::send_test(
        &crate::runtime::app_state()?,
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
    let caller = crate::auth::access::require(crate::auth::scope::Scope::WebhooksWrite).await?;
    let actor = crate::audit::service::Actor::of(&caller);
    secrets::rotate_secret(&crate::runtime::app_state()?, caller.company_id, &actor, id).await
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
    let caller = crate::auth::access::require(crate::auth::scope::Scope::WebhooksRead).await?;
    let state = crate::runtime::app_state()?;
    // An id that is no endpoint of the company is 404, not an empty log.
    endpoints::get(&state, caller.company_id, endpoint_id).await?;
    let filter = crate::delivery::log::Filter {
        destination: crate::delivery::queue::Destination::webhook(endpoint_id),
        status,
        event_type,
        before,
        limit,
    };
    crate::delivery::log::list(&state.pool, caller.company_id, filter).await
}

/// Delivers a delivery's event to its endpoint again, as a new delivery.
#[server(prefix = "/api/v1/webhooks", endpoint = "redeliver", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn redeliver(delivery_id: Uuid) -> Result<DeliveryView, AppError> {
    let caller = crate::auth::access::require(crate::auth::scope::Scope::WebhooksWrite).await?;
    resend::redeliver(
        &crate::runtime::app_state()?,
        caller.company_id,
        delivery_id,
    )
    .await
}

/// Queues again every failed delivery of an endpoint created since `since`.
#[server(prefix = "/api/v1/webhooks", endpoint = "retry_failed", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn retry_failed(
    endpoint_id: Uuid,
    since: DateTime<Utc>,
) -> Result<RetriedCount, AppError> {
    let caller = crate::auth::access::require(crate::auth::scope::Scope::WebhooksWrite).await?;
    resend::retry_failed(
        &crate::runtime::app_state()?,
        caller.company_id,
        endpoint_id,
        since,
    )
    .await
}
