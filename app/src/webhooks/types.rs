//! What the webhooks API shows and returns.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EndpointStatus {
    Active,
    /// Enabled, but the latest attempts failed.
    Failing,
    Disabled,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
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
    /// Its own retry policy; null retries on the installation's schedule.
    pub retry_policy: Option<crate::delivery::RetryPolicy>,
    /// The waits before each retry, in seconds, under the policy in force.
    pub retry_waits_secs: Vec<u64>,
    /// Its own limit on deliveries in flight at once; null takes the installation's.
    pub max_in_flight: Option<u32>,
    /// The limit on deliveries in flight at once in force.
    pub max_in_flight_in_force: u32,
    /// Deliveries started per second at most; null is no limit.
    pub rate_limit_per_second: Option<u32>,
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
