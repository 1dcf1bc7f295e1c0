//! Events: the host product publishes them; Plugboard stores them durably and fans them out.
//! Their types form a registry: six built in, plus each company's own.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::client::ApiClient;
use crate::error::AppError;

#[cfg(feature = "ssr")]
pub mod admission;
#[cfg(feature = "ssr")]
pub mod group_commit;
#[cfg(feature = "ssr")]
pub mod publish;
#[cfg(feature = "ssr")]
pub mod registry;
#[cfg(feature = "ssr")]
pub mod store;

/// Largest `data` payload, serialised, in bytes.
pub const MAX_PAYLOAD_BYTES: usize = 256 * 1024;
/// Most events in one `publish_batch` call.
pub const MAX_BATCH: usize = 1000;

/// One event of a batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventInput {
    pub event_type: String,
    pub data: serde_json::Value,
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// An event type in the registry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EventTypeView {
    /// Dotted lower-case name, e.g. `conversation.created`.
    pub name: String,
    pub description: String,
    /// A sample `data` payload, used for test deliveries and the docs.
    pub example: serde_json::Value,
    /// Built-in types cannot be deleted.
    pub builtin: bool,
}

/// The id of the stored event (`evt_...`); the same id again for a repeated idempotency key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PublishedEvent {
    pub id: String,
}

/// Publishes an event of a registered type. It is stored before the call returns. Publishing
/// the same `idempotency_key` again within 24 hours returns the first event's id and stores
/// nothing new. `data` may be up to 256 KB (413 beyond); an unknown type is 422.
#[server(prefix = "/api/v1/events", endpoint = "publish", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn publish_event(
    event_type: String,
    data: serde_json::Value,
    idempotency_key: Option<String>,
) -> Result<PublishedEvent, AppError> {
    let caller = crate::auth::access::require(crate::auth::scope::Scope::EventsWrite).await?;
    let state = crate::runtime::app_state()?;
    let input = EventInput {
        event_type,
        data,
        idempotency_key,
    };
    let event = publish::NewEvent::validate(input, "")?;
    let mut published = publish::publish(&state, &caller, vec![event], |_| String::new()).await?;
    published.pop().ok_or(AppError::Internal)
}

/// Publishes up to 1,000 events, stored together; the ids come back in the same order.
/// Each event follows the rules of `publish`; errors name the event, e.g. `events[3].data`.
#[server(prefix = "/api/v1/events", endpoint = "publish_batch", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn publish_events(events: Vec<EventInput>) -> Result<Vec<PublishedEvent>, AppError> {
    let caller = crate::auth::access::require(crate::auth::scope::Scope::EventsWrite).await?;
    let state = crate::runtime::app_state()?;
    let events = publish::validate_batch(events)?;
    publish::publish(&state, &caller, events, |i| format!("events[{i}].")).await
}

/// The event registry: built-in types first, then the company's own.
#[server(prefix = "/api/v1/events", endpoint = "types", input = server_fn::codec::GetUrl, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn list_event_types() -> Result<Vec<EventTypeView>, AppError> {
    let caller = crate::auth::access::require(crate::auth::scope::Scope::EventsRead).await?;
    registry::list(&crate::runtime::app_state()?.pool, caller.company_id).await
}

/// Adds a company event type. `example` is a JSON object used for test deliveries.
#[server(prefix = "/api/v1/events", endpoint = "create_type", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn create_event_type(
    name: String,
    description: String,
    example: Option<serde_json::Value>,
) -> Result<EventTypeView, AppError> {
    let caller = crate::auth::access::require(crate::auth::scope::Scope::EventsWrite).await?;
    let new = registry::NewEventType::validate(&name, &description, example)?;
    registry::create(&crate::runtime::app_state()?.pool, caller.company_id, new).await
}

/// Removes a company event type. Events already published keep their type.
#[server(prefix = "/api/v1/events", endpoint = "delete_type", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn delete_event_type(name: String) -> Result<(), AppError> {
    let caller = crate::auth::access::require(crate::auth::scope::Scope::EventsWrite).await?;
    registry::delete(&crate::runtime::app_state()?.pool, caller.company_id, &name).await
}
