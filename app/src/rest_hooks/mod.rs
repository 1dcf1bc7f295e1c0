//! Zapier's REST Hooks: a Zap subscribes to one event type with its own target URL when it is
//! turned on, and unsubscribes when it is turned off. Each subscription is a Zapier connection
//! delivered through the same pipeline as every destination; a 410 from its target removes it.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::client::ApiClient;
use crate::error::AppError;

#[cfg(feature = "ssr")]
pub mod service;

/// A Zap's subscription: events of `event_type` are POSTed to `target_url`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HookSubscription {
    /// Pass it to `/api/v1/hooks/unsubscribe` when the Zap is turned off.
    pub id: Uuid,
    pub target_url: String,
    pub event_type: String,
    pub created_at: DateTime<Utc>,
}

/// What an unsubscribe removed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UnsubscribedHooks {
    pub removed: Vec<Uuid>,
}

/// Subscribes a Zap (Zapier's REST Hooks `performSubscribe`): events of `event_type` are
/// POSTed as JSON to `target_url`, a Zapier hook URL, from the next publish on. Subscribing
/// the same URL to the same event again returns the existing subscription.
#[server(prefix = "/api/v1/hooks", endpoint = "subscribe", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn subscribe_hook(
    target_url: String,
    event_type: String,
) -> Result<HookSubscription, AppError> {
    let caller = crate::auth::access::require(crate::auth::scope::Scope::IntegrationsWrite).await?;
    service::subscribe(
        &crate::runtime::app_state()?,
        &caller,
        &target_url,
        &event_type,
    )
    .await
}

/// Unsubscribes a Zap (`performUnsubscribe`) by the `id` its subscribe returned, or by its
/// `target_url` (every event it subscribed to): 400 with neither, 404 when nothing matches.
#[server(prefix = "/api/v1/hooks", endpoint = "unsubscribe", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn unsubscribe_hook(
    id: Option<Uuid>,
    target_url: Option<String>,
) -> Result<UnsubscribedHooks, AppError> {
    let caller = crate::auth::access::require(crate::auth::scope::Scope::IntegrationsWrite).await?;
    service::unsubscribe(
        &crate::runtime::app_state()?,
        &caller,
        id,
        target_url.as_deref(),
    )
    .await
}
