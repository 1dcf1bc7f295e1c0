//! The dashboard's overview of a company's integrations: what is connected and healthy, how
//! deliveries went over the last day, what needs an admin's attention, and, until the company
//! has done them, the first steps.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::client::ApiClient;
use crate::error::AppError;
use crate::notifications::Notification;

#[cfg(feature = "ssr")]
mod attention;
#[cfg(feature = "ssr")]
pub mod service;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DashboardOverview {
    pub connections: ConnectionCounts,
    pub endpoints: EndpointCounts,
    pub deliveries: DeliveryDay,
    /// What an admin should look at, the most urgent first, each with where to fix it.
    pub attention: Vec<AttentionItem>,
    pub getting_started: GettingStarted,
    /// The newest notifications, with the caller's read state.
    pub notifications: Vec<Notification>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConnectionCounts {
    pub active: u32,
    /// Its credentials were refused or its provider refuses what it sends.
    pub error: u32,
    pub pending: u32,
    /// Connected, but still missing a setting it needs to act (e.g. Slack's channel).
    pub needs_setup: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EndpointCounts {
    pub healthy: u32,
    pub failing: u32,
    pub disabled: u32,
}

/// Deliveries created over the last 24 hours (to endpoints and connections alike).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeliveryDay {
    pub succeeded: u32,
    pub failed: u32,
    /// Still pending after at least one failed attempt.
    pub retrying: u32,
    /// 24 hourly buckets, oldest first; the last is the current hour.
    pub hours: Vec<DeliveryHour>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeliveryHour {
    pub hour: DateTime<Utc>,
    pub succeeded: u32,
    pub failed: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Something is not being delivered.
    Error,
    /// Something will stop working, or does not work yet.
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AttentionItem {
    pub severity: Severity,
    pub title: String,
    pub detail: String,
    /// The page where it is fixed.
    pub link: String,
    /// What the link does, e.g. "Reconnect".
    pub action: String,
}

/// The first steps of a new company, each done or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GettingStarted {
    pub connected_service: bool,
    pub created_api_key: bool,
    pub added_endpoint: bool,
    /// An event reached one of the company's endpoints or connections.
    pub delivered_event: bool,
}

impl GettingStarted {
    pub fn done(self) -> usize {
        [
            self.connected_service,
            self.created_api_key,
            self.added_endpoint,
            self.delivered_event,
        ]
        .into_iter()
        .filter(|done| *done)
        .count()
    }

    pub fn complete(self) -> bool {
        self.done() == 4
    }
}

/// The caller's company at a glance: connections and endpoints by state, the last 24 hours of
/// deliveries, what needs attention, the first steps and the newest notifications.
#[server(prefix = "/api/v1/dashboard", endpoint = "overview", input = server_fn::codec::GetUrl, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn get_dashboard_overview() -> Result<DashboardOverview, AppError> {
    let caller = crate::auth::access::require_admin().await?;
    service::overview(&crate::runtime::app_state()?, &caller).await
}
